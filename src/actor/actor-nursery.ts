// Actor nurseries: spawn child actors and supervise them one-cancels-all. A child
// that fails (a `runInActor` error, an unexpected death) cancels the nursery: its
// body and every other child, which are torn down in parallel (cancel request,
// grace, SIGTERM, SIGKILL). When the body ends, the nursery waits for the
// `runInActor` results, then tears the remaining (daemon) actors down.
import { ErrorGroup, Event, cancellable, isCancelled, log, logSpec, moveOnAfter, openNursery, withCancelScope, type Nursery } from '../core/index.ts';
import { ActorDiedError, ActorKilledError, RemoteCancelIgnoredError } from './errors.ts';
import { nameOf, normalizeModule } from './modules.ts';
import type { Portal } from './portal.ts';
import { acquireActor, type RootOptions } from './root.ts';
import type { Actor } from './runtime.ts';
import { spawnChild, type ChildActor, type StartActorOptions } from './spawn/spawn.ts';
import { DEFAULT_TEARDOWN_GRACE_MS, teardown, type TeardownOptions, type TeardownOutcome } from './teardown.ts';
import { forgetChild, noteChild, type ChildRecord } from './tree-registry.ts';
import { ignore } from '../core/ignore.ts';

/** Options of {@link openActorNursery}. */
export interface ActorNurseryOptions extends RootOptions, TeardownOptions {
  /**
   * How long a cancelled `portal.run` / `openContext` / `cancelActor` on this
   * nursery's portals waits for the callee to stop (ms; default `graceMs` if
   * given, else 3000). Sets each portal's `cancelWaitMs`.
   */
  cancelWaitMs?: number;
  /**
   * Post-mortem debugging: a task of a child actor (or of its descendants) that fails
   * opens a crash REPL in that actor, in the root's terminal, before its error is
   * boxed; then one in the root when the error arrives there (docs/observability.md).
   * Inherited by the children's own nurseries. Default: off.
   */
  debugMode?: boolean;
}

type AnyFn = (...args: any[]) => any;

/** How long, once a child has exited, its connection may take to report its end before it is closed here (ms). */
const LINK_END_WAIT_MS = 1000;

interface Supervised {
  child: ChildActor;
  stopRequested: boolean;
  /** killed at once by `portal.kill()`: no teardown, and not an error */
  killed: boolean;
  stop: Event;
  gone: Event;
  /** what tree() shows of it */
  rec: ChildRecord;
}

/** The handle an actor nursery's body gets. See {@link openActorNursery}. */
export class ActorNursery {
  /** the actor this nursery runs in */
  readonly actor: Actor;
  #n!: Nursery;
  #opts: ActorNurseryOptions;
  #children = new Set<Supervised>();
  #errors: unknown[] = [];
  #pendingResults = 0;
  #resultsDone = new Event();

  /** @internal */
  constructor(actor: Actor, opts: ActorNurseryOptions) {
    this.actor = actor;
    // a child's nurseries tear down with the timing its parent's nursery used, unless told otherwise
    const inherited = (actor.runtimeVars.teardown ?? {}) as TeardownOptions;
    this.#opts = { ...opts, graceMs: opts.graceMs ?? inherited.graceMs, killMs: opts.killMs ?? inherited.killMs };
    this.#opts.cancelWaitMs ??= (inherited as ActorNurseryOptions).cancelWaitMs;
    this.#opts.debugMode ??= actor.debugMode;
  }

