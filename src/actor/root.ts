// The root actor's lifetime in a process that did not start as an actor: the
// first `openActorNursery` starts it (listener, registrar, SIGINT handler), the
// last one to close stops it. Its service tasks run outside the caller's cancel
// scope (they serve every nursery of the process). Ctrl-C cancels every open
// actor nursery, waits for the tree to be reaped, then lets SIGINT end the
// process as it would have; a second Ctrl-C kills the children outright.
import { Event, suspend } from '../core/index.ts';
import { scopeStorage } from '../core/scope.ts';
import { normalizeModule } from './modules.ts';
import { Actor, _clearCurrent, maybeCurrentActor } from './runtime.ts';

/** Options for the root actor (used by the first `openActorNursery` of the process). */
export interface RootOptions {
  /** the root actor's name (default `'root'`) */
  name?: string;
  /** modules the root itself serves to its children */
  enableModules?: string[];
}

interface RootState {
  actor: Actor;
  users: number;
  stop: Event;
  running: Promise<void>;
  ready: Promise<void>;
  interrupted: boolean;
}

let root: RootState | undefined;

function onSigint(): void {
  const r = root;
  if (!r) return;
  if (r.interrupted) {
    r.actor.killChildren();
    process.exit(130);
  }
  r.interrupted = true;
  r.actor._interrupt('SIGINT');
}

/** Get the actor to run an actor nursery in: this process's actor, or a fresh root. */
export async function acquireActor(opts: RootOptions = {}): Promise<{ actor: Actor; release: () => Promise<void> }> {
  const cur = maybeCurrentActor();
  if (cur && !cur.isRoot) return { actor: cur, release: async () => {} };
  if (!root) {
    const actor = new Actor({ name: opts.name ?? 'root', isRoot: true });
    const stop = new Event();
    let ready!: () => void;
    const readyP = new Promise<void>((r) => (ready = r));
    const running = scopeStorage.exit(() =>
      actor.run(async () => {
        await Promise.all((opts.enableModules ?? []).map((m) => actor.enable(normalizeModule(m))));
        actor.registrar!.register(actor.uid, actor.addr, null);
        ready();
        await stop.wait();
      }),
    );
    const state: RootState = { actor, users: 0, stop, running, ready: readyP, interrupted: false };
    root = state;
    process.on('SIGINT', onSigint);
    running.then(
      () => {},
      () => {},
    ).finally(() => {
      if (root === state) root = undefined;
      process.off('SIGINT', onSigint);
      _clearCurrent(actor);
    });
  }
  const state = root;
  state.users++;
  try {
    await suspend<void>((resolve, reject) => {
      state.ready.then(resolve);
      state.running.then(() => reject(new Error('the root actor stopped while starting')), reject);
    });
  } catch (err) {
    await release(state);
    throw err;
  }
  return { actor: state.actor, release: () => release(state) };
}

async function release(state: RootState): Promise<void> {
  if (--state.users > 0) return;
  if (root === state) root = undefined;
  state.stop.set();
  await state.running.catch(() => {});
  if (state.interrupted) {
    process.off('SIGINT', onSigint);
    process.kill(process.pid, 'SIGINT');
  }
}
