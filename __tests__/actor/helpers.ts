// Helpers for the actor tests: fixture paths, and checks that processes are gone.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The fixture module the test actors enable. */
export const BASIC = fileURLToPath(new URL('./fixtures/basic.ts', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** True if `pid` is a live process (a zombie waiting to be reaped counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Assert that none of `pids` is alive (this process's own pid, for thread actors, is skipped). */
export function expectAllGone(pids: Iterable<number>): void {
  const alive = [...pids].filter((p) => p !== process.pid && isAlive(p));
  if (alive.length) throw new Error(`processes still alive: ${alive.join(', ')}`);
}

/**
 * Wait until none of `pids` is alive, polling /proc (these are not our children, so
 * there is no exit event to wait on); throws after `ms` as a safety net. Returns
 * how long it took.
 */
export async function waitAllGone(pids: number[], ms = 5000): Promise<number> {
  const t0 = performance.now();
  while (pids.some(isAlive)) {
    if (performance.now() - t0 > ms) expectAllGone(pids);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - t0;
}

/** The error `p` rejects with (typed loosely, for assertions); throws if it resolves. */
export async function caught(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
