// Nurseries: a nursery owns the tasks started in it and does not return until every
// one of them has finished. The first failure cancels the rest; the errors are then
// thrown together (one as itself, several as an ErrorGroup). A task costs about as
// much as calling an async function: it shares its nursery's scope and signal.
import { type Clock } from './clock.ts';
import { CancelIgnoredError, ErrorGroup, isCancelled, type Cancelled } from './errors.ts';
import { CancelScope, scopeStorage } from './scope.ts';

/** A task body: gets the nursery's AbortSignal for foreign APIs. */
export type TaskFn = (signal: AbortSignal) => unknown;

/** A task body for `start()`: calls `started(value)` once it is ready. */
export type StartFn<V> = (started: (value: V) => void, signal: AbortSignal) => unknown;

/** Options of {@link openNursery}. */
export interface NurseryOptions {
  /** A foreign signal: when it aborts, the nursery is cancelled and the call rejects with its reason. */
  signal?: AbortSignal;
  /** A name for messages. */
  name?: string;
  /** A clock for this whole tree (e.g. a `VirtualClock` in tests). */
  clock?: Clock;
  /**
   * After the nursery is cancelled, how long (clock ms) to wait for its tasks before
   * giving up on the ones that ignore cancellation and throwing `CancelIgnoredError`
   * (default 10,000; `Infinity` waits forever).
   */
  cancelGraceMs?: number;
}

/** How long a cancelled nursery waits for tasks that ignore the cancel (ms; `cancelGraceMs`). */
const DEFAULT_CANCEL_GRACE_MS = 10_000;

/** The handle a nursery body gets for starting tasks. See {@link openNursery}. */
export class Nursery {
  /** The scope all of the nursery's tasks (and its body) run in. */
  readonly cancelScope: CancelScope;
  /** The nursery's name, for messages. */
  readonly name: string;
  #pending = 0;
  #bodyDone = false;
  #closed = false;
  #errors: unknown[] = [];
  #cancelled: Cancelled | undefined;
  #named: Map<object, string> | undefined;
  #join: (() => void) | undefined;

  /** @internal Use {@link openNursery}. */
  constructor(scope: CancelScope, name: string) {
    this.cancelScope = scope;
    this.name = name;
  }

  /** Cancel every task in the nursery (and the body). */
  cancel(reason?: unknown): void {
    this.cancelScope.cancel(reason);
  }

  /**
   * Start `fn(signal)` as a task of this nursery. It runs at once up to its first
   * `await`, like calling an async function. Its failure cancels the nursery.
   */
  startSoon(fn: TaskFn, name?: string): void {
    this.#runTask(this.cancelScope, fn, name);
  }

