// Broadcast: fan one stream of values out to many consumers, each of which sees
// every value in order. Values wait in a shared window of `bufferSize`; a consumer
// that falls further behind than the window gets `Lagged` (saying how many values
// it missed) and then continues from the oldest value still held. There is no pump
// task: whichever consumer first needs a value not yet read pulls it from the source.
import { Event } from './sync.ts';
import { ClosedResourceError, Lagged, isCancelled } from './errors.ts';

/** Options of {@link broadcast}. */
export interface BroadcastOptions {
  /** How many recent values are kept for slower consumers (default 64). */
  bufferSize?: number;
}

/** One consumer of a broadcast: `receive()` or `for await`. */
export interface BroadcastReceiver<T> extends AsyncIterable<T> {
  /** The next value; `{ done: true }` at the end of the source. Throws {@link Lagged} once when values were missed. */
  next(): Promise<IteratorResult<T, undefined>>;
  /** Stop consuming (the window no longer waits for this consumer). */
  close(): void;
}

/** The fan-out point made by {@link broadcast}. */
export interface Broadcaster<T> {
  /** A new consumer that sees values from now on. */
  subscribe(): BroadcastReceiver<T>;
  /** Number of consumers subscribed and not closed. */
  readonly subscribers: number;
}

/**
 * Fan `source` out to many consumers: each `subscribe()` gets every value the source
 * produces from then on, in order.
 */
export function broadcast<T>(source: AsyncIterable<T>, opts: BroadcastOptions = {}): Broadcaster<T> {
  const size = opts.bufferSize ?? 64;
  if (!(size >= 1)) throw new RangeError(`bufferSize must be >= 1 (got ${size})`);
  const iterator = source[Symbol.asyncIterator]();
  const window: T[] = new Array(size);
  let next = 0; // sequence number of the next value to arrive
  let done = false;
  let failure: { err: unknown } | undefined;
  let pulling: Event | undefined;
  let subscribers = 0;

  async function pull(): Promise<void> {
    if (pulling) return pulling.wait();
    const arrived = (pulling = new Event());
    try {
      const r = await iterator.next();
      if (r.done) done = true;
      else window[next++ % size] = r.value;
    } catch (err) {
      // The puller's own cancellation is its alone: another consumer pulls next.
      if (isCancelled(err)) throw err;
      failure = { err };
    } finally {
      pulling = undefined;
      arrived.set();
    }
  }

  function subscribe(): BroadcastReceiver<T> {
    let seq = next;
    let closed = false;
    subscribers++;
    const receiver: BroadcastReceiver<T> = {
      async next() {
        if (closed) throw new ClosedResourceError('this broadcast receiver is closed');
        while (seq === next && !done && !failure) await pull();
        if (seq < next) {
          const oldest = Math.max(0, next - size);
          if (seq < oldest) {
            const missed = oldest - seq;
            seq = oldest;
            throw new Lagged(missed);
          }
          return { value: window[seq++ % size]!, done: false };
        }
        if (failure) throw failure.err;
        return { value: undefined, done: true };
      },
      close() {
        if (!closed) subscribers--;
        closed = true;
      },
      [Symbol.asyncIterator]() {
        return { next: () => receiver.next(), return: async () => (receiver.close(), { value: undefined, done: true }) };
      },
    };
    return receiver;
  }

  return {
    subscribe,
    get subscribers() {
      return subscribers;
    },
  };
}
