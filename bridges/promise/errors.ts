// The error the promise bridge raises when foreign promise work ignores its
// AbortSignal past the grace period: furrow stops waiting and says so, by name.
import { CancelIgnoredError } from 'furrow';

/**
 * Work run by `runPromise` was cancelled (its signal aborted) but its promise did not
 * settle within the grace period. furrow stops waiting for it and reports it here;
 * the promise may still be running. A {@link CancelIgnoredError}, so code that
 * handles ignored cancellation in general catches this too.
 */
export class PromiseAbandonedError extends CancelIgnoredError {
  override name = 'PromiseAbandonedError';
  /** The name of the abandoned work (the `name` option, or the function's name). */
  readonly work: string;
  /** The grace period that ran out, in clock milliseconds. */
  readonly graceMs: number;
  /** The abandoned promise itself (already handled: its rejection is never unhandled). */
  readonly promise: PromiseLike<unknown>;

  constructor(work: string, graceMs: number, promise: PromiseLike<unknown>) {
    super([work], graceMs);
    this.work = work;
    this.graceMs = graceMs;
    this.promise = promise;
    this.message =
      `promise work '${work}' did not settle within ${graceMs} ms after its AbortSignal aborted: ` +
      `it ignores the signal, so furrow abandoned it (it may still be running)`;
  }
}
