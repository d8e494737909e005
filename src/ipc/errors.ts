// Errors raised by the IPC layer: TransportError for anything wrong with a
// connection (dropped, malformed frame, failed handshake, silent or stalled peer) and
// MsgTypeError for a dialog whose payload or message sequence is wrong.

/** What went wrong on a connection, for code that wants to branch on it. */
export type TransportErrorCode =
  | 'closed' // the connection was closed (locally or by the peer)
  | 'dropped' // the peer went away without closing (reset, EOF mid-frame, killed)
  | 'malformed' // a frame that is not msgpack, or not one of the records
  | 'oversized' // a frame larger than the cap
  | 'handshake' // the handshake was late, invalid or incompatible
  | 'heartbeat' // the peer stayed silent past the heartbeat timeout
  | 'timeout' // a frame was not complete within its deadline after its first byte (slowloris)
  | 'io' // an operating-system error on the socket / pipe / port
  | 'credit'; // the peer sent past the credit window it was granted

/** The connection (or the transport under it) failed; every dialog on it gets this error. */
export class TransportError extends Error {
  override name = 'TransportError';
  readonly code: TransportErrorCode;
  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * One dialog received something it cannot use: a payload that does not decode, or
 * a message that is not allowed at this point. It fails that dialog only.
 */
export class MsgTypeError extends Error {
  override name = 'MsgTypeError';
  /** the dialog's channel id, if known */
  readonly cid: number | null;
  constructor(message: string, cid: number | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.cid = cid;
  }
}
