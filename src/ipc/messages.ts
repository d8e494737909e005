// The wire records of the furrow protocol (see docs/protocol.md): each is a msgpack
// map whose `type` field names the record. These types are the single source of
// truth on the Node side; `validate.ts` checks decoded frames against them.

/** Protocol version carried in `Aid.version`; peers with another major refuse the handshake. */
export const PROTOCOL_VERSION = 1;

/** An actor's identity as a pair: `[name, uuid]` (a msgpack array of two strings). */
export type Uid = [name: string, uuid: string];

/** Where an actor listens. */
export type Address =
  | { kind: 'uds'; path: string }
  | { kind: 'tcp'; host: string; port: number };

/** The kind of function a `Start` reached, reported in `StartAck`. */
export type FuncType = 'asyncfunc' | 'asyncgen' | 'context';

/**
 * A boxed remote error. `relayed` holds the box this one relays (when an actor
 * passes on an error it received), `cause` the boxed `Error.cause` chain.
 */
export interface BoxedError {
  /** the error's class name at its source, e.g. `TypeError`, `ValueError` */
  boxedType: string;
  message: string;
  /** the remote stack / traceback text ('' if none) */
  stack: string;
  /** the actor where the error was raised */
  srcUid: Uid;
  /** the actors that relayed it, nearest the source first */
  relayPath: Uid[];
  /** for a context cancel: the actor that asked for it */
  canceller: Uid | null;
  /** the box this error relays, if it was itself relayed */
  relayed: BoxedError | null;
  /** the boxed cause chain */
  cause: BoxedError | null;
  /** any other serialisable fields of the error (e.g. `code`) */
  extra: Record<string, unknown>;
}

/** Each side's first frame: who I am. */
export interface Aid {
  type: 'Aid';
  name: string;
  uuid: string;
  /** the sender's process id (0 if it has none) */
  pid: number;
  /** `'node'`, `'python'`, ... */
  runtime: string;
  version: number;
}

/** Parent to new child, right after the handshake. */
export interface SpawnSpec {
  type: 'SpawnSpec';
  /** the child's actor name */
  name: string;
  parent: Uid;
  parentAddr: Address | null;
  registryAddr: Address | null;
  /** modules whose exports may be called remotely */
  enableModules: string[];
  debugMode: boolean;
  /** free-form runtime settings (plain msgpack values) */
  runtimeVars: Record<string, unknown>;
}

/** Open a dialog: call `ns:func` with the arguments array carried in `pld`. */
export interface Start {
  type: 'Start';
  cid: number;
  ns: string;
  func: string;
  /** msgpack-encoded arguments (an array) */
  pld: Uint8Array;
}

export interface StartAck {
  type: 'StartAck';
  cid: number;
  functype: FuncType;
}

/** A context's first value. */
export interface Started {
  type: 'Started';
  cid: number;
  pld: Uint8Array;
}

/** One stream value. */
export interface Yield {
  type: 'Yield';
  cid: number;
  pld: Uint8Array;
}

/** The end of the sender's stream (the dialog itself goes on). */
export interface Stop {
  type: 'Stop';
  cid: number;
}

/** The final value of the dialog. */
export interface Return {
  type: 'Return';
  cid: number;
  pld: Uint8Array;
}

/** A boxed error: for one dialog (`cid`) or for the whole connection (`cid: null`). */
export interface ErrorMsg {
  type: 'Error';
  cid: number | null;
  error: BoxedError;
}

/** Ask the peer to cancel the work behind a dialog. */
export interface Cancel {
  type: 'Cancel';
  cid: number;
  canceller: Uid;
  reason: string | null;
}

/** The answer to `Cancel`: `ok` is false when there was nothing left to cancel. */
export interface CancelAck {
  type: 'CancelAck';
  cid: number;
  ok: boolean;
}

/** Grant the peer `n` more `Yield`s on this dialog (credit-window flow control). */
export interface Credit {
  type: 'Credit';
  cid: number;
  n: number;
}

export interface Ping {
  type: 'Ping';
  seq: number;
}

export interface Pong {
  type: 'Pong';
  seq: number;
}

/** Every record that may appear on the wire. */
export type Msg =
  | Aid
  | SpawnSpec
  | Start
  | StartAck
  | Started
  | Yield
  | Stop
  | Return
  | ErrorMsg
  | Cancel
  | CancelAck
  | Credit
  | Ping
  | Pong;

export type MsgType = Msg['type'];

/** The records that belong to a dialog (they carry a numeric `cid`). */
export type DialogWireMsg = Start | StartAck | Started | Yield | Stop | Return | ErrorMsg | Cancel | CancelAck | Credit;

/** The records whose `pld` is a separately encoded msgpack payload. */
export type PayloadMsgType = 'Start' | 'Started' | 'Yield' | 'Return';

// What a dialog sends and receives: the wire records without `cid`, with the payload
// as a value instead of bytes (`value`), and without `Credit` (handled inside).

/** A message as the dialog layer sends it (the connection adds `cid`, encodes `value`). */
export type DialogOut =
  | { type: 'Start'; ns: string; func: string; value: unknown[] }
  | { type: 'StartAck'; functype: FuncType }
  | { type: 'Started' | 'Yield' | 'Return'; value: unknown }
  | { type: 'Stop' }
  | { type: 'Error'; error: BoxedError }
  | { type: 'Cancel'; canceller: Uid; reason: string | null }
  | { type: 'CancelAck'; ok: boolean };

/** A message as `Dialog.receive()` returns it (payload decoded into `value`). */
export type DialogIn =
  | { type: 'Start'; cid: number; ns: string; func: string; value: unknown[] }
  | { type: 'StartAck'; cid: number; functype: FuncType }
  | { type: 'Started' | 'Yield' | 'Return'; cid: number; value: unknown }
  | Stop
  | ErrorMsg
  | Cancel
  | CancelAck;

/** The names of every record type, in protocol order. */
export const MSG_TYPES: readonly MsgType[] = [
  'Aid',
  'SpawnSpec',
  'Start',
  'StartAck',
  'Started',
  'Yield',
  'Stop',
  'Return',
  'Error',
  'Cancel',
  'CancelAck',
  'Credit',
  'Ping',
  'Pong',
];
