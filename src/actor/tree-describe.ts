// Describing the live supervision tree (what tree() returns and what an actor
// answers to `furrow:runtime:tree`). Each actor describes itself (its state,
// its RPC tasks with how long each has run, its open contexts and streams) and
// asks each of its children, over their links, for theirs (`furrow:runtime:tree`,
// which Python actors answer too), within a time budget that shrinks per level:
// a child that does not answer in time is still shown, as its parent sees it.
// Built-in modules are taken when used (process.getBuiltinModule): this file is
// loaded by every actor, and an `import` would load them at each start-up.
import { cancellable, isCancelled, moveOnAfter, withCancelScope } from '../core/index.ts';
import { ignore } from '../core/ignore.ts';
import type { Uid } from '../ipc/index.ts';
import { RUNTIME_NS } from './portal.ts';
import type { Actor } from './runtime.ts';
import { childrenOfActor, liveContexts, type ActorState, type ChildRecord } from './tree-registry.ts';

export type { ActorState } from './tree-registry.ts';

/** How long `tree()` waits for the whole tree to answer by default (ms). */
export const DEFAULT_TREE_BUDGET_MS = 3000;
/** Each level down gets this share of its parent's budget, so an answer can still make it up in time. */
const BUDGET_SHARE = 0.8;

/** A running RPC task of an actor. */
export interface TreeTask {
  /** `module:function` */
  name: string;
  /** how long it has run (ms) */
  runningMs: number;
  /** the actor that asked for it */
  caller: string;
}

/** An open context of an actor (either side). */
export interface TreeContext {
  /** `module:function` of the callee */
  target: string;
  side: 'opener' | 'callee';
  /** the actor at the other end */
  peer: string;
  cid: number;
  /** whether this side opened its stream */
  stream: boolean;
  /** how long it has been open (ms) */
  openMs: number;
}

/** One actor of the tree, with its children. */
export interface TreeNode {
  name: string;
  uid: Uid;
  /** OS pid (a thread actor shares its process's) */
  pid: number;
  /** how it was started: `'root'`, `'fork'`, `'thread'`, `'python'`, ... */
  backend: string;
  /** the runtime it runs: `'node'` or `'python'` */
  runtime: string;
  host: string;
  /** the parent's uid (null for the root) */
  parent: Uid | null;
  state: ActorState;
  tasks: TreeTask[];
  contexts: TreeContext[];
  /** how many of its contexts have a stream open */
  streams: number;
  children: TreeNode[];
  /** why the actor's own view is missing (it did not answer), if so */
  error?: string;
}

function hostname(): string {
  return process.getBuiltinModule('node:os').hostname();
}

/** @internal This actor's node with its children's (what `furrow:runtime:tree` answers). */
export async function describeTree(actor: Actor, budgetMs = DEFAULT_TREE_BUDGET_MS): Promise<TreeNode> {
  const now = performance.now();
  const tasks = [...actor._tasks]
    .filter((t) => t.target !== `${RUNTIME_NS}:tree`)
    .map((t) => ({ name: t.target, runningMs: Math.round(now - t.startedAt), caller: t.conn.peer.name }));
  const contexts = [...liveContexts].map(([c, since]) => ({
    target: c.target,
    side: c.side,
    peer: c.peer[0],
    cid: c.cid,
    stream: c.streamOpened,
    openMs: Math.round(now - since),
  }));
  const children = await Promise.all(childrenOfActor(actor).map((rec) => describeChild(actor, rec, budgetMs * BUDGET_SHARE)));
  return {
    name: actor.name,
    uid: actor.uid,
    pid: process.pid,
    backend: actor.isRoot ? 'root' : String(actor.runtimeVars.backend ?? 'node'),
    runtime: 'node',
    host: hostname(),
    parent: actor.parentUid,
    state: actor.cancelled ? 'cancelling' : 'running',
    tasks,
    contexts,
    streams: contexts.filter((c) => c.stream).length,
    children,
  };
}

/** A child's node: its own answer, with its parent's view of its state and backend; or only that view. */
async function describeChild(actor: Actor, rec: ChildRecord, budgetMs: number): Promise<TreeNode> {
  const seen: TreeNode = {
    name: rec.name,
    uid: rec.uid ?? [rec.name, ''],
    pid: rec.portal?.pid ?? 0,
    backend: rec.backend,
    runtime: 'unknown',
    host: hostname(),
    parent: actor.uid,
    state: rec.state,
    tasks: [],
    contexts: [],
    streams: 0,
    children: [],
  };
  if (rec.state !== 'running' || !rec.portal) return seen;
  const portal = rec.portal;
  let answer: TreeNode | undefined;
  let error: string | undefined;
  // The call is shielded and not cancelled when the budget runs out: a cancelled call
  // would wait up to the portal's cancelWaitMs for the busy child to acknowledge. It
  // ends when the child answers late or its link ends.
  const call = withCancelScope({ shield: true }, () => portal.runFromNs(RUNTIME_NS, 'tree', Math.round(budgetMs * BUDGET_SHARE)));
  await moveOnAfter(budgetMs, async () => {
    try {
      answer = (await cancellable(call)) as TreeNode;
    } catch (err) {
      if (isCancelled(err)) throw err;
      error = `no answer: ${(err as Error).message ?? err}`;
    }
  });
  call.catch(ignore('a late answer, or the child went away: the tree was drawn without it'));
  if (!answer) return { ...seen, error: error ?? `no answer within ${Math.round(budgetMs)} ms` };
  // the parent knows how the child was started, and sees a teardown before the child does
  const state = rec.state === 'running' ? answer.state : rec.state;
  return { ...answer, backend: rec.backend, state };
}
