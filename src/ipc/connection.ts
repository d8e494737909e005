// A Connection: one per peer, over any Transport. It routes frames to dialogs by
// `cid` and turns every fault (malformed frame, dropped peer, dead or silent peer)
// into a TransportError that reaches every waiting dialog at once. The handshake's
// rules (handshake.ts), the heartbeat (heartbeat.ts) and the watch on a peer of this
// host (peer-liveness.ts) live in modules of their own; what arrives for nobody in
// particular (the dialogs the peer opens, a SpawnSpec) waits in an Inbox.
import { Event, suspend } from '../core/index.ts';
import { ignore, ignoring } from '../core/ignore.ts';
import { boxLocalError } from './boxing.ts';
import { decodeRecord, encodeFrame, type PendingPayload } from './codec.ts';
import { Dialog, type DialogHost } from './dialog.ts';
import { TransportError } from './errors.ts';
import { checkPeerAid, HANDSHAKE_TIMEOUT_MS } from './handshake.ts';
import { DEFAULT_HEARTBEAT_MS, startHeartbeat } from './heartbeat.ts';
import { Inbox } from './inbox.ts';
import { PROTOCOL_VERSION, type Aid, type Msg, type SpawnSpec, type Uid } from './messages.ts';
import { watchPeer, type LivenessOptions } from './peer-liveness.ts';
import type { Transport, TransportSink } from './transport.ts';

const MAX_CID = 0xffff_ffff;

/** Options of {@link openConnection}. */
export interface ConnectionOptions {
  /** this actor's name, sent in `Aid` */
  name: string;
  /** this actor's uuid (default: a fresh random one) */
  uuid?: string;
  /** `Aid.runtime` (default `'node'`) */
  runtime?: string;
  /** fail if the peer's `Aid` has not arrived within this many ms (default 10 000) */
  handshakeTimeoutMs?: number;
  /**
   * Send a `Ping` every this many ms; 0 turns the heartbeat off. Default: off when
   * the peer is watched through /proc (a peer on this host over a Unix socket or a
   * pipe: see `liveness`), else 5000 on sockets and pipes and off on MessagePorts
   * (`Transport.heartbeatByDefault`).
   */
  heartbeatMs?: number;
  /**
   * How a peer on this host (a Unix socket or a pipe, a pid not ours) is watched
   * through /proc: a peer stopped for `frozenMs` (5 s) or gone is dead, and every
   * waiting call fails. `false` turns the watch off.
   */
  liveness?: LivenessOptions | false;
  /** fail the connection after this long without any frame from the peer (default 3 x heartbeatMs) */
  heartbeatTimeoutMs?: number;
  /** called (by the reader, synchronously) with each dialog the peer opens */
  onDialog?: (dialog: Dialog) => void;
  /** called once when the connection ends; `null` after a clean local close */
  onClose?: (error: TransportError | null) => void;
  /**
   * @internal Our `Aid` already went out on this transport (a child's early hello,
   * `encodeHelloFrame` with the same `name` and `uuid`): do not send it again.
   */
  aidSent?: boolean;
}

/** Frame counters of a connection. */
export interface ConnectionStats {
  framesIn: number;
  framesOut: number;
  /** records that arrived for a dialog already closed on this side (dropped, as expected after a cancel) */
  lateDropped: number;
}

/**
 * Do the handshake over `transport` and return the Connection. Each side sends its
 * `Aid` first; a first frame that is not a valid `Aid` of the same protocol
 * version, or none within `handshakeTimeoutMs`, fails with `TransportError`
 * (code `'handshake'`) and the transport is closed. A checkpoint.
 */
export async function openConnection(transport: Transport, opts: ConnectionOptions): Promise<Connection> {
  const conn = new Connection(transport, opts);
  await conn._handshake(opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS);
  return conn;
}

/** A handshaken link to one peer, carrying many dialogs. Made by {@link openConnection}. */
export class Connection implements DialogHost {
  readonly transport: Transport;
  /** our own `Aid` */
  readonly local: Aid;
  /** the peer's `Aid` (set once the handshake is done) */
  peer!: Aid;
  #onDialog: ((dialog: Dialog) => void) | null;
  readonly stats: ConnectionStats = { framesIn: 0, framesOut: 0, lateDropped: 0 };

  #dialogs = new Map<number, Dialog>();
  #nextCid = 0;
  #peerParity = 0;
  #maxPeerCid = -1;
  #error: TransportError | null = null;
  #closed = false;
  #handshake: { resolve: () => void; reject: (e: Error) => void } | null = null;
  #handshakeDone: Promise<void>;
  #opts: ConnectionOptions;
  /** stop the heartbeat, or the /proc watch of the peer */
  #stopWatching: (() => void) | null = null;
  /** SpawnSpecs the peer sent, until `receiveSpawnSpec()` takes them */
  #spawnSpecs = new Inbox<SpawnSpec>();
  /** dialogs the peer opened while no `onDialog` handler was set, until `acceptDialog()` takes them */
  #incoming = new Inbox<Dialog>();
  /** set when the connection ends */
  #ended = new Event();

