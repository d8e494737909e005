// The processes a thread actor started, listed where its parent thread can read
// them. Terminating a worker stops its JavaScript at once, so a thread actor that
// ignored its cancel cannot reap the child processes it spawned, and their parent
// process (this one) lives on, so their own watch for a dead parent never fires.
// The thread backend hands each worker a SharedArrayBuffer; the worker's spawns
// note each child's pid there (and clear it when the child is reaped), and when
// the worker has exited the parent thread SIGKILLs whatever is still listed, with
// its subtree. Atomics keep the table right without a message, even if the
// worker is stuck in a synchronous loop when it is terminated. A thread actor inside
// a thread actor notes its children in its own table and in every enclosing one:
// terminating an outer worker ends the inner ones too, and nobody is left to read
// their tables.
import { killTree } from './kill-tree.ts';

/** How many child processes a thread actor can have running at once (one 4-byte slot each). */
export const THREAD_CHILD_SLOTS = 1024;

/** This worker's tables, its own first, then its enclosing thread actors' (set by child-main.ts). */
let buffers: SharedArrayBuffer[] = [];
let tables: Int32Array[] = [];

/** A new table for a worker about to start. */
export function newThreadChildTable(): SharedArrayBuffer {
  return new SharedArrayBuffer(THREAD_CHILD_SLOTS * Int32Array.BYTES_PER_ELEMENT);
}

/** @internal In a thread actor: the tables its parent thread (and the threads around it) will read. */
export function useThreadChildTables(list: SharedArrayBuffer[]): void {
  buffers = list;
  tables = list.map((b) => new Int32Array(b));
}

/** The tables a thread actor started from this thread writes to, besides its own: this thread's (none outside a thread actor). */
export function enclosingThreadChildTables(): SharedArrayBuffer[] {
  return buffers;
}

/** Note a child process this thread started, in every table (a no-op outside a thread actor). */
export function noteChildStarted(pid: number): void {
  for (const table of tables) {
    let noted = false;
    for (let i = 0; i < table.length && !noted; i++) noted = Atomics.compareExchange(table, i, 0, pid) === 0;
    if (!noted) throw new Error(`a thread actor can have at most ${THREAD_CHILD_SLOTS} child processes at once`);
  }
}

/** Note that a child process of this thread has been reaped. */
export function noteChildEnded(pid: number): void {
  for (const table of tables) {
    for (let i = 0; i < table.length; i++) if (Atomics.compareExchange(table, i, pid, 0) === pid) break;
  }
}

/** In the parent thread, once the worker has exited: SIGKILL every process it left, with its subtree. Returns their pids. */
export function killThreadChildren(buffer: SharedArrayBuffer): number[] {
  const left = new Int32Array(buffer).filter((pid) => pid !== 0);
  for (const pid of left) killTree(pid);
  return [...left];
}
