// Context: one side of a dialog between a task in one actor and a function in
// another (tractor's context), and the one home of its lifecycle. The opener side
// runs `Context.open` (Start, the first value, the body, stopping the callee); the
// callee side is made by the RPC server and says what its answer is. A pump task
// reads the dialog without ever blocking: `Started` and the final `Return` or
// `Error` are recorded at once (an error interrupts the local side at once), stream
// values queue here up to the receive window.
import { CancelScope, currentScope, EndOfChannel, isCancelled, ParkingLot, withCancelScope } from '../core/index.ts';
import { throwIfCancelled } from '../core/checkpoints.ts';
import { Deque } from '../core/deque.ts';
import { ignore } from '../core/ignore.ts';
import type { BoxedError, Connection, Dialog, FuncType, Uid } from '../ipc/index.ts';
import { boxCancelled, boxError, unboxError } from './box.ts';
import { ContextCancelled, RemoteCancelIgnoredError, StreamOverrun, TransportError } from './errors.ts';
import { ReceiveWindow } from './receive-window.ts';
import { DONE, MsgStream, NONE, type StreamOptions } from './stream.ts';
import { liveContexts } from './tree-registry.ts';

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

  #dialog: Dialog;
  /** the scope an error interrupts (opener: the body; callee: the task) */
  #interrupt: CancelScope | undefined;
  /** this side asked for the cancel */
  #cancelRequested = false;
  /** the callee's final value (opener) */
  #final: { value: unknown } | undefined;
  /** the context's failure (remote error, transport, overrun) */
  #error: Error | undefined;
  /** the first value (opener) */
  #first: { value: unknown } | undefined;
  /** the opener sent an Error record (callee side) */
  #peerFailed = false;
  #stopPump: () => Promise<void>;

  #inbox = new Deque<unknown>();
  /** tasks waiting for the next dialog event */
  #waiters = new ParkingLot();
  #peerStopped = false;
  #startedSent = false;
  #streamOpened = false;
  #stopSent = false;
  #cancelSent = false;
  /** set when the stream opens; until then nothing limits what is buffered */
  #window: ReceiveWindow | undefined;

  /**
   * @internal Made by `Context.open` (opener) and the RPC server (callee, with the
   * task's scope as `interrupt`). Its pump reads `dialog` until `finish()`.
   */
  constructor(side: 'opener' | 'callee', dialog: Dialog, self: Uid, peer: Uid, target: string, interrupt?: CancelScope) {
    this.side = side;
    this.#dialog = dialog;
    this.self = self;
    this.peer = peer;
    this.target = target;
    this.#interrupt = interrupt;
    liveContexts.set(this, performance.now());
    const scope = new CancelScope({ shield: true });
    const pumped = withCancelScope(scope, () => this.#pump());
    this.#stopPump = async () => {
      scope.cancel();
      await pumped;
    };
  }

  /**
   * @internal The opener's whole lifecycle over `conn`: send `Start`, wait for the
   * first value, run `body`, wait for the callee's end, and make sure the callee
   * stopped (at most `cancelWaitMs`) if the body failed or cancelled. Returns the
   * body's value, or `undefined` when this side's cancel was absorbed.
   */
  static async open<V>(
    conn: Connection,
    ns: string,
    func: string,
    args: unknown[],
    body: (ctx: Context, first: unknown) => Promise<V> | V,
    cancelWaitMs: number,
  ): Promise<V | undefined> {
    const dialog = conn.openDialog();
    const ctx = new Context('opener', dialog, conn.localUid, conn.peerUid, `${ns}:${func}`);
    const ignored = (cause: unknown): RemoteCancelIgnoredError => new RemoteCancelIgnoredError(conn.peerUid, ctx.target, cancelWaitMs, cause);
    let value: V | undefined;
    let sent = false;
    try {
      try {
        try {
          await dialog.send({ type: 'Start', ns, func, value: args });
        } catch (err) {
          if (isCancelled(err)) sent = true; // written, cancelled while the transport drained
          throw err;
        }
        sent = true;
        await ctx.#waitFor(() => ctx.#first !== undefined || ctx.done || (ctx.functype !== null && ctx.functype !== 'context'));
        if (ctx.#error) throw ctx.#error;
        if (ctx.#first === undefined) throw new TypeError(`${ctx.target} is not a context function (mark it with context()): use portal.run() for it`);
        const bodyScope = new CancelScope();
        ctx.#interrupt = bodyScope;
        value = await withCancelScope(bodyScope, () => body(ctx, ctx.#first!.value));
        if (!ctx.#error && !ctx.#cancelRequested) await ctx.#waitFor(() => ctx.done);
        if (ctx.#cancelRequested && !(await ctx.#stopRemote(cancelWaitMs))) throw ignored(null);
      } catch (err) {
        if (err instanceof RemoteCancelIgnoredError) throw err;
        const early = ctx.#error;
        const stopped = sent ? await ctx.#stopRemote(cancelWaitMs) : true;
        const remote = ctx.#error;
        // a real remote error beats a local cancel; the link dropping while we stop the
        // callee (its actor is being torn down with us) does not
        const dropped = remote instanceof TransportError && remote !== early;
        if (isCancelled(err) && remote && !(remote instanceof ContextCancelled) && !dropped) throw remote;
        // the callee neither answered nor went away: say so (it may still be running)
        if (!stopped) throw ignored(err);
        throw err;
      }
    } finally {
      await ctx.finish();
      dialog.close();
    }
    const e = ctx.#error as Error | undefined; // set by the pump meanwhile: not narrowed by the checks above
    if (e) {
      const byUs = e instanceof ContextCancelled && e.canceller?.[1] === ctx.self[1];
      if (byUs && ctx.#cancelRequested) return undefined;
      // the caller is being cancelled and the callee's cancel is its echo (this actor
      // cancelled the callee's actor, e.g. its nursery tearing down): the caller sees
      // its own cancel. The echo can beat it: a cancel reaches a body on the next turn.
      if (byUs) throwIfCancelled();
      throw e;
    }
    return ctx.#cancelRequested ? undefined : value;
  }

  /**
   * @internal Callee: the answer to send when its task's scope caught a cancel, if
   * the context knows better than "cancelled by `canceller`": its own failure (unless
   * the opener sent it), or its own `cancel()`.
   */
  cancelledAnswer(canceller: Uid | null): BoxedError | undefined {
    if (this.#error && !this.#peerFailed) return boxError(this.#error, this.self);
    if (this.#cancelRequested && canceller === null) return boxCancelled(this.self, this.self, 'the callee cancelled its own context');
    return undefined;
  }

  /** @internal Stop reading the dialog (the pump ends; nothing else is sent). */
  finish(): Promise<void> {
    liveContexts.delete(this);
    return this.#stopPump();
  }

  /** Whether this side opened the context's stream (`openStream`). */
  get streamOpened(): boolean {
    return this.#streamOpened;
  }

  /** The dialog's channel id. */
  get cid(): number {
    return this.#dialog.cid;
  }

  /** True once the final `Return` or `Error` arrived, or the context failed. */
  get done(): boolean {
    return this.#final !== undefined || this.#error !== undefined;
  }

  /**
   * Callee only: send the first value, which the opener's `openContext` body gets.
   * Call it exactly once, before `openStream`.
   */
  async started(value?: S): Promise<void> {
    if (this.side !== 'callee') throw new Error('started() is called by the callee of a context, not by its opener');
    if (this.#startedSent) throw new Error(`started() was called twice in context ${this.target}`);
    this.#startedSent = true;
    await this.#dialog.send({ type: 'Started', value });
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
    this.#window = new ReceiveWindow(this.#dialog, opts);
    this.#dialog.limitSends();
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
    this.#cancelRequested = true;
    if (this.side === 'opener') this.#sendCancel(reason);
    this.#interrupt?.cancel(reason ?? 'context cancelled');
  }

  /** Opener only: wait for the callee's return value (throws its error). A checkpoint. */
  async result(): Promise<R> {
    if (this.side !== 'opener') throw new Error('result() is for the opener of a context');
    await this.#waitFor(() => this.done);
    if (this.#error) throw this.#error;
    return this.#final!.value as R;
  }

  // ---- the stream's side (MsgStream calls these) ----

  /** @internal How many received stream values are not read yet (here, or still in the dialog). */
  get buffered(): number {
    return this.#inbox.length + this.#dialog.pending;
  }

  /**
   * @internal Send one stream value (waits for credit). Not an async function: with
   * credit at hand the dialog's settled promise comes back as it is (the per-message path).
   */
  sendValue(value: unknown): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#stopSent) return Promise.reject(new EndOfChannel('this side of the stream is closed'));
    return this.#dialog.send({ type: 'Yield', value });
  }

  /** @internal Close this side of the stream (once). */
  sendStop(): void {
    if (this.#stopSent || this.done) return;
    this.#stopSent = true;
    this.#dialog.send({ type: 'Stop' }).catch(ignore('the context has ended or its link dropped: the peer sees that end instead'));
  }

  /**
   * @internal A stream value that is already here, taken without waiting (the per-message
   * path of `receive` and `for await`); NONE when there is none, or when the scope is
   * cancelled (then `nextValue` throws).
   */
  takeValue(): unknown {
    if (this.#inbox.length === 0 || currentScope()?.isCancelled) return NONE;
    return this.#shift();
  }

  /** @internal The next stream value, or DONE at the end. A checkpoint. */
  async nextValue(): Promise<unknown> {
    for (;;) {
      throwIfCancelled();
      if (this.#inbox.length > 0) return this.#shift();
      if (this.#error) throw this.#error;
      if (this.#peerStopped || this.#final) return DONE;
      await this.#waitFor(() => this.#inbox.length > 0 || this.#peerStopped || this.done);
    }
  }

  /** @internal The next stream value; `EndOfChannel` at the end. */
  receiveValue(): Promise<unknown> {
    const v = this.takeValue();
    return v === NONE ? this.#receiveSlow() : Promise.resolve(v);
  }

  // ---- internals ----

  async #receiveSlow(): Promise<unknown> {
    const v = await this.nextValue();
    if (v === DONE) throw new EndOfChannel(`the peer '${this.peer[0]}' closed the stream of context ${this.target}`);
    return v;
  }

  #shift(): unknown {
    const v = this.#inbox.shift();
    this.#window?.consumed(this.done);
    return v;
  }

  /** Read the dialog until its end; never throws. */
  async #pump(): Promise<void> {
    const d = this.#dialog;
    for (;;) {
      let m;
      try {
        // what already arrived is moved here in one go; a promise only to wait for more
        m = d.receiveNow() ?? (await d.receive());
      } catch (err) {
        if (!isCancelled(err)) this.#fail(err as Error);
        return;
      }
      switch (m.type) {
        case 'StartAck':
          this.functype = m.functype;
          break;
        case 'Started':
          this.#first = { value: m.value };
          break;
        case 'Yield':
          this.#inbox.push(m.value);
          if (this.#inbox.length > (this.#window?.maxBuffer ?? Infinity)) {
            const err = new StreamOverrun(
              `stream of context ${this.target} in actor '${this.self[0]}' overran: more than ${this.#window!.maxBuffer} unread messages from '${this.peer[0]}'`,
            );
            this.#fail(err);
            await d.send({ type: 'Error', error: boxError(err, this.self) }).catch(ignore('the link dropped: the peer learns of the overrun from the cancel'));
            return;
          }
          break;
        case 'Stop':
          this.#peerStopped = true;
          break;
        case 'Return':
          this.#final = { value: m.value };
          this.#waiters.unparkAll();
          return;
        case 'Error':
          if (this.side === 'callee') this.#peerFailed = true;
          this.#fail(unboxError(m.error));
          return;
        default:
          break;
      }
      this.#waiters.unparkAll();
    }
  }

  /** Record the context's failure and interrupt the local side. */
  #fail(err: Error): void {
    if (this.#error || this.#final) return;
    this.#error = err;
    this.#waiters.unparkAll();
    this.#interrupt?.cancel(err);
  }

  /** Opener: ask the callee to stop (once). */
  #sendCancel(reason?: string): void {
    if (this.#cancelSent || this.done) return;
    this.#cancelSent = true;
    this.#dialog.send({ type: 'Cancel', canceller: this.self, reason: reason ?? null }).catch(ignore('the link dropped: the callee is cancelled by its own end of it'));
  }

  /**
   * Opener: make sure the callee stopped: send `Cancel` and wait (shielded, at most
   * `graceMs`) for its final record. False if it did not come in time.
   */
  async #stopRemote(graceMs: number): Promise<boolean> {
    if (this.done) return true;
    this.#sendCancel('opener left the context');
    await withCancelScope({ shield: true }, async (scope) => {
      scope.deadline = scope.clock.now() + graceMs;
      await this.#waitFor(() => this.done);
    });
    return this.done;
  }

  /** Wait until `cond()` holds (re-checked on every dialog event). A checkpoint. */
  async #waitFor(cond: () => boolean): Promise<void> {
    while (!cond()) await this.#waiters.park();
  }
}
