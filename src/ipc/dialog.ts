// One dialog (one `cid`) on a Connection: an unbounded in-order buffer the
// connection's reader fills without ever blocking, a receive that is a furrow
// checkpoint, lazy payload decoding (a bad payload fails this dialog only), and
// optional credit-window flow control for streams of `Yield`s.
import { ClosedResourceError, ParkingLot, currentScope, suspend } from '../core/index.ts';
import { ignoring } from '../core/ignore.ts';
import { boxLocalError } from './boxing.ts';
import { decodePayload, decodePayloadAt, encodeFrame, encodePayloadFrame, encodeStartAckFrame, encodeStartFrame, payloadOffset, type PendingPayload } from './codec.ts';
import { MsgTypeError, TransportError } from './errors.ts';
import type { Cancel, DialogIn, DialogOut, DialogWireMsg, Uid } from './messages.ts';

/** What a Dialog needs from its Connection. */
export interface DialogHost {
  /** @internal Queue a frame; throws TransportError if the connection is closed. */
  _write(frame: Uint8Array): void;
  /** @internal Wait for the transport to drain if it must; a checkpoint. */
  _maybeDrain(): Promise<void> | undefined;
  /** @internal Forget a closed dialog. */
  _forget(cid: number): void;
  /** The local actor's uid, for boxing errors raised here. */
  readonly localUid: Uid;
}

const RESOLVED = Promise.resolve();

/**
 * A dialog: an ordered, bidirectional exchange of records sharing one `cid`
 * (an RPC call, a context with its stream, a cancel request). Made by
 * `Connection.openDialog()` (local) or handed to the connection's `onDialog`
 * handler when the peer opens one (remote).
 */
export class Dialog {
  /** the channel id shared with the peer */
  readonly cid: number;
  /** true if this side opened the dialog */
  readonly local: boolean;
  /**
   * If set, `Cancel` records skip the buffer and are handed here at once, by the
   * connection's reader (so a cancel is seen even when the consumer is behind).
   */
  onCancel: ((msg: Cancel) => void) | null = null;

  #host: DialogHost;
  // records as they arrived; fast-path payload records are already DialogIn-shaped (see PendingPayload)
  #buf: (DialogWireMsg | PendingPayload)[] = [];
  #head = 0;
  /** tasks waiting in `receive()` for a record */
  #receivers = new ParkingLot();
  #error: Error | null = null;
  #closed = false;
  // flow control, sending side: credits granted by the peer, and whether sends wait on them
  #credit = 0;
  #limited = false;
  /** tasks waiting in `send()` for credit */
  #creditWaiters = new ParkingLot();
  // flow control, receiving side: the window, credit outstanding at the peer, and consumed since the last grant
  #window = 0;
  #outstanding = 0;
  #consumed = 0;
  // Yields taken by receive(), and their payload bytes (for a receiver's byte-aware window)
  #yieldsIn = 0;
  #yieldBytesIn = 0;

  constructor(host: DialogHost, cid: number, local: boolean) {
    this.#host = host;
    this.cid = cid;
    this.local = local;
  }

  /** Messages received and not yet taken by `receive()`. */
  get pending(): number {
    return this.#buf.length - this.#head;
  }

  /** The error that ended this dialog (its connection's, or a payload error), if any. */
  get error(): Error | null {
    return this.#error;
  }

  /** Credits the peer has granted and this side has not yet used. */
  get credit(): number {
    return this.#credit;
  }

  /** Credits this side granted the peer that no received `Yield` has used yet (below 0 if the peer sends unlimited). */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** How many `Yield`s `receive()` has taken so far. */
  get yieldsReceived(): number {
    return this.#yieldsIn;
  }

  /** The payload bytes of those `Yield`s (encoded size). */
  get yieldBytesReceived(): number {
    return this.#yieldBytesIn;
  }

