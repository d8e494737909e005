// The 'remote' spawn backend: `startActor(name, { backend: 'remote', host: 'b' })`
// asks host b's agent, over NATS, to start the actor there. The actor connects back
// to this actor's TLS-PSK listener (listener.ts, at `listenHost`) and is then
// a child like any other: same portal, contexts, streams, errors and cancels. This
// side publishes a lease while it has actors on other hosts (lease.ts), and learns of
// their exits from the agent's notices. If the agent cannot confirm a SIGKILL within
// `LOST_AFTER_MS` (its host is gone or cut off), the child counts as exited: the
// agent's lease watch, or the actor's own orphan watchdog, ends it over there.
import { currentActor, ignore, log } from 'furrow';
import type { ChildExit, SpawnBackend, SpawnedChild, SpawnRequest } from 'furrow/spawn';
import type { NatsConnection } from '@nats-io/transport-node';
import { publishLease } from './lease.ts';
import { hostListener } from './listener.ts';
import { connectNats, encodeJson, HOST_NAME, natsServers, subjects, type ExitNotice, type SpawnAsk, type SpawnReply } from './nats.ts';

/** How long after a SIGKILL request an unconfirmed remote child counts as exited (ms). */
export const LOST_AFTER_MS = 1000;
/** How long to wait for an agent's answer to a spawn request (ms). */
export const SPAWN_TIMEOUT_MS = 10_000;

/** `startActor(name, { backend: 'remote', host, ... })`. */
export interface RemoteActorOptions {
  /** the host to start the actor on: the name its agent was started with */
  host: string;
  /** NATS server URL(s) (default `FURROW_NATS`, else `nats://127.0.0.1:4222`) */
  nats?: string | string[];
  /** the address of this host that the actor connects back to (default `FURROW_HOST_ADDR`) */
  listenHost?: string;
  /** the key file (default `FURROW_PSK_FILE`); every host holds the same key */
  keyFile?: string;
}

/** `startActor(name, { backend: 'remote-python', host, python, cwd, enableModules })`. */
export interface RemotePythonActorOptions extends RemoteActorOptions {
  /** the interpreter on that host (default `python3` on the agent's PATH) */
  python?: string;
  /** the Python actor's working directory there */
  cwd?: string;
}

declare module 'furrow' {
  interface SpawnBackendOptions {
    /** `startActor(name, { backend: 'remote', host: 'b' })`: a Node actor on another host */
    remote: RemoteActorOptions;
    /** `startActor(name, { backend: 'remote-python', host: 'b', python })`: a Python actor on another host */
    'remote-python': RemotePythonActorOptions;
  }
}

/** One NATS connection per server list, open while remote children live, with their parents' leases. */
interface Session {
  nc: Promise<NatsConnection>;
  users: number;
  leases: Map<string, { users: number; stop: () => void }>;
}
const sessions = new Map<string, Session>();

function acquire(servers: string[]): { session: Session; release: () => void } {
  const key = servers.join(',');
  let s = sessions.get(key);
  if (!s) {
    s = { nc: connectNats(servers, `furrow-${process.pid}`), users: 0, leases: new Map() };
    sessions.set(key, s);
  }
  const session = s;
  session.users++;
  let released = false;
  return {
    session,
    release() {
      if (released) return;
      released = true;
      if (--session.users > 0) return;
      sessions.delete(key);
      void session.nc.then((nc) => nc.close(), ignore('NATS was never reached: nothing to close'));
    },
  };
}

/** Hold `parentUuid`'s lease in `session` until the returned function is called. */
function holdLease(session: Session, nc: NatsConnection, parentUuid: string): () => void {
  let l = session.leases.get(parentUuid);
  if (!l) {
    l = { users: 0, stop: publishLease(nc, parentUuid) };
    session.leases.set(parentUuid, l);
  }
  const lease = l;
  lease.users++;
  return () => {
    if (--lease.users > 0) return;
    lease.stop();
    session.leases.delete(parentUuid);
  };
}

async function spawnRemote(req: SpawnRequest, runtime: 'node' | 'python'): Promise<SpawnedChild> {
  const o = req.options as Partial<RemotePythonActorOptions>;
  const host = o.host;
  if (typeof host !== 'string' || !HOST_NAME.test(host)) {
    throw new TypeError(`backend 'remote' needs { host }: the name of a host whose agent runs (got ${JSON.stringify(host)})`);
  }
  const actor = currentActor();
  const parentAddr = await hostListener(actor, o.listenHost, o.keyFile);
  const { session, release } = acquire(natsServers(o.nats));
  try {
    const nc = await session.nc;
    let settle!: (e: ChildExit) => void;
    const exited = new Promise<ChildExit>((r) => (settle = r));
    const exitSub = nc.subscribe(subjects.exited(host, req.uuid), {
      max: 1,
      callback: (err, msg) => {
        if (err) return;
        const n = msg.json<ExitNotice>();
        settle({ code: n.code, signal: n.signal });
      },
    });
    const ask: SpawnAsk = { name: req.name, uuid: req.uuid, parentUuid: actor.uuid, parent: { host: parentAddr.host, port: parentAddr.port }, execArgv: req.execArgv, runtime };
    if (runtime === 'python') ask.options = { python: o.python, cwd: o.cwd };
    let reply: SpawnReply;
    try {
      reply = (await nc.request(subjects.spawn(host), encodeJson(ask), { timeout: SPAWN_TIMEOUT_MS })).json<SpawnReply>();
    } catch (err) {
      exitSub.unsubscribe();
      throw new Error(`no agent of host '${host}' answered on NATS (${nc.getServer()}): ${(err as Error).message}`, { cause: err });
    }
    if ('error' in reply) {
      exitSub.unsubscribe();
      throw new Error(`the agent of host '${host}' could not start actor '${req.name}': ${reply.error}`);
    }
    const dropLease = holdLease(session, nc, actor.uuid);
    void exited.then(() => {
      exitSub.unsubscribe();
      dropLease();
      release();
    });
    const pid = reply.pid;
    let gone = false;
    void exited.then(() => (gone = true));
    return {
      pid,
      remote: { parentAddr },
      exited,
      kill(signal) {
        if (gone) return;
        if (!nc.isClosed()) nc.publish(subjects.kill(host), encodeJson({ uuid: req.uuid, signal }));
        if (signal !== 'SIGKILL') return;
        setTimeout(() => {
          if (gone) return;
          log.warn("actor '%s' on host '%s' (pid %d): no exit notice %d ms after SIGKILL; counted as gone (its agent's lease watch ends it)", req.name, host, pid, LOST_AFTER_MS);
          settle({ code: null, signal: 'SIGKILL' });
        }, LOST_AFTER_MS).unref();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/** The 'remote' backend: Node actors on other hosts (registered by `furrow/hosts`). */
export const remoteBackend: SpawnBackend = { runtime: 'node', spawn: (req) => spawnRemote(req, 'node') };
/** The 'remote-python' backend: Python asyncio actors on other hosts, linked through their agent (registered by `furrow/hosts`). */
export const remotePythonBackend: SpawnBackend = { runtime: 'python', spawn: (req) => spawnRemote(req, 'python') };
