// A parking lot: the one place in furrow where a task waits for another to wake it.
// Tasks park in arrival order; a waker unparks the first n, all of them, or moves
// them to another lot without waking them (trio's ParkingLot is the model). Parking
// is a checkpoint: a cancelled task leaves the lot and throws `Cancelled`.
import { suspend } from './checkpoints.ts';

/** A parked task: how to wake it, and the lot it is in now (it moves on `repark`). */
interface Parked {
  wake: () => void;
  lot: ParkingLot;
}

/**
 * Tasks waiting to be woken, first come first served. Removal of a cancelled waiter
 * is O(1) (a `Set` keeps insertion order).
 *
 * @example
 * <!-- snippet: import { ParkingLot } from 'furrow'; let ready = false; -->
 * ```ts
 * const lot = new ParkingLot();
 * while (!ready) await lot.park(); // elsewhere: ready = true; lot.unparkAll();
 * ```
 */
export class ParkingLot {
  // made on the first park: most lots (one per dialog direction) never hold anyone
  #parked: Set<Parked> | null = null;

  /** How many tasks are parked here. */
  get length(): number {
    return this.#parked?.size ?? 0;
  }

  /**
   * Park the current task until it is unparked. A checkpoint: if the task's scope is
   * cancelled it leaves the lot and throws `Cancelled`.
   */
  park(): Promise<void> {
    return suspend<void>((resolve) => {
      const parked: Parked = { wake: resolve, lot: this };
      (this.#parked ??= new Set()).add(parked);
      return () => parked.lot.#parked?.delete(parked);
    });
  }

  /** Wake the `count` longest-parked tasks; returns how many were woken. */
  unpark(count = 1): number {
    let woken = 0;
    for (const parked of this.#take(count)) {
      parked.wake();
      woken++;
    }
    return woken;
  }

  /**
   * Wake every parked task; returns how many were woken. Cheap when nobody waits (it
   * runs on every message a dialog or context receives).
   */
  unparkAll(): number {
    const parked = this.#parked;
    if (parked === null || parked.size === 0) return 0;
    this.#parked = null;
    for (const p of parked) p.wake();
    return parked.size;
  }

  /**
   * Move the `count` longest-parked tasks to `other` without waking them (they join
   * its end, in order); returns how many moved.
   */
  repark(other: ParkingLot, count = 1): number {
    let moved = 0;
    for (const parked of this.#take(count)) {
      parked.lot = other;
      (other.#parked ??= new Set()).add(parked);
      moved++;
    }
    return moved;
  }

  /** Remove and return the `count` longest-parked entries. */
  #take(count: number): Parked[] {
    const out: Parked[] = [];
    const lot = this.#parked;
    if (lot === null) return out;
    for (const parked of lot) {
      if (out.length >= count) break;
      out.push(parked);
    }
    for (const parked of out) lot.delete(parked);
    return out;
  }
}
