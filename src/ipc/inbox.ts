// An inbox: a queue that one side fills without ever blocking (a connection's
// reader, a listener's accept callback) and tasks take from, parked until an item
// comes or the inbox ends with an error. What arrives is kept in order; taking is
// a checkpoint.
import { Deque, ParkingLot } from '../core/index.ts';

/** Items waiting to be taken, first in first out, until the inbox ends. */
export class Inbox<T> {
  #items = new Deque<T>();
  #takers = new ParkingLot();
  #endError: (() => Error) | null = null;

  /** How many items wait. */
  get length(): number {
    return this.#items.length;
  }

  /** Add an item (never blocks) and wake the tasks waiting for one. */
  push(item: T): void {
    this.#items.push(item);
    this.#takers.unparkAll();
  }

  /** No more items will come: once the queue is empty, `take()` throws `error()`. */
  end(error: () => Error): void {
    this.#endError ??= error;
    this.#takers.unparkAll();
  }

  /** Take the oldest item, waiting for one. A checkpoint; throws the end error once ended and empty. */
  async take(): Promise<T> {
    for (;;) {
      if (this.#items.length > 0) return this.#items.shift()!;
      if (this.#endError) throw this.#endError();
      await this.#takers.park();
    }
  }

  /** Remove and return every waiting item. */
  drain(): T[] {
    return this.#items.drain();
  }
}
