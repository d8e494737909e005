// A bounded first-in first-out buffer with O(1) push and shift: what holds the
// values an Observable pushed before the consumer asked for them.

/** A FIFO ring buffer with a hard capacity; it grows its storage up to that capacity. */
export class RingBuffer<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#items = new Array(Math.min(capacity, 16));
  }

  /** Number of values held. */
  get length(): number {
    return this.#size;
  }

  /** True when another push would exceed the capacity. */
  get full(): boolean {
    return this.#size >= this.capacity;
  }

  /** Add a value at the back. The caller checks `full` first. */
  push(value: T): void {
    const items = this.#items;
    if (this.#size === items.length) this.#grow();
    let i = this.#head + this.#size;
    if (i >= this.#items.length) i -= this.#items.length;
    this.#items[i] = value;
    this.#size++;
  }

  /** Remove and return the front value (undefined when empty). */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const items = this.#items;
    const value = items[this.#head];
    items[this.#head] = undefined;
    if (++this.#head === items.length) this.#head = 0;
    this.#size--;
    return value;
  }

  /** Drop every value. */
  clear(): void {
    this.#items = new Array(Math.min(this.capacity, 16));
    this.#head = 0;
    this.#size = 0;
  }

  #grow(): void {
    const old = this.#items;
    const next: (T | undefined)[] = new Array(Math.min(this.capacity, old.length * 2));
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) % old.length];
    this.#items = next;
    this.#head = 0;
  }
}
