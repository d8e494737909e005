// openSupervisor: OTP's supervisor inside a nursery. The children (actors of any
// backend, or in-process tasks such as nested supervisors) start in spec order; when
// one ends, one control loop decides, one exit at a time: restart it (one-for-one),
// all of them (one-for-all), or it and those started after it (rest-for-one), after a
// backoff, unless the restart intensity is spent, in which case the supervisor gives
// up, tears every child down and throws. It stays structured: it returns only when
// every child is gone, and its cancellation reaches every incarnation.
import {
  CancelScope,
  Event,
  ParkingLot,
  currentTime,
  isCancelled,
  log,
  openChannel,
  openNursery,
  sleep,
  withCancelScope,
  type MemoryReceiveChannel,
  type MemorySendChannel,
  type Nursery,
} from '../../core/index.ts';
import type { Portal } from '../portal.ts';
import { runIncarnation } from './incarnation.ts';
import { RestartWindow, backoffMs } from './intensity.ts';
import { checkSpec, type ChildSpec, type ChildStatus, type ExitReason, type RestartType, type SupervisorEvent, type SupervisorSpec } from './spec.ts';

/** A child as the supervisor keeps it. */
interface Child {
  spec: ChildSpec;
  restart: RestartType;
  incarnation: number;
  restarts: number;
  state: ChildStatus['state'];
  portal?: Portal;
  /** the running incarnation's scope (cancelled to stop it) and its end */
  scope?: CancelScope;
  done?: Event;
}

/** An incarnation's end, as the control loop gets it. */
interface Exit {
  child: Child;
  incarnation: number;
  reason: ExitReason;
  error?: unknown;
}

/** The handle the body of {@link openSupervisor} gets. */
export class Supervisor {
  /** the supervisor's name (spec.name) */
  readonly name: string;
  #spec: ReturnType<typeof checkSpec>;
  #children: Child[];
  #nursery!: Nursery;
  #exitsIn: MemorySendChannel<Exit>;
  #exitsOut: MemoryReceiveChannel<Exit>;
  #window: RestartWindow;
  #changed = new ParkingLot();
  #subscribers = new Set<{ queue: SupervisorEvent[]; wake: ParkingLot }>();
  #ended = false;

