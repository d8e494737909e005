// The root actor's lifetime in a process that did not start as an actor: the
// first `openActorNursery` starts it (listener, registrar, signal handlers), the
// last one to close stops it. Its service tasks run outside the caller's cancel
// scope (they serve every nursery of the process). Ctrl-C (SIGINT) and SIGTERM
// (docker stop, systemd, Kubernetes) cancel every open actor nursery, wait for the
// tree to be reaped, then let the signal end the process as it would have; a
// second one kills the children outright.
import { configureLog, Event, log, suspend } from '../core/index.ts';
import { ignore } from '../core/ignore.ts';
import { scopeStorage } from '../core/scope.ts';
import { removeStaleSockets } from '../ipc/index.ts';
import { normalizeModule } from './modules.ts';
import { Actor, _clearCurrent, maybeCurrentActor } from './runtime.ts';
import { dumpTreeOnSignal } from './tree-dump.ts';
import { registryBackend } from './registry-backend.ts';

/** The signals that start an orderly teardown of the whole tree at the root. */
const TEARDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type TeardownSignal = (typeof TEARDOWN_SIGNALS)[number];
/** Exit status of a process ended by a second signal: 128 + the signal's number. */
const SECOND_SIGNAL_STATUS: Record<TeardownSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** Options for the root actor (used by the first `openActorNursery` of the process). */
export interface RootOptions {
  /** the root actor's name (default `'root'`) */
  name?: string;
  /** modules the root itself serves to its children */
  enableModules?: string[];
  /**
   * What to log, e.g. `'debug'` or `'cancel,transport'` (see `configureLog`); wins
   * over `FURROW_LOG` and is inherited by every child actor. Default: `FURROW_LOG`, else `'info'`.
   */
  log?: string;
}

interface RootState {
  actor: Actor;
  users: number;
  stop: Event;
  running: Promise<void>;
  ready: Promise<void>;
  /** the signal that started the teardown, re-raised once the tree is reaped */
  interruptedBy: TeardownSignal | null;
}

let root: RootState | undefined;

function onSignal(signal: TeardownSignal): void {
  const r = root;
  if (!r) return;
  if (r.interruptedBy) {
    r.actor.killChildren();
    process.exit(SECOND_SIGNAL_STATUS[signal]);
  }
  r.interruptedBy = signal;
  log.info('%s: cancelling the whole tree', signal);
  r.actor._interrupt(signal);
}

const handlers = Object.fromEntries(TEARDOWN_SIGNALS.map((sig) => [sig, () => onSignal(sig)])) as Record<TeardownSignal, () => void>;

/** SIGUSR1 at the root: print the whole tree (tree-dump.ts). */
function onDumpSignal(): void {
  if (root) dumpTreeOnSignal(root.actor);
}

function handleSignals(on: boolean): void {
  for (const sig of TEARDOWN_SIGNALS) {
    if (on) process.on(sig, handlers[sig]);
    else process.off(sig, handlers[sig]);
  }
  if (on) process.on('SIGUSR1', onDumpSignal);
  else process.off('SIGUSR1', onDumpSignal);
}

/** Get the actor to run an actor nursery in: this process's actor, or a fresh root. */
export async function acquireActor(opts: RootOptions = {}): Promise<{ actor: Actor; release: () => Promise<void> }> {
  if (opts.log !== undefined) configureLog(opts.log);
  const cur = maybeCurrentActor();
  if (cur && !cur.isRoot) return { actor: cur, release: async () => {} };
  if (!root) {
    // socket files of actors that were SIGKILLed earlier (they could not remove their own)
    removeStaleSockets();
    const actor = new Actor({ name: opts.name ?? 'root', isRoot: true });
    const stop = new Event();
    let ready!: () => void;
    const readyP = new Promise<void>((r) => (ready = r));
    const running = scopeStorage.exit(() =>
      actor.run(async () => {
        await Promise.all((opts.enableModules ?? []).map((m) => actor.enable(normalizeModule(m))));
        actor.registrar!.register(actor.uid, actor.addr, null);
        // a tree sharing a registry beyond this host (furrow/hosts' joinCluster) publishes its root too
        if (registryBackend()) await actor.registrarCall('register');
        ready();
        await stop.wait();
      }),
    );
    const state: RootState = { actor, users: 0, stop, running, ready: readyP, interruptedBy: null };
    root = state;
    handleSignals(true);
    running.catch(ignore('the root actor\'s failure reaches its users through `release`')).finally(() => {
      if (root === state) root = undefined;
      handleSignals(false);
      _clearCurrent(actor);
    });
  }
  const state = root;
  state.users++;
  try {
    await suspend<void>((resolve, reject) => {
      state.ready.then(resolve, reject);
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
  await state.running.catch(ignore('the root stopped; its nurseries already reported their own errors'));
  if (state.interruptedBy) {
    handleSignals(false);
    process.kill(process.pid, state.interruptedBy);
  }
}
