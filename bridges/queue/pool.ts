// openActorPool: a pool of actors behind one task queue (the worker-pool pattern).
// `pool.run(fn, ...args)` is a job of an `openTaskQueue` queue that takes an actor of
// an `openActorNursery` from the dispatcher (dispatch.ts: an idle one, or one that
// is running other short jobs) and calls `fn` there with `Portal.run`. A cancelled
// job is cancelled inside its actor (its scope, its `finally`); only a job that
// ignores that for `graceMs` (the actors' `cancelWaitMs`: `Portal.run` then throws
// `RemoteCancelIgnoredError`) gets its actor killed (`portal.kill()`) and replaced.
// Each actor lives in an actor nursery of its own, so one that dies on its own ends
// only that nursery: the pool replaces it and goes on.
import { availableParallelism } from 'node:os';
import {
  ActorDiedError,
  ActorKilledError,
  RemoteCancelIgnoredError,
  cancellable,
  currentSignal,
  ignore,
  isCancelled,
  openActorNursery,
  openNursery,
  withCancelScope,
  type Nursery,
  type Portal,
} from 'furrow';
import { Dispatcher, type PoolSlot } from './dispatch.ts';
import { openTaskQueue, type JobOptions, type TaskQueue, type TaskQueueOptions } from './task-queue.ts';

type AnyFn = (...args: any[]) => any;

/**
 * The backends a pool can run on: `'fork'`, `'thread'`, or `'python'` (Python asyncio
 * workers: import `furrow/asyncio` first, give the interpreter and module directory
 * in `backendOptions`, and run jobs by `'module:function'` name).
 */
export type PoolBackend = 'fork' | 'thread' | 'python';
const POOL_BACKENDS: readonly PoolBackend[] = ['fork', 'thread', 'python'];

/** Options of {@link openActorPool}: the pool's, p-queue's (not `concurrency`), and the actors' teardown timing. */
export interface ActorPoolOptions extends Omit<TaskQueueOptions, 'concurrency'> {
  /** How many actors (default `os.availableParallelism()`). Also the queue's concurrency. */
  size?: number;
  /** `'fork'` (child processes, the default), `'thread'` (worker threads) or `'python'` (Python asyncio processes). */
  backend?: PoolBackend;
  /** The backend's own options for every actor, e.g. `{ python: '/usr/bin/python3', cwd: './py' }` for `'python'`. */
  backendOptions?: Record<string, unknown>;
  /** Modules whose exports jobs may call (paths or `file:` URLs). At least one. */
  enableModules: string[];
  /** How long (ms) a cancelled job gets to end before its actor is killed and replaced (default 1000; the actors' `cancelWaitMs`). */
  graceMs?: number;
  /** Teardown of the actors when the pool ends (`openActorNursery`'s `graceMs`, default 2000). */
  teardownGraceMs?: number;
  /** Teardown: ms from SIGTERM to SIGKILL (`openActorNursery`'s `killMs`, default 1000). */
  killMs?: number;
  /** Prefix of the actors' names (default `'pool'`: `pool-0`, `pool-1`, ...). */
  actorName?: string;
  /**
   * At most this many jobs in flight in one actor (default 4; 1: one job per actor).
   * A job goes to an idle actor first; only when every actor is busy, and jobs have
   * taken less than `shortJobMs` on average, does it go to an actor still running
   * others. Their calls then share writes and wake-ups, which is most of a trivial
   * job's cost; long jobs are never queued behind one another.
   */
  pipeline?: number;
  /** Pipelining stays off while jobs average this long or longer (ms, default 1). */
  shortJobMs?: number;
}

/**
 * A job was running in an actor that died, or that the pool had to kill because
 * another job there ignored its cancel (possible only when jobs are pipelined). The
 * job may have run in part; the actor is replaced and the pool goes on.
 */
export class PoolJobLostError extends Error {
  override name = 'PoolJobLostError';
}

/** What a lost job's queue task returns: the caller gets `error`, the queue goes on. */
class LostJob {
  readonly error: PoolJobLostError;
  constructor(error: PoolJobLostError) {
    this.error = error;
  }
}

