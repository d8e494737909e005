// The chaos tree itself: the module every Node actor of a trial enables. `grow` is
// the context each actor runs: it starts its children (fork, thread or Python
// actors), opens `grow` (or the Python `leaf`) in each, reports the pids of its
// subtree through `started()`, and then behaves as its plan says. Every actor notes
// what it did (up, raise, spin, a cancel it swallowed, its finally) in the trial's log
// file, one JSON line per event, so the oracle knows what really happened. `echo`
// and `memoryAfterGc` serve the fuzz run (fuzz-suite.ts).
import 'furrow/asyncio';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  TransportError,
  context,
  openActorNursery,
  openNursery,
  sleep,
  sleepForever,
  type ActorNurseryOptions,
  type Portal,
  type StartActorOptions,
} from 'furrow';
import type { ActorPlan, Behaviour } from './plan.ts';

const THIS_MODULE = fileURLToPath(import.meta.url);
const CHAOS_DIR = fileURLToPath(new URL('.', import.meta.url));
/** The interpreter of Python actors (has msgpack). */
const PYTHON = '/usr/bin/python3';

/** An event an actor notes in the trial log. */
export interface ChaosEvent {
  ev: 'up' | 'behaving' | 'raise' | 'spin' | 'ignored' | 'finally';
  path: string;
  pid?: number;
}

/** The error a `raise` actor throws (the Python leaf raises one of the same name and message). */
export class ChaosError extends Error {
  override name = 'ChaosError';
}

/** The message of the error actor `path` raises; the oracle reads the path back from it. */
export const raiseMessage = (path: string): string => `chaos raise at ${path}`;

/** Append one event to the log (one small O_APPEND write: lines of concurrent actors never mix). */
export function note(log: string, event: ChaosEvent): void {
  appendFileSync(log, `${JSON.stringify(event)}\n`);
}

/** Pids of a subtree, by actor path (a thread actor has its host process's pid). */
export type SubtreePids = Record<string, number>;

function startOptions(plan: ActorPlan): StartActorOptions {
  if (plan.backend === 'python') {
    return { backend: 'python', python: PYTHON, cwd: CHAOS_DIR, enableModules: ['chaos_fns'] } as StartActorOptions;
  }
  return { backend: plan.backend, enableModules: [THIS_MODULE] };
}

/** Open the plan's context in a child; `started` gets its subtree's pids. A broken link is tagged with the child's path. */
async function openChild(portal: Portal, plan: ActorPlan, log: string, started: (pids: SubtreePids) => void): Promise<void> {
  const target = plan.backend === 'python' ? 'chaos_fns:leaf' : `${THIS_MODULE}:grow`;
  try {
    await portal.openContext(target, [plan, log], async (_ctx, first: SubtreePids) => {
      started(first);
      await sleepForever();
    });
  } catch (err) {
    // a TransportError does not name the peer; the oracle needs to know which link broke
    if (err instanceof TransportError) Object.assign(err, { chaosVia: plan.path });
    throw err;
  }
}

/** What {@link growChildren} does at each step. */
export interface GrowSteps {
  /** the whole subtree is up: the pids of every actor in it */
  up: (pids: SubtreePids) => Promise<void> | void;
  /** what the actor does then; when it returns, the contexts are closed and the children torn down */
  body: () => Promise<void>;
  /** the nursery's body stopped (returned, failed or was cancelled): the teardown starts */
  ended?: () => void;
}

/**
 * Start `children` in an actor nursery (`opts`: the root's timing; children
 * inherit theirs), open each one's context, call `steps.up` with the pids of the
 * whole subtree once every child reported its own, then run `steps.body` until it
 * returns or the nursery fails.
 */
export async function growChildren(children: ActorPlan[], log: string, opts: ActorNurseryOptions, steps: GrowSteps): Promise<void> {
  await openActorNursery(async (an) => {
    try {
      const portals = await Promise.all(children.map((c) => an.startActor(c.path, startOptions(c))));
      await openNursery(async (n) => {
        const below = await Promise.all(children.map((c, i) => n.start<SubtreePids>((started) => openChild(portals[i]!, c, log, started))));
        await steps.up(Object.assign({}, ...below) as SubtreePids);
        await steps.body();
        n.cancel();
      });
    } finally {
      steps.ended?.();
    }
  }, opts);
}

/** Do what the plan says, after the subtree is up. */
export async function behave(path: string, behaviour: Behaviour | 'wait', delayMs: number, log: string): Promise<void> {
  note(log, { ev: 'behaving', path });
  try {
    if (behaviour === 'ignore') {
      // in a cancelled scope every wait fails at once, so this loop then spins through
      // microtasks: the cancel is noted once, not on every turn
      for (let noted = false; ; ) {
        try {
          await sleepForever();
        } catch {
          if (!noted) note(log, { ev: 'ignored', path }); // a cancel, swallowed on purpose
          noted = true;
        }
      }
    }
    await sleep(delayMs);
    if (behaviour === 'raise') {
      note(log, { ev: 'raise', path });
      throw new ChaosError(raiseMessage(path));
    }
    if (behaviour === 'spin') {
      note(log, { ev: 'spin', path });
      for (;;) {
        // a synchronous hang: nothing on this thread runs any more
      }
    }
    await sleepForever();
  } finally {
    note(log, { ev: 'finally', path });
  }
}

/** The context every Node actor of a trial runs: grow the subtree, report it, behave. */
export const grow = context(async (ctx, plan: ActorPlan, log: string) => {
  note(log, { ev: 'up', path: plan.path, pid: process.pid });
  await growChildren(plan.children, log, {}, {
    up: (pids) => ctx.started({ ...pids, [plan.path]: process.pid }),
    body: () => behave(plan.path, plan.behaviour, plan.delayMs, log),
  });
});

/** Answer `value` as it came (the fuzz run's check that an actor still serves a normal client). */
export async function echo(value: unknown): Promise<unknown> {
  return value;
}

/** This process's memory after a full collection where `--expose-gc` allows one (the fuzz run's leak check). */
export async function memoryAfterGc(): Promise<{ rssKiB: number; heapUsedKiB: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rssKiB: Math.round(m.rss / 1024), heapUsedKiB: Math.round(m.heapUsed / 1024) };
}
