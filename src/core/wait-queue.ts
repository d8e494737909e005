// A fair (first-come, first-served) queue of parked tasks, shared by Lock,
// Semaphore and CapacityLimiter: a token handed over goes to the longest waiter.
import { suspend } from './checkpoints.ts';
import { Deque } from './deque.ts';

/** Parked tasks in arrival order. */
export class WaitQueue {
  #waiters = new Deque<() => void>();

  /** How many tasks are parked. */
  get length(): number {
    return this.#waiters.length;
  }

  /** Park until woken by `wakeOne` (in FIFO order). A checkpoint. */
  park(): Promise<void> {
    return suspend<void>((resolve) => {
      this.#waiters.push(resolve);
      return () => this.#waiters.remove(resolve);
    });
  }

  /** Wake the longest-parked task; false if none was parked. */
  wakeOne(): boolean {
    const wake = this.#waiters.shift();
    wake?.();
    return wake !== undefined;
  }
}
