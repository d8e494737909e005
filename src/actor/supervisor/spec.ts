// What a supervisor is told: its children (how to start each, and when to restart
// it), its strategy, its restart intensity and backoff; what it tells (its events);
// and the checks that turn a wrong spec into a clear error before anything starts.
import type { Portal } from '../portal.ts';
import type { StartActorOptions } from '../spawn/spawn.ts';

/** When a child is restarted: always, only after an error, or never (OTP's restart types). */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** Which children a crash restarts: the crashed one, all, or it and those started after it. */
export type Strategy = 'one-for-one' | 'one-for-all' | 'rest-for-one';

/** The wait before a restart: fixed, or doubling (by `factor`) up to a cap. A number is a fixed wait in ms. */
export type Backoff = number | { type: 'fixed'; ms: number } | { type: 'exponential'; initialMs: number; maxMs: number; factor?: number };

/** A child that is an actor: started with `startActor(name, actor)`, then optionally running `main`. */
export interface ActorChildSpec {
  /** the child's name, which is also its actor name (stable through restarts: `findActor(name)` finds the current one) */
  name: string;
  restart?: RestartType;
  /** how to start it: any backend (fork, thread, python, ...) */
  actor: StartActorOptions;
  /** a function to run in it (a function or `'module:function'`); without one the actor serves until it is stopped or dies */
  main?: ((...args: any[]) => unknown) | string;
  /** the arguments of `main` */
  args?: unknown[];
}

/** A child that runs in this process: a task (a nested supervisor, or any work) that ends or fails. */
export interface TaskChildSpec {
  name: string;
  restart?: RestartType;
  /** the work; `signal` aborts when the supervisor stops it */
  task: (signal: AbortSignal) => Promise<unknown>;
}

/** One child of a supervisor. */
export type ChildSpec = ActorChildSpec | TaskChildSpec;

/** Options of `openSupervisor`. */
export interface SupervisorSpec {
  /** for messages and logs (default 'supervisor') */
  name?: string;
  /** default 'one-for-one' */
  strategy?: Strategy;
  /** at most this many restarts within `withinMs`; one more and the supervisor gives up (default 3) */
  maxRestarts?: number;
  /** the intensity window in ms (default 5000) */
  withinMs?: number;
  /** the wait before each restart (default 0) */
  backoff?: Backoff;
  /** started in this order, stopped in the reverse */
  children: ChildSpec[];
  /** told of every event, as it happens */
  onEvent?: (event: SupervisorEvent) => void;
  /** teardown of an actor child's incarnation: grace after the cancel request (ms) */
  graceMs?: number;
  /** teardown: ms from SIGTERM to SIGKILL */
  killMs?: number;
}

/** Why an incarnation ended: it returned, it failed (or died), or the supervisor stopped it. */
export type ExitReason = 'normal' | 'error' | 'shutdown';

/** What a supervisor tells, in order. */
export type SupervisorEvent =
  | { type: 'started'; child: string; incarnation: number; pid?: number }
  | { type: 'exited'; child: string; incarnation: number; reason: ExitReason; error?: unknown }
  | { type: 'restarting'; child: string; inMs: number; restart: number }
  | { type: 'gave-up'; child: string; crashes: number; error: Error };

/** The state of a child as `Supervisor.children` shows it. */
export interface ChildStatus {
  name: string;
  /** 1 for the first start, then one more per restart */
  incarnation: number;
  /** restarts so far */
  restarts: number;
  state: 'starting' | 'running' | 'restarting' | 'stopped';
  /** the current incarnation's portal (actor children that are running) */
  portal?: Portal;
}

const STRATEGIES: readonly Strategy[] = ['one-for-one', 'one-for-all', 'rest-for-one'];
const RESTARTS: readonly RestartType[] = ['permanent', 'transient', 'temporary'];

/** The spec with its defaults, checked. Throws a `TypeError`/`RangeError` naming what is wrong. */
export function checkSpec(spec: SupervisorSpec): Required<Omit<SupervisorSpec, 'onEvent' | 'graceMs' | 'killMs'>> & Pick<SupervisorSpec, 'onEvent' | 'graceMs' | 'killMs'> {
  if (spec === null || typeof spec !== 'object') throw new TypeError('openSupervisor: spec must be an object with children');
  const { name = 'supervisor', strategy = 'one-for-one', maxRestarts = 3, withinMs = 5000, backoff = 0, children } = spec;
  if (!STRATEGIES.includes(strategy)) throw new TypeError(`openSupervisor: unknown strategy '${String(strategy)}' (use ${STRATEGIES.join(', ')})`);
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) throw new RangeError(`openSupervisor: maxRestarts must be an integer >= 0 (got ${String(maxRestarts)})`);
  if (typeof withinMs !== 'number' || !(withinMs > 0)) throw new RangeError(`openSupervisor: withinMs must be a number > 0 (got ${String(withinMs)})`);
  checkBackoff(backoff);
  if (!Array.isArray(children)) throw new TypeError('openSupervisor: children must be an array of child specs');
  const names = new Set<string>();
  for (const c of children) {
    if (c === null || typeof c !== 'object' || typeof c.name !== 'string' || c.name === '') throw new TypeError('openSupervisor: every child needs a name');
    if (names.has(c.name)) throw new TypeError(`openSupervisor: two children are named '${c.name}'`);
    names.add(c.name);
    if (c.restart !== undefined && !RESTARTS.includes(c.restart)) {
      throw new TypeError(`openSupervisor: child '${c.name}': unknown restart type '${String(c.restart)}' (use ${RESTARTS.join(', ')})`);
    }
    const isActor = 'actor' in c && c.actor !== undefined;
    const isTask = 'task' in c && typeof c.task === 'function';
    if (isActor === isTask) throw new TypeError(`openSupervisor: child '${c.name}' needs either actor (start options) or task (a function), not ${isActor ? 'both' : 'neither'}`);
  }
  return { ...spec, name, strategy, maxRestarts, withinMs, backoff, children };
}

function checkBackoff(b: Backoff): void {
  const bad = (): never => {
    throw new TypeError(`openSupervisor: backoff must be ms >= 0, { type: 'fixed', ms } or { type: 'exponential', initialMs, maxMs, factor? } (got ${JSON.stringify(b)})`);
  };
  if (typeof b === 'number') return void (b >= 0 || bad());
  if (b === null || typeof b !== 'object') return bad();
  if (b.type === 'fixed') return void (b.ms >= 0 || bad());
  if (b.type === 'exponential') return void ((b.initialMs >= 0 && b.maxMs >= b.initialMs && (b.factor ?? 2) >= 1) || bad());
  bad();
}
