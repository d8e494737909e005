// A first-in first-out queue with O(1) push and shift, for channel buffers and the
// wait queues of the sync primitives (Array#shift is O(n) on large arrays).

/** A FIFO queue backed by a growable ring buffer. */
export class Deque<T> {
  #items: (T | undefined)[] = new Array(16);
  #head = 0;
  #size = 0;

  /** Number of items queued. */
  get length(): number {
    return this.#size;
  }

  /** Add an item at the back. */
  push(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) & (this.#items.length - 1)] = item;
    this.#size++;
  }

  /** Remove and return the front item (undefined when empty). */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#size--;
    return item;
  }

  /** The front item without removing it. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** Remove one given item, wherever it is (O(n); used when a waiter is cancelled). */
  remove(item: T): boolean {
    const all = this.drain();
    let found = false;
    for (const x of all) {
      if (!found && x === item) found = true;
      else this.push(x);
    }
    return found;
  }

  /** Remove and return every item, front first. */
  drain(): T[] {
    const items = this.#items;
    const mask = items.length - 1;
    const out = new Array<T>(this.#size);
    for (let i = 0; i < out.length; i++) {
      const at = (this.#head + i) & mask;
      out[i] = items[at] as T;
      items[at] = undefined;
    }
    this.#head = 0;
    this.#size = 0;
    return out;
  }

  #grow(): void {
    const old = this.#items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = next;
    this.#head = 0;
  }
}
