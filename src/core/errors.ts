// The error types of the core: cancellation, timeouts, groups of errors, and the
// errors channels and resources raise when used wrongly. No logic lives here.

/**
 * Raised at a checkpoint when a cancel scope around it has been cancelled. Code
 * should let it propagate (or re-throw it after cleanup): the scope that was
 * cancelled catches it. Swallowing it keeps a task running after its nursery asked
 * it to stop.
 */
export class Cancelled extends Error {
  override name = 'Cancelled';
  /** What the canceller gave as its reason, if anything. */
  readonly reason: unknown;
  constructor(reason?: unknown) {
    super(reason === undefined ? 'cancelled' : `cancelled: ${describe(reason)}`);
    this.reason = reason;
  }
}

/** True when `err` is a furrow {@link Cancelled}. */
export function isCancelled(err: unknown): err is Cancelled {
  return err instanceof Cancelled;
}

/** Thrown by `failAfter` / `failAt` when the work did not finish in time. */
export class TooSlowError extends Error {
  override name = 'TooSlowError';
}

/**
 * Several errors from one nursery (or one tree of work), thrown together. A subclass
 * of `AggregateError`, so `errors` holds them all in the order they happened.
 */
export class ErrorGroup extends AggregateError {
  override name = 'ErrorGroup';
  constructor(errors: readonly unknown[], message?: string) {
    super(errors, message ?? `${errors.length} errors: ${errors.map(describe).join('; ')}`);
  }
}

/**
 * A nursery was cancelled, but some of its tasks kept running past the grace period:
 * they swallowed {@link Cancelled} or wait on something furrow cannot cancel. The
 * nursery stops waiting for them and reports them by name.
 */
export class CancelIgnoredError extends Error {
  override name = 'CancelIgnoredError';
  /** The names of the tasks still running (unnamed tasks appear as `task`). */
  readonly tasks: readonly string[];
  constructor(tasks: readonly string[], graceMs: number) {
    super(
      `${tasks.length} task(s) still running ${graceMs} ms after their nursery was cancelled ` +
        `(${tasks.join(', ')}): they swallowed Cancelled or wait on something that ignores the signal`,
    );
    this.tasks = tasks;
  }
}

/** A resource (channel end, lock) was used after this handle of it was closed. */
export class ClosedResourceError extends Error {
  override name = 'ClosedResourceError';
}

/** The other side of a resource is gone (e.g. every receive end of a channel closed). */
export class BrokenResourceError extends Error {
  override name = 'BrokenResourceError';
}

/** Every send end of a channel is closed and its buffer is drained. */
export class EndOfChannel extends Error {
  override name = 'EndOfChannel';
}

/** A `...Nowait` call could not complete without waiting. */
export class WouldBlock extends Error {
  override name = 'WouldBlock';
}

/** A broadcast consumer fell so far behind that values it had not read were overwritten. */
export class Lagged extends Error {
  override name = 'Lagged';
  /** How many values this consumer missed. */
  readonly missed: number;
  constructor(missed: number) {
    super(`broadcast consumer lagged behind and missed ${missed} value(s)`);
    this.missed = missed;
  }
}

/** A short text for any thrown value, for messages. */
export function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return String(value);
}
