// toObservable: produce an RxJS Observable from furrow work. Each subscription runs
// the producer as a furrow task in its own nursery; unsubscribing cancels that task.
import { Observable, config } from 'rxjs';
import { isCancelled, openNursery, type Nursery } from 'furrow';

/** A producer: pushes values with `emit`, stops when `signal` aborts (or at any furrow checkpoint). */
export type Producer<T> = (emit: (value: T) => void, signal: AbortSignal) => Promise<void> | void;

/**
 * An Observable whose every subscription starts `fn(emit, signal)` as a furrow task
 * (in a nursery that is a child of the subscriber's current scope, if any):
 * `emit(value)` delivers to the subscriber; returning completes; throwing reaches
 * `subscriber.error`; unsubscribing (directly or through `take`, `switchMap`,
 * `takeUntil`, ...) cancels the task, so its `finally` blocks run. If an enclosing
 * furrow scope is cancelled, the subscriber gets `error(Cancelled)`.
 *
 * An error the task raises after the subscriber left (e.g. in a `finally`) has no
 * one to go to: it goes to RxJS's `config.onUnhandledError` if set, else it is
 * re-thrown asynchronously, as RxJS does with errors nobody handles.
 *
 * @example
 * ```ts
 * import { take } from 'rxjs';
 * import { sleep } from 'furrow';
 * import { toObservable } from 'furrow/rxjs';
 *
 * const ticks$ = toObservable<number>(async (emit) => {
 *   try {
 *     for (let i = 0; ; i++) { emit(i); await sleep(100); }
 *   } finally {
 *     console.log('stopped'); // runs when take(3) unsubscribes
 *   }
 * });
 * ticks$.pipe(take(3)).subscribe((i) => console.log(i));
 * ```
 */
export function toObservable<T>(fn: Producer<T>): Observable<T> {
  if (typeof fn !== 'function') throw new TypeError(`toObservable: fn must be a function (got ${typeof fn})`);
  const name = fn.name || 'toObservable';
  return new Observable<T>((subscriber) => {
    let nursery: Nursery | undefined;
    const emit = (value: T): void => subscriber.next(value);
    openNursery(
      (n) => {
        nursery = n;
        return fn(emit, n.cancelScope.signal);
      },
      { name },
    ).then(
      () => subscriber.complete(),
      (err: unknown) => {
        if (!subscriber.closed) subscriber.error(err);
        else if (!isCancelled(err)) reportLate(err);
      },
    );
    return () => nursery?.cancel('unsubscribed');
  });
}

function reportLate(err: unknown): void {
  const handler = config.onUnhandledError;
  if (handler) handler(err);
  else
    setTimeout(() => {
      throw err;
    });
}
