// untilCancelled: an RxJS operator for pipelines that live inside a furrow scope.
// It completes the pipeline when that scope is cancelled, like takeUntil with the
// scope's cancellation as the notifier.
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { currentScope } from 'furrow';

/**
 * An operator that completes the pipeline (and unsubscribes from its source) when
 * the furrow scope it was made in is cancelled. Call it inside a scope:
 * `source.pipe(map(f), untilCancelled())`. A subscription made after the scope was
 * cancelled completes at once.
 *
 * @example
 * ```ts
 * import { interval, map } from 'rxjs';
 * import { openNursery, sleep } from 'furrow';
 * import { untilCancelled } from 'furrow/rxjs';
 *
 * await openNursery(async (n) => {
 *   interval(100).pipe(map((i) => i * 2), untilCancelled()).subscribe({ complete: () => console.log('done') });
 *   await sleep(350);
 *   n.cancel(); // the pipeline completes
 * });
 * ```
 */
export function untilCancelled<T>(): MonoTypeOperatorFunction<T> {
  const scope = currentScope();
  if (scope === undefined) {
    throw new Error('untilCancelled() must be called inside a furrow scope (in a nursery or withCancelScope body)');
  }
  return (source) =>
    new Observable<T>((subscriber) => {
      if (scope.isCancelled) return subscriber.complete();
      const signal = scope.signal;
      const onAbort = (): void => subscriber.complete();
      signal.addEventListener('abort', onAbort, { once: true });
      const subscription = source.subscribe({
        next: (value) => subscriber.next(value),
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        signal.removeEventListener('abort', onAbort);
        subscription.unsubscribe();
      };
    });
}
