// What one chaos trial does, drawn from its seed: the actor tree (depth, fan-out,
// backend of each actor), what each actor does once its own subtree is up (wait,
// raise, spin in a synchronous loop, ignore every cancel), and the signals sent from
// outside (SIGKILL, SIGTERM, SIGSTOP with or without a later SIGCONT) to random actor
// processes and sometimes to the root process itself. A plan is plain data: the root
// process and the actors get it as JSON, the oracle (oracle.ts) judges against it.
import { Prng } from './prng.ts';

/** How an actor is run. Python actors are leaves (the asyncio bridge does not spawn). */
export type Backend = 'fork' | 'thread' | 'python';

/** What an actor does once its subtree is up. */
export type Behaviour = 'wait' | 'raise' | 'spin' | 'ignore';

/** One actor of the tree. `path` is also its actor name (`a1.0.2`: the root's second child's ...). */
export interface ActorPlan {
  path: string;
  backend: Backend;
  behaviour: Behaviour;
  /** when `raise` or `spin` starts, after the actor's subtree is up (ms) */
  delayMs: number;
  children: ActorPlan[];
}

/** A signal sent from outside to an actor's process (`target` = its path) or to the root (`'root'`). */
export interface FaultPlan {
  target: string;
  signal: 'SIGKILL' | 'SIGTERM' | 'SIGSTOP';
  /** when, after the root said the whole tree is up (ms) */
  atMs: number;
  /** SIGSTOP only: send SIGCONT this long after, if the root still runs (else it stays stopped) */
  contAfterMs?: number;
}

/** Everything one trial does. */
export interface TrialPlan {
  seed: number;
  /** the root's actor nursery timing (children inherit it) */
  graceMs: number;
  killMs: number;
  /** how long the root's body runs after the tree is up before it returns (ms) */
  activeMs: number;
  /** the root's own behaviour: wait for `activeMs`, or raise after `delayMs` */
  root: { behaviour: 'wait' | 'raise'; delayMs: number; children: ActorPlan[] };
  faults: FaultPlan[];
}

/** Size limits of generated trees. */
export interface PlanLimits {
  /** at most this many actors below the root */
  maxActors: number;
}

export const DEFAULT_LIMITS: PlanLimits = { maxActors: 10 };

/** The teardown timing every trial uses (short, so a trial takes seconds). */
export const GRACE_MS = 500;
export const KILL_MS = 300;
export const ACTIVE_MS = 1200;

/** Every actor of a tree, parents before their children. */
export function actorsOf(children: ActorPlan[]): ActorPlan[] {
  return children.flatMap((c) => [c, ...actorsOf(c.children)]);
}

/** The paths of the strict ancestors of `path` below the root, nearest first (`a1.0.2` -> `a1.0`, `a1`). */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.lastIndexOf('.'); i > 0; i = path.lastIndexOf('.', i - 1)) out.push(path.slice(0, i));
  return out;
}

/** Draw the plan of trial `seed`. */
export function planTrial(seed: number, limits: PlanLimits = DEFAULT_LIMITS): TrialPlan {
  const rnd = new Prng(seed);
  const depth = rnd.int(1, 4);
  // 'calm' trials have no raise, hang or ignored cancel: nothing may be reported at all
  const calm = rnd.chance(0.15);
  const children = growLevel(rnd, '', depth, { left: limits.maxActors }, calm);
  const processes = actorsOf(children).filter((a) => a.backend !== 'thread').map((a) => a.path);
  const faults: FaultPlan[] = [];
  const actorFaults = rnd.weighted({ 0: 3, 1: 4, 2: 3 });
  for (let i = 0; i < Number(actorFaults) && processes.length; i++) faults.push(drawFault(rnd, rnd.pick(processes)));
  if (rnd.chance(0.15)) faults.push(drawRootFault(rnd));
  const rootRaises = !calm && rnd.chance(0.08);
  return {
    seed,
    graceMs: GRACE_MS,
    killMs: KILL_MS,
    activeMs: ACTIVE_MS,
    root: { behaviour: rootRaises ? 'raise' : 'wait', delayMs: rnd.int(100, 1000), children },
    faults,
  };
}

function growLevel(rnd: Prng, prefix: string, levelsLeft: number, budget: { left: number }, calm: boolean): ActorPlan[] {
  const fanout = Math.min(rnd.int(1, 4), budget.left);
  budget.left -= fanout;
  const level: ActorPlan[] = [];
  for (let i = 0; i < fanout; i++) {
    const path = prefix ? `${prefix}.${i}` : `a${i}`;
    level.push({ path, backend: 'fork', behaviour: drawBehaviour(rnd, calm), delayMs: rnd.int(30, 900), children: [] });
  }
  // breadth first, so the budget cuts the deepest level, not the last branch
  if (levelsLeft > 1) for (const a of level) if (budget.left > 0) a.children = growLevel(rnd, a.path, levelsLeft - 1, budget, calm);
  for (const a of level) {
    a.backend = a.children.length ? rnd.weighted({ fork: 2, thread: 1 }) : rnd.weighted({ fork: 2, thread: 1, python: 1.5 });
  }
  return level;
}

function drawBehaviour(rnd: Prng, calm: boolean): Behaviour {
  return calm ? 'wait' : rnd.weighted({ wait: 55, raise: 18, spin: 12, ignore: 15 });
}

function drawFault(rnd: Prng, target: string): FaultPlan {
  const kind = rnd.weighted({ kill: 30, term: 25, stop: 20, pause: 25 });
  const atMs = rnd.int(0, 900);
  if (kind === 'kill') return { target, signal: 'SIGKILL', atMs };
  if (kind === 'term') return { target, signal: 'SIGTERM', atMs };
  if (kind === 'stop') return { target, signal: 'SIGSTOP', atMs };
  return { target, signal: 'SIGSTOP', atMs, contAfterMs: rnd.int(150, 1500) };
}

function drawRootFault(rnd: Prng): FaultPlan {
  const kind = rnd.weighted({ kill: 40, term: 40, pause: 20 });
  const atMs = rnd.int(0, 900);
  if (kind === 'kill') return { target: 'root', signal: 'SIGKILL', atMs };
  if (kind === 'term') return { target: 'root', signal: 'SIGTERM', atMs };
  return { target: 'root', signal: 'SIGSTOP', atMs, contAfterMs: rnd.int(150, 1000) };
}
