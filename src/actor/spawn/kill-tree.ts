// Killing a child process together with everything below it. A child stuck in a
// synchronous loop cannot pass a signal on to its own children, and once it is
// killed they are re-parented and out of its parent's sight: if one of them is
// stuck as well, nothing would ever stop it. So the subtree is listed first (from
// /proc on Linux, from `ps` elsewhere) and then every process in it is killed.
// Built-ins are taken on first use: this runs only when a teardown escalates.
import { ignore } from '../../core/ignore.ts';

/** `[pid, ppid]` of every process on the host. */
function processTable(): [number, number][] {
  const fs = process.getBuiltinModule('node:fs');
  let names: string[];
  try {
    names = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    const text = process.getBuiltinModule('node:child_process').execFileSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid='], { encoding: 'utf8' });
    return text
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  }
  const table: [number, number][] = [];
  for (const name of names) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    table.push([Number(name), ppid]);
  }
  return table;
}

/** The pids of every process descended from `pid` (children, their children, ...). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const [p, parent] of processTable()) {
    const list = children.get(parent);
    if (list) list.push(p);
    else children.set(parent, [p]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.pop()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * SIGKILL `pid` and all its descendants, listed before any of them dies. What a
 * spawn backend's `kill('SIGKILL')` does, so that nothing its child started lives on.
 */
export function killTree(pid: number): void {
  for (const p of [pid, ...descendants(pid)]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch (err) {
      ignore('the process is already gone')(err);
    }
  }
}
