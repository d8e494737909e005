// Restart intensity and backoff: how many restarts a supervisor allows within its
// window before it gives up (counted per supervisor, as in OTP), and how long it
// waits before each one. Times come from furrow's clock, so a restart storm can run
// in virtual time.
import type { Backoff } from './spec.ts';

/** The error a supervisor gives up with: which child crashed past the limit, how often, and the last errors. */
export class RestartIntensityError extends Error {
  override name = 'RestartIntensityError';
  /** the child whose crash went past the limit */
  readonly child: string;
  /** how many times that child crashed within the window */
  readonly crashes: number;
  /** the errors of the last crashes within the window, oldest first (remote ones keep their remote stacks) */
  readonly errors: unknown[];
  constructor(supervisor: string, child: string, crashes: number, maxRestarts: number, withinMs: number, errors: unknown[]) {
    super(
      `supervisor '${supervisor}' gave up: child '${child}' crashed ${crashes} time${crashes === 1 ? '' : 's'} within ${withinMs} ms ` +
        `(at most ${maxRestarts} restart${maxRestarts === 1 ? '' : 's'} in ${withinMs} ms); last error: ${describe(errors.at(-1))}`,
      { cause: errors.at(-1) },
    );
    this.child = child;
    this.crashes = crashes;
    this.errors = errors;
  }
}

/** `Type: message`, with a remote error's own type (`boxedType`) rather than RemoteActorError. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const type = (err as { boxedType?: unknown }).boxedType;
  return `${typeof type === 'string' ? type : err.name}: ${err.message}`;
}

/** One crash: when, of which child, with what error. */
interface Crash {
  at: number;
  child: string;
  error: unknown;
}

/** The restarts of one supervisor within its sliding window. */
export class RestartWindow {
  #crashes: Crash[] = [];
  readonly #max: number;
  readonly #withinMs: number;

  constructor(maxRestarts: number, withinMs: number) {
    this.#max = maxRestarts;
    this.#withinMs = withinMs;
  }

  /**
   * Count a crash of `child` at `now`. Returns how many crashes of that child are in
   * the window, or throws `RestartIntensityError` if this one is past the limit.
   */
  record(supervisor: string, child: string, error: unknown, now: number): number {
    this.#crashes = this.#crashes.filter((c) => now - c.at < this.#withinMs);
    this.#crashes.push({ at: now, child, error });
    const mine = this.#crashes.filter((c) => c.child === child);
    if (this.#crashes.length > this.#max) {
      throw new RestartIntensityError(supervisor, child, mine.length, this.#max, this.#withinMs, mine.map((c) => c.error));
    }
    return mine.length;
  }
}

/** The wait before a child's restart, given how many of its crashes are in the window (1 for the first). */
export function backoffMs(backoff: Backoff, crashesInWindow: number): number {
  if (typeof backoff === 'number') return backoff;
  if (backoff.type === 'fixed') return backoff.ms;
  const n = Math.max(0, crashesInWindow - 1);
  return Math.min(backoff.maxMs, backoff.initialMs * (backoff.factor ?? 2) ** n);
}
