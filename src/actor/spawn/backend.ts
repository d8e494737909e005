// The spawn backend interface and its registry. A backend starts one child that
// runs the furrow runtime and gives back its pid, how to kill it, when it exits,
// and (optionally) a ready transport to it; without one, the child connects back
// to the parent's listener (`parentAddr`) and is matched by its uuid. The actor
// layer knows backends only through this registry: `'fork'` and `'thread'` are
// built in, and other packages (the Python bridge) add theirs with
// `registerSpawnBackend`.
import { fileURLToPath } from 'node:url';
import type { Address, Transport } from '../../ipc/index.ts';

/**
 * The file a Node child actor (process or thread) runs: `child-main.ts` in the
 * sources, or `child-main.js` beside the chunks of the bundled build (`npm run
 * build:js`), so a child always runs the same copy of furrow as its parent.
 */
export const CHILD_MAIN: string = fileURLToPath(
  import.meta.url.endsWith('.ts') ? new URL('../child-main.ts', import.meta.url) : new URL('./child-main.js', import.meta.url),
);

/** What the actor layer asks a backend to start. */
export interface SpawnRequest {
  /** the child actor's name */
  name: string;
  /** the uuid the child must present in its `Aid` */
  uuid: string;
  /** the parent's listening address, for children that connect back */
  parentAddr: Address;
  /** extra Node flags (the parent's `execArgv` by default) */
  execArgv: string[];
  /** the child's environment (may be `process.env` itself: copy it before changing it) */
  env: NodeJS.ProcessEnv;
  /** backend-specific options passed through from `startActor(..., { backendOptions })` */
  options: Record<string, unknown>;
}

/** How a child ended. */
export interface ChildExit {
  code: number | null;
  signal: string | null;
}

/** A started child, as the backend reports it. */
export interface SpawnedChild {
  /** the OS process id (for a worker thread: the parent's own pid) */
  pid: number;
  /** a transport already connected to the child (pipes, ports); omit to have the child connect back */
  transport?: Transport;
  /**
   * Set for a child on another host: `pid` is a pid there (never signalled here), and
   * the child connects back to `parentAddr` (this actor's listener for other hosts)
   * instead of `SpawnRequest.parentAddr`. It gets no registrar address: the root's
   * registrar is a socket on this host.
   */
  remote?: { parentAddr: Address };
  /** settles when the child has exited (never rejects) */
  exited: Promise<ChildExit>;
  /** Ask the OS to stop it: `SIGTERM` (may be caught) or `SIGKILL` (may not). Threads terminate either way. */
  kill(signal: 'SIGTERM' | 'SIGKILL'): void;
}

/** A way to start child actors. */
export interface SpawnBackend {
  /**
   * The runtime the child runs (`'node'`, `'python'`, ...). For `'node'` children
   * the parent imports every enabled module before spawning (so a module that fails
   * to import fails in the parent, with the real error, and functions passed as
   * values can be named).
   */
  readonly runtime: string;
  /** Start the child. Throw if it cannot be started at all. */
  spawn(req: SpawnRequest): SpawnedChild | Promise<SpawnedChild>;
}

const backends = new Map<string, SpawnBackend>();

/** Make a backend available to `startActor(name, { backend: name })`. Replaces one of the same name. */
export function registerSpawnBackend(name: string, backend: SpawnBackend): void {
  backends.set(name, backend);
}

/** The backend registered under `name`; throws naming the known ones otherwise. */
export function getSpawnBackend(name: string): SpawnBackend {
  const b = backends.get(name);
  if (!b) throw new Error(`unknown spawn backend '${name}' (known: ${[...backends.keys()].join(', ')})`);
  return b;
}