  /**
   * Send one record on this dialog. Resolves at once in the common case; waits (a
   * checkpoint) when sends are credit-limited and the window is spent, or when the
   * transport is backed up. Rejects with `TransportError` at once if the connection
   * is gone, with `ClosedResourceError` if this dialog was closed, with `MsgTypeError`
   * if the value cannot be encoded (nothing is sent then).
   */
  send(msg: DialogOut): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedResourceError(`dialog ${this.cid} is closed`));
    if (this.#error instanceof TransportError) return Promise.reject(this.#error);
    if (msg.type === 'Yield' && this.#limited) {
      if (this.#credit <= 0) return this.#sendWhenCredit(msg);
      this.#credit--;
    }
    try {
      this.#host._write(this.#encode(msg));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#host._maybeDrain() ?? RESOLVED;
  }

  async #sendWhenCredit(msg: DialogOut): Promise<void> {
    while (this.#credit <= 0) {
      if (this.#closed) throw new ClosedResourceError(`dialog ${this.cid} is closed`);
      if (this.#error instanceof TransportError) throw this.#error;
      await this.#creditWaiters.park();
    }
    return this.send(msg);
  }

  #encode(msg: DialogOut): Uint8Array {
    const cid = this.cid;
    try {
      switch (msg.type) {
        case 'Started':
        case 'Yield':
        case 'Return':
          return encodePayloadFrame(msg.type, cid, msg.value);
        case 'Start':
          return encodeStartFrame(cid, msg.ns, msg.func, msg.value);
        case 'StartAck':
          return encodeStartAckFrame(cid, msg.functype);
        default:
          return encodeFrame({ ...msg, cid } as DialogWireMsg);
      }
    } catch (e) {
      throw new MsgTypeError(`cannot encode ${msg.type} on dialog ${cid}: ${(e as Error).message}`, cid, { cause: e });
    }
  }

  /**
   * Receive the next record, in order. A checkpoint: waits until one arrives, throws
   * `Cancelled` if the scope is cancelled. Messages that arrived before the
   * connection dropped are still returned; then it throws the `TransportError`.
   * A payload that does not decode throws `MsgTypeError`, fails this dialog and
   * tells the peer (an `Error` record).
   */
  receive(): Promise<DialogIn> {
    // fast path: a message is waiting and no cancellation is pending
    if (this.#head < this.#buf.length && !currentScope()?.isCancelled) {
      try {
        return Promise.resolve(this.#take());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.#receiveSlow();
  }

  /**
   * `receive()` without waiting: the next record if one is already here (and the scope
   * is not cancelled), else `undefined`. For readers that drain what arrived in one go
   * (no promise per record). Throws like `receive` for a payload that does not decode.
   */
  receiveNow(): DialogIn | undefined {
    if (this.#head < this.#buf.length && !currentScope()?.isCancelled) return this.#take();
    return undefined;
  }

  async #receiveSlow(): Promise<DialogIn> {
    for (;;) {
      if (this.#head < this.#buf.length) {
        if (currentScope()?.isCancelled) await suspend(() => {});
        return this.#take();
      }
      if (this.#error) throw this.#error;
      if (this.#closed) throw new ClosedResourceError(`dialog ${this.cid} is closed`);
      await this.#receivers.park();
    }
  }

  #take(): DialogIn {
    const m = this.#buf[this.#head]!;
    this.#buf[this.#head++] = undefined as unknown as DialogWireMsg;
    if (this.#head === this.#buf.length) {
      this.#buf = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#buf.length) {
      this.#buf = this.#buf.slice(this.#head);
      this.#head = 0;
    }
    switch (m.type) {
      case 'Started':
      case 'Yield':
      case 'Return': {
        if (m.type === 'Yield') {
          this.#yieldsIn++;
          this.#yieldBytesIn += m.pld === undefined ? (m.value as Uint8Array).length - payloadOffset('Yield') : m.pld.length;
          if (this.#window > 0 && ++this.#consumed * 2 >= this.#window) this.#grant(this.#consumed);
        }
        if (m.pld === undefined) {
          // decoded into the record itself: `value` holds the frame body until now
          const body = m.value as Uint8Array;
          m.value = this.#decodeAt(body, payloadOffset(m.type));
          return m;
        }
        return { type: m.type, cid: m.cid, value: this.#decode(m.pld) };
      }
      case 'Start': {
        const args = this.#decode(m.pld);
        if (!Array.isArray(args)) this.#payloadFailed(new MsgTypeError(`Start on dialog ${this.cid}: arguments must be an array`, this.cid));
        return { type: 'Start', cid: m.cid, ns: m.ns, func: m.func, value: args as unknown[] };
      }
      default:
        return m as DialogIn;
    }
  }

  #decode(pld: Uint8Array): unknown {
    try {
      return decodePayload(pld, this.cid);
    } catch (e) {
      this.#payloadFailed(e as MsgTypeError);
    }
  }

  #decodeAt(body: Uint8Array, start: number): unknown {
    try {
      return decodePayloadAt(body, start, this.cid);
    } catch (e) {
      this.#payloadFailed(e as MsgTypeError);
    }
  }

  #payloadFailed(err: MsgTypeError): never {
    this.#fail(err);
    this.#buf = [];
    this.#head = 0;
    ignoring('the connection is gone: the peer learns of the failure that way', () =>
      this.#host._write(encodeFrame({ type: 'Error', cid: this.cid, error: boxLocalError(err, this.#host.localUid) })),
    );
    throw err;
  }

  /**
   * Switch on flow control for what this side receives: grant the peer `window`
   * `Yield`s now, and grant more as `receive()` takes them (in batches of half the
   * window). A peer that sends past its credit fails the dialog (`TransportError`
   * code `'credit'`).
   */
  setReceiveWindow(window: number): void {
    if (!Number.isInteger(window) || window < 1) throw new RangeError('window must be a positive integer');
    const add = window - this.#window;
    this.#window = window;
    if (add > 0) this.#grant(add);
  }

  /** Grant the peer `n` more `Yield`s by hand (for callers that pace themselves). */
  grant(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError('credit must be a positive integer');
    this.#grant(n);
  }

  #grant(n: number): void {
    this.#consumed = 0;
    this.#outstanding += n;
    if (this.#closed || this.#error) return;
    ignoring('the connection is gone: the dialog fails through it', () => this.#host._write(encodeFrame({ type: 'Credit', cid: this.cid, n })));
  }

  /**
   * Switch on flow control for what this side sends: from now on each `Yield` uses
   * one credit granted by the peer (`Credit` records, counted from the start of the
   * dialog), and `send` waits while there is none.
   */
  limitSends(): void {
    this.#limited = true;
  }

  /** Close this dialog locally: pending and later calls throw `ClosedResourceError`; late records for it are dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#host._forget(this.cid);
    this.#wake();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal Called by the connection's reader for each record of this dialog. */
  _deliver(m: DialogWireMsg | PendingPayload): void {
    if (this.#closed || this.#error) return;
    switch (m.type) {
      case 'Credit':
        this.#credit += m.n;
        if (this.#creditWaiters.length) this.#creditWaiters.unparkAll();
        return;
      case 'Cancel':
        if (this.onCancel) {
          this.onCancel(m);
          return;
        }
        break;
      case 'Yield':
        if (--this.#outstanding < 0 && this.#window > 0) {
          this.#fail(new TransportError('credit', `dialog ${this.cid}: the peer sent a Yield past its credit window of ${this.#window}`));
          return;
        }
        break;
    }
    this.#buf.push(m);
    if (this.#receivers.length) this.#receivers.unparkAll();
  }

  /** @internal Fail the dialog (its connection is gone, or its payload was bad). */
  _fail(err: Error): void {
    this.#fail(err);
  }

  #fail(err: Error): void {
    if (this.#error) return;
    this.#error = err;
    this.#wake();
  }

  /** Wake every waiting task, receivers and senders: the dialog ended. */
  #wake(): void {
    this.#receivers.unparkAll();
    this.#creditWaiters.unparkAll();
  }
}