  /** @internal Use {@link openSupervisor}. */
  constructor(spec: ReturnType<typeof checkSpec>) {
    this.name = spec.name;
    this.#spec = spec;
    this.#children = spec.children.map((c) => ({ spec: c, restart: c.restart ?? 'permanent', incarnation: 0, restarts: 0, state: 'starting' }));
    [this.#exitsIn, this.#exitsOut] = openChannel<Exit>(Infinity);
    this.#window = new RestartWindow(spec.maxRestarts, spec.withinMs);
  }

  /** Every child's state, in spec order. */
  get children(): ChildStatus[] {
    return this.#children.map((c) => ({ name: c.spec.name, incarnation: c.incarnation, restarts: c.restarts, state: c.state, portal: c.state === 'running' ? c.portal : undefined }));
  }

  /**
   * The portal of actor child `name`'s current incarnation. While it restarts, waits
   * for the new one; with `after` (a portal whose calls failed), waits for an
   * incarnation newer than that one: the opt-in "wait for the restarted child". A
   * checkpoint. Throws if there is no such actor child, or it has stopped for good.
   */
  async portal(name: string, opts: { after?: Portal } = {}): Promise<Portal> {
    const child = this.#children.find((c) => c.spec.name === name);
    if (child === undefined || !('actor' in child.spec)) throw new TypeError(`supervisor '${this.name}' has no actor child '${name}'`);
    for (;;) {
      if (child.state === 'running' && child.portal && child.portal !== opts.after) return child.portal;
      if (child.state === 'stopped' || this.#ended) throw new Error(`supervisor '${this.name}': child '${name}' has stopped and will not restart`);
      await this.#changed.park();
    }
  }

  /**
   * The supervisor's events from now on, in order, as an async iterable that ends when
   * the supervisor does. Each iterator keeps the events it has not read yet.
   */
  async *events(): AsyncGenerator<SupervisorEvent> {
    const sub = { queue: [] as SupervisorEvent[], wake: new ParkingLot() };
    this.#subscribers.add(sub);
    try {
      for (;;) {
        const e = sub.queue.shift();
        if (e !== undefined) yield e;
        else if (this.#ended) return;
        else await sub.wake.park();
      }
    } finally {
      this.#subscribers.delete(sub);
    }
  }

  /** @internal Start the children in order, then decide on every exit until cancelled. */
  async _run(n: Nursery): Promise<void> {
    this.#nursery = n;
    for (const child of this.#children) {
      const failed = await this.#start(child);
      // a child that cannot start the first time: the spec is wrong, give up at once (as OTP does)
      if (failed) throw failed.error;
    }
    n.startSoon(() => this.#control(), `${this.name}: control`);
  }

  /** @internal The supervisor has ended: iterators finish, waiters for portals give up. */
  _end(): void {
    this.#ended = true;
    for (const s of this.#subscribers) s.wake.unparkAll();
    this.#changed.unparkAll();
  }

  #emit(e: SupervisorEvent): void {
    // restarts are part of the info story (docs/observability.md), giving up too (its error is thrown to the
    // supervisor's caller: told once); exits of actor children are told by their nursery
    if (e.type === 'restarting') log.info("supervisor '%s': restarting '%s' in %d ms (restart %d)", this.name, e.child, e.inMs, e.restart);
    else if (e.type === 'gave-up') log.info("supervisor '%s': gave up on '%s' after %d crashes: %s", this.name, e.child, e.crashes, e.error.message);
    this.#spec.onEvent?.(e);
    for (const s of this.#subscribers) {
      s.queue.push(e);
      s.wake.unparkAll();
    }
  }

  /**
   * Start a new incarnation of `child` and wait until it runs (returns undefined) or
   * fails before it does (returns its exit, which the control loop also gets).
   */
  async #start(child: Child): Promise<Exit | undefined> {
    const incarnation = ++child.incarnation;
    const scope = new CancelScope();
    const done = new Event();
    const running = new Event();
    let early: Exit | undefined;
    child.scope = scope;
    child.done = done;
    child.state = child.incarnation === 1 ? 'starting' : 'restarting';
    this.#nursery.startSoon(async () => {
      let exit: Exit;
      try {
        await withCancelScope(scope, () =>
          runIncarnation(child.spec, this.#spec, (portal) => {
            child.portal = portal;
            child.state = 'running';
            this.#emit({ type: 'started', child: child.spec.name, incarnation, pid: portal?.pid });
            this.#changed.unparkAll();
            running.set();
          }),
        );
        // a scope absorbs its own cancel: a stop asked for by this supervisor returns here
        exit = { child, incarnation, reason: scope.cancelCalled ? 'shutdown' : 'normal' };
      } catch (err) {
        // stopped by this supervisor (its scope, or the supervisor's own end or cancel), or a failure
        const stopped = isCancelled(err) && (scope.cancelCalled || this.#nursery.cancelScope.isCancelled);
        exit = stopped ? { child, incarnation, reason: 'shutdown' } : { child, incarnation, reason: 'error', error: err };
      }
      if (child.incarnation === incarnation) child.portal = undefined;
      this.#emit({ type: 'exited', child: child.spec.name, incarnation, reason: exit.reason, ...(exit.error !== undefined ? { error: exit.error } : {}) });
      if (!running.isSet()) early = exit;
      done.set();
      running.set();
      this.#exitsIn.sendNowait(exit);
    }, `${this.name}: ${child.spec.name}#${incarnation}`);
    await running.wait();
    return early;
  }

  /** Stop `child`'s running incarnation (if any) and wait until it is gone. */
  async #stop(child: Child): Promise<void> {
    child.scope?.cancel(`stopped by supervisor '${this.name}'`);
    await child.done?.wait();
  }

