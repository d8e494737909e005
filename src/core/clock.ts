// Clocks: where a scope reads the time and schedules its wake-ups. The real clock
// uses the host's timers; the virtual clock keeps its own queue and, in autojump
// mode, leaps to the next deadline whenever the program has nothing else to run
// (trio's MockClock), so tests of long timeouts finish at once.

/** A scheduled wake-up; `cancel()` withdraws it. */
export interface Timer {
  cancel(): void;
}

/** The time source of a tree of scopes. Times are milliseconds. */
export interface Clock {
  /** The current time in milliseconds. */
  now(): number;
  /** Call `fn` once the clock reaches `at` (at once, asynchronously, if it has already). */
  schedule(at: number, fn: () => void): Timer;
}

/** The host's monotonic clock (`performance.now()`) and timers. */
export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }
  schedule(at: number, fn: () => void): Timer {
    // Host timers count whole milliseconds and can fire a little before `at` by
    // performance.now(): wait out the remainder so no sleep ever ends early.
    let handle: ReturnType<typeof setTimeout>;
    const fire = (): void => {
      const left = at - performance.now();
      if (left > 0) handle = setTimeout(fire, Math.ceil(left));
      else fn();
    };
    handle = setTimeout(fire, Math.max(0, Math.ceil(at - performance.now())));
    return { cancel: () => clearTimeout(handle) };
  }
}

/** The clock every scope uses unless a tree is given another. */
export const realClock: Clock = new RealClock();

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  dead: boolean;
}

/** Options of {@link VirtualClock}. */
export interface VirtualClockOptions {
  /** The time the clock starts at (default 0). */
  start?: number;
  /**
   * Jump to the next deadline whenever the program is idle (default true). Idle means
   * a full turn of the host loop passed with no timer scheduled or fired: fine for
   * code that only waits on furrow primitives, wrong for code waiting on real I/O.
   */
  autojump?: boolean;
}

/**
 * A clock that moves only when told to (`advance`) or, with `autojump`, whenever the
 * program is idle. Give it to a tree with `openNursery(body, { clock })`.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #heap: Entry[] = [];
  #autojump: boolean;
  #armed = false;
  #activity = 0;

  constructor(opts: VirtualClockOptions = {}) {
    this.#now = opts.start ?? 0;
    this.#autojump = opts.autojump ?? true;
  }

  now(): number {
    return this.#now;
  }

  schedule(at: number, fn: () => void): Timer {
    const entry: Entry = { at, seq: this.#seq++, fn, dead: false };
    push(this.#heap, entry);
    this.#activity++;
    this.#arm();
    return {
      cancel: () => {
        entry.dead = true;
      },
    };
  }

  /** Move the clock forward by `ms`, firing every timer that comes due, in order. */
  advance(ms: number): void {
    this.#runUntil(this.#now + ms);
  }

  /** Number of live timers still scheduled. */
  get pending(): number {
    return this.#heap.filter((e) => !e.dead).length;
  }

  #runUntil(t: number): void {
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || top.at > t) break;
      pop(this.#heap);
      if (top.dead) continue;
      this.#now = Math.max(this.#now, top.at);
      this.#activity++;
      top.fn();
    }
    this.#now = Math.max(this.#now, t);
  }

  #arm(): void {
    if (!this.#autojump || this.#armed) return;
    this.#armed = true;
    const seen = this.#activity;
    setImmediate(() => {
      this.#armed = false;
      while (this.#heap[0]?.dead) pop(this.#heap);
      const next = this.#heap[0];
      if (next === undefined) return;
      if (this.#activity !== seen) return this.#arm(); // something ran: not idle yet
      this.#runUntil(next.at);
      this.#arm();
    });
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function push(heap: Entry[], e: Entry): void {
  heap.push(e);
  let i = heap.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!less(heap[i]!, heap[p]!)) break;
    [heap[i], heap[p]] = [heap[p]!, heap[i]!];
    i = p;
  }
}

function pop(heap: Entry[]): void {
  const last = heap.pop()!;
  if (heap.length === 0) return;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
    if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
    if (m === i) return;
    [heap[i], heap[m]] = [heap[m]!, heap[i]!];
    i = m;
  }
}
