// openTaskQueue: a p-queue whose jobs are tasks of a nursery. p-queue decides when a
// job starts (concurrency, priority, rate limits, timeouts); the nursery owns the
// job while it runs, so a job error or a cancel stops the whole queue and nothing
// outlives `openTaskQueue`.
import PQueue, { TimeoutError, type Options, type PriorityQueue, type QueueAddOptions } from 'p-queue';
import { Cancelled, CancelScope, cancellable, ignore, isCancelled, openNursery, withCancelScope, type Nursery } from 'furrow';

/** A job: gets an AbortSignal that aborts when the job is cancelled. */
export type Job<R> = (signal: AbortSignal) => PromiseLike<R> | R;

/** p-queue's per-job options: `priority`, `id`, `timeout`, `signal`. */
export type JobOptions = Partial<QueueAddOptions>;

/** Options of {@link openTaskQueue}: p-queue's own options plus furrow's. */
export interface TaskQueueOptions extends Options<PriorityQueue, QueueAddOptions> {
  /** A foreign signal: aborting it cancels the queue (the call rejects with its reason). */
  signal?: AbortSignal;
  /** A name for messages. */
  name?: string;
  /** How long (clock ms) to wait for jobs that ignore cancellation (the nursery's `cancelGraceMs`). */
  cancelGraceMs?: number;
}


/**
 * The handle the body of {@link openTaskQueue} gets: add jobs, watch the queue.
 * Jobs run as tasks of the queue's nursery.
 */
export class TaskQueue {
  /** The queue's nursery (to start helper tasks next to the jobs, or `cancel()` it). */
  readonly nursery: Nursery;
  /** The p-queue underneath, for its events and statistics. Add jobs with {@link TaskQueue.add}, never through it. */
  readonly pqueue: PQueue;
  #closed = false;
  #failures = new Set<unknown>();

  /** @internal Use {@link openTaskQueue}. */
  constructor(nursery: Nursery, pqueue: PQueue) {
    this.nursery = nursery;
    this.pqueue = pqueue;
  }

  /** Jobs waiting to start. */
  get size(): number {
    return this.pqueue.size;
  }

  /** Jobs running. */
  get pending(): number {
    return this.pqueue.pending;
  }

  /**
   * Queue `job(signal)`. Resolves with its result. If the job fails, its error goes
   * to the queue (which cancels everything and throws it from `openTaskQueue`), and
   * this promise rejects with it too; a job that never ran because the queue was
   * cancelled rejects with `Cancelled`. The promise never counts as unhandled: you
   * need not await it.
   */
  add<R>(job: Job<R>, opts?: JobOptions): Promise<R> {
    if (typeof job !== 'function') throw new TypeError(`TaskQueue.add: job must be a function (got ${typeof job})`);
    if (this.#closed) throw new Error(`task queue '${this.nursery.name}' is closed: cannot add a job after openTaskQueue returned`);
    const scope = this.nursery.cancelScope;
    const result = scope.isCancelled
      ? Promise.reject(scope.signal.reason)
      : this.pqueue.add((o) => this.#run(job, o.signal), opts).catch(this.#mapError);
    result.catch(ignore('a job error also reaches the queue, which throws it: a caller need not await its job'));
    return result as Promise<R>;
  }

  /** Queue several jobs; resolves with all their results, in order. */
  addAll<R>(jobs: readonly Job<R>[], opts?: JobOptions): Promise<R[]> {
    if (!Array.isArray(jobs)) throw new TypeError('TaskQueue.addAll: jobs must be an array of functions');
    const all = Promise.all(jobs.map((job) => this.add<R>(job, opts))) as Promise<R[]>;
    all.catch(ignore('each job error also reaches the queue, which throws it'));
    return all;
  }

  /** Wait until no job is queued or running. A checkpoint. */
  onIdle(): Promise<void> {
    return cancellable(this.pqueue.onIdle());
  }

  /** Wait until fewer than `limit` jobs are queued (backpressure for producers). A checkpoint. */
  onSizeLessThan(limit: number): Promise<void> {
    return cancellable(this.pqueue.onSizeLessThan(limit));
  }

  /** Stop starting jobs (running ones go on). Leaving the body of a paused queue waits until it is started again. */
  pause(): void {
    this.pqueue.pause();
  }

  /** Start (or resume) starting jobs. */
  start(): void {
    this.pqueue.start();
  }

  /** @internal Stop everything that has not started: on a job error or a cancel. */
  _halt = (): void => {
    this.pqueue.pause();
    this.pqueue.clear();
  };

  /** @internal After the body and its drain: no more jobs. */
  _close(): void {
    this.#closed = true;
  }

  /** @internal Whether `err` is a job error the nursery already has. */
  _isJobFailure(err: unknown): boolean {
    return this.#failures.has(err);
  }

  /** Run one job as a task of the nursery; the task's promise is also p-queue's. */
  #run<R>(job: Job<R>, jobSignal: AbortSignal | undefined): Promise<R> {
    if (jobSignal !== undefined) {
      let outcome!: Promise<R>;
      this.nursery.startSoon(() => (outcome = this.#runWithJobSignal(job, jobSignal)));
      return outcome;
    }
    // The hot path: hand the job over through fields rather than a closure per job
    // (startSoon calls its function synchronously).
    this.#handoverJob = job;
    this.nursery.startSoon(this.#startPlain);
    const outcome = this.#handoverOutcome as Promise<R>;
    this.#handoverOutcome = undefined;
    return outcome;
  }

  #handoverJob: Job<unknown> | undefined;
  #handoverOutcome: Promise<unknown> | undefined;
  #startPlain = (signal: AbortSignal): Promise<unknown> => {
    const job = this.#handoverJob!;
    this.#handoverJob = undefined;
    return (this.#handoverOutcome = this.#runPlain(job, signal));
  };

  async #runPlain<R>(job: Job<R>, signal: AbortSignal): Promise<R> {
    try {
      return await job(signal);
    } catch (err) {
      throw this.#jobError(err);
    }
  }

  /**
   * A job with its own `timeout` or `signal`: it runs in an inner scope that p-queue's
   * signal cancels. A timeout is a job error; the job's own signal aborting is not
   * (p-queue has already rejected that job's promise with the signal's reason).
   */
  async #runWithJobSignal<R>(job: Job<R>, jobSignal: AbortSignal): Promise<R> {
    const inner = new CancelScope();
    const onAbort = (): void => inner.cancel(jobSignal.reason);
    jobSignal.addEventListener('abort', onAbort, { once: true });
    try {
      const value = await withCancelScope(inner, async (scope) => job(scope.signal));
      if (!jobSignal.aborted) return value as R;
    } catch (err) {
      if (!jobSignal.aborted) throw this.#jobError(err);
      if (!(jobSignal.reason instanceof TimeoutError) && !isAbortError(err)) throw this.#failed(err);
    } finally {
      jobSignal.removeEventListener('abort', onAbort);
    }
    if (jobSignal.reason instanceof TimeoutError) throw this.#failed(jobSignal.reason);
    return undefined as R;
  }

  /** What a failed job reports: `Cancelled` if it failed because the queue was cancelled, else its error. */
  #jobError(err: unknown): unknown {
    const outcome = this.#asCancelled(err);
    if (outcome === err) this.#failed(err);
    return outcome;
  }

  /**
   * Foreign code reports its signal aborting with an AbortError (or the signal's
   * reason): once the queue is cancelled, that is the job being cancelled, not a
   * job error, so it becomes the scope's `Cancelled`.
   */
  #asCancelled(err: unknown): unknown {
    const scope = this.nursery.cancelScope;
    if (!scope.isCancelled) return err;
    const cancelled = scope.signal.reason;
    return err === cancelled || isAbortError(err) || isCancelled(err) ? cancelled : err;
  }

