// The 'python' spawn backend: a Python asyncio child (`python -m furrow_asyncio`)
// started with zx, talking over pipes on its fds 3 (in) and 4 (out). Its stdout and
// stderr stay ordinary text, relayed line by line with an `[actor-name] ` prefix.
// The interpreter is checked before spawning; a child that exits because its
// interpreter has no `msgpack` fails the spawn with an error that says how to fix it.
import { accessSync, constants, existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { $, which } from 'zx';
import { spawnForked } from './fork-server.ts';
import { currentActor, ignore } from 'furrow';
import { CHILD_READ_FD, CHILD_WRITE_FD, StreamTransport, TransportError, killTree, pauseLineTaker, relayLines, type ChildExit, type SpawnBackend, type SpawnRequest, type SpawnedChild } from 'furrow/spawn';

/** A Python actor's `await pause()` request on its stderr goes toward the root's REPL. */
const takePauseLines = pauseLineTaker(currentActor);

type Transport = NonNullable<SpawnedChild['transport']>;
type Sink = Parameters<Transport['attach']>[0];

declare module 'furrow' {
  interface SpawnBackendOptions {
    /** `startActor(name, { backend: 'python', python, cwd, env, enableModules })` */
    python: PythonActorOptions;
  }
}

/** Options of the `'python'` backend, given at the top level of `startActor(name, { backend: 'python', ... })` (or in `backendOptions`). */
export interface PythonActorOptions {
  /** the interpreter: a path or a command on PATH (default `'python3'`); it needs the `msgpack` package */
  python?: string;
  /** the child's working directory (it is on the child's `sys.path`, so modules there can be enabled) */
  cwd?: string;
  /**
   * Fork the actor from a Python process that has imported the runtime already (one
   * per interpreter, started on first use): spawn-to-ready without the imports. The
   * actor connects back to its parent's socket; its output lines carry its name.
   * Default: off (a fresh interpreter per actor).
   */
  forkServer?: boolean;
}

/** The exit code `python -m furrow_asyncio` uses when `msgpack` cannot be imported. */
export const NO_MSGPACK_EXIT = 3;

/**
 * The directory holding the `furrow_asyncio` package: beside this file in the
 * sources; in the published package the bundle lives in `dist/` and the package in
 * `bridges/asyncio/python/` (package.json `files`).
 */
export const PYTHON_PACKAGE_DIR: string = (() => {
  for (const rel of ['./python/', '../bridges/asyncio/python/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir + 'furrow_asyncio/__init__.py')) return dir.slice(0, -1);
  }
  return fileURLToPath(new URL('./python', import.meta.url));
})();

/** The Python interpreter could not be found or run. */
export class PythonNotFoundError extends Error {
  override name = 'PythonNotFoundError';
}

/** The Python interpreter has no `msgpack` package (the child's pipes closed before its handshake). */
export class PythonMsgpackMissingError extends TransportError {
  override name = 'PythonMsgpackMissingError';
  constructor(python: string) {
    super('closed', msgpackMissingMessage(python));
  }
}

/** Throw PythonNotFoundError unless `python` names an executable file or a command on PATH. */
export function checkInterpreter(python: string, env: NodeJS.ProcessEnv = process.env): void {
  const hint = "install Python 3 (e.g. apt-get install python3) or pass its path: startActor(name, { backend: 'python', python: '/usr/bin/python3' })";
  if (python.includes('/')) {
    try {
      accessSync(python, constants.X_OK);
    } catch {
      throw new PythonNotFoundError(`the Python interpreter '${python}' does not exist or is not executable: ${hint}`);
    }
  } else if (!which.sync(python, { nothrow: true, path: env.PATH ?? process.env.PATH })) {
    throw new PythonNotFoundError(`no Python interpreter '${python}' on PATH: ${hint}`);
  }
}

/** The message of a spawn that failed because `python` has no msgpack. */
export function msgpackMissingMessage(python: string): string {
  return (
    `the Python interpreter '${python}' has no 'msgpack' package, which furrow_asyncio needs: ` +
    `install it (apt-get install python3-msgpack for the system Python, or ${python} -m pip install msgpack)`
  );
}

function nullStore(): { stdout: string[]; stderr: string[]; stdall: string[] } {
  // zx keeps all output of a process for its ProcessOutput: an actor may print forever, so keep none
  const none = () => Object.assign([] as string[], { push: () => 0 });
  return { stdout: none(), stderr: none(), stdall: none() };
}

/**
 * The frame pipes of a Python child, as a Transport. It only adds one thing to the
 * stream transport: when the pipes end because the child exited for want of
 * `msgpack`, the error says so (and how to fix it).
 */
class PythonChildTransport implements Transport {
  readonly kind = 'pipe' as const;
  readonly heartbeatByDefault = true;
  #inner: StreamTransport;
  #exited: Promise<ChildExit>;
  #python: string;

  constructor(inner: StreamTransport, exited: Promise<ChildExit>, python: string) {
    this.#inner = inner;
    this.#exited = exited;
    this.#python = python;
  }

  get description(): string {
    return this.#inner.description;
  }
  get closed(): boolean {
    return this.#inner.closed;
  }
  get needsDrain(): boolean {
    return this.#inner.needsDrain;
  }

  attach(sink: Sink): void {
    let framed = false;
    this.#inner.attach({
      frame: (body) => {
        framed = true;
        sink.frame(body);
      },
      closed: (err) => {
        if (framed) return sink.closed(err);
        // closed before any frame: find out whether the child could not start at all
        let done = false;
        const report = (e: TransportError | null) => {
          if (!done) sink.closed(e);
          done = true;
        };
        const timer = setTimeout(() => report(err), 500);
        void this.#exited.then((x) => {
          clearTimeout(timer);
          report(x.code === NO_MSGPACK_EXIT ? new PythonMsgpackMissingError(this.#python) : err);
        });
      },
    });
  }

  write(frame: Uint8Array): void {
    this.#inner.write(frame);
  }
  drain(): Promise<void> {
    return this.#inner.drain();
  }
  close(): void {
    this.#inner.close();
  }
  destroy(error?: TransportError): void {
    this.#inner.destroy(error);
  }
}