  /**
   * Start `fn(started, signal)` as a task and wait until it calls `started(value)`;
   * resolves with that value while the task goes on running in the nursery. Until
   * `started` is called the task runs under the *caller's* cancel scope (trio's
   * rule): a timeout or cancel around `start()` cancels it, and the nursery's own
   * cancellation does not reach it yet. An error before `started` is thrown here
   * (not into the nursery); returning without calling `started` is an error too.
   *
   * @example
   * <!-- snippet: declare function listen(port: number): Promise<{ port: number; serveForever(): Promise<void> }>; -->
   * ```ts
   * import { openNursery } from 'furrow';
   *
   * await openNursery(async (n) => {
   *   const port = await n.start<number>(async (started) => {
   *     const server = await listen(0);
   *     started(server.port); // start() resolves; the server runs on in the nursery
   *     await server.serveForever();
   *   });
   *   console.log('listening on', port);
   * });
   * ```
   */
  start<V = void>(fn: StartFn<V>, name = 'task'): Promise<V> {
    const taskScope = new CancelScope();
    taskScope._enter(scopeStorage.getStore());
    return new Promise<V>((resolve, reject) => {
      let state: 'starting' | 'started' | 'failed' = 'starting';
      const started = (value: V): void => {
        if (state === 'started') throw new Error(`started() was called twice in task '${name}'`);
        if (state === 'failed') throw new Error(`started() was called after task '${name}' had already failed`);
        state = 'started';
        taskScope._reparent(this.cancelScope);
        resolve(value);
      };
      this.#runTask(
        taskScope,
        async (signal) => {
          try {
            await fn(started, signal);
          } catch (err) {
            if (state === 'started') throw err;
            state = 'failed';
            return reject(err);
          } finally {
            taskScope._exit();
          }
          if (state === 'starting') {
            state = 'failed';
            reject(new Error(`task '${name}' returned without calling started()`));
          }
        },
        name,
      );
    });
  }

  /** Run `fn` in `scope` as a task of this nursery: counted until it settles; its failure is recorded. */
  #runTask(scope: CancelScope, fn: TaskFn, name: string | undefined): void {
    this.#checkOpen(name);
    this.#pending++;
    let result: unknown;
    try {
      result = scopeStorage.getStore() === scope ? fn(scope.signal) : scopeStorage.run(scope, fn, scope.signal);
    } catch (err) {
      return this.#taskFailed(err);
    }
    if (!isThenable(result)) return this.#taskDone();
    if (name === undefined) return void result.then(this.#taskDone, this.#taskFailed);
    const token = {};
    (this.#named ??= new Map()).set(token, name);
    result.then(
      () => (this.#named!.delete(token), this.#taskDone()),
      (err) => (this.#named!.delete(token), this.#taskFailed(err)),
    );
  }

  /** @internal Wait for the body's end and every task, then report per the error rule. */
  async _finish(body: Promise<unknown>, graceMs: number): Promise<void> {
    try {
      await body;
    } catch (err) {
      this.#record(err);
    }
    this.#bodyDone = true;
    if (this.#pending > 0) {
      const joined = new Promise<void>((resolve) => (this.#join = resolve));
      await (graceMs === Infinity ? joined : this.#joinWithGrace(joined, graceMs));
    }
    this.#closed = true;
  }

  /** @internal Throw what the nursery collected: errors, or a Cancelled not of its own. */
  _outcome(): Cancelled | undefined {
    const errors = this.#errors;
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new ErrorGroup(errors, `${errors.length} errors in nursery '${this.name}'`);
    return this.#cancelled;
  }

  #joinWithGrace(joined: Promise<void>, graceMs: number): Promise<void> {
    const scope = this.cancelScope;
    return new Promise<void>((resolve) => {
      let timer: { cancel(): void } | undefined;
      const startGrace = (): void => {
        timer = scope.clock.schedule(scope.clock.now() + graceMs, () => {
          this.#errors.push(new CancelIgnoredError([...(this.#named?.values() ?? [])].concat(this.#unnamed()), graceMs));
          this.#join = undefined;
          resolve();
        });
      };
      if (scope.isCancelled) startGrace();
      else scope._addWaiter(startGrace);
      void joined.then(() => {
        timer?.cancel();
        scope._removeWaiter(startGrace);
        resolve();
      });
    });
  }

  #unnamed(): string[] {
    const n = this.#pending - (this.#named?.size ?? 0);
    return n > 0 ? [`${n} unnamed task(s)`] : [];
  }

  #checkOpen(name?: string): void {
    if (this.#closed) {
      throw new Error(`nursery '${this.name}' is closed: cannot start ${name ? `task '${name}'` : 'a task'} after it finished`);
    }
  }

  #record(err: unknown): void {
    if (isCancelled(err) && this.cancelScope.isCancelled) {
      this.#cancelled ??= err;
      return;
    }
    this.#errors.push(err);
    if (this.#errors.length === 1) this.cancelScope.cancel(err);
  }

  #taskDone = (): void => {
    if (--this.#pending === 0 && this.#bodyDone) this.#join?.();
  };

  #taskFailed = (err: unknown): void => {
    this.#record(err);
    this.#taskDone();
  };
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as PromiseLike<unknown>).then === 'function';
}

let nurseryCount = 0;

/**
 * Open a nursery: run `body(nursery)`, then wait until the body and every task
 * started in the nursery have finished.
 *
 * Returns what the body returned, whatever the other tasks did, also when the body
 * cancelled the nursery (`n.cancel()`) before returning. It returns `undefined` only
 * when the nursery's own cancellation interrupted the body itself (the body threw
 * the `Cancelled`).
 *
 * The first error (in the body or a task) cancels everything else; the nursery then
 * throws it, or an {@link ErrorGroup} when there were several. `Cancelled` caused by
 * the nursery's own cancellation is absorbed. With `opts.signal`, aborting that
 * signal cancels the nursery, and the call rejects with the signal's reason.
 *
 * @example
 * ```ts
 * import { openNursery, moveOnAfter } from 'furrow';
 *
 * const pages = await openNursery(async (n) => {
 *   const got = new Map<string, string>();
 *   for (const url of ['https://example.com/a', 'https://example.com/b']) {
 *     // each fetch is a task; the signal aborts it when the nursery is cancelled
 *     n.startSoon(async (signal) => {
 *       const text = await moveOnAfter(2000, async () => (await fetch(url, { signal })).text());
 *       if (text !== undefined) got.set(url, text);
 *     });
 *   }
 *   return got; // returned once both tasks are done; the first error cancels the other
 * });
 * ```
 */
export async function openNursery<T>(
  body: (nursery: Nursery) => Promise<T> | T,
  opts: NurseryOptions = {},
): Promise<T | undefined> {
  const scope = new CancelScope({ clock: opts.clock });
  const nursery = new Nursery(scope, opts.name ?? `nursery-${++nurseryCount}`);
  const foreign = opts.signal;
  const onAbort = (): void => scope.cancel(foreign!.reason);
  scope._enter(scopeStorage.getStore());
  if (foreign?.aborted) onAbort();
  else foreign?.addEventListener('abort', onAbort, { once: true });
  let value: T | undefined;
  try {
    const body$ = (async () => {
      value = await scopeStorage.run(scope, body, nursery);
    })();
    await nursery._finish(body$, opts.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS);
  } finally {
    foreign?.removeEventListener('abort', onAbort);
    scope._exit();
  }
  const cancelled = nursery._outcome();
  if (foreign?.aborted) throw foreign.reason;
  if (cancelled === undefined) return value;
  if (scope.cancelCalled) {
    scope.cancelledCaught = true;
    return value; // the body's value if it returned, undefined if the cancel interrupted it
  }
  throw cancelled;
}
