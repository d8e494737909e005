// toPromise: the other direction. Legacy promise code calls into furrow and gets a
// plain Promise for the work; aborting the legacy side's AbortSignal cancels it.
import { Cancelled, openNursery, type Nursery } from 'furrow';

/**
 * Run `body(nursery)` as furrow work and return a Promise of its result, for code
 * that knows only Promises and AbortSignals. The work runs in a fresh nursery (a
 * child of the current scope, if there is one); the Promise settles only once every
 * task started in it has finished.
 *
 * Aborting `signal` cancels the work and rejects with `signal.reason`. If the work
 * cancels its own nursery, the Promise rejects with `Cancelled` (a legacy caller
 * expects a value or a rejection, not `undefined`). Errors reject as the nursery
 * throws them.
 *
 * @example
 * ```ts
 * import { sleep } from 'furrow';
 * import { toPromise } from 'furrow/promise';
 *
 * // legacy code that knows only Promises and AbortControllers
 * const controller = new AbortController();
 * const total = toPromise(async (n) => {
 *   let sum = 0;
 *   for (const x of [1, 2, 3]) n.startSoon(async () => { await sleep(10); sum += x; });
 *   await sleep(50);
 *   return sum;
 * }, controller.signal);
 * setTimeout(() => controller.abort(new Error('user left')), 1000); // cancels the work
 * console.log(await total);
 * ```
 */
export function toPromise<T>(body: (nursery: Nursery) => Promise<T> | T, signal?: AbortSignal): Promise<T> {
  if (typeof body !== 'function') return Promise.reject(new TypeError(`toPromise: body must be a function (got ${typeof body})`));
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    return Promise.reject(new TypeError('toPromise: signal must be an AbortSignal'));
  }
  let nursery: Nursery | undefined;
  const work = openNursery(
    (n) => {
      nursery = n;
      return body(n);
    },
    { signal, name: body.name || 'toPromise' },
  );
  return work.then((value) => {
    const scope = nursery!.cancelScope;
    if (scope.cancelledCaught) throw new Cancelled(scope.reason);
    return value as T;
  });
}
