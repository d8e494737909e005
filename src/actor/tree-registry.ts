// What tree() reports that no other part of the actor layer keeps: the contexts
// open in this process (or thread) and, per actor, the children its actor
// nurseries are starting, running or tearing down, with the state each is in as
// its parent sees it. Filled by context.ts and actor-nursery.ts; read by tree.ts.
import type { Uid } from '../ipc/index.ts';
import type { Portal } from './portal.ts';
import type { Actor } from './runtime.ts';
import type { Context } from './context.ts';

/** An actor's state in the tree. */
export type ActorState = 'starting' | 'running' | 'cancelling' | 'exiting';

/** A child as its parent's actor nursery sees it. */
export interface ChildRecord {
  name: string;
  /** the spawn backend that started it (`'fork'`, `'thread'`, `'python'`, ...) */
  backend: string;
  state: ActorState;
  /** set once it is ready */
  portal: Portal | undefined;
  /** set once it is ready */
  uid: Uid | undefined;
  /** when its spawn began (`performance.now()` ms) */
  since: number;
}

/** The contexts open here, each with the time it was opened (`performance.now()` ms). */
export const liveContexts = new Map<Context, number>();

const childrenOf = new WeakMap<Actor, Set<ChildRecord>>();

/** Note a child `actor` starts spawning; returns its record (state `starting`). */
export function noteChild(actor: Actor, name: string, backend: string): ChildRecord {
  const rec: ChildRecord = { name, backend, state: 'starting', portal: undefined, uid: undefined, since: performance.now() };
  let set = childrenOf.get(actor);
  if (!set) childrenOf.set(actor, (set = new Set()));
  set.add(rec);
  return rec;
}

/** The child is gone (reaped, or its spawn failed). */
export function forgetChild(actor: Actor, rec: ChildRecord): void {
  childrenOf.get(actor)?.delete(rec);
}

/** The children of `actor` its nurseries know of. */
export function childrenOfActor(actor: Actor): ChildRecord[] {
  return [...(childrenOf.get(actor) ?? [])];
}
