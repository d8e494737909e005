// Asking a running furrow process for its tree from outside it (the `furrow
// tree` CLI): find the actor's socket file by pid in the per-user runtime
// directory (or take a socket path), check it belongs to this user, connect as
// a peer, and call `furrow:runtime:tree` on it. Every actor loads this file (it
// is part of the entry point) and few use it: built-ins are taken when used.
import { connectUds, openConnection, pidOfSocketName, runtimeDir, type Connection } from '../ipc/index.ts';
import { Portal, RUNTIME_NS } from './portal.ts';
import { LINK_OPTIONS } from './runtime.ts';
import { DEFAULT_TREE_BUDGET_MS, type TreeNode } from './tree-describe.ts';

/** Which process to attach to: its pid, or an actor's socket path. */
export type AttachTarget = { pid: number } | { path: string };

/** The socket files of the actors running in process `pid` (a root and the thread actors it hosts). */
export function socketsOfPid(pid: number, dir: string = runtimeDir()): string[] {
  const { join } = process.getBuiltinModule('node:path');
  return process
    .getBuiltinModule('node:fs')
    .readdirSync(dir)
    .filter((f) => pidOfSocketName(f) === pid)
    .map((f) => join(dir, f));
}

/** Throw unless `path` is a socket owned by this user. */
function checkOwnSocket(path: string): void {
  let st;
  try {
    st = process.getBuiltinModule('node:fs').statSync(path);
  } catch {
    throw new Error(`no socket file at ${path}`);
  }
  if (!st.isSocket()) throw new Error(`${path} is not a socket`);
  const me = process.getuid?.();
  if (me !== undefined && st.uid !== me) throw new Error(`${path} belongs to uid ${st.uid}, not to this user (${me}): furrow tree attaches to your own processes only`);
}

/** Ask the actor listening at `path` for its tree. */
async function treeAt(path: string, budgetMs: number): Promise<TreeNode> {
  checkOwnSocket(path);
  let conn: Connection | undefined;
  try {
    const t = await connectUds(path);
    conn = await openConnection(t, { name: 'furrow-tree', uuid: process.getBuiltinModule('node:crypto').randomUUID(), ...LINK_OPTIONS });
    return (await new Portal(conn).runFromNs(RUNTIME_NS, 'tree', budgetMs)) as TreeNode;
  } catch (err) {
    throw new Error(`could not get the tree from ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    conn?.close();
  }
}

/** The number of actors in a tree. */
function size(n: TreeNode): number {
  return 1 + n.children.reduce((sum, c) => sum + size(c), 0);
}

/**
 * The tree of a running furrow process, from outside it. By pid: every actor
 * listening in that process is asked, and the root's answer (or else the
 * largest subtree) is returned. Throws a clear error when there is no such
 * actor, or its socket belongs to another user.
 */
export async function fetchTree(target: AttachTarget, budgetMs = DEFAULT_TREE_BUDGET_MS): Promise<TreeNode> {
  if ('path' in target) return treeAt(target.path, budgetMs);
  if (!Number.isInteger(target.pid) || target.pid <= 0) throw new TypeError(`not a pid: ${target.pid}`);
  const paths = socketsOfPid(target.pid);
  if (paths.length === 0) throw new Error(`no furrow actor listens in process ${target.pid} (no socket of that pid in ${runtimeDir()})`);
  const answers = await Promise.allSettled(paths.map((p) => treeAt(p, budgetMs)));
  const trees = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  if (trees.length === 0) throw (answers[0] as PromiseRejectedResult).reason;
  return trees.find((t) => t.parent === null) ?? trees.sort((a, b) => size(b) - size(a))[0]!;
}