/**
 * The `'python'` spawn backend (registered by importing `furrow/asyncio`).
 *
 * @example
 * ```ts
 * import { openActorNursery } from 'furrow';
 * import 'furrow/asyncio';
 *
 * await openActorNursery(async (an) => {
 *   // jobs.py in ./py defines `async def crunch(n)` and a @context `produce(ctx, n)`
 *   const py = await an.startActor('worker', { backend: 'python', python: '/usr/bin/python3', cwd: './py', enableModules: ['jobs'] });
 *   console.log(await py.run('jobs:crunch', 42)); // a Python error arrives as RemoteActorError with its traceback
 *   await py.openContext('jobs:produce', [10], async (ctx) => ctx.openStream(async (s) => { for await (const x of s) console.log(x); }));
 * }); // the Python process is gone here
 * ```
 */
/**
 * What the child runs: `furrow_asyncio` as `__main__`, found on the interpreter's own
 * path first (a pip-installed package wins), with the copy shipped in the npm package
 * (its directory, the first argument) appended as the fallback. `-m` with the copy on
 * `PYTHONPATH` would put the copy before site-packages.
 */
const RUN_PACKAGE =
  "import sys; sys.path.append(sys.argv.pop(1)); import runpy; runpy.run_module('furrow_asyncio', run_name='__main__', alter_sys=True)";

export const pythonBackend: SpawnBackend = {
  runtime: 'python',
  spawn(req: SpawnRequest): SpawnedChild | Promise<SpawnedChild> {
    const opts = req.options as PythonActorOptions;
    const python = opts.python ?? 'python3';
    const env: NodeJS.ProcessEnv = { ...req.env, ...(opts as { env?: NodeJS.ProcessEnv }).env };
    checkInterpreter(python, env);
    env.PYTHONUNBUFFERED ??= '1';
    if (opts.forkServer) return spawnForked(python, PYTHON_PACKAGE_DIR, req, opts.cwd, env);
    // ppid: the child checks it is still this process's child from its first instant (bridges/asyncio/python/furrow_asyncio/lifeline.py)
    const boot = JSON.stringify({ name: req.name, uuid: req.uuid, ppid: process.pid });
    const ac = new AbortController();
    const proc = $({
      cwd: opts.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      signal: ac.signal,
      killSignal: 'SIGTERM',
      nothrow: true,
      quiet: true,
      verbose: false,
      prefix: '',
      postfix: '',
      store: nullStore() as never,
    })`exec ${python} -c ${RUN_PACKAGE} ${PYTHON_PACKAGE_DIR} ${boot}`;
    const child = proc.child;
    if (!child || child.pid === undefined) throw new PythonNotFoundError(`could not start '${python}' for actor '${req.name}'`);
    // Settles once the exit is reaped ('exit'). Aborting zx's signal (our SIGTERM) makes
    // Node emit 'error' (AbortError) while the child is still running: not an exit.
    const exited = new Promise<ChildExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.on('error', () => {
        if (child.pid === undefined) resolve({ code: -1, signal: null });
      });
    });
    proc.catch(ignore('zx rejects on a non-zero exit; the exit is reported through `exited`'));
    relayLines(child.stdout!, `[${req.name}] `, process.stdout);
    // `await pause()` in the actor asks for the root's REPL on its stderr
    relayLines(child.stderr!, `[${req.name}] `, process.stderr, takePauseLines);
    const inner = new StreamTransport('pipe', `pipe:${req.name}[${child.pid}]`, {
      readable: child.stdio[CHILD_WRITE_FD] as Readable,
      writable: child.stdio[CHILD_READ_FD] as Writable,
    });
    let gone = false;
    void exited.then(() => (gone = true));
    return {
      pid: child.pid,
      transport: new PythonChildTransport(inner, exited, python),
      exited,
      kill(signal) {
        if (gone) return;
        if (signal === 'SIGTERM') ac.abort();
        else killTree(child.pid!); // with whatever the Python code started
      },
    };
  },
};