  #failed(err: unknown): unknown {
    this.#failures.add(err);
    this._halt();
    return err;
  }

  /** p-queue rejects a cleared job with an AbortError: for furrow that job was cancelled. */
  #mapError = (err: unknown): never => {
    if (isAbortError(err) && (err as { message?: unknown }).message === 'The queue was cleared') {
      const scope = this.nursery.cancelScope;
      throw scope.isCancelled ? scope.signal.reason : new Cancelled('job cleared: the task queue stopped');
    }
    throw err;
  };
}

function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

/**
 * Open a p-queue whose jobs are tasks of a nursery, run `body(queue)`, and return
 * its value once the queue has drained (every job added, also by other jobs, has
 * finished). Each job gets an AbortSignal. The first job error cancels the running
 * jobs (their signals abort), clears the waiting ones, and is thrown from here;
 * cancelling the enclosing scope (or aborting `opts.signal`) does the same. p-queue's
 * own options (`concurrency`, `interval`/`intervalCap`, `timeout`, `autoStart`, ...)
 * and per-job options (`priority`, `timeout`, `signal`, `id`) pass through.
 *
 * @example
 * ```ts
 * import { openTaskQueue } from 'furrow/queue';
 *
 * const urls = ['https://example.com/1', 'https://example.com/2', 'https://example.com/3'];
 * const sizes = new Map<string, number>();
 * await openTaskQueue({ concurrency: 2 }, (q) => {
 *   for (const url of urls) {
 *     // a failed fetch cancels the others (their signals abort) and is thrown
 *     void q.add(async (signal) => sizes.set(url, (await (await fetch(url, { signal })).arrayBuffer()).byteLength));
 *   }
 * }); // returns once the queue has drained
 * ```
 */
export async function openTaskQueue<T>(
  opts: TaskQueueOptions,
  body: (queue: TaskQueue) => Promise<T> | T,
): Promise<T | undefined> {
  if (opts === null || typeof opts !== 'object') throw new TypeError('openTaskQueue: options must be an object, e.g. { concurrency: 4 }');
  if (typeof body !== 'function') throw new TypeError(`openTaskQueue: body must be a function (got ${typeof body})`);
  const { signal, name, cancelGraceMs, ...pqOptions } = opts;
  const pqueue = new PQueue(pqOptions); // p-queue validates its own options
  let queue: TaskQueue | undefined;
  try {
    return await openNursery(
      async (n) => {
        const q = (queue = new TaskQueue(n, pqueue));
        const scopeSignal = n.cancelScope.signal;
        scopeSignal.addEventListener('abort', q._halt, { once: true });
        try {
          const value = await body(q);
          await q.onIdle();
          return value;
        } catch (err) {
          if (q._isJobFailure(err)) return undefined; // the nursery has it already
          throw err;
        } finally {
          q._close();
          scopeSignal.removeEventListener('abort', q._halt);
        }
      },
      { signal, name: name ?? 'task-queue', cancelGraceMs },
    );
  } finally {
    queue?._close();
    pqueue.clear();
  }
}