  /** The one place decisions are made: one exit at a time, in order. */
  async #control(): Promise<void> {
    for await (const exit of this.#exitsOut) {
      const { child } = exit;
      // an incarnation already replaced, or one the supervisor stopped: nothing to decide
      if (exit.incarnation !== child.incarnation || exit.reason === 'shutdown') continue;
      const restart = child.restart === 'permanent' || (child.restart === 'transient' && exit.reason === 'error');
      if (!restart) {
        child.state = 'stopped';
        this.#changed.unparkAll();
        continue;
      }
      let crashes: number;
      try {
        crashes = this.#window.record(this.name, child.spec.name, exit.error, currentTime());
      } catch (gaveUp) {
        this.#emit({ type: 'gave-up', child: child.spec.name, crashes: (gaveUp as { crashes: number }).crashes, error: gaveUp as Error });
        throw gaveUp;
      }
      const wait = backoffMs(this.#spec.backoff, crashes);
      child.restarts++;
      child.state = 'restarting';
      this.#changed.unparkAll();
      this.#emit({ type: 'restarting', child: child.spec.name, inMs: wait, restart: child.restarts });
      await this.#restart(child, wait);
    }
  }

  /** Restart `child` by the strategy: alone, with all, or with those after it. */
  async #restart(crashed: Child, waitMs: number): Promise<void> {
    const at = this.#children.indexOf(crashed);
    const strategy = this.#spec.strategy;
    const group = strategy === 'one-for-one' ? [crashed] : strategy === 'one-for-all' ? [...this.#children] : this.#children.slice(at);
    // the others stop in reverse start order, one at a time (the order says they depend on each other)
    for (const c of [...group].reverse()) {
      if (c === crashed || c.state === 'stopped') continue;
      await this.#stop(c);
      c.state = 'restarting';
    }
    if (waitMs > 0) await sleep(waitMs);
    for (const c of group) {
      if (c !== crashed && c.restart === 'temporary') {
        c.state = 'stopped'; // a temporary child stopped by a sibling's restart is not started again (as in OTP)
        continue;
      }
      if (c !== crashed && c.state === 'stopped') continue;
      // a failed start is a crash like any other: its exit is already on its way to this loop
      if (await this.#start(c)) return;
    }
  }
}

/**
 * Open a supervisor: start `spec.children` in order, run `body(sup)`, and return its
 * value once the body has returned and every child is gone (they are stopped when the
 * body returns). A child that ends is restarted by its restart type and the strategy,
 * after the backoff; past `maxRestarts` restarts within `withinMs` the supervisor gives
 * up: every child is torn down and this throws a `RestartIntensityError` naming the
 * child, how often it crashed, and its last errors. A child that cannot start at all
 * the first time fails the supervisor at once. Cancelling the supervisor tears every
 * child down; nothing it started is left running when this returns or throws.
 *
 * @example
 * <!-- snippet: import { openSupervisor } from 'furrow'; declare const workerModule: string; -->
 * ```ts
 * await openSupervisor(
 *   {
 *     strategy: 'one-for-one',
 *     maxRestarts: 5,
 *     withinMs: 10_000,
 *     backoff: { type: 'exponential', initialMs: 100, maxMs: 2000 },
 *     children: [
 *       { name: 'ingest', actor: { enableModules: [workerModule] }, main: 'ingest:run' },
 *       { name: 'py-worker', restart: 'transient', actor: { backend: 'python', enableModules: ['jobs'] } },
 *     ],
 *   },
 *   async (sup) => {
 *     for await (const e of sup.events()) console.log(e); // started, exited, restarting, gave-up
 *   },
 * );
 * ```
 */
export async function openSupervisor<T>(spec: SupervisorSpec, body: (sup: Supervisor) => Promise<T> | T): Promise<T | undefined> {
  const checked = checkSpec(spec);
  if (typeof body !== 'function') throw new TypeError(`openSupervisor: body must be a function (got ${typeof body})`);
  const sup = new Supervisor(checked);
  try {
    return await openNursery(async (n) => {
      await sup._run(n);
      const value = await body(sup);
      n.cancel(`supervisor '${sup.name}' is done`);
      return value;
    });
  } finally {
    sup._end();
  }
}

