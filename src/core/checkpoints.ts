// Checkpoints: the places where cancellation is delivered. Everything in furrow
// that waits goes through `suspend`, which parks the waiter in the current scope so
// that a cancel can wake it with `Cancelled`.
import type { Cancelled } from './errors.ts';
import { scopeStorage, type Waiter } from './scope.ts';
import { realClock } from './clock.ts';

/**
 * Suspend until `arm`'s `resolve`/`reject` is called, or until the current scope is
 * cancelled. `arm` returns a function that withdraws the wait (e.g. leaves a queue);
 * it runs before `Cancelled` is thrown.
 */
export function suspend<T>(
  arm: (resolve: (value: T) => void, reject: (err: unknown) => void) => (() => void) | void,
): Promise<T> {
  const scope = scopeStorage.getStore();
  if (scope?._error) return raiseCancelled(scope._error);
  return new Promise<T>((resolve, reject) => {
    if (scope === undefined) {
      arm(resolve, reject);
      return;
    }
    let withdraw: (() => void) | void = undefined;
    const waiter: Waiter = (err) => {
      withdraw?.();
      reject(err);
    };
    // Parked before arming, so that an `arm` that resolves at once removes it again.
    scope._addWaiter(waiter);
    withdraw = arm(
      (value) => {
        scope._removeWaiter(waiter);
        resolve(value);
      },
      (err) => {
        scope._removeWaiter(waiter);
        reject(err);
      },
    );
  });
}

/**
 * Throw `Cancelled` if the current scope is cancelled, without waiting otherwise.
 * Used by primitives that complete at once when they can.
 */
export function throwIfCancelled(): void {
  const err = scopeStorage.getStore()?._error;
  if (err) throw err;
}

/**
 * Reject on the next turn of the loop rather than at once: code that swallows
 * `Cancelled` in a loop then cannot starve timers and I/O (nor the nursery's grace
 * timer that reports it).
 */
function raiseCancelled(err: Cancelled): Promise<never> {
  return new Promise((_, reject) => setImmediate(reject, err));
}

/** Sleep for `ms` milliseconds of the current scope's clock. A checkpoint. */
export function sleep(ms: number): Promise<void> {
  const clock = scopeStorage.getStore()?.clock ?? realClock;
  return sleepUntil(clock.now() + ms);
}

/** Sleep until clock time `at`. A checkpoint. */
export function sleepUntil(at: number): Promise<void> {
  const clock = scopeStorage.getStore()?.clock ?? realClock;
  return suspend<void>((resolve) => {
    const timer = clock.schedule(at, resolve);
    return () => timer.cancel();
  });
}

/** Wait until cancelled. A checkpoint that only ever throws `Cancelled`. */
export function sleepForever(): Promise<never> {
  return suspend<never>(() => {});
}

/**
 * Let other work run (one turn of the host loop: timers and I/O too), and throw
 * `Cancelled` if the current scope is cancelled.
 */
export function checkpoint(): Promise<void> {
  return suspend<void>((resolve) => {
    const handle = setImmediate(resolve);
    return () => clearImmediate(handle);
  });
}

/**
 * Wait for a foreign promise as a checkpoint: if the current scope is cancelled
 * first, throw `Cancelled` (the promise is left to settle on its own; give the work
 * `currentSignal()` so that it stops too).
 */
export function cancellable<T>(promise: PromiseLike<T>): Promise<T> {
  return suspend<T>((resolve, reject) => {
    promise.then(resolve, reject);
  });
}