  /** Portals of the children still running. */
  get portals(): Portal[] {
    return [...this.#children].map((s) => s.child.portal);
  }

  /**
   * Start a daemon actor named `name` serving the exports of `enableModules`, and
   * return a portal to it once it is ready. It runs until `portal.cancelActor()`,
   * `an.cancel()`, or the end of the nursery.
   */
  async startActor(name: string, opts: StartActorOptions = {}): Promise<Portal> {
    const teardown = { graceMs: this.#opts.graceMs, killMs: this.#opts.killMs, cancelWaitMs: this.#opts.cancelWaitMs };
    const backend = opts.backend ?? 'fork';
    const rec = noteChild(this.actor, name, backend);
    let child: ChildActor;
    try {
      child = await spawnChild(this.actor, name, { ...opts, runtimeVars: { ...opts.runtimeVars, teardown, log: logSpec(), backend } }, this.#opts.debugMode === true);
    } catch (err) {
      forgetChild(this.actor, rec);
      log.debug("spawning actor '%s' (%s) failed: %s", name, backend, err);
      throw err;
    }
    Object.assign(rec, { state: 'running', portal: child.portal, uid: child.portal.uid });
    log.info("spawned actor '%s' (%s, pid %d, uid %s)", name, backend, child.portal.pid, child.portal.uid[1].slice(0, 8));
    const s: Supervised = { child, stopRequested: false, killed: false, stop: new Event(), gone: new Event(), rec };
    this.#children.add(s);
    child.portal.adopt({
      stop: () => this.#stopChild(s),
      kill: () => this.#killChild(s),
      enabled: new Set((opts.enableModules ?? []).map(normalizeModule)),
    });
    const wait = this.#opts.cancelWaitMs ?? this.#opts.graceMs;
    if (wait !== undefined) child.portal.cancelWaitMs = wait;
    // the root's crash REPL opens where the error arrives: at the root's own portals
    child.portal.debugMode = this.#opts.debugMode === true && this.actor.isRoot;
    this.#n.startSoon(() => this.#guard(() => this.#supervise(s)), `supervise ${name}`);
    return child.portal;
  }

  /**
   * Start an actor that runs `fn(...args)` once and then exits. `fn` must be
   * exported by one of `opts.enableModules` (or named `'module:function'`). Its
   * error cancels the nursery at once; `portal.result()` gives the value.
   */
  async runInActor<F extends AnyFn>(
    fn: F | string,
    args: Parameters<F> | unknown[],
    opts: StartActorOptions & { name?: string } = {},
  ): Promise<Portal> {
    const name = opts.name ?? (typeof fn === 'string' ? fn.slice(fn.lastIndexOf(':') + 1) : fn.name || 'worker');
    const portal = await this.startActor(name, opts);
    if (typeof fn !== 'string' && !nameOf(fn)) {
      await portal.cancelActor();
      throw new TypeError(`function '${fn.name}' is not exported by any of the enabled modules of '${name}': ${(opts.enableModules ?? []).join(', ') || 'none'}`);
    }
    let settle!: { ok: (v: unknown) => void; fail: (e: unknown) => void };
    portal.expectResult(new Promise((ok, fail) => (settle = { ok, fail })));
    this.#pendingResults++;
    this.#n.startSoon(
      () =>
        this.#guard(async () => {
          try {
            settle.ok(await portal.run(fn as AnyFn, ...(args as unknown[])));
          } catch (err) {
            settle.fail(err);
            throw err;
          } finally {
            if (--this.#pendingResults === 0) this.#resultsDone.set();
          }
          await portal.cancelActor();
        }),
      `runInActor ${name}`,
    );
    return portal;
  }

  /**
   * Cancel this nursery: its body (and everything it waits on, e.g. an open
   * context) is cancelled, and every child is torn down in parallel. The cancel is
   * the nursery's own, so it is absorbed: `openActorNursery` returns `undefined`.
   * Resolves once every child is gone (it never rejects, so it may be called
   * without `await` from inside the body).
   */
  async cancel(): Promise<void> {
    this.#n.cancel('actor nursery cancelled');
    await withCancelScope({ shield: true }, () => this._stopAll());
  }

  /** @internal Tear every child down now (in parallel) and wait until they are gone; the body goes on. */
  async _stopAll(): Promise<void> {
    await Promise.all([...this.#children].map((s) => this.#stopChild(s)));
  }

  /** @internal */
  _attach(n: Nursery): void {
    this.#n = n;
  }

  /** @internal Wait for the runInActor results. */
  async _waitResults(): Promise<void> {
    while (this.#pendingResults > 0) {
      const ev = this.#resultsDone;
      await ev.wait();
      if (this.#resultsDone === ev) this.#resultsDone = new Event();
    }
  }

  /** @internal The errors the children raised, each once. */
  get _errors(): unknown[] {
    return this.#errors;
  }

  async #stopChild(s: Supervised): Promise<void> {
    s.stopRequested = true;
    if (s.rec.state === 'running') s.rec.state = 'cancelling';
    s.stop.set();
    await s.gone.wait();
  }

  async #killChild(s: Supervised): Promise<void> {
    s.stopRequested = true;
    s.killed = true;
    if (!s.child.exit) s.child.process.kill('SIGKILL');
    s.stop.set();
    await s.gone.wait();
  }

  /**
   * Remove a reaped child from the registrar before reporting it gone, so that
   * `cancelActor()` returning means `findActor` no longer finds it (the registrar
   * would also drop it when it sees the child's connection end, but maybe later).
   */
  async #unregister(uuid: string): Promise<void> {
    await withCancelScope({ shield: true }, () =>
      moveOnAfter(1000, () => this.actor.registrarCall('unregister', uuid).catch(ignore('the registrar drops a dead actor\'s entry on its own when the link goes'))),
    );
  }

  async #supervise(s: Supervised): Promise<void> {
    const { child } = s;
    let interrupted: { err: unknown } | undefined;
    try {
      await cancellable(Promise.race([s.stop.wait(), child.process.exited, child.conn.waitClosed()]));
    } catch (err) {
      interrupted = { err };
    }
    s.rec.state = child.exit ? 'exiting' : 'cancelling';
    void child.process.exited.then(() => (s.rec.state = 'exiting')); // never rejects
    let outcome: TeardownOutcome | undefined;
    try {
      outcome = await withCancelScope({ shield: true }, async () => {
        const how = s.killed ? await child.process.exited.then(() => 'exited' as const) : await teardown(child, this.#opts);
        // the child is gone and its link with it: a worker's port may report that a
        // moment after the exit, and the nursery promises both are over when it returns
        await moveOnAfter(LINK_END_WAIT_MS, () => child.conn.waitClosed());
        child.conn.close();
        return how;
      });
    } finally {
      this.#children.delete(s);
      forgetChild(this.actor, s.rec);
      await this.#unregister(child.portal.uid[1]);
      s.gone.set();
    }
    const e = child.exit;
    logExit(child, s.killed, s.stopRequested || interrupted !== undefined, outcome, this.#opts.graceMs ?? DEFAULT_TEARDOWN_GRACE_MS);
    // a kill is reported even when the nursery was cancelled: the child's cleanup may not have run
    if (outcome === 'SIGTERM' || outcome === 'SIGKILL') {
      throw new ActorKilledError(child.portal.uid, e?.code ?? null, e?.signal ?? null, this.#opts.graceMs ?? DEFAULT_TEARDOWN_GRACE_MS, outcome);
    }
    // An abnormal exit this nursery did not cause (it sent no signal, and a cancelled
    // child exits 0) is a death, also when a stop was asked for meanwhile: a SIGKILL
    // from outside may be seen here only after `an.cancel()`, and must not be lost.
    if (!s.killed && e && (e.code !== 0 || e.signal !== null)) {
      throw new ActorDiedError(child.portal.uid, e.code, e.signal);
    }
    if (interrupted) throw interrupted.err;
  }

  async #guard(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (isCancelled(err) && this.#n.cancelScope.isCancelled) return;
      if (!this.#errors.includes(err)) this.#errors.push(err);
      this.#n.cancel(err);
    }
  }
}

/** Log how a child ended: asked to stop, killed after its grace, or died on its own. */
function logExit(child: ChildActor, killed: boolean, asked: boolean, outcome: TeardownOutcome | undefined, graceMs: number): void {
  const e = child.exit;
  const status = e ? (e.signal ? `signal ${e.signal}` : `code ${e.code}`) : 'no exit seen';
  const who = `actor '${child.name}' (pid ${child.portal.pid})`;
  // info, not warn: the nursery throws ActorKilledError / ActorDiedError for these, and an error is told once
  if (outcome === 'SIGTERM' || outcome === 'SIGKILL') log.info('%s killed with %s: it did not finish within the %d ms grace after its cancel (%s)', who, outcome, graceMs, status);
  else if (killed) log.info('%s exited: killed by portal.kill() (%s)', who, status);
  else if (e && (e.code !== 0 || e.signal !== null)) log.info('%s died: %s, not asked to stop', who, status);
  else log.info('%s exited: %s, %s', who, status, asked ? 'after its cancel' : 'on its own');
}

/**
 * Open an actor nursery: run `body(an)`, in which `an.startActor` and
 * `an.runInActor` spawn child actors, and return once every child is gone. The
 * first failure (the body's, or a child's) cancels the body and every child;
 * the failures are then thrown (one as itself, several as an `ErrorGroup`). The
 * first actor nursery of a process starts the root actor (and its registrar).
 *
 * @example
 * ```ts
 * // primes.ts: the module enables itself, so its exports can be called in the children
 * import { availableParallelism } from 'node:os';
 * import { openActorNursery } from 'furrow';
 *
 * export async function countPrimes(from: number, to: number): Promise<number> {
 *   let n = 0;
 *   for (let i = Math.max(from, 2); i < to; i++) {
 *     let prime = true;
 *     for (let d = 2; d * d <= i && prime; d++) prime = i % d !== 0;
 *     if (prime) n++;
 *   }
 *   return n;
 * }
 *
 * async function main(): Promise<void> {
 *   const total = await openActorNursery(async (an) => {
 *     const cores = availableParallelism();
 *     const portals = await Promise.all(
 *       Array.from({ length: cores }, (_, i) => an.startActor(`primes-${i}`, { enableModules: [import.meta.filename] })),
 *     );
 *     const step = 1_000_000 / cores;
 *     const counts = await Promise.all(portals.map((p, i) => p.run(countPrimes, i * step, (i + 1) * step)));
 *     return counts.reduce((a, b) => a + b, 0);
 *   }); // every child is gone here, whatever happened
 *   console.log(total);
 * }
 * if (import.meta.main) await main(); // the children import this module too
 * ```
 */
export async function openActorNursery<T>(
  body: (an: ActorNursery) => Promise<T> | T,
  opts: ActorNurseryOptions = {},
): Promise<T | undefined> {
  const { actor, release } = await acquireActor(opts);
  const an = new ActorNursery(actor, opts);
  let value: T | undefined;
  let failure: { err: unknown } | undefined;
  try {
    value = await openNursery(
      async (n) => {
        an._attach(n);
        const unhook = actor._onCancel(() => n.cancel(actor.cancelReason ?? 'actor cancelled'));
        try {
          const v = await body(an);
          await an._waitResults();
          await an._stopAll();
          return v;
        } finally {
          unhook();
        }
      },
      { name: 'actor nursery', cancelGraceMs: Infinity },
    );
  } catch (err) {
    failure = { err };
  } finally {
    await release();
  }
  const errors = [...an._errors];
  if (failure) {
    if (!isCancelled(failure.err)) {
      if (!errors.includes(failure.err)) errors.push(failure.err);
    } else if (errors.length === 0) throw failure.err;
  }
  // a call that ignored its cancel, in a child this nursery then had to kill: the
  // ActorKilledError says it all (the call's finally may not have run)
  const killed = new Set(errors.filter((e) => e instanceof ActorKilledError).map((e) => (e as ActorKilledError).uid[1]));
  for (let i = errors.length - 1; i >= 0; i--) {
    const e = errors[i];
    if (e instanceof RemoteCancelIgnoredError && killed.has(e.uid[1])) errors.splice(i, 1);
  }
  if (errors.length === 0 && failure) throw failure.err;
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new ErrorGroup(errors, `${errors.length} errors in the actor nursery of '${actor.name}'`);
  return value;
}