/** Per-job options of {@link ActorPool.runWith}: p-queue's `priority`, `id`, `timeout`, `signal`. */
export type PoolJobOptions = JobOptions;

type PoolConfig = Required<Pick<ActorPoolOptions, 'enableModules' | 'graceMs' | 'actorName' | 'pipeline' | 'shortJobMs'>> &
  Pick<ActorPoolOptions, 'backendOptions' | 'teardownGraceMs' | 'killMs'>;

/**
 * The handle the body of {@link openActorPool} gets. Jobs are tasks of the pool's
 * queue; each borrows one idle actor for its whole run.
 */
export class ActorPool {
  /** How many actors the pool keeps. */
  readonly size: number;
  /** The backend its actors run on. */
  readonly backend: PoolBackend;
  /** The task queue the jobs run in (for `onIdle`, `pause`, `size`, `pending`...). */
  readonly queue: TaskQueue;
  #workers: Nursery;
  #opts: PoolConfig;
  #dispatch: Dispatcher;
  #portals = new Set<Portal>();
  #probe!: Portal;
  #spawned = 0;
  #replaced = 0;

  /** @internal Use {@link openActorPool}. */
  constructor(workers: Nursery, queue: TaskQueue, size: number, backend: PoolBackend, opts: PoolConfig) {
    this.#workers = workers;
    this.queue = queue;
    this.size = size;
    this.backend = backend;
    this.#opts = opts;
    this.#dispatch = new Dispatcher({ depth: opts.pipeline, shortMs: opts.shortJobMs });
  }

