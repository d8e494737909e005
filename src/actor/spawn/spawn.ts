// Starting one child actor: import its enabled modules here first (Node children),
// start it through its backend, take its connection (given, or connected back and
// matched by uuid), send the SpawnSpec and wait for the child's `ready` answer.
// Anything failing on the way kills the child and throws the real error.
import { suspend, withCancelScope } from '../../core/index.ts';
import { openConnection, type Connection } from '../../ipc/index.ts';
import { ActorDiedError } from '../errors.ts';
import { loadModule, normalizeModule } from '../modules.ts';
import { Portal, RUNTIME_NS } from '../portal.ts';
import { linkOptionsFor, type Actor } from '../runtime.ts';
import { getSpawnBackend, type ChildExit, type SpawnedChild } from './backend.ts';
import { inheritedExecArgv } from './exec-argv.ts';
import { registryBackendRef } from '../registry-backend.ts';
import { noteChildEnded, noteChildStarted } from './thread-children.ts';

/** Options of `startActor` / `runInActor` that every backend understands. */
export interface BaseStartActorOptions {
  /** modules whose exports the actor serves: absolute paths, `file:` URLs, or paths relative to the cwd (Python: dotted names) */
  enableModules?: string[];
  /** Node flags for the child (default: this process's `execArgv`) */
  execArgv?: string[];
  /** the child's environment (default: this process's) */
  env?: NodeJS.ProcessEnv;
  /** options for the backend (the general escape hatch; a backend's typed top-level options are merged over nothing, these over them) */
  backendOptions?: Record<string, unknown>;
  /** settings passed to the child in its SpawnSpec */
  runtimeVars?: Record<string, unknown>;
}

/**
 * The typed top-level options of each spawn backend, by backend name. A package
 * that registers a backend adds its options by declaration merging, e.g.
 * `declare module 'furrow' { interface SpawnBackendOptions { python: PythonActorOptions } }`;
 * `startActor(name, { backend: 'python', python: '/usr/bin/python3' })` is then
 * type-checked (and completed) against them, and they reach the backend in
 * `SpawnRequest.options`.
 */
export interface SpawnBackendOptions {
  fork: object;
  thread: object;
}

/**
 * Options of `startActor` / `runInActor`: the common ones, plus those of the chosen
 * `backend` (default `'fork'`). A backend named by a string not known at compile
 * time gets the common ones only (use `backendOptions`).
 */
export type StartActorOptions =
  | (BaseStartActorOptions & { backend?: undefined })
  | { [B in keyof SpawnBackendOptions]: BaseStartActorOptions & { backend: B } & SpawnBackendOptions[B] }[keyof SpawnBackendOptions]
  // a backend chosen at run time, or registered without declaring its options
  | (BaseStartActorOptions & { backend: string });

/** A running child, as its parent sees it. */
export interface ChildActor {
  name: string;
  portal: Portal;
  conn: Connection;
  process: SpawnedChild;
  exit: ChildExit | null;
}

/** The child's runtime settings, naming this process's registry backend if one is installed. */
function withRegistry(vars: Record<string, unknown>): Record<string, unknown> {
  const registry = registryBackendRef();
  return registry ? { ...vars, registry } : vars;
}

/** Start a child actor of `actor` and return it once it is ready to serve. */
export async function spawnChild(actor: Actor, name: string, opts: StartActorOptions, debugMode = false): Promise<ChildActor> {
  const backend = getSpawnBackend(opts.backend ?? 'fork');
  // every other top-level key is the backend's own (typed through SpawnBackendOptions)
  const { enableModules: _m, backend: _b, execArgv: _x, env: _e, backendOptions, runtimeVars: _r, name: _n, ...own } = opts as StartActorOptions & {
    name?: string;
  };
  const enable = (opts.enableModules ?? []).map(normalizeModule);
  if (backend.runtime === 'node') await Promise.all(enable.map(loadModule));
  // node:crypto is loaded on first use (it costs ~8 ms at a child actor's start-up)
  const uuid = process.getBuiltinModule('node:crypto').randomUUID();
  const claim = actor.expectChild(uuid);
  let proc: SpawnedChild;
  try {
    proc = await backend.spawn({
      name,
      uuid,
      parentAddr: actor.addr,
      execArgv: opts.execArgv ?? inheritedExecArgv(),
      // not copied: Node reads the environment once more to pass it on (~1 ms a copy)
      env: opts.env ?? process.env,
      options: { ...own, ...backendOptions },
    });
  } catch (err) {
    claim.forget();
    throw err;
  }
  const child: ChildActor = { name, process: proc, exit: null } as ChildActor;
  // a pid of this host, to kill outright if this process must die at once
  const localPid = proc.pid !== process.pid && !proc.remote;
  if (localPid) {
    actor.childPids.add(proc.pid);
    noteChildStarted(proc.pid);
  }
  void proc.exited.then((e) => {
    child.exit = e;
    if (!localPid) return;
    actor.childPids.delete(proc.pid);
    noteChildEnded(proc.pid);
  });
  try {
    const conn = proc.transport
      ? await openConnection(proc.transport, { name: actor.name, uuid: actor.uuid, ...linkOptionsFor(proc.transport) })
      : await suspend<Connection>((resolve, reject) => {
          claim.connected.then(resolve, reject);
          void proc.exited.then((e) => reject(new ActorDiedError([name, uuid], e.code, e.signal, 'it exited before connecting to its parent')));
        });
    child.conn = conn;
    actor.serveSoon(conn, 'child');
    conn.sendSpawnSpec({
      name,
      parent: actor.uid,
      parentAddr: proc.remote?.parentAddr ?? actor.addr,
      registryAddr: proc.remote ? null : actor.isRoot ? actor.addr : actor.registryAddr,
      enableModules: enable,
      debugMode,
      runtimeVars: withRegistry(opts.runtimeVars ?? {}),
    });
    const portal = new Portal(conn);
    const info = (await portal.runFromNs(RUNTIME_NS, 'ready')) as { pid: number; addr: Portal['addr'] };
    portal.pid = info.pid;
    portal.addr = info.addr;
    // the registrar enters its own children from their `ready` answer (no round trip);
    // the entry goes when this connection ends, as if the child had registered over it
    if (actor.registrar && info.addr && !proc.remote) actor.registrar.register(portal.uid, info.addr, conn);
    child.portal = portal;
    return child;
  } catch (err) {
    claim.forget();
    proc.kill('SIGKILL');
    child.conn?.close();
    await withCancelScope({ shield: true }, () => proc.exited);
    throw err;
  }
}
