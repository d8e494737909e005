// Synchronisation primitives with trio's semantics: Event, Lock, Semaphore and
// CapacityLimiter. Every wait is a checkpoint; every queue is fair (FIFO): a
// released token is handed straight to the longest waiter, never stolen.
import { throwIfCancelled } from './checkpoints.ts';
import { ParkingLot } from './parking-lot.ts';
import { WouldBlock } from './errors.ts';

/** A one-shot flag that tasks can wait for. */
export class Event {
  #set = false;
  #waiters = new ParkingLot();

  /** True once `set()` was called. */
  isSet(): boolean {
    return this.#set;
  }

  /** Set the flag and wake every waiter. Idempotent. */
  set(): void {
    if (this.#set) return;
    this.#set = true;
    this.#waiters.unparkAll();
  }

  /** Wait until the flag is set. A checkpoint. */
  async wait(): Promise<void> {
    throwIfCancelled();
    if (this.#set) return;
    await this.#waiters.park();
  }
}

/** Run `fn` between `acquire()` and `release()`, releasing whatever happens. */
async function holding<T>(acquire: () => Promise<void>, release: () => void, fn: () => Promise<T> | T): Promise<T> {
  await acquire();
  try {
    return await fn();
  } finally {
    release();
  }
}

/** Tokens handed out in FIFO order: the shared engine of Semaphore, Lock and CapacityLimiter. */
class Tokens {
  available: number;
  readonly queue = new ParkingLot();
  constructor(initial: number) {
    this.available = initial;
  }
  tryTake(): boolean {
    if (this.available > 0 && this.queue.length === 0) {
      this.available--;
      return true;
    }
    return false;
  }
  async take(): Promise<void> {
    throwIfCancelled();
    if (!this.tryTake()) await this.queue.park();
  }
  give(): void {
    if (this.queue.unpark() === 0) this.available++;
  }
}

/** A counting semaphore. `max` (optional) makes releasing above it an error. */
export class Semaphore {
  #tokens: Tokens;
  #max: number;

  constructor(initial: number, opts: { max?: number } = {}) {
    if (!Number.isInteger(initial) || initial < 0) throw new RangeError(`initial must be an integer >= 0 (got ${initial})`);
    this.#tokens = new Tokens(initial);
    this.#max = opts.max ?? Infinity;
    if (initial > this.#max) throw new RangeError(`initial ${initial} is above max ${this.#max}`);
  }

  /** Tokens available now. */
  get value(): number {
    return this.#tokens.available;
  }

  /** Take a token, waiting in line if there is none. A checkpoint. */
  acquire(): Promise<void> {
    return this.#tokens.take();
  }

  /** Take a token without waiting; throws {@link WouldBlock}. */
  acquireNowait(): void {
    if (!this.#tokens.tryTake()) throw new WouldBlock('semaphore has no token');
  }

  /** Give a token back (to the longest waiter, if any). */
  release(): void {
    if (this.#tokens.queue.length === 0 && this.#tokens.available >= this.#max) {
      throw new RangeError(`semaphore released above its max of ${this.#max}`);
    }
    this.#tokens.give();
  }

  /** Run `fn` holding a token. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    return holding(() => this.acquire(), () => this.release(), fn);
  }
}

/** A mutual-exclusion lock, fair among waiters. */
export class Lock {
  #tokens = new Tokens(1);

  /** True while someone holds the lock. */
  locked(): boolean {
    return this.#tokens.available === 0;
  }

  /** Acquire the lock, waiting in line. A checkpoint. */
  acquire(): Promise<void> {
    return this.#tokens.take();
  }

  /** Acquire without waiting; throws {@link WouldBlock}. */
  acquireNowait(): void {
    if (!this.#tokens.tryTake()) throw new WouldBlock('lock is held');
  }

  /** Release the lock (to the longest waiter, if any). */
  release(): void {
    if (!this.locked()) throw new Error('release() of a Lock that is not held');
    this.#tokens.give();
  }

  /** Run `fn` holding the lock. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    return holding(() => this.acquire(), () => this.release(), fn);
  }
}

/**
 * Limits how many borrowers use a resource at once (trio's CapacityLimiter). Each
 * borrower (any object; one fresh object per call when omitted) holds at most one
 * token. `totalTokens` can be raised or lowered while in use.
 */
export class CapacityLimiter {
  #total: number;
  #borrowers = new Set<object>();
  #queue = new ParkingLot();
  #reserved = 0;

  constructor(totalTokens: number) {
    this.#total = checkTotal(totalTokens);
  }

  /** The number of tokens in all. */
  get totalTokens(): number {
    return this.#total;
  }
  set totalTokens(n: number) {
    this.#total = checkTotal(n);
    while (this.availableTokens > 0 && this.#queue.length > 0) this.#handOver();
  }

  /** Tokens in use. */
  get borrowedTokens(): number {
    return this.#borrowers.size + this.#reserved;
  }

  /** Tokens free now. */
  get availableTokens(): number {
    return Math.max(0, this.#total - this.borrowedTokens);
  }

  /** Borrow a token for `borrower`, waiting in line. A checkpoint. */
  async acquire(borrower: object = {}): Promise<void> {
    throwIfCancelled();
    if (this.#borrowers.has(borrower)) throw new Error('this borrower already holds a token of the CapacityLimiter');
    if (this.availableTokens > 0 && this.#queue.length === 0) {
      this.#borrowers.add(borrower);
      return;
    }
    await this.#queue.park();
    this.#reserved--;
    this.#borrowers.add(borrower);
  }

  /** Borrow without waiting; throws {@link WouldBlock}. */
  acquireNowait(borrower: object = {}): void {
    if (this.#borrowers.has(borrower)) throw new Error('this borrower already holds a token of the CapacityLimiter');
    if (this.availableTokens === 0 || this.#queue.length > 0) throw new WouldBlock('no token available');
    this.#borrowers.add(borrower);
  }

  /** Return `borrower`'s token. */
  release(borrower: object): void {
    if (!this.#borrowers.delete(borrower)) throw new Error('this borrower holds no token of the CapacityLimiter');
    if (this.availableTokens > 0 && this.#queue.length > 0) this.#handOver();
  }

  /** Run `fn` holding a token. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const borrower = {};
    return holding(() => this.acquire(borrower), () => this.release(borrower), fn);
  }

  #handOver(): void {
    this.#reserved++;
    this.#queue.unpark();
  }
}

function checkTotal(n: number): number {
  if (!(n >= 1) || (!Number.isInteger(n) && n !== Infinity)) throw new RangeError(`totalTokens must be an integer >= 1 or Infinity (got ${n})`);
  return n;
}
