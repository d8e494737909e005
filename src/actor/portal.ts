// Portal: a handle for calling into another actor over a connection. `run` calls
// a function exported by one of the actor's enabled modules and returns its
// result (types follow the function); `openContext` opens a context with a
// `context()` function; `cancelActor` asks the whole actor to stop; `kill` (a
// child only) ends it at once.
import { cancellable, isCancelled, moveOnAfter, withCancelScope } from '../core/index.ts';
import type { Address, Connection, Dialog, Uid } from '../ipc/index.ts';
import { ignore } from '../core/ignore.ts';
import { unboxError } from './box.ts';
import { Context } from './context.ts';
import { RemoteCancelIgnoredError, ContextCancelled } from './errors.ts';
import { isExported, nameOf, normalizeModule, parseTarget, type ContextFn } from './modules.ts';

/** The namespace of the runtime's own functions (cancel, ready, registry). */
export const RUNTIME_NS = 'furrow:runtime';

/** How long an opener waits for a callee to acknowledge a cancel before giving up on it (ms). */
export const DEFAULT_CANCEL_WAIT_MS = 3000;

type AnyFn = (...args: any[]) => any;

/** Options of `Portal.openContext`. */
export interface OpenContextOptions {
  /** how long to wait for the callee to stop after a cancel or an error here (default: the portal's `cancelWaitMs`) */
  cancelWaitMs?: number;
}

/** @internal What the actor nursery that started an actor does for its portal. */
export interface ChildControl {
  /** tear the child down (cancel, grace, then signals) and wait until it is gone */
  stop(): Promise<void>;
  /** SIGKILL it (terminate a thread) and wait until it is reaped */
  kill(): Promise<void>;
  /** its enabled modules, normalised */
  enabled: ReadonlySet<string>;
}

/** A handle to call into another actor. Made by `startActor`, `runInActor`, `findActor`. */
export class Portal {
  /** the connection to the actor */
  readonly conn: Connection;
  /** what the actor nursery that started the actor does for `cancelActor` and `kill` (a child of this actor) */
  #child: ChildControl | undefined;
  /** the one-shot result of `runInActor` */
  #result: Promise<unknown> | undefined;
  /** the actor's listening address, if known */
  addr: Address | null;
  /** the actor's OS pid (for a thread actor: the pid of its process) */
  pid: number;
  /**
   * How long a cancelled `run`, `openContext` (unless given `cancelWaitMs`) and
   * `cancelActor` (unless given `waitMs`) wait for the callee to stop (ms). Portals
   * from an actor nursery follow its `cancelWaitMs`, else its `graceMs`; others 3000.
   */
  cancelWaitMs = DEFAULT_CANCEL_WAIT_MS;
  /** @internal An error arriving here opens the root's crash REPL first (a debug-mode nursery's portal, in the root). */
  debugMode = false;

  /** @internal */
  constructor(conn: Connection, addr: Address | null = null) {
    this.conn = conn;
    this.addr = addr;
    this.pid = conn.peer.pid;
  }

  /** @internal The actor is a child of this actor: `cancelActor`, `kill` and `canRun` go through `control`. */
  adopt(control: ChildControl): void {
    this.#child = control;
  }

  /** @internal The actor was started by `runInActor`: `result()` gives `result`. */
  expectResult(result: Promise<unknown>): void {
    result.catch(ignore('the nursery sees the failure; result() rethrows it to whoever asks'));
    this.#result = result;
  }

  /** @internal Ask the actor's runtime to cancel everything it runs (no wait for its exit). */
  requestCancel(): Promise<unknown> {
    return this.#call(RUNTIME_NS, 'cancel', [], false);
  }

  /** The actor's `[name, uuid]`. */
  get uid(): Uid {
    return this.conn.peerUid;
  }

  /** The actor's name. */
  get name(): string {
    return this.conn.peer.name;
  }

