// The receiving side of a context's stream: how far ahead the peer may send (the
// credit window, fixed or sized from the payloads seen so far) and how many unread
// messages may pile up here before the stream overruns. Credit goes back to the
// peer once half a window was consumed: one `Credit` record per half window.
import type { Dialog } from '../ipc/index.ts';
import type { StreamOptions } from './stream.ts';

/**
 * The default credit window of a stream, in messages: large enough that a stream of
 * small messages needs few credit round trips (each wakes both processes, 50-300 us
 * on a 2-core VM), small enough to bound what a fast producer piles up at the receiver.
 */
const DEFAULT_WINDOW = 512;
const DEFAULT_MAX_BUFFER = 10_000;
/** Credit granted by a side that allows overruns (the peer never waits). */
const UNLIMITED = 2 ** 30;
/** Auto window bounds: at most this many messages outstanding at the peer ... */
const AUTO_MAX_MESSAGES = 4096;
/** ... and at most about this many payload bytes (from the average payload seen so far). */
const AUTO_MAX_BYTES = 1 << 20;

/**
 * Receiver policy of a stream opened without an explicit `window`: how many credits
 * to keep granted ahead of what this side has consumed, given the Yields received so
 * far and their payload bytes. DEFAULT_WINDOW until a message arrived; then as many
 * as keep AUTO_MAX_BYTES of payload in flight, at most AUTO_MAX_MESSAGES and at least
 * one. Small messages get more credit (fewer credit round trips), large ones less
 * (bounded memory). Not a wire change: `Credit` records still count messages.
 * @internal exported for tests
 */
export function autoWindow(messages: number, bytes: number): number {
  if (messages === 0) return DEFAULT_WINDOW;
  const perMessage = Math.max(1, bytes / messages);
  return Math.max(1, Math.min(AUTO_MAX_MESSAGES, Math.floor(AUTO_MAX_BYTES / perMessage)));
}

/** @internal The credit a stream's reader keeps granted to its peer, and its buffer cap. */
export class ReceiveWindow {
  /** unread messages this side holds at most; one more overruns the stream */
  readonly maxBuffer: number;
  #dialog: Dialog;
  /** the target of credits granted ahead of consumption (0: unlimited, never topped up) */
  #window = 0;
  /** whether autoWindow() sets the target */
  #auto = false;
  /** credits granted that the reader has not consumed yet */
  #ahead = 0;

  /** Grant the first window on `dialog` (throws `RangeError` on a bad `window`). */
  constructor(dialog: Dialog, opts: StreamOptions) {
    this.#dialog = dialog;
    if (opts.allowOverruns) {
      this.maxBuffer = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
      dialog.grant(UNLIMITED);
      return;
    }
    this.#auto = opts.window === undefined;
    this.#window = opts.window ?? DEFAULT_WINDOW;
    if (!(this.#window >= 1)) throw new RangeError(`window must be >= 1 (got ${opts.window})`);
    // never more unread here than credit granted ahead, which is at most the largest window
    this.maxBuffer = this.#auto ? Math.max(DEFAULT_WINDOW, AUTO_MAX_MESSAGES) : this.#window;
    this.#ahead = this.#window;
    dialog.grant(this.#window);
  }

  /** The reader took one message; unless the dialog is `done`, top the credit up once half the window is used. */
  consumed(done: boolean): void {
    if (this.#window === 0) return;
    this.#ahead--;
    if (this.#auto) this.#window = autoWindow(this.#dialog.yieldsReceived, this.#dialog.yieldBytesReceived);
    const add = this.#window - this.#ahead;
    if (add * 2 >= this.#window && !done) {
      this.#dialog.grant(add);
      this.#ahead = this.#window;
    }
  }
}
