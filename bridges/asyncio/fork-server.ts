// The Python fork server, Node side: one `furrow_asyncio.forkserver` process per
// interpreter, started on the first `startActor(name, { backend: 'python', forkServer:
// true })` and kept for the life of this process (unreferenced: it never holds Node
// open, and the kernel ends it with this process). It forks an actor per request; the
// actor connects back to its parent's socket. Requests and answers are JSON lines on
// its fds 3 and 4 (forkserver.py); its stdout and stderr carry every forked actor's
// output, each line already prefixed with the actor's name.
import type { Readable, Writable } from 'node:stream';
import { currentActor, ignore } from 'furrow';
import { CHILD_READ_FD, CHILD_WRITE_FD, killTree, pauseLineTaker, relayLines, type ChildExit, type SpawnedChild, type SpawnRequest } from 'furrow/spawn';

/** Runs the server from the package directory appended to sys.path (an installed copy wins, as for a plain child). */
const RUN_SERVER = 'import sys; sys.path.append(sys.argv.pop(1)); from furrow_asyncio.forkserver import serve; serve()';

interface Server {
  send(line: object): void;
  /** spawns waiting for their pid */
  forked: Map<string, { resolve: (pid: number) => void; reject: (err: Error) => void }>;
  /** forked actors waiting for their exit */
  exits: Map<string, (e: ChildExit) => void>;
}

const servers = new Map<string, Server>();

function startServer(python: string, packageDir: string, env: NodeJS.ProcessEnv): Server {
  const { spawn } = process.getBuiltinModule('node:child_process');
  const child = spawn(python, ['-c', RUN_SERVER, packageDir], { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], env: { ...env, PYTHONUNBUFFERED: '1' } });
  const toServer = child.stdio[CHILD_READ_FD] as Writable;
  const fromServer = child.stdio[CHILD_WRITE_FD] as Readable;
  relayLines(child.stdout!, '', process.stdout);
  relayLines(child.stderr!, '', process.stderr, pauseLineTaker(currentActor));
  const forked: Server['forked'] = new Map();
  const exits: Server['exits'] = new Map();
  fromServer.setEncoding('utf8');
  let rest = '';
  fromServer.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const m = JSON.parse(line) as { uuid: string; pid?: number; code?: number | null; signal?: string | null };
      if (m.pid !== undefined) forked.get(m.uuid)?.resolve(m.pid);
      else exits.get(m.uuid)?.({ code: m.code ?? null, signal: m.signal ?? null });
    }
  });
  // the server never holds this process open; it dies with it (PR_SET_PDEATHSIG)
  child.unref();
  for (const s of [toServer, fromServer, child.stdout, child.stderr] as unknown as { unref?: () => void }[]) s.unref?.();
  toServer.on('error', ignore('the fork server is gone: its pending spawns fail below'));
  child.once('exit', () => {
    servers.delete(python);
    for (const [uuid, waiting] of forked) {
      forked.delete(uuid);
      waiting.reject(new Error(`the Python fork server (${python}) exited before starting actor with uuid ${uuid}`));
    }
    // the server died (killed from outside): its children die with it (their lifeline)
    for (const [uuid, settle] of exits) {
      exits.delete(uuid);
      settle({ code: null, signal: 'SIGKILL' });
    }
  });
  return { send: (line) => toServer.write(JSON.stringify(line) + '\n'), forked, exits };
}

/** Start an actor through the fork server of `python` (started on first use). */
export async function spawnForked(python: string, packageDir: string, req: SpawnRequest, cwd: string | undefined, env: NodeJS.ProcessEnv): Promise<SpawnedChild> {
  let server = servers.get(python);
  if (!server) {
    server = startServer(python, packageDir, env);
    servers.set(python, server);
  }
  if (req.parentAddr.kind !== 'uds') throw new Error('a forked Python actor connects back to a Unix socket');
  let settle!: (e: ChildExit) => void;
  const exited = new Promise<ChildExit>((resolve) => (settle = resolve));
  server.exits.set(req.uuid, (e) => {
    server.exits.delete(req.uuid);
    settle(e);
  });
  const parentPath = req.parentAddr.path;
  const pid = await new Promise<number>((resolve, reject) => {
    server.forked.set(req.uuid, { resolve, reject });
    server.send({ name: req.name, uuid: req.uuid, parentPath, cwd: cwd ?? process.cwd(), env });
  }).finally(() => server.forked.delete(req.uuid));
  let gone = false;
  void exited.then(() => (gone = true));
  return {
    pid,
    exited,
    kill(signal) {
      if (gone) return;
      if (signal === 'SIGKILL') killTree(pid);
      else
        try {
          process.kill(pid, signal);
        } catch (err) {
          ignore('it exited meanwhile: its exit notice is on its way')(err);
        }
    },
  };
}