  /** Portals of the pool's current actors. */
  get portals(): Portal[] {
    return [...this.#portals];
  }

  /** How many actors were replaced: killed because a cancelled job ignored the cancel, or dead on their own. */
  get replaced(): number {
    return this.#replaced;
  }

  /**
   * Run `fn(...args)` in an idle actor and resolve with its result (typed by `fn`,
   * as `Portal.run`). `fn` must be exported by one of the pool's `enableModules`
   * (or named `'module:function'`). A remote error arrives as `RemoteActorError`,
   * and like any job error it cancels the pool and is thrown from `openActorPool`.
   * If the caller's scope is cancelled, the job is cancelled (and this rejects).
   */
  run<F extends AnyFn>(fn: F, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>>;
  run(target: string, ...args: unknown[]): Promise<unknown>;
  run(fn: AnyFn | string, ...args: unknown[]): Promise<unknown> {
    return this.runWith({}, fn as AnyFn, ...args);
  }

  /**
   * {@link ActorPool.run} with per-job options: `signal` (aborting it cancels just
   * this job: this rejects with its reason and the pool goes on), `timeout` (a
   * `TimeoutError` job error), `priority`, `id`.
   */
  runWith<F extends AnyFn>(opts: PoolJobOptions, fn: F, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>>;
  runWith(opts: PoolJobOptions, target: string, ...args: unknown[]): Promise<unknown>;
  runWith(opts: PoolJobOptions, fn: AnyFn | string, ...args: unknown[]): Promise<unknown> {
    if (typeof fn !== 'function' && typeof fn !== 'string') {
      return Promise.reject(new TypeError(`ActorPool.run: fn must be an exported function or 'module:function' (got ${typeof fn})`));
    }
    // refused here, before it is a job: a job error would end the pool
    if (!this.#probe.canRun(fn)) {
      const what = typeof fn === 'string' ? `'${fn}'` : `function '${fn.name || '(anonymous)'}'`;
      return Promise.reject(new TypeError(`ActorPool.run: ${what} is not an export of the pool's enableModules (${this.#opts.enableModules.join(', ')})`));
    }
    const caller = currentSignal();
    const signal = opts.signal ? AbortSignal.any([opts.signal, caller]) : caller;
    const result = this.queue.add((jobSignal) => this.#job(jobSignal, fn, args), { ...opts, signal }).then(failIfLost);
    result.catch(ignore('a job error also reaches the pool, which throws it: a caller need not await its job'));
    return result;
  }

  /** @internal Start one actor and put it in service; resolves once it serves. */
  _spawn(): Promise<void> {
    const name = `${this.#opts.actorName}-${this.#spawned++}`;
    return this.#workers.start<void>((started) => this.#worker(name, started), name);
  }

  /** One actor's life, in an actor nursery of its own: serve until the pool ends, or die and be replaced. */
  async #worker(name: string, started: () => void): Promise<void> {
    const { enableModules, backendOptions, teardownGraceMs, killMs } = this.#opts;
    let slot: PoolSlot | undefined;
    try {
      await openActorNursery(
        async (an) => {
          const portal = await an.startActor(name, { enableModules, backend: this.backend, backendOptions });
          // a cancelled job's run waits graceMs for the actor to stop it, then throws RemoteCancelIgnoredError
          portal.cancelWaitMs = this.#opts.graceMs;
          // every actor enables the same modules: any one of them answers canRun (kept even once replaced)
          this.#probe ??= portal;
          this.#portals.add(portal);
          slot = this.#dispatch.add(portal);
          started();
          await cancellable(portal.conn.waitClosed()); // it serves until the pool ends, is killed, or dies
        },
        { graceMs: teardownGraceMs, killMs },
      );
    } catch (err) {
      // an actor that died on its own (its own exit, not a teardown's kill) is replaced; its death is
      // not the pool's error: a job it ran was lost with an error of its own
      if (slot === undefined || !(err instanceof ActorDiedError) || err instanceof ActorKilledError) throw err;
      this.#retire(slot, `its actor died (${err.message})`);
    }
  }

  /** Take an actor that died out of service and start another (unless the pool is ending); once per actor. */
  #retire(slot: PoolSlot, why: string): void {
    if (slot.lost !== undefined) return;
    this.#dispatch.remove(slot, why);
    this.#portals.delete(slot.portal);
    this.#replaced++;
    if (!this.#ending()) this.#workers.startSoon(() => this._spawn(), 'replacement');
  }

  #ending(): boolean {
    return this.queue.nursery.cancelScope.isCancelled || this.#workers.cancelScope.isCancelled;
  }

  async #job(signal: AbortSignal, fn: AnyFn | string, args: unknown[]): Promise<unknown> {
    const slot = await this.#dispatch.acquire();
    const sent = performance.now();
    let stuck = false;
    try {
      return await slot.portal.run(fn as AnyFn, ...args);
    } catch (err) {
      let e = err;
      // the actor went while the job ran in it (and the job was not cancelled): lost, not a pool error
      if (slot.lost === undefined && slot.portal.conn.closed && !signal.aborted) this.#retire(slot, 'its actor died');
      if (slot.lost !== undefined && !(err instanceof RemoteCancelIgnoredError)) {
        return new LostJob(new PoolJobLostError(`the job was lost: ${slot.lost}; it may have run in part`, { cause: err }));
      }
      if (err instanceof RemoteCancelIgnoredError) {
        // the job ignored its cancel for graceMs: its actor is killed (below), the job was cancelled
        stuck = true;
        e = err.cause;
      }
      // cancelled and stopped in time (or killed): the job was cancelled, not failed
      if ((signal.aborted || stuck) && isCancelled(e)) return undefined;
      throw e;
    } finally {
      if (!stuck) this.#dispatch.release(slot, performance.now() - sent);
      else await withCancelScope({ shield: true }, () => this.#replace(slot));
    }
  }

  /** Kill the actor of a job that ignored its cancel, and (unless the pool is ending) start another. */
  async #replace(slot: PoolSlot): Promise<void> {
    this.#dispatch.remove(slot, 'its actor was killed because another job there ignored its cancel');
    this.#portals.delete(slot.portal);
    await slot.portal.kill();
    this.#replaced++;
    if (!this.#ending()) await this._spawn();
  }
}

/**
 * Open a pool of `size` actors behind one task queue, run `body(pool)`, and return
 * its value once every job has finished; then the actors are torn down. Jobs
 * (`pool.run(fn, ...args)`) run one per actor, in queue order. A job error cancels
 * the other jobs and is thrown from here (a remote one as `RemoteActorError`). A
 * cancelled job is cancelled inside its actor; if it has not ended after `graceMs`,
 * its actor is killed and replaced and the pool goes on. Nothing the pool started is
 * left running when this returns or throws.
 *
 * @example
 * <!-- snippet: declare function countPrimes(from: number, to: number): Promise<number>; declare const jobsModule: string; -->
 * ```ts
 * import { openActorPool } from 'furrow/queue';
 *
 * // countPrimes is exported by jobsModule, which every actor of the pool enables
 * const total = await openActorPool({ size: 4, enableModules: [jobsModule] }, async (pool) => {
 *   const slices = Array.from({ length: 16 }, (_, i) => [i * 100_000, (i + 1) * 100_000] as const);
 *   const counts = await Promise.all(slices.map(([from, to]) => pool.run(countPrimes, from, to)));
 *   return counts.reduce((a, b) => a + b, 0);
 * });
 * ```
 */
export async function openActorPool<T>(opts: ActorPoolOptions, body: (pool: ActorPool) => Promise<T> | T): Promise<T | undefined> {
  if (opts === null || typeof opts !== 'object') throw new TypeError('openActorPool: options must be an object, e.g. { enableModules: [path] }');
  if (typeof body !== 'function') throw new TypeError(`openActorPool: body must be a function (got ${typeof body})`);
  const {
    size = availableParallelism(),
    backend = 'fork',
    backendOptions,
    enableModules,
    graceMs = 1000,
    teardownGraceMs,
    killMs,
    actorName = 'pool',
    pipeline = 4,
    shortJobMs = 1,
    ...queueOpts
  } = opts;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`openActorPool: size must be an integer >= 1 (got ${size})`);
  if (!POOL_BACKENDS.includes(backend)) throw new TypeError(`openActorPool: unknown backend '${String(backend)}' (use 'fork', 'thread' or 'python')`);
  if (backendOptions !== undefined && (backendOptions === null || typeof backendOptions !== 'object')) {
    throw new TypeError('openActorPool: backendOptions must be an object, e.g. { python: "/usr/bin/python3", cwd: "./py" }');
  }
  if (!Array.isArray(enableModules) || enableModules.length === 0 || !enableModules.every((m) => typeof m === 'string')) {
    throw new TypeError('openActorPool: enableModules must list at least one module (the modules whose exports jobs call)');
  }
  if (typeof graceMs !== 'number' || !(graceMs >= 0)) throw new RangeError(`openActorPool: graceMs must be a number >= 0 (got ${String(graceMs)})`);
  if (!Number.isInteger(pipeline) || pipeline < 1) throw new RangeError(`openActorPool: pipeline must be an integer >= 1 (got ${String(pipeline)})`);
  if (typeof shortJobMs !== 'number' || !(shortJobMs >= 0)) throw new RangeError(`openActorPool: shortJobMs must be a number >= 0 (got ${String(shortJobMs)})`);
  if ('concurrency' in opts) throw new TypeError('openActorPool: set size, not concurrency (one job per actor)');
  // the actors live in `workers`, each in an actor nursery of its own; when the queue is done they are torn down
  return openNursery(async (workers) => {
    // the queue lets a job start when an actor may take it: the dispatcher decides which, and when
    const value = await openTaskQueue({ ...queueOpts, concurrency: size * pipeline, name: queueOpts.name ?? 'actor-pool' }, async (queue) => {
      const config = { enableModules, graceMs, actorName, pipeline, shortJobMs, backendOptions, teardownGraceMs, killMs };
      const pool = new ActorPool(workers, queue, size, backend, config);
      await openNursery((n) => {
        for (let i = 0; i < size; i++) n.startSoon(() => pool._spawn());
      });
      return body(pool);
    });
    workers.cancel('the pool is done');
    return value;
  });
}

/** A lost job's result becomes its caller's rejection (the queue itself goes on). */
function failIfLost(result: unknown): unknown {
  if (result instanceof LostJob) throw result.error;
  return result;
}
