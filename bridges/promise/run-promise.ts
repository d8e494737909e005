// runPromise: run promise-returning foreign code (fetch, timers/promises, events.once,
// any legacy API) as supervised work of the current cancel scope. Cancellation goes
// in through the scope's AbortSignal; furrow then waits, for a bounded grace period,
// for the promise to settle, so nothing is left running silently.
import { currentScope, currentSignal, isCancelled, suspend, type CancelScope, type Timer } from 'furrow';
import { pendingIn, type PendingCall } from './pending.ts';
import { PromiseAbandonedError } from './errors.ts';

/** Any function at all: only its identity is used. */
type AnyFunction = (...args: never[]) => unknown;

/** Options of {@link runPromise}. */
export interface RunPromiseOptions {
  /**
   * After the signal aborts, how long (clock ms) to wait for the promise to settle
   * before failing with {@link PromiseAbandonedError}. Default 5,000: below a
   * nursery's default grace (10,000), so the more precise error wins.
   */
  graceMs?: number;
  /** A name for the work in errors (default: the function's name). */
  name?: string;
}

/** The default grace period of {@link runPromise}, in ms. */
export const DEFAULT_PROMISE_GRACE_MS = 5_000;

const noop = (): void => {};
const NO_OPTIONS: RunPromiseOptions = Object.freeze({});

/**
 * Run `fn(signal)` as supervised work in the current scope and return what its
 * promise resolves to. A rejection is thrown here (so, in a task, it is a task error
 * of the nursery). The call is a checkpoint.
 *
 * When the scope is cancelled, `signal` aborts and furrow waits up to `graceMs` for
 * the promise to settle: if it rejects (with the abort reason, an `AbortError`, or a
 * `Cancelled`) the call throws `Cancelled`; another error is thrown as it is; a value
 * is returned (the work finished anyway; the next checkpoint raises `Cancelled`).
 * If it does not settle in time, the call throws {@link PromiseAbandonedError}
 * naming the work. Outside any furrow scope, `fn` just runs, with a signal that
 * never aborts.
 *
 * @example
 * ```ts
 * import { openNursery, moveOnAfter } from 'furrow';
 * import { runPromise } from 'furrow/promise';
 *
 * await openNursery(async (n) => {
 *   n.startSoon(async () => {
 *     // a timeout (or any cancel) aborts the fetch through its signal
 *     const body = await moveOnAfter(2000, () => runPromise((signal) => fetch('https://example.com', { signal }).then((r) => r.text())));
 *     console.log(body ?? 'too slow');
 *   });
 * });
 * ```
 */
export function runPromise<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, opts: RunPromiseOptions = NO_OPTIONS): Promise<T> {
  if (typeof fn !== 'function') return Promise.reject(new TypeError(`runPromise: fn must be a function (got ${typeof fn})`));
  if (opts === null || typeof opts !== 'object') return Promise.reject(new TypeError('runPromise: options must be an object'));
  const graceMs = opts.graceMs ?? DEFAULT_PROMISE_GRACE_MS;
  if (typeof graceMs !== 'number' || Number.isNaN(graceMs) || graceMs < 0) {
    return Promise.reject(new RangeError(`runPromise: graceMs must be a number >= 0 or Infinity (got ${String(graceMs)})`));
  }
  const scope = currentScope();
  if (scope === undefined) return invoke(fn, currentSignal());
  if (scope.isCancelled) return suspend<T>(noop); // throws the scope's Cancelled
  let result: PromiseLike<T> | T;
  try {
    result = fn(scope.signal);
  } catch (err) {
    return Promise.reject(err);
  }
  if (!isThenable(result)) return Promise.resolve(result);
  return new Call(result, scope, graceMs, opts.name, fn).promise;
}

/**
 * One in-flight call: settles with its promise; if the scope is cancelled first, it
 * maps an abort rejection to the scope's `Cancelled` and arms the grace timer.
 * (Plain fields, two closures, no AbortController or listener: this is the hot path.)
 */
class Call<T> implements PendingCall {
  prev: PendingCall | undefined = undefined;
  next: PendingCall | undefined = undefined;
  readonly promise: Promise<T>;
  source: PromiseLike<T>;
  list: ReturnType<typeof pendingIn>;
  graceMs: number;
  name: string | undefined;
  fn: AnyFunction;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
  cancelled: unknown = undefined;
  timer: Timer | undefined = undefined;

  constructor(source: PromiseLike<T>, scope: CancelScope, graceMs: number, name: string | undefined, fn: AnyFunction) {
    let resolve!: (value: T) => void;
    let reject!: (err: unknown) => void;
    this.promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
    this.resolve = resolve;
    this.reject = reject;
    this.source = source;
    this.graceMs = graceMs;
    this.name = name;
    this.fn = fn;
    this.list = pendingIn(scope);
    this.list.add(this);
    source.then(
      (value) => {
        this.settled();
        resolve(value);
      },
      (err: unknown) => {
        this.settled();
        const cancelled = this.cancelled;
        reject(cancelled !== undefined && isAbort(err, cancelled) ? cancelled : err);
      },
    );
  }

  onCancel(reason: unknown): void {
    this.cancelled = reason;
    if (this.graceMs === Infinity) return;
    const clock = this.list.scope.clock;
    this.timer = clock.schedule(clock.now() + this.graceMs, () =>
      this.reject(new PromiseAbandonedError(this.name ?? (this.fn.name || 'anonymous'), this.graceMs, this.source)),
    );
  }

  settled(): void {
    if (this.cancelled === undefined) this.list.remove(this);
    else this.timer?.cancel();
  }
}

/** Whether `err` is how foreign code reports that its signal aborted. */
function isAbort(err: unknown, reason: unknown): boolean {
  if (isCancelled(err) || err === reason) return true;
  // By name, not `instanceof`: DOMException and errors from other realms are not `Error`s here.
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

async function invoke<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal: AbortSignal): Promise<T> {
  return fn(signal);
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as PromiseLike<unknown>).then === 'function';
}
