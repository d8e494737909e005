// The host agent (`furrow agent`): one per host. It joins NATS under its host's name
// and starts actors there when a parent on another host asks. Each actor is a Node
// child process of the agent that connects back to its parent over TLS-PSK (with the
// agent's key file), so the parent supervises it as any child: errors go up its link,
// cancels come down it. The agent only starts, signals and reports exits, and stops
// a parent's actors when that parent's lease lapses (lease.ts). When the agent itself
// dies, each actor's orphan watchdog sees its OS parent gone and ends it. Python
// actors are linked through the agent (spawnPython below).
import { ignore, ignoring, log } from 'furrow';
import { connectTlsPsk, frame, getSpawnBackend, readPskFile, PSK_FILE_ENV, type SpawnedChild, type SpawnRequest, type Transport } from 'furrow/spawn';
import type { NatsConnection } from '@nats-io/transport-node';
import { LeaseWatch } from './lease.ts';
import { HOST_ADDR_ENV } from './listener.ts';
import { connectNats, encodeJson, HOST_NAME, NATS_ENV, natsServers, subjects, type ExitNotice, type KillAsk, type SpawnAsk, type SpawnReply } from './nats.ts';

/** Options of {@link startAgent}. */
export interface AgentOptions {
  /** this host's name, as parents name it in `startActor(name, { backend: 'remote', host })` */
  host: string;
  /** NATS server URL(s) (default `FURROW_NATS`, else `nats://127.0.0.1:4222`) */
  nats?: string | string[];
  /** the key file the actors use to reach their parents (default `FURROW_PSK_FILE`) */
  keyFile?: string;
  /** this host's address, where its actors listen for peers on other hosts (default `FURROW_HOST_ADDR`; needed by trees that joined a cluster) */
  hostAddr?: string;
  /** how long an actor gets to exit after its SIGTERM before SIGKILL (ms, default 2000) */
  killMs?: number;
  /** told when the agent loses NATS and when it is back (it reconnects on its own) */
  onNats?: (state: 'lost' | 'back') => void;
}

/** A running agent. */
export interface Agent {
  readonly host: string;
  /** the actors it runs now, by uuid */
  readonly children: ReadonlyMap<string, { name: string; pid: number }>;
  /** SIGTERM every actor, SIGKILL what is left after `killMs`, leave NATS. */
  stop(): Promise<void>;
}

interface Running {
  name: string;
  parentUuid: string;
  proc: SpawnedChild;
}

/**
 * Start a host agent. Throws a clear error for a bad host name, a missing or unsafe
 * key file, or an unreachable NATS server. The key file is checked here, so an agent
 * that could never start an actor does not start at all.
 */
