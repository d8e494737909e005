// Which actor of a pool takes the next job. An idle actor first. When every actor is
// busy, a job may go to an actor that is still running others (pipelining: the
// calls of several jobs then travel in one write and one wake-up of the actor's
// thread or process, which is most of what a trivial job costs), but only while
// jobs have been short: a job is never queued behind long ones, so CPU-bound work
// spreads over the actors exactly as with one job per actor.
import { ParkingLot, type Portal } from 'furrow';

/** One actor of the pool, as the dispatcher sees it. */
export interface PoolSlot {
  readonly portal: Portal;
  /** jobs sent to this actor and not yet answered */
  inFlight: number;
  /** why the actor is out of service (killed for a job that ignored its cancel, or died); its jobs in flight are lost */
  lost: string | undefined;
}

/** How the dispatcher pipelines: at most `depth` jobs per actor, while jobs average under `shortMs`. */
export interface PipelineOptions {
  depth: number;
  shortMs: number;
}

/** The weight of the newest job in the running average of job times. */
const SMOOTHING = 0.2;

/** Hands actors to jobs (idle first, then pipelined while jobs are short) and takes them back. */
export class Dispatcher {
  #slots: PoolSlot[] = [];
  #freed = new ParkingLot();
  #opts: PipelineOptions;
  /** running average of how long a job took, dispatch to answer (ms); unknown at first */
  #averageMs = Infinity;

  constructor(opts: PipelineOptions) {
    this.#opts = opts;
  }

  /** The running average of job times (ms), `Infinity` before the first answer. */
  get averageMs(): number {
    return this.#averageMs;
  }

  /** Take `portal`'s actor into service. */
  add(portal: Portal): PoolSlot {
    const slot: PoolSlot = { portal, inFlight: 0, lost: undefined };
    this.#slots.push(slot);
    this.#freed.unparkAll();
    return slot;
  }

  /** Take a killed or dead actor out of service (`why`, for its lost jobs' errors). */
  remove(slot: PoolSlot, why: string): void {
    slot.lost = why;
    this.#slots = this.#slots.filter((s) => s !== slot);
  }

  /** The actor for the next job; waits (a checkpoint) while none may take one. */
  async acquire(): Promise<PoolSlot> {
    for (;;) {
      const slot = this.#pick();
      if (slot) {
        slot.inFlight++;
        return slot;
      }
      await this.#freed.park();
    }
  }

  /** A job on `slot` is answered after `tookMs`. */
  release(slot: PoolSlot, tookMs: number): void {
    // an actor that goes idle joins the end of the line: the longest idle is picked first,
    // so even jobs run one after another rotate over every actor
    if (--slot.inFlight === 0 && slot.lost === undefined) {
      // moved in place: this runs once per job, so no new array each time
      this.#slots.splice(this.#slots.indexOf(slot), 1);
      this.#slots.push(slot);
    }
    this.#averageMs = this.#averageMs === Infinity ? tookMs : this.#averageMs + SMOOTHING * (tookMs - this.#averageMs);
    this.#freed.unpark();
  }

  /** The least busy actor, if it is idle, or if jobs are short and it has room. */
  #pick(): PoolSlot | undefined {
    let best: PoolSlot | undefined;
    for (const s of this.#slots) if (best === undefined || s.inFlight < best.inFlight) best = s;
    if (best === undefined || best.inFlight === 0) return best;
    return best.inFlight < this.#opts.depth && this.#averageMs < this.#opts.shortMs ? best : undefined;
  }
}
