// Starting one child actor: import its enabled modules here first (Node children),
// start it through its backend, take its connection (given, or connected back and
// matched by uuid), send the SpawnSpec and wait for the child's `ready` answer.
// Anything failing on the way kills the child and throws the real error.
import { randomUUID } from 'node:crypto';
import { suspend, withCancelScope } from '../../core/index.ts';
import { openConnection, type Connection } from '../../ipc/index.ts';
import { ActorDiedError } from '../errors.ts';
import { loadModule, normalizeModule } from '../modules.ts';
import { Portal, RUNTIME_NS } from '../portal.ts';
import { LINK_OPTIONS, type Actor } from '../runtime.ts';
import { getSpawnBackend, type ChildExit, type SpawnedChild } from './backend.ts';
import { childEnv, inheritedExecArgv } from './fork.ts';

/** Options of `startActor` / `runInActor`. */
export interface StartActorOptions {
  /** modules whose exports the actor serves: absolute paths, `file:` URLs, or paths relative to the cwd */
  enableModules?: string[];
  /** the spawn backend: `'fork'` (default), `'thread'`, or one added with `registerSpawnBackend` */
  backend?: string;
  /** Node flags for the child (default: this process's `execArgv`) */
  execArgv?: string[];
  /** the child's environment (default: this process's) */
  env?: NodeJS.ProcessEnv;
  /** options for the backend */
  backendOptions?: Record<string, unknown>;
  /** settings passed to the child in its SpawnSpec */
  runtimeVars?: Record<string, unknown>;
}

/** A running child, as its parent sees it. */
export interface ChildActor {
  name: string;
  portal: Portal;
  conn: Connection;
  process: SpawnedChild;
  exit: ChildExit | null;
}

/** Start a child actor of `actor` and return it once it is ready to serve. */
export async function spawnChild(actor: Actor, name: string, opts: StartActorOptions): Promise<ChildActor> {
  const backend = getSpawnBackend(opts.backend ?? 'fork');
  const enable = (opts.enableModules ?? []).map(normalizeModule);
  if (backend.runtime === 'node') await Promise.all(enable.map(loadModule));
  const uuid = randomUUID();
  const claim = actor.expectChild(uuid);
  let proc: SpawnedChild;
  try {
    proc = await backend.spawn({
      name,
      uuid,
      parentAddr: actor.addr,
      execArgv: opts.execArgv ?? inheritedExecArgv(),
      env: childEnv(opts.env),
      options: opts.backendOptions ?? {},
    });
  } catch (err) {
    claim.forget();
    throw err;
  }
  const child: ChildActor = { name, process: proc, exit: null } as ChildActor;
  if (proc.pid !== process.pid) actor.childPids.add(proc.pid);
  proc.exited.then((e) => {
    child.exit = e;
    actor.childPids.delete(proc.pid);
  });
  try {
    const conn = proc.transport
      ? await openConnection(proc.transport, { name: actor.name, uuid: actor.uuid, ...LINK_OPTIONS })
      : await suspend<Connection>((resolve, reject) => {
          claim.connected.then(resolve);
          proc.exited.then((e) => reject(new ActorDiedError([name, uuid], e.code, e.signal, 'it exited before connecting to its parent')));
        });
    child.conn = conn;
    actor.serveSoon(conn, 'child');
    conn.sendSpawnSpec({
      name,
      parent: actor.uid,
      parentAddr: actor.addr,
      registryAddr: actor.isRoot ? actor.addr : actor.registryAddr,
      enableModules: enable,
      debugMode: false,
      runtimeVars: opts.runtimeVars ?? {},
    });
    const portal = new Portal(conn);
    const info = (await portal.runFromNs(RUNTIME_NS, 'ready')) as { pid: number; addr: Portal['addr'] };
    portal.pid = info.pid;
    portal.addr = info.addr;
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
