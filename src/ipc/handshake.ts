// The Aid handshake's rules (docs/protocol.md, section 4): the peer's first frame
// must be its `Aid`, of our protocol version and with a uuid other than ours; the
// two uuids then fix which side opens odd channel ids and which even ones. A first
// frame that is an `Error` carries the peer's reason for refusing: it is reported
// as such, not as "not an Aid".
import type { PendingPayload } from './codec.ts';
import { TransportError } from './errors.ts';
import { PROTOCOL_VERSION, type Aid, type Msg } from './messages.ts';

/** The default time the peer has to send its `Aid` (ms; docs/protocol.md section 4). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** What a good handshake settles: the peer, and the channel ids each side opens. */
export interface Handshake {
  peer: Aid;
  /** the first cid this side opens (1 or 2; then every other one) */
  firstCid: number;
  /** the parity (0 or 1) of the cids the peer opens */
  peerParity: number;
}

/** Check the peer's first frame against our `Aid`. Throws `TransportError` (code `'handshake'`) saying what is wrong. */
export function checkPeerAid(local: Aid, first: Msg | PendingPayload): Handshake {
  if (first.type === 'Error' && first.cid === null) {
    throw new TransportError('handshake', `handshake refused by the peer: ${first.error.boxedType}: ${first.error.message}`);
  }
  if (first.type !== 'Aid') throw new TransportError('handshake', `handshake failed: the first frame was '${first.type}', not 'Aid'`);
  if (first.version !== PROTOCOL_VERSION) {
    throw new TransportError('handshake', `handshake failed: peer speaks protocol version ${first.version}, this side ${PROTOCOL_VERSION}`);
  }
  const order = Buffer.compare(Buffer.from(local.uuid), Buffer.from(first.uuid));
  if (order === 0) throw new TransportError('handshake', `handshake failed: the peer has this side's own uuid ${first.uuid}`);
  // the side with the smaller uuid opens odd cids, the other even ones
  return { peer: first, firstCid: order < 0 ? 1 : 2, peerParity: order < 0 ? 0 : 1 };
}
