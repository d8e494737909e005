// fromObservable: consume an RxJS Observable (or any Subscribable) as an async
// iterable bound to a furrow scope. An Observable pushes and cannot be slowed, so a
// bounded buffer sits between it and the consumer, with an explicit overflow policy.
import { Subscription, type Observable, type Subscribable, type TeardownLogic } from 'rxjs';
import { currentScope, isCancelled, suspend, Deque, type CancelScope } from 'furrow';
import { BufferOverflowError } from './errors.ts';

/** What to do when a value arrives and the buffer is full. */
export type OverflowPolicy = 'error' | 'drop-oldest' | 'drop-newest';

/** Options of {@link fromObservable}. */
export interface FromObservableOptions {
  /** How many values may wait for the consumer (an integer >= 1; default 1024). */
  buffer?: number;
  /** The overflow policy (default `'error'`). */
  overflow?: OverflowPolicy;
}

/** The default buffer size of {@link fromObservable}. */
export const DEFAULT_OBSERVABLE_BUFFER = 1024;

/** A batch-at-a-time reader of an {@link ObservableStream}, made by its `batches()`. */
export interface ObservableBatches<T> extends AsyncIterableIterator<T[]>, AsyncDisposable {
  /** Stop reading: unsubscribe and end the iteration. */
  return(): Promise<IteratorResult<T[]>>;
}

const POLICIES: readonly OverflowPolicy[] = ['error', 'drop-oldest', 'drop-newest'];
const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
const noop = (): void => {};

interface Waiter<T> {
  /** A reader of {@link ObservableStream.batches}: it takes every value waiting, not one. */
  batch: boolean;
  resolve: (result: IteratorResult<T | T[]>) => void;
  reject: (err: unknown) => void;
}

/**
 * An Observable being read as an async iterator by one consumer. It subscribes on
 * the first `next()`, unsubscribes when the iteration ends (break, return, error,
 * completion) or when its scope is cancelled. Made by {@link fromObservable}.
 */
export class ObservableStream<T> implements AsyncIterableIterator<T>, AsyncDisposable {
  /** The buffer's capacity. */
  readonly bufferSize: number;
  /** The overflow policy. */
  readonly overflow: OverflowPolicy;
  #source: Subscribable<T>;
  #scope: CancelScope | undefined;
  #buffer = new Deque<T>();
  #dropped = 0;
  #state: 'new' | 'open' | 'ended' | 'closed' = 'new';
  #error: { err: unknown } | undefined;
  #subscription: Subscription | undefined;
  #waiter: Waiter<T> | undefined;

  /** @internal Use {@link fromObservable}. */
  constructor(source: Subscribable<T>, scope: CancelScope | undefined, bufferSize: number, overflow: OverflowPolicy) {
    this.#source = source;
    this.#scope = scope;
    this.bufferSize = bufferSize;
    this.overflow = overflow;
  }

  /** How many values the `'drop-oldest'` / `'drop-newest'` policy has dropped. */
  get dropped(): number {
    return this.#dropped;
  }

  /** How many values are waiting in the buffer. */
  get buffered(): number {
    return this.#buffer.length;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next value; a checkpoint. Throws the Observable's error, `Cancelled`, or {@link BufferOverflowError}. */
  next(): Promise<IteratorResult<T>> {
    return this.#read(false) as Promise<IteratorResult<T>>;
  }

  /**
   * Read the same stream in bulk: each step gives every value waiting (at least one),
   * in order, and is a checkpoint like `next()`. Values that arrive in one synchronous
   * burst while the reader waits come as one batch. Ending, errors, cancellation and
   * the overflow policy are those of the stream; leaving the loop unsubscribes.
   *
   * @example
   * ```ts
   * import { range } from 'rxjs';
   * import { fromObservable } from 'furrow/rxjs';
   *
   * // range() emits synchronously: the ten values come as one batch
   * for await (const batch of fromObservable(range(0, 10)).batches()) console.log(batch.length);
   * ```
   */
  batches(): ObservableBatches<T> {
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: () => this.#read(true) as Promise<IteratorResult<T[]>>,
      return: () => this.return() as Promise<IteratorResult<T[]>>,
      [Symbol.asyncDispose]: () => this[Symbol.asyncDispose](),
    };
  }

