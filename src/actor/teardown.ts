// Tearing a child actor down: ask it to cancel (a `cancel` request it answers at
// once, before reaping its own subtree), give it a grace period to exit, then
// SIGTERM, then SIGKILL. A child that acknowledged gets longer (it is busy
// reaping its own children, each with their own escalation).
import { cancellable, moveOnAfter } from '../core/index.ts';
import type { ChildActor } from './spawn/spawn.ts';

/** Timing of a teardown. */
export interface TeardownOptions {
  /** how long a child gets to answer a cancel request and exit (ms, default 2000) */
  graceMs?: number;
  /** how long after SIGTERM before SIGKILL (ms, default 1000) */
  killMs?: number;
}

export const DEFAULT_TEARDOWN_GRACE_MS = 2000;
export const DEFAULT_TEARDOWN_KILL_MS = 1000;

async function exitWithin(child: ChildActor, ms: number): Promise<boolean> {
  if (child.exit) return true;
  const r = await moveOnAfter(ms, () => cancellable(child.process.exited));
  return r !== undefined;
}

/** How a teardown ended: the child exited by itself, or had to be signalled. */
export type TeardownOutcome = 'exited' | 'SIGTERM' | 'SIGKILL';

/**
 * Stop `child` for good. Call it shielded: it always ends with the child gone
 * (its exit reaped). Returns whether the child had to be killed.
 */
export async function teardown(child: ChildActor, opts: TeardownOptions = {}): Promise<TeardownOutcome> {
  if (child.exit) return 'exited';
  const grace = opts.graceMs ?? DEFAULT_TEARDOWN_GRACE_MS;
  let acked = false;
  if (child.conn && !child.conn.closed && child.portal) {
    const r = await moveOnAfter(grace, () => child.portal.requestCancel().then(() => true, () => false));
    acked = r === true;
  }
  if (await exitWithin(child, acked ? grace * 4 : grace)) return 'exited';
  child.process.kill('SIGTERM');
  if (await exitWithin(child, opts.killMs ?? DEFAULT_TEARDOWN_KILL_MS)) return 'SIGTERM';
  child.process.kill('SIGKILL');
  await cancellable(child.process.exited);
  return 'SIGKILL';
}
