// Context: one side of a dialog between a task in one actor and a function in
// another (tractor's context). The opener gets it in `portal.openContext`'s body,
// the callee as its first argument. A pump task reads the dialog without ever
// blocking: `Started` and the final `Return` or `Error` are recorded at once (an
// error interrupts the local side at once), stream values queue here up to the
// credit window.
import { CancelScope, currentScope, EndOfChannel, isCancelled, suspend, withCancelScope } from '../core/index.ts';
import { throwIfCancelled } from '../core/checkpoints.ts';
import { Deque } from '../core/deque.ts';
import type { Dialog, FuncType, Uid } from '../ipc/index.ts';
import { boxError, unboxError } from './box.ts';
import { StreamOverrun } from './errors.ts';
import { DONE, MsgStream, NONE, type StreamOptions } from './stream.ts';

/**
 * The default credit window of a stream, in messages: large enough that a stream of
 * small messages needs few credit round trips (each wakes both processes, 50-300 us
 * on a 2-core VM), small enough to bound what a fast producer piles up at the receiver.
 */
const DEFAULT_WINDOW = 512;
const DEFAULT_MAX_BUFFER = 10_000;
/** Credit granted by a side that allows overruns (the peer never waits). */
const UNLIMITED = 2 ** 30;
/** Auto window bounds: at most this many messages outstanding at the peer ... */
const AUTO_MAX_MESSAGES = 4096;
/** ... and at most about this many payload bytes (from the average payload seen so far). */
const AUTO_MAX_BYTES = 1 << 20;

/**
 * Receiver policy of a stream opened without an explicit `window`: how many credits
 * to keep granted ahead of what this side has consumed, given the Yields received so
 * far and their payload bytes. DEFAULT_WINDOW until a message arrived; then as many
 * as keep AUTO_MAX_BYTES of payload in flight, at most AUTO_MAX_MESSAGES and at least
 * one. Small messages get more credit (fewer credit round trips), large ones less
 * (bounded memory). Not a wire change: `Credit` records still count messages.
 * @internal exported for tests
 */
export function autoWindow(messages: number, bytes: number): number {
  if (messages === 0) return DEFAULT_WINDOW;
  const perMessage = Math.max(1, bytes / messages);
  return Math.max(1, Math.min(AUTO_MAX_MESSAGES, Math.floor(AUTO_MAX_BYTES / perMessage)));
}

/**
 * One side of a context. On the callee: `started(value)` once, then optionally
 * `openStream(body)`; `cancel()` cancels the callee's own task. On the opener:
 * `openStream(body)`, `cancel()` (absorbed: `openContext` returns `undefined`),
 * `result()` (the callee's return value). `R` is the callee's result type and `S`
 * the type of its `started()` value.
 */
export class Context<R = unknown, S = any> {
  /** which side this is */
  readonly side: 'opener' | 'callee';
  /** this actor's uid */
  readonly self: Uid;
  /** the other side's actor uid */
  readonly peer: Uid;
  /** `module:function` of the callee, for messages */
  readonly target: string;
  /** the kind of function the callee runs (opener: known once `StartAck` arrived) */
  functype: FuncType | null = null;

  /** @internal */ _dialog: Dialog;
  /** @internal the scope an error interrupts (opener: the body; callee: the task) */
  _interrupt: CancelScope | undefined;
  /** @internal this side asked for the cancel */
  _cancelRequested = false;
  /** @internal the callee's final value (opener) */
  _final: { value: unknown } | undefined;
  /** @internal the context's failure (remote error, transport, overrun) */
  _error: Error | undefined;
  /** @internal the first value (opener) */
  _first: { value: unknown } | undefined;
  /** @internal the opener sent an Error record (callee side) */
  _peerFailed = false;

  #inbox = new Deque<unknown>();
  #peerStopped = false;
  #waiters: (() => void)[] = [];
  #startedSent = false;
  #streamOpened = false;
  #stopSent = false;
  // receive window: the target of credits granted ahead of consumption (0: none), whether
  // autoWindow() sets it, and how many of the credits granted the reader has not consumed
  #window = 0;
  #auto = false;
  #ahead = 0;
  #maxBuffer = Infinity;
  #cancelSent = false;

