// Finding the processes of one trial: every process of a trial's tree inherits the
// marker variable the driver put in its root's environment (fork and Python actors,
// the processes they start, the orphan watchdogs), so they are found by reading
// /proc/<pid>/environ, never by a name. A zombie has exited (only its entry is left
// for its parent to reap) and does not count.
import { readFileSync, readdirSync } from 'node:fs';
import { ignoring } from '../src/core/ignore.ts';

/** The environment variable that marks a trial's processes. */
export const MARKER_VAR = 'FURROW_CHAOS_MARK';

/** The state letter of `pid` (`R`, `S`, `T`, `Z`...), or null if it is gone. */
export function procState(pid: number): string | null {
  const stat = ignoring('no such process', () => readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return stat ? (stat[stat.lastIndexOf(')') + 2] ?? null) : null;
}

/** True if `pid` carries `marker` and has not exited (a zombie has). */
export function isMarkedAlive(pid: number, marker: string): boolean {
  const state = procState(pid);
  if (state === null || state === 'Z') return false;
  const environ = ignoring('the process is gone meanwhile', () => readFileSync(`/proc/${pid}/environ`));
  return environ?.includes(`${MARKER_VAR}=${marker}\0`) ?? false;
}

/** Every live process that carries `marker`. */
export function markedProcesses(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid !== process.pid && isMarkedAlive(pid, marker)) out.push(pid);
  }
  return out;
}

/** SIGKILL (after SIGCONT, for a stopped one) every live process of the trial: the cleanup after a failed one. */
export function killMarked(marker: string): number[] {
  const left = markedProcesses(marker);
  for (const pid of left) {
    for (const sig of ['SIGKILL', 'SIGCONT'] as const) ignoring('gone meanwhile', () => process.kill(pid, sig));
  }
  return left;
}
