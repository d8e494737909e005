// The one way to drop an error on purpose. Every call names its reason, so a reader
// can tell a deliberate drop from a forgotten one, and a debug log can show both.

/** Why an error is dropped at a given place: a short sentence, shown in debug logs. */
export type IgnoreReason = string;

/** Listeners told of every dropped error (the logger subscribes at debug level). */
const listeners = new Set<(reason: IgnoreReason, error: unknown) => void>();

/** Be told of every error dropped through {@link ignore} or {@link ignoring}; returns an unsubscribe. */
export function onIgnoredError(listener: (reason: IgnoreReason, error: unknown) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function dropped(reason: IgnoreReason, error: unknown): undefined {
  for (const listener of listeners) listener(reason, error);
  return undefined;
}

/**
 * A rejection handler that drops the error because of `reason`.
 *
 * @example
 * <!-- snippet: import { ignore } from 'furrow'; declare const dialog: { send(m: { type: 'Stop' }): Promise<void> }; -->
 * ```ts
 * dialog.send({ type: 'Stop' }).catch(ignore('the peer may already be gone; its end is seen on the connection'));
 * ```
 */
export function ignore(reason: IgnoreReason): (error: unknown) => undefined {
  return (error) => dropped(reason, error);
}

/** Run `fn`; if it throws, drop the error because of `reason` and return `undefined`. */
export function ignoring<T>(reason: IgnoreReason, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    return dropped(reason, error);
  }
}