  /** @internal */
  constructor(side: 'opener' | 'callee', dialog: Dialog, self: Uid, peer: Uid, target: string) {
    this.side = side;
    this._dialog = dialog;
    this.self = self;
    this.peer = peer;
    this.target = target;
  }

  /** The dialog's channel id. */
  get cid(): number {
    return this._dialog.cid;
  }

  /** True once the final `Return` or `Error` arrived, or the context failed. */
  get done(): boolean {
    return this._final !== undefined || this._error !== undefined;
  }

  /**
   * Callee only: send the first value, which the opener's `openContext` body gets.
   * Call it exactly once, before `openStream`.
   */
  async started(value?: S): Promise<void> {
    if (this.side !== 'callee') throw new Error('started() is called by the callee of a context, not by its opener');
    if (this.#startedSent) throw new Error(`started() was called twice in context ${this.target}`);
    this.#startedSent = true;
    await this._dialog.send({ type: 'Started', value });
  }

  /**
   * Open this side of the context's stream and run `body(stream)` with it; when the
   * body ends the stream is closed (the peer's iteration ends). One stream per
   * context. The callee must call `started()` first.
   */
  async openStream<T, V>(body: (stream: MsgStream<T>) => Promise<V> | V, opts: StreamOptions = {}): Promise<V> {
    if (this.side === 'callee' && !this.#startedSent) {
      throw new Error(`openStream() before started() in context ${this.target}: call ctx.started() first`);
    }
    if (this.#streamOpened) throw new Error(`context ${this.target} already opened its stream (one stream per context)`);
    this.#streamOpened = true;
    if (opts.allowOverruns) {
      this.#maxBuffer = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
      this._dialog.grant(UNLIMITED);
    } else {
      this.#auto = opts.window === undefined;
      this.#window = opts.window ?? DEFAULT_WINDOW;
      if (!(this.#window >= 1)) throw new RangeError(`window must be >= 1 (got ${opts.window})`);
      // never more unread here than credit granted ahead, which is at most the largest window
      this.#maxBuffer = this.#auto ? Math.max(DEFAULT_WINDOW, AUTO_MAX_MESSAGES) : this.#window;
      this.#ahead = this.#window;
      this._dialog.grant(this.#window);
    }
    this._dialog.limitSends();
    const stream = new MsgStream<T>(this);
    try {
      return await body(stream);
    } finally {
      stream.close();
    }
  }

  /**
   * Cancel the context. From the opener: the body is cancelled, the callee is asked
   * to stop, and `openContext` returns `undefined` once it has (the cancel is
   * absorbed). From the callee: its own task is cancelled, and the opener gets
   * `ContextCancelled` naming the callee as the canceller.
   */
  cancel(reason?: string): void {
    this._cancelRequested = true;
    if (this.side === 'opener') this._sendCancel(reason);
    this._interrupt?.cancel(reason ?? 'context cancelled');
  }

  /** Opener only: wait for the callee's return value (throws its error). A checkpoint. */
  async result(): Promise<R> {
    if (this.side !== 'opener') throw new Error('result() is for the opener of a context');
    await this._waitFor(() => this.done);
    if (this._error) throw this._error;
    return this._final!.value as R;
  }

  // ---- internals used by portal, rpc and stream ----

  /** @internal Read the dialog until its end; never throws. */
  async _pump(): Promise<void> {
    const d = this._dialog;
    for (;;) {
      let m;
      try {
        // what already arrived is moved here in one go; a promise only to wait for more
        m = d.receiveNow() ?? (await d.receive());
      } catch (err) {
        if (!isCancelled(err)) this._fail(err as Error);
        return;
      }
      switch (m.type) {
        case 'StartAck':
          this.functype = m.functype;
          break;
        case 'Started':
          this._first = { value: m.value };
          break;
        case 'Yield':
          this.#inbox.push(m.value);
          if (this.#inbox.length > this.#maxBuffer) {
            const err = new StreamOverrun(
              `stream of context ${this.target} in actor '${this.self[0]}' overran: more than ${this.#maxBuffer} unread messages from '${this.peer[0]}'`,
            );
            this._fail(err);
            try {
              await d.send({ type: 'Error', error: boxError(err, this.self) });
            } catch {
              // the peer learns from the cancel
            }
            return;
          }
          break;
        case 'Stop':
          this.#peerStopped = true;
          break;
        case 'Return':
          this._final = { value: m.value };
          this.#wake();
          return;
        case 'Error':
          if (this.side === 'callee') this._peerFailed = true;
          this._fail(unboxError(m.error));
          return;
        default:
          break;
      }
      this.#wake();
    }
  }

  /** @internal Record the context's failure and interrupt the local side. */
  _fail(err: Error): void {
    if (this._error || this._final) return;
    this._error = err;
    this.#wake();
    this._interrupt?.cancel(err);
  }

  /** @internal Opener: ask the callee to stop (once). */
  _sendCancel(reason?: string): void {
    if (this.#cancelSent || this.done) return;
    this.#cancelSent = true;
    this._dialog.send({ type: 'Cancel', canceller: this.self, reason: reason ?? null }).catch(() => {});
  }

  /**
   * @internal Opener: make sure the callee stopped: send `Cancel` and wait (shielded,
   * at most `graceMs`) for its final record. False if it did not come in time.
   */
  async _stopRemote(graceMs: number): Promise<boolean> {
    if (this.done) return true;
    this._sendCancel('opener left the context');
    await withCancelScope({ shield: true }, async (scope) => {
      scope.deadline = scope.clock.now() + graceMs;
      await this._waitFor(() => this.done);
    });
    return this.done;
  }

  /** @internal Wait until `cond()` holds (re-checked on every dialog event). A checkpoint. */
  async _waitFor(cond: () => boolean): Promise<void> {
    while (!cond()) {
      await suspend<void>((resolve) => {
        this.#waiters.push(resolve);
        return () => {
          const i = this.#waiters.indexOf(resolve);
          if (i >= 0) this.#waiters.splice(i, 1);
        };
      });
    }
  }

  /** @internal */
  get _buffered(): number {
    return this.#inbox.length;
  }

  /** @internal */
  async _send(value: unknown): Promise<void> {
    if (this._error) throw this._error;
    if (this.#stopSent) throw new EndOfChannel('this side of the stream is closed');
    await this._dialog.send({ type: 'Yield', value });
  }

  /** @internal */
  _sendStop(): void {
    if (this.#stopSent || this.done) return;
    this.#stopSent = true;
    this._dialog.send({ type: 'Stop' }).catch(() => {});
  }

  /**
   * @internal A stream value that is already here, taken without waiting (the per-message
   * path of `receive` and `for await`); NONE when there is none, or when the scope is
   * cancelled (then `_next` throws).
   */
  _take(): unknown {
    if (this.#inbox.length === 0 || currentScope()?.isCancelled) return NONE;
    return this.#shift();
  }

  #shift(): unknown {
    const v = this.#inbox.shift();
    if (this.#window > 0) {
      this.#ahead--;
      if (this.#auto) this.#window = autoWindow(this._dialog.yieldsReceived, this._dialog.yieldBytesReceived);
      // top the credit back up to the window once half of it was consumed (one Credit record per half window)
      const add = this.#window - this.#ahead;
      if (add * 2 >= this.#window && !this.done) {
        this._dialog.grant(add);
        this.#ahead = this.#window;
      }
    }
    return v;
  }

  /** @internal The next stream value, or DONE at the end. */
  async _next(): Promise<unknown> {
    for (;;) {
      throwIfCancelled();
      if (this.#inbox.length > 0) return this.#shift();
      if (this._error) throw this._error;
      if (this.#peerStopped || this._final) return DONE;
      await this._waitFor(() => this.#inbox.length > 0 || this.#peerStopped || this.done);
    }
  }

  /** @internal */
  _receive(): Promise<unknown> {
    const v = this._take();
    return v === NONE ? this.#receiveSlow() : Promise.resolve(v);
  }

  async #receiveSlow(): Promise<unknown> {
    const v = await this._next();
    if (v === DONE) throw new EndOfChannel(`the peer '${this.peer[0]}' closed the stream of context ${this.target}`);
    return v;
  }

  #wake(): void {
    const ws = this.#waiters;
    if (ws.length === 0) return;
    this.#waiters = [];
    for (const w of ws) w();
  }
}

/** @internal Run a context's pump in its own shielded scope; returns how to stop it. */
export function startPump(ctx: Context): () => Promise<void> {
  const scope = new CancelScope({ shield: true });
  const done = withCancelScope(scope, () => ctx._pump());
  return async () => {
    scope.cancel();
    await done;
  };
}