  /**
   * Call `fn(...args)` in the actor and return its result. `fn` is the function
   * itself (imported from a module the actor has enabled: arguments and result are
   * type-checked) or a `'module:function'` name. Remote errors are thrown as
   * `RemoteActorError` (or a registered class); if this task is cancelled meanwhile,
   * the remote call is cancelled too and waited for (at most `cancelWaitMs`): `run`
   * then throws the `Cancelled` once the callee has stopped (its `finally` has run),
   * or `RemoteCancelIgnoredError` if it did not answer in time (it may still be running).
   *
   * @example
   * <!-- snippet: import { openActorNursery, moveOnAfter } from 'furrow'; declare function slowSum(a: number, b: number): Promise<number>; declare const jobsModule: string; -->
   * ```ts
   * await openActorNursery(async (an) => {
   *   const portal = await an.startActor('worker', { enableModules: [jobsModule] });
   *   const sum: number = await portal.run(slowSum, 1, 2); // typed like a local call
   *   // a timeout here cancels the remote call; its `finally` runs in the worker
   *   const late = await moveOnAfter(100, () => portal.run(slowSum, 3, 4));
   *   console.log(sum, late ?? 'gave up');
   * });
   * ```
   */
  run<F extends AnyFn>(fn: F, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>>;
  run(target: string, ...args: unknown[]): Promise<unknown>;
  run(fn: AnyFn | string, ...args: unknown[]): Promise<unknown> {
    try {
      // resolveTarget gives the module already normalised: no second URL parse per call
      const { ns, func } = resolveTarget(fn, this.name);
      return this.#call(ns, func, args, true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Whether `run(fn)` can name `fn` here: a function must be an export of a module
   * this process loaded as enabled; a `'module:function'` string must parse and, if
   * that module was loaded here, name one of its exported functions. For a child of
   * this actor, whose enabled modules are known, the module must also be one of
   * them. Checks names only (no call); the callee checks again.
   */
  canRun(fn: AnyFn | string): boolean {
    let target: { ns: string; func: string } | undefined;
    try {
      target = typeof fn === 'string' ? parseTarget(fn) : typeof fn === 'function' ? nameOf(fn) : undefined;
    } catch {
      return false;
    }
    if (target === undefined || (this.#child !== undefined && !this.#child.enabled.has(target.ns))) return false;
    return isExported(target.ns, target.func) !== false;
  }

  /** Call the function exported as `func` by the enabled module `ns`. See {@link Portal.run}. */
  runFromNs(ns: string, func: string, ...args: unknown[]): Promise<unknown> {
    return this.#call(ns === RUNTIME_NS ? ns : normalizeModule(ns), func, args, true);
  }

  /**
   * One call. With `stopOnCancel`, a call interrupted here cancels the
   * remote task and waits (bounded) for it to end; without, it just leaves.
   */
  async #call(ns: string, func: string, args: unknown[], stopOnCancel: boolean): Promise<unknown> {
    const dialog = this.conn.openDialog();
    let finished = true;
    try {
      try {
        await dialog.send({ type: 'Start', ns, func, value: args });
      } catch (err) {
        // a cancel can only land while the written Start waits for the transport to
        // drain: the callee will run it, so it must be stopped like a running call
        if (isCancelled(err)) finished = false;
        throw err;
      }
      finished = false;
      for (;;) {
        // a StartAck and the Return often come in one batch: the second is taken at once
        const m = dialog.receiveNow() ?? (await dialog.receive());
        if (m.type === 'Return') {
          finished = true;
          return m.value;
        }
        if (m.type === 'Error') {
          finished = true;
          const err = unboxError(m.error);
          // post-mortem at the root (a debug-mode nursery's portal): the crash REPL first
          if (this.debugMode && !isCancelled(err)) await (await import('./debug/root-crash.ts')).rootCrashRepl(err, `${this.name}: ${func}`);
          throw err;
        }
        if (m.type === 'StartAck' && m.functype === 'context') {
          throw new TypeError(`${ns}:${func} is a context function: open it with portal.openContext(), not run()`);
        }
      }
    } catch (err) {
      if (stopOnCancel && !finished && dialog.error === null) {
        // cancelled or failed here while the callee runs: stop it, and prefer its own error
        const waitMs = this.cancelWaitMs;
        const stopped = await stopCall(dialog, this.conn.localUid, err, waitMs);
        if (stopped instanceof Error) throw stopped;
        if (stopped === 'ignored') throw new RemoteCancelIgnoredError(this.uid, `${ns}:${func}`, waitMs, err);
      }
      throw err;
    } finally {
      dialog.close();
    }
  }

  /**
   * Open a context with the `context()` function `fn` in the actor: the callee runs
   * `fn(ctx, ...args)`; once it calls `ctx.started(first)`, `body(ctx, first)` runs
   * here. Returns the body's value after the callee returned. A callee error
   * interrupts the body at once and is thrown here; a body error or cancellation
   * cancels the callee (and waits for it). `ctx.cancel()` in the body is absorbed:
   * the call returns `undefined`. A callee that does not stop within `cancelWaitMs`
   * of being cancelled gives `RemoteCancelIgnoredError` (it may still be running).
   *
   * @example
   * <!-- snippet: import { openActorNursery } from 'furrow'; declare const shoutModule: string; -->
   * ```ts
   * // in shoutModule, enabled in the child:
   * import { context } from 'furrow';
   * export const shout = context(async (ctx, suffix: string) => {
   *   await ctx.started('ready');
   *   await ctx.openStream<string, void>(async (stream) => {
   *     for await (const word of stream) await stream.send(word.toUpperCase() + suffix);
   *   });
   * });
   *
   * // in the parent:
   * await openActorNursery(async (an) => {
   *   const portal = await an.startActor('shouter', { enableModules: [shoutModule] });
   *   await portal.openContext(shout, ['!'], async (ctx, first) => {
   *     console.log(first); // 'ready'
   *     await ctx.openStream<string, void>(async (stream) => {
   *       await stream.send('hello');
   *       console.log(await stream.receive()); // 'HELLO!'
   *     });
   *   });
   * });
   * ```
   */
  openContext<A extends unknown[], R, S, V>(
    fn: ContextFn<A, R, S>,
    args: A,
    body: (ctx: Context<R, S>, first: S) => Promise<V> | V,
    opts?: OpenContextOptions,
  ): Promise<V | undefined>;
  /** Open a context named `'module:function'` (untyped: `first` is `any`). */
  openContext<V>(fn: string, args: unknown[], body: (ctx: Context, first: any) => Promise<V> | V, opts?: OpenContextOptions): Promise<V | undefined>;
  openContext<V>(
    fn: ContextFn | string,
    args: unknown[],
    body: (ctx: Context<any, any>, first: any) => Promise<V> | V,
    opts: OpenContextOptions = {},
  ): Promise<V | undefined> {
    let target: { ns: string; func: string };
    try {
      target = resolveTarget(fn, this.name);
    } catch (err) {
      return Promise.reject(err);
    }
    const { ns, func } = target;
    return Context.open(this.conn, ns, func, args, body as (ctx: Context, first: unknown) => Promise<V> | V, opts.cancelWaitMs ?? this.cancelWaitMs);
  }

  /**
   * Ask the actor to cancel everything it runs and exit. For a child of this actor,
   * resolves once it has exited (escalating to SIGTERM / SIGKILL if it does not
   * answer); for any other actor, once it acknowledged and closed the connection
   * (bounded by `waitMs`, default the portal's `cancelWaitMs`). Returns whether it acknowledged.
   */
  async cancelActor(opts: { waitMs?: number } = {}): Promise<boolean> {
    if (this.#child) {
      await this.#child.stop();
      return true;
    }
    const waitMs = opts.waitMs ?? this.cancelWaitMs;
    if (this.conn.closed) return false;
    const acked = await withCancelScope({ shield: true }, () => moveOnAfter(waitMs, () => this.requestCancel().catch(ignore('the actor did not acknowledge: the wait for its link to close says the rest'))));
    await withCancelScope({ shield: true }, () => moveOnAfter(waitMs, () => this.conn.waitClosed()));
    return acked === true;
  }

  /**
   * Kill this child actor at once (SIGKILL; a thread actor is terminated, which
   * stops a busy loop too) and resolve once it is reaped. No cancel request and no
   * grace: its `finally` blocks do not run. Its nursery takes the exit as asked
   * for (no `ActorDiedError`, no `ActorKilledError`); calls in flight to it fail
   * (a cancelled `run` waiting for it to stop throws its `Cancelled`). Only for a
   * child of this actor (a `TypeError` otherwise); a no-op once it has exited.
   */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) throw new TypeError(`actor '${this.name}' is not a child of this actor: it cannot be killed from here (use cancelActor())`);
    await withCancelScope({ shield: true }, () => child.kill());
  }

  /** For a portal from `runInActor`: the function's result (its error is thrown). A checkpoint. */
  async result(): Promise<unknown> {
    if (!this.#result) throw new Error(`actor '${this.name}' was not started with runInActor: it has no result`);
    return cancellable(this.#result);
  }
}

function resolveTarget(fn: AnyFn | string, actorName: string): { ns: string; func: string } {
  if (typeof fn === 'string') return parseTarget(fn);
  const name = nameOf(fn);
  if (!name) {
    throw new TypeError(
      `function '${fn.name || '(anonymous)'}' is not exported by any module loaded as enabled here: ` +
        `export it from a module in actor '${actorName}'s enableModules (or call it by 'module:name')`,
    );
  }
  return name;
}

/**
 * Cancel a running call and wait (shielded, at most `waitMs`) for its end. Returns
 * the callee's own error if it failed meanwhile; `'stopped'` if it answered or its
 * connection ended (nothing runs there any more); `'ignored'` if neither happened
 * in time.
 */
async function stopCall(d: Dialog, self: Uid, err: unknown, waitMs: number): Promise<Error | 'stopped' | 'ignored'> {
  let remote: Error | undefined;
  const r = await withCancelScope({ shield: true }, () =>
    moveOnAfter(waitMs, async () => {
      try {
        // shielded too: the Cancel may have to wait for the transport to drain
        await d.send({ type: 'Cancel', canceller: self, reason: isCancelled(err) ? 'caller cancelled' : 'caller failed' });
        for (;;) {
          const m = await d.receive();
          if (m.type === 'Return') return 'stopped';
          if (m.type === 'Error') {
            const e = unboxError(m.error);
            if (!(e instanceof ContextCancelled)) remote = e;
            return 'stopped';
          }
        }
      } catch (e) {
        if (isCancelled(e)) throw e; // out of time
        return 'stopped'; // the dialog or its connection ended
      }
    }),
  );
  return remote ?? (r === 'stopped' ? r : 'ignored');
}
