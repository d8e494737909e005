// runPromise: run promise-returning foreign code (fetch, timers/promises, events.once,
// any legacy API) as supervised work of the current cancel scope. Cancellation goes
// in through the scope's AbortSignal; furrow then waits, for a bounded grace period,
// for the promise to settle, so nothing is left running silently.
import { currentScope, currentSignal, isCancelled, suspend, type CancelScope } from 'furrow';
import { PromiseAbandonedError } from './errors.ts';

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
 */
export function runPromise<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, opts: RunPromiseOptions = {}): Promise<T> {
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
  const promise = result;
  let settled = false;
  const waited = suspend<T>((resolve, reject) => {
    promise.then(
      (value) => ((settled = true), resolve(value)),
      (err) => ((settled = true), reject(err)),
    );
  });
  return waited.catch((err: unknown) => {
    if (settled || !isCancelled(err) || !scope.isCancelled) throw err;
    return settleWithinGrace(promise, scope, err, graceMs, opts.name ?? (fn.name || 'anonymous'));
  });
}

/** After cancellation: wait for `promise` to settle, bounded by `graceMs` on the scope's clock. */
function settleWithinGrace<T>(
  promise: PromiseLike<T>,
  scope: CancelScope,
  cancelled: unknown,
  graceMs: number,
  name: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const clock = scope.clock;
    const timer =
      graceMs === Infinity
        ? undefined
        : clock.schedule(clock.now() + graceMs, () => reject(new PromiseAbandonedError(name, graceMs, promise)));
    promise.then(
      (value) => {
        timer?.cancel();
        resolve(value);
      },
      (err: unknown) => {
        timer?.cancel();
        reject(isAbort(err, scope) ? cancelled : err);
      },
    );
  });
}

/** Whether `err` is how foreign code reports that its signal aborted. */
function isAbort(err: unknown, scope: CancelScope): boolean {
  if (isCancelled(err) || err === scope.signal.reason) return true;
  // By name, not `instanceof`: DOMException and errors from other realms are not `Error`s here.
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

async function invoke<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal: AbortSignal): Promise<T> {
  return fn(signal);
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as PromiseLike<unknown>).then === 'function';
}
