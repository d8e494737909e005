// The signal dump, as tractor's SIGUSR1: `kill -USR1 <root pid>` draws the whole
// tree (every actor with its tasks and contexts) on the root's stderr, and
// writes the same text, without colours, to a file in the per-user runtime
// directory: `<runtime dir>/tree-<pid>.txt` (docs/observability.md).
import { log } from '../core/index.ts';
import { runtimeDir } from '../ipc/index.ts';
import type { Actor } from './runtime.ts';
import { describeTree } from './tree-describe.ts';
import { renderTree } from './tree-render.ts';

/** Where the dump of process `pid` is written: `<runtime dir>/tree-<pid>.txt`. */
export function treeDumpPath(pid: number = process.pid): string {
  // built-ins are taken when used: every actor loads this file, few ever dump
  return process.getBuiltinModule('node:path').join(runtimeDir(), `tree-${pid}.txt`);
}

/** Describe the tree below `actor`, print it to stderr and write it to {@link treeDumpPath}; returns the path. */
export async function dumpTree(actor: Actor): Promise<string> {
  const node = await describeTree(actor);
  const path = treeDumpPath();
  process.getBuiltinModule('node:fs').writeFileSync(path, renderTree(node));
  process.stderr.write(`furrow tree of '${actor.name}' (pid ${process.pid}, also in ${path}):\n` + renderTree(node, { color: process.stderr.isTTY === true }));
  return path;
}

/** The SIGUSR1 handler of a root: dump its tree; a failure is logged, never thrown. */
export function dumpTreeOnSignal(actor: Actor): void {
  dumpTree(actor).catch((err) => log.error('SIGUSR1: could not dump the tree: %s', err));
}
