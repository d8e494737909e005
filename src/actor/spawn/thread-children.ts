// The processes a thread actor started, listed where its parent thread can read
// them. Terminating a worker stops its JavaScript at once, so a thread actor that
// ignored its cancel cannot reap the child processes it spawned, and their parent
// process (this one) lives on, so their own watch for a dead parent never fires.
// The thread backend hands each worker a SharedArrayBuffer; the worker's spawns
// note each child's pid there (and clear it when the child is reaped), and when
// the worker has exited the parent thread SIGKILLs whatever is still listed, with
// its subtree. Atomics keep the table right without a message, even if the
// worker is stuck in a synchronous loop when it is terminated.
import { killTree } from './kill-tree.ts';

/** How many child processes a thread actor can have running at once (one 4-byte slot each). */
export const THREAD_CHILD_SLOTS = 1024;

/** This worker's table, when it runs as a thread actor (set by child-main.ts). */
let table: Int32Array | undefined;

/** A new table for a worker about to start. */
export function newThreadChildTable(): SharedArrayBuffer {
  return new SharedArrayBuffer(THREAD_CHILD_SLOTS * Int32Array.BYTES_PER_ELEMENT);
}

/** @internal In a thread actor: the table its parent thread will read. */
export function useThreadChildTable(buffer: SharedArrayBuffer): void {
  table = new Int32Array(buffer);
}

/** Note a child process this thread started (a no-op outside a thread actor). */
export function noteChildStarted(pid: number): void {
  if (!table) return;
  for (let i = 0; i < table.length; i++) if (Atomics.compareExchange(table, i, 0, pid) === 0) return;
  throw new Error(`a thread actor can have at most ${THREAD_CHILD_SLOTS} child processes at once`);
}

/** Note that a child process of this thread has been reaped. */
export function noteChildEnded(pid: number): void {
  if (!table) return;
  for (let i = 0; i < table.length; i++) if (Atomics.compareExchange(table, i, pid, 0) === pid) return;
}

/** In the parent thread, once the worker has exited: SIGKILL every process it left, with its subtree. Returns their pids. */
export function killThreadChildren(buffer: SharedArrayBuffer): number[] {
  const left = new Int32Array(buffer).filter((pid) => pid !== 0);
  for (const pid of left) killTree(pid);
  return [...left];
}