  #read(batch: boolean): Promise<IteratorResult<T | T[]>> {
    const current = currentScope();
    if (current !== undefined && current.isCancelled) {
      this.#close();
      return suspend<IteratorResult<T>>(noop); // throws the scope's Cancelled
    }
    const bound = this.#scope;
    if (bound !== undefined && bound.isCancelled) {
      this.#close();
      return Promise.reject(bound.signal.reason);
    }
    if (this.#state === 'new') this.#subscribe();
    const buffer = this.#buffer;
    if (buffer.length > 0) return Promise.resolve({ value: batch ? buffer.drain() : (buffer.shift() as T), done: false });
    if (this.#state === 'ended') {
      const error = this.#error;
      this.#close();
      return error ? Promise.reject(error.err) : Promise.resolve(DONE);
    }
    if (this.#state === 'closed') return Promise.resolve(DONE);
    if (this.#waiter !== undefined) {
      return Promise.reject(new Error('fromObservable: another consumer is already waiting on this stream (a stream has one reader)'));
    }
    return suspend<IteratorResult<T | T[]>>((resolve, reject) => {
      this.#waiter = { batch, resolve, reject };
      return () => (this.#waiter = undefined);
    }).catch(this.#onWaitFailed);
  }

  /** Stop reading: unsubscribe and end the iteration. */
  return(): Promise<IteratorResult<T>> {
    const waiter = this.#waiter;
    this.#close();
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve(DONE);
    }
    return Promise.resolve(DONE);
  }

  /** `await using` support: the same as `return()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  #subscribe(): void {
    this.#state = 'open';
    this.#scope?.signal.addEventListener('abort', this.#onAbort, { once: true });
    // The observer is its own subscription, so RxJS hands it to the producer as the
    // subscriber itself: unsubscribing it from inside `next` (overflow, cancel, an
    // early `return()`) sets the `closed` flag a synchronous producer checks, and the
    // producer stops at once instead of running on into a closed stream.
    const subscription = new Subscription();
    this.#subscription = subscription;
    const observer = {
      next: (value: T) => this.#push(value),
      error: (err: unknown) => this.#end({ err }),
      complete: () => this.#end(undefined),
      get closed(): boolean {
        return subscription.closed;
      },
      add: (teardown: TeardownLogic) => subscription.add(teardown),
      remove: (teardown: Exclude<TeardownLogic, void>) => subscription.remove(teardown),
      unsubscribe: () => subscription.unsubscribe(),
    };
    // If the source already ended (or overflowed) while subscribing, `subscription` is
    // closed and adding the source's own teardown runs it at once.
    subscription.add(this.#source.subscribe(observer));
  }

  #push(value: T): void {
    if (this.#state !== 'open') return;
    const waiter = this.#waiter;
    const buffer = this.#buffer;
    if (waiter !== undefined) {
      if (!waiter.batch) {
        this.#waiter = undefined;
        waiter.resolve({ value, done: false });
        return;
      }
      // a batch reader gets the whole synchronous burst this value begins
      if (buffer.length === 0) queueMicrotask(this.#deliverBatch);
    }
    if (buffer.length < this.bufferSize) return buffer.push(value);
    if (this.overflow === 'drop-newest') {
      this.#dropped++;
    } else if (this.overflow === 'drop-oldest') {
      buffer.shift();
      buffer.push(value);
      this.#dropped++;
    } else {
      this.#end({ err: new BufferOverflowError(this.bufferSize) });
    }
  }

  #deliverBatch = (): void => {
    const waiter = this.#waiter;
    if (waiter === undefined || !waiter.batch || this.#buffer.length === 0) return; // cancelled or closed since
    this.#waiter = undefined;
    waiter.resolve({ value: this.#buffer.drain(), done: false });
  };

  /** The source ended (complete, error, or overflow): buffered values are still delivered first. */
  #end(error: { err: unknown } | undefined): void {
    if (this.#state !== 'open') return;
    this.#state = 'ended';
    this.#error = error;
    this.#detach();
    const waiter = this.#waiter;
    // a batch reader waiting on a burst gets the burst first, and the end on its next read
    if (waiter === undefined || this.#buffer.length > 0) return;
    this.#waiter = undefined;
    this.#close();
    if (error) waiter.reject(error.err);
    else waiter.resolve(DONE);
  }

  #close(): void {
    this.#state = 'closed';
    this.#error = undefined;
    if (this.#buffer.length > 0) this.#buffer = new Deque<T>();
    this.#detach();
  }

  #detach(): void {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    this.#scope?.signal.removeEventListener('abort', this.#onAbort);
    subscription?.unsubscribe();
  }

  #onAbort = (): void => {
    const waiter = this.#waiter;
    this.#close();
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.reject(this.#scope!.signal.reason);
    }
  };

  #onWaitFailed = (err: unknown): never => {
    if (isCancelled(err)) this.#close();
    throw err;
  };
}

/**
 * Read `source` as an async iterable bound to the current furrow scope:
 * `for await (const v of fromObservable(obs)) ...`. Subscribes on the first read.
 * Cancelling the scope unsubscribes (the Observable's teardown runs) and the reader
 * gets `Cancelled`; the Observable's `error` is thrown into the reader after the
 * values buffered before it; `complete` ends the iteration; leaving the loop early
 * unsubscribes. When values arrive faster than they are read, at most `buffer` wait;
 * past that the `overflow` policy applies: `'error'` (default) fails the stream with
 * {@link BufferOverflowError}, `'drop-oldest'` / `'drop-newest'` drop values and
 * count them in `stream.dropped`. There is no unbounded buffer.
 *
 * @example
 * ```ts
 * import { interval } from 'rxjs';
 * import { moveOnAfter } from 'furrow';
 * import { fromObservable } from 'furrow/rxjs';
 *
 * // read ticks for one second; the timeout unsubscribes from the interval
 * await moveOnAfter(1000, async () => {
 *   for await (const tick of fromObservable(interval(100), { buffer: 16, overflow: 'drop-oldest' })) console.log(tick);
 * });
 * ```
 */
export function fromObservable<T>(source: Observable<T> | Subscribable<T>, opts: FromObservableOptions = {}): ObservableStream<T> {
  if (source === null || typeof source !== 'object' || typeof (source as { subscribe?: unknown }).subscribe !== 'function') {
    throw new TypeError('fromObservable: source must be an Observable (an object with a subscribe method)');
  }
  if (opts === null || typeof opts !== 'object') throw new TypeError('fromObservable: options must be an object');
  const buffer = opts.buffer ?? DEFAULT_OBSERVABLE_BUFFER;
  if (typeof buffer !== 'number' || !Number.isInteger(buffer) || buffer < 1) {
    throw new RangeError(
      `fromObservable: buffer must be an integer >= 1 (got ${String(buffer)}); unbounded buffering is not offered, ` +
        `pick a size and an overflow policy`,
    );
  }
  const overflow = opts.overflow ?? 'error';
  if (!POLICIES.includes(overflow)) {
    throw new RangeError(`fromObservable: overflow must be one of ${POLICIES.map((p) => `'${p}'`).join(', ')} (got ${String(overflow)})`);
  }
  return new ObservableStream(source, currentScope(), buffer, overflow);
}