export async function startAgent(opts: AgentOptions): Promise<Agent> {
  if (typeof opts.host !== 'string' || !HOST_NAME.test(opts.host)) {
    throw new TypeError(`agent host name must be 1-64 letters, digits, '-' or '_' (got ${JSON.stringify(opts.host)})`);
  }
  const keyFile = opts.keyFile ?? process.env[PSK_FILE_ENV];
  readPskFile(keyFile);
  const killMs = opts.killMs ?? 2000;
  const host = opts.host;
  const servers = natsServers(opts.nats);
  const hostAddr = opts.hostAddr ?? process.env[HOST_ADDR_ENV];
  // what the actors started here are given: the key file's path (never the key), and the
  // cluster they are in, for trees that joined one (cluster.ts)
  const childEnv: NodeJS.ProcessEnv = { ...process.env, [PSK_FILE_ENV]: keyFile, [NATS_ENV]: servers.join(',') };
  if (hostAddr) childEnv[HOST_ADDR_ENV] = hostAddr;
  const nc = await connectNats(servers, `furrow-agent-${host}`);
  const running = new Map<string, Running>();
  const fork = getSpawnBackend('fork');

  const signal = (uuid: string, sig: 'SIGTERM' | 'SIGKILL'): boolean => {
    const r = running.get(uuid);
    if (!r) return false;
    r.proc.kill(sig);
    if (sig === 'SIGTERM') setTimeout(() => running.has(uuid) && r.proc.kill('SIGKILL'), killMs).unref();
    return true;
  };
  const leases = new LeaseWatch(nc, (parent, children) => {
    log.warn("lease of parent %s lapsed: stopping its %d actor(s) on host '%s'", parent.slice(0, 8), children.length, host);
    for (const uuid of children) signal(uuid, 'SIGTERM');
  });

  const spawn = async (ask: SpawnAsk): Promise<SpawnReply> => {
    const req = {
      name: ask.name,
      uuid: ask.uuid,
      parentAddr: { kind: 'tcp' as const, host: ask.parent.host, port: ask.parent.port },
      execArgv: ask.execArgv,
      env: childEnv,
      options: {},
    };
    const proc = ask.runtime === 'python' ? await spawnPython(req, ask, keyFile) : (fork.spawn(req) as SpawnedChild);
    running.set(ask.uuid, { name: ask.name, parentUuid: ask.parentUuid, proc });
    leases.hold(ask.parentUuid, ask.uuid);
    log.info("host '%s': started actor '%s' (pid %d) for parent %s", host, ask.name, proc.pid, ask.parentUuid.slice(0, 8));
    void proc.exited.then((e) => {
      running.delete(ask.uuid);
      leases.release(ask.parentUuid, ask.uuid);
      log.info("host '%s': actor '%s' (pid %d) exited (%s)", host, ask.name, proc.pid, e.signal ?? `code ${e.code}`);
      const notice: ExitNotice = { uuid: ask.uuid, code: e.code, signal: e.signal };
      if (!nc.isClosed()) nc.publish(subjects.exited(host, ask.uuid), encodeJson(notice));
    });
    return { pid: proc.pid };
  };

  serve(nc, subjects.spawn(host), (ask: SpawnAsk) => spawn(ask).catch((err: Error) => ({ error: err.message })));
  serve(nc, subjects.kill(host), (ask: KillAsk) => ({ ok: signal(ask.uuid, ask.signal === 'SIGKILL' ? 'SIGKILL' : 'SIGTERM') }));
  serve(nc, subjects.ping(host), () => ({ host, pid: process.pid, actors: running.size }));
  void watchNats(nc, host, opts.onNats);
  await nc.flush();
  log.info("host agent '%s' up (pid %d, NATS %s)", host, process.pid, nc.getServer());

  let stopping: Promise<void> | undefined;
  return {
    host,
    get children() {
      return new Map([...running].map(([k, v]) => [k, { name: v.name, pid: v.proc.pid }]));
    },
    stop() {
      stopping ??= (async () => {
        leases.close();
        const exits = [...running.values()].map((r) => r.proc.exited);
        for (const uuid of running.keys()) signal(uuid, 'SIGTERM');
        await Promise.all(exits);
        await nc.drain().catch(ignore('NATS is gone already: nothing left to flush'));
      })();
      return stopping;
    },
  };
}

/** Log (and report) the agent losing NATS and getting it back. */
async function watchNats(nc: NatsConnection, host: string, onNats: AgentOptions['onNats']): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect') {
      log.warn("host agent '%s' lost NATS (%s); reconnecting", host, s.server);
      onNats?.('lost');
    } else if (s.type === 'reconnect') {
      log.warn("host agent '%s' back on NATS (%s)", host, s.server);
      onNats?.('back');
    }
  }
}

/** Answer every request on `subject` with `handle`'s JSON reply. */
function serve<A>(nc: NatsConnection, subject: string, handle: (ask: A) => unknown): void {
  nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) return;
      void (async () => {
        let reply: unknown;
        try {
          reply = await handle(msg.json<A>());
        } catch (e) {
          reply = { error: `bad request on ${subject}: ${(e as Error).message}` };
        }
        msg.respond(encodeJson(reply));
      })();
    },
  });
}

/**
 * A Python actor here for a parent elsewhere. The Python runtime speaks to its parent
 * over pipes and has no TLS-PSK of its own (Python's ssl module gains PSK only in 3.13),
 * so the agent links it: it starts the actor with furrow/asyncio's backend, connects to
 * the parent over TLS-PSK, and passes whole frames both ways. The parent sees the
 * actor's own handshake, heartbeat answers and records; either side ending ends the other.
 */
async function spawnPython(req: SpawnRequest, ask: SpawnAsk, keyFile: string | undefined): Promise<SpawnedChild> {
  await import('furrow/asyncio');
  const proc = await getSpawnBackend('python').spawn({ ...req, options: ask.options ?? {} });
  let outer: Transport;
  try {
    outer = await connectTlsPsk(ask.parent.host, ask.parent.port, readPskFile(keyFile));
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  const inner = proc.transport!;
  inner.attach({ frame: (body) => ignoring('the parent link is gone: its end closes this one', () => outer.write(frame(body))), closed: () => outer.close() });
  outer.attach({ frame: (body) => ignoring('the actor link is gone: its end closes this one', () => inner.write(frame(body))), closed: () => inner.close() });
  return { ...proc, transport: undefined };
}
