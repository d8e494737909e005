// MsgStream: the bidirectional stream of a context. `send` waits for credit (the
// peer grants a window of messages and more as it consumes them), `receive` and
// `for await` read what the peer sent until it closes its side, `close()` ends the
// peer's iteration, and `subscribe()` fans the received values out to local tasks.
import { broadcast, ClosedResourceError, type BroadcastReceiver, type Broadcaster } from '../core/index.ts';
import type { Context } from './context.ts';

/** Options of `ctx.openStream`. */
export interface StreamOptions {
  /**
   * How many messages the peer may send ahead of this side's consumption (the
   * credit window, fixed). The peer's `send` waits when it is spent. Default:
   * automatic, 512 at first, then up to 4096 for small messages and about 1 MiB of
   * payload for large ones (`autoWindow` in receive-window.ts).
   */
  window?: number;
  /**
   * Let the peer send without waiting for credit. Messages then pile up here up to
   * `maxBuffer` (default 10 000), and one more fails the stream with `StreamOverrun`:
   * never dropped silently.
   */
  allowOverruns?: boolean;
  /** With `allowOverruns`: how many unread messages this side holds before `StreamOverrun`. */
  maxBuffer?: number;
}

/** One side of a context's stream. Made by `ctx.openStream(body)`. */
export class MsgStream<T = unknown> implements AsyncIterable<T> {
  #ctx: Context;
  #closed = false;
  #fanout: Broadcaster<T> | undefined;

  /** @internal */
  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  /**
   * Send one value to the peer. Waits (a checkpoint) while the peer's credit window
   * is spent. Throws the context's error if it failed, `ClosedResourceError` after
   * `close()`, `MsgTypeError` if the value cannot be encoded.
   */
  send(value: T): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedResourceError('this stream was closed: cannot send'));
    return this.#ctx.sendValue(value);
  }

  /**
   * The next value from the peer. A checkpoint. Throws `EndOfChannel` once the peer
   * closed its side (or its context returned) and everything was read, and the
   * context's error if it failed (a remote error, `TransportError`, `StreamOverrun`).
   */
  receive(): Promise<T> {
    return this.#ctx.receiveValue() as Promise<T>;
  }

  /** Close this side: the peer's iteration ends after what was sent. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ctx.sendStop();
  }

  /** How many received messages wait here unread (at most the window, or `maxBuffer` with `allowOverruns`). */
  get buffered(): number {
    return this.#ctx.buffered;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A new local consumer that sees every value received from now on (the first call
   * turns the stream into a broadcast; read it through subscribers only from then on).
   */
  subscribe(): BroadcastReceiver<T> {
    this.#fanout ??= broadcast<T>(this);
    return this.#fanout.subscribe();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const ctx = this.#ctx;
    const slow = async (): Promise<IteratorResult<T>> => {
      const r = await ctx.nextValue();
      return r === DONE ? { value: undefined, done: true } : { value: r as T, done: false };
    };
    return {
      // a value already here is handed over without an async function around it
      next: () => {
        const v = ctx.takeValue();
        return v === NONE ? slow() : Promise.resolve({ value: v as T, done: false });
      },
      return: async () => ({ value: undefined, done: true }),
    };
  }
}

/** @internal The end-of-stream marker of `Context.nextValue`. */
export const DONE: unique symbol = Symbol('furrow.streamDone');
/** @internal "Nothing buffered" from `Context.takeValue`. */
export const NONE: unique symbol = Symbol('furrow.streamNone');