  /** @internal use {@link openConnection} */
  constructor(transport: Transport, opts: ConnectionOptions) {
    this.transport = transport;
    this.#opts = opts;
    this.#onDialog = opts.onDialog ?? null;
    this.local = {
      type: 'Aid',
      name: opts.name,
      // node:crypto costs ~8 ms to load: only when no uuid is given (never in a child actor's start-up)
      uuid: opts.uuid ?? process.getBuiltinModule('node:crypto').randomUUID(),
      pid: process.pid,
      runtime: opts.runtime ?? 'node',
      version: PROTOCOL_VERSION,
    };
    this.#handshakeDone = new Promise<void>((resolve, reject) => (this.#handshake = { resolve, reject }));
    this.#handshakeDone.catch(ignore('a failed handshake is thrown by _handshake() to whoever opened the connection'));
    const sink: TransportSink = { frame: (b) => this.#onFrame(b), closed: (e) => this.#onTransportClosed(e) };
    transport.attach(sink);
  }

  /**
   * The handler for dialogs the peer opens. Dialogs that arrived while none was set
   * (and were not taken by `acceptDialog()`) are handed to it when it is set.
   */
  get onDialog(): ((dialog: Dialog) => void) | null {
    return this.#onDialog;
  }
  set onDialog(h: ((dialog: Dialog) => void) | null) {
    this.#onDialog = h;
    if (h) for (const d of this.#incoming.drain()) h(d);
  }

  /** `[name, uuid]` of this side. */
  get localUid(): Uid {
    return [this.local.name, this.local.uuid];
  }

  /** `[name, uuid]` of the peer. */
  get peerUid(): Uid {
    return [this.peer.name, this.peer.uuid];
  }

  /** True once the connection is closed or failed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Why the connection ended (`null` while open or after a clean local close). */
  get error(): TransportError | null {
    return this.#error;
  }

  /** Dialogs currently open on this connection. */
  get dialogCount(): number {
    return this.#dialogs.size;
  }

  /** @internal */
  async _handshake(timeoutMs: number): Promise<void> {
    const done = this.#handshakeDone;
    const timer = setTimeout(
      () => this.#fail(new TransportError('handshake', `handshake with ${this.transport.description} timed out: no Aid within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      if (this.#opts.aidSent) this.stats.framesOut++;
      else this._write(encodeFrame(this.local));
      await suspend<void>((resolve, reject) => {
        done.then(resolve, reject);
      });
    } catch (e) {
      this.#fail(e instanceof TransportError ? e : new TransportError('closed', 'handshake abandoned', { cause: e }));
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Open a new dialog with a fresh `cid`. Nothing is sent until its first `send`.
   * Throws `TransportError` if the connection is closed.
   */
  openDialog(): Dialog {
    if (this.#closed) throw this.#closedError();
    if (this.#nextCid > MAX_CID) throw new TransportError('closed', 'no channel ids left on this connection');
    const cid = this.#nextCid;
    this.#nextCid += 2;
    const d = new Dialog(this, cid, true);
    this.#dialogs.set(cid, d);
    return d;
  }

  /**
   * Wait for the next dialog the peer opens (when no `onDialog` handler is set).
   * A checkpoint; throws `TransportError` when the connection ends.
   */
  acceptDialog(): Promise<Dialog> {
    return this.#incoming.take();
  }

  /** Send the `SpawnSpec` record (parent to a new child, right after the handshake). */
  sendSpawnSpec(spec: Omit<SpawnSpec, 'type'>): void {
    this._write(encodeFrame({ ...spec, type: 'SpawnSpec' }));
  }

  /** Wait for the peer's `SpawnSpec`. A checkpoint; throws `TransportError` when the connection ends. */
  receiveSpawnSpec(): Promise<SpawnSpec> {
    return this.#spawnSpecs.take();
  }

  /** Wait until the connection ends; returns its error (`null` after a clean local close). A checkpoint. */
  async waitClosed(): Promise<TransportError | null> {
    await this.#ended.wait();
    return this.#error;
  }

  /**
   * Close gracefully: frames already queued are flushed, then the transport ends.
   * Every open dialog fails with `TransportError` (code `'closed'`).
   */
  close(): void {
    if (this.#closed) return;
    this.#end(null, new TransportError('closed', 'connection closed locally'));
    this.transport.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  // ---- DialogHost ----

  /** @internal */
  _write(frame: Uint8Array): void {
    if (this.#closed) throw this.#closedError();
    this.stats.framesOut++;
    this.transport.write(frame);
  }

  /** @internal */
  _maybeDrain(): Promise<void> | undefined {
    if (!this.transport.needsDrain) return undefined;
    const t = this.transport;
    return suspend<void>((resolve, reject) => {
      t.drain().then(resolve, reject);
    });
  }

  /** @internal */
  _forget(cid: number): void {
    this.#dialogs.delete(cid);
  }

  // ---- reading ----

  #onFrame(body: Uint8Array): void {
    if (this.#closed) return;
    this.stats.framesIn++;
    let m: Msg | PendingPayload;
    try {
      m = decodeRecord(body);
    } catch (e) {
      this.#protocolError(e as TransportError);
      return;
    }
    if (this.#handshake) {
      this.#onHandshake(m);
      return;
    }
    switch (m.type) {
      case 'Ping':
        ignoring('the connection is closing; the peer sees that', () => this._write(encodeFrame({ type: 'Pong', seq: m.seq })));
        return;
      case 'Pong':
        return;
      case 'Aid':
        this.#protocolError(new TransportError('malformed', 'protocol error: a second Aid after the handshake'));
        return;
      case 'SpawnSpec':
        this.#spawnSpecs.push(m);
        return;
      case 'Error':
        if (m.cid === null) {
          this.#fail(new TransportError('closed', `the peer closed the connection after an error: ${m.error.boxedType}: ${m.error.message}`));
          return;
        }
        break;
    }
    const cid = m.cid as number;
    const d = this.#dialogs.get(cid);
    if (d) {
      d._deliver(m);
      return;
    }
    // only a `Start` of the peer's parity, above every cid it used, opens a dialog;
    // anything else is late (after a cancel) and dropped, and uses up no cid
    if (m.type !== 'Start' || cid % 2 !== this.#peerParity || cid <= this.#maxPeerCid) {
      this.stats.lateDropped++;
      return;
    }
    this.#maxPeerCid = cid;
    const nd = new Dialog(this, cid, false);
    this.#dialogs.set(cid, nd);
    nd._deliver(m);
    if (this.#onDialog) this.#onDialog(nd);
    else this.#incoming.push(nd);
  }

  #onHandshake(m: Msg | PendingPayload): void {
    const hs = this.#handshake!;
    let settled;
    try {
      settled = checkPeerAid(this.local, m);
    } catch (e) {
      this.#protocolError(e as TransportError);
      return;
    }
    this.#nextCid = settled.firstCid;
    this.#peerParity = settled.peerParity;
    this.peer = settled.peer;
    this.#handshake = null;
    this.#stopWatching = this.#watchPeer();
    hs.resolve();
  }

  /**
   * Watch the peer: through /proc when it is a process on this host (a Unix socket
   * or a pipe), else by heartbeat when one is on. Returns what stops the watching.
   */
  #watchPeer(): (() => void) | null {
    const stops: (() => void)[] = [];
    const local = this.transport.kind === 'uds' || this.transport.kind === 'pipe';
    if (local && this.#opts.liveness !== false) {
      const dead = (reason: string): void => this.#fail(new TransportError('dropped', `peer '${this.peer.name}' is dead: ${reason}`));
      const stop = watchPeer({ pid: this.peer.pid, busy: () => this.#dialogs.size > 0, dead }, this.#opts.liveness || {});
      if (stop) stops.push(stop);
    }
    // a peer watched through /proc needs no heartbeat unless one is asked for
    const every = this.#opts.heartbeatMs ?? (stops.length === 0 && this.transport.heartbeatByDefault ? DEFAULT_HEARTBEAT_MS : 0);
    if (every > 0) {
      const silent = (ms: number): void =>
        this.#fail(new TransportError('heartbeat', `peer ${this.peer.name} (${this.transport.description}) silent for ${ms} ms: heartbeat timeout`));
      stops.push(startHeartbeat({ framesIn: () => this.stats.framesIn, write: (frame) => this._write(frame), silent }, every, this.#opts.heartbeatTimeoutMs ?? every * 3));
    }
    return stops.length === 0 ? null : () => stops.forEach((stop) => stop());
  }

  /** A bad frame: tell the peer why (best effort), close, and fail every dialog. */
  #protocolError(err: TransportError): void {
    if (this.#closed) return;
    ignoring('the transport is gone: the peer sees the close', () =>
      this._write(encodeFrame({ type: 'Error', cid: null, error: boxLocalError(err, this.localUid) })),
    );
    this.#end(err, err);
    this.transport.close();
  }

  #onTransportClosed(e: TransportError | null): void {
    if (this.#closed) return;
    this.#fail(e ?? new TransportError('closed', `connection to ${this.#peerName()} closed by the peer (or the peer went away)`));
  }

  #fail(err: TransportError): void {
    if (this.#closed) return;
    this.#end(err, err);
    this.transport.destroy(err);
  }

  #end(error: TransportError | null, dialogError: TransportError): void {
    this.#closed = true;
    this.#error = error;
    this.#stopWatching?.();
    if (this.#handshake) {
      this.#handshake.reject(dialogError);
      this.#handshake = null;
    }
    for (const d of this.#dialogs.values()) d._fail(dialogError);
    const closedError = () => this.#closedError();
    this.#incoming.end(closedError);
    this.#spawnSpecs.end(closedError);
    this.#ended.set();
    this.#opts.onClose?.(error);
  }

  #closedError(): TransportError {
    return this.#error ?? new TransportError('closed', 'connection is closed');
  }

  #peerName(): string {
    return this.peer ? `${this.peer.name} (${this.transport.description})` : this.transport.description;
  }
}
