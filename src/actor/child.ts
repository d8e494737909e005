// A child actor's life: connect to the parent (back over its socket, or the
// MessagePort a worker was given), read the SpawnSpec, import the enabled
// modules, register with the registrar, then serve until cancelled or until the
// parent goes away (its connection drops; a watch on the parent pid backs that
// up). Then it cancels its own tree and exits.
import type { Socket } from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import { openConnection, PortTransport, StreamTransport, type Transport } from '../ipc/index.ts';
import { ioError } from '../ipc/stream-transport.ts';
import { configureLog, log, sleepForever } from '../core/index.ts';
import { ignore } from '../core/ignore.ts';
import { Actor, linkOptionsFor, sameAddr } from './runtime.ts';
import { startOrphanWatchdog } from './orphan-watchdog.ts';
import { DEFAULT_TEARDOWN_GRACE_MS, type TeardownOptions } from './teardown.ts';
import { registerBuiltinBackends } from './spawn/builtin-backends.ts';
import { installRegistryBackendFrom, type RegistryBackendRef } from './registry-backend.ts';

// A child actor may start actors of its own.
registerBuiltinBackends();

/** How often a child process checks that its parent is still its parent (ms). */
const PARENT_WATCH_MS = 250;

/**
 * The link to the parent that child-main.ts opened before loading the runtime, with
 * our `Aid` already sent on it: the worker's port, the socket being connected, or
 * the authenticated link to a parent on another host.
 */
export type EarlyLink = { port: MessagePort } | { path: string; socket: Promise<Socket> } | { transport: StreamTransport };

async function earlyTransport(early: EarlyLink): Promise<Transport> {
  if ('port' in early) return new PortTransport(early.port, { description: 'port:parent' });
  if ('transport' in early) return early.transport;
  const where = `uds:${early.path}`;
  let s: Socket;
  try {
    s = await early.socket;
  } catch (e) {
    throw ioError(`connect ${where}`, e as NodeJS.ErrnoException);
  }
  return new StreamTransport('uds', where, { readable: s, writable: s });
}

/** How long a finished child waits to exit by itself before it calls process.exit() (ms). */
const EXIT_FALLBACK_MS = 100;

/** Run this process (or thread) as a child actor (`early`: see child-main.ts). */
export async function childMain(early: EarlyLink): Promise<void> {
  const boot = JSON.parse(process.argv[2] ?? '{}') as { name: string; uuid: string };
  const transport = await earlyTransport(early);
  const conn = await openConnection(transport, { name: boot.name, uuid: boot.uuid, ...linkOptionsFor(transport), aidSent: true });
  const spec = await conn.receiveSpawnSpec();
  // a tree that shares a registry beyond this host: install it before registering
  const registry = spec.runtimeVars.registry as RegistryBackendRef | undefined;
  if (registry) await installRegistryBackendFrom(registry);
  const actor = new Actor({ name: spec.name, uuid: boot.uuid, isRoot: false, parentUid: spec.parent, registryAddr: spec.registryAddr, runtimeVars: spec.runtimeVars, debugMode: spec.debugMode });
  actor.parentConn = conn;
  // the parent's log setting (its option, or its FURROW_LOG) wins over ours
  if (typeof spec.runtimeVars.log === 'string') configureLog(spec.runtimeVars.log);
  actor._parentAddr = spec.parentAddr;
  if (!('port' in early)) {
    // Ctrl-C reaches the whole process group: the root drives the teardown.
    process.on('SIGINT', () => {});
    // SIGTERM is the escalation after a cancel request went unanswered: kill our own children and go.
    process.on('SIGTERM', () => {
      actor.killChildren();
      process.exit(143);
    });
    const ppid = process.ppid;
    setInterval(() => {
      if (process.ppid !== ppid) actor.cancel(spec.parent, 'parent process died');
    }, PARENT_WATCH_MS).unref();
    // and off the loop, for a loop that is stuck or a process that is stopped
    const graceMs = (spec.runtimeVars.teardown as TeardownOptions | undefined)?.graceMs ?? DEFAULT_TEARDOWN_GRACE_MS;
    actor.afterReady = () => {
      // a parent on another host is not our OS parent: the host agent that started us is
      void startOrphanWatchdog('transport' in early ? process.ppid : conn.peer.pid, graceMs);
      // Our output is a pipe the parent relays; once the parent is gone, writes fail
      // with EPIPE: drop them rather than crash before our `finally` blocks run. Set
      // once ready, not before: the first touch of process.stdout builds its stream.
      for (const out of [process.stdout, process.stderr]) out.on('error', ignore('our parent is gone and its relay with it: nobody reads this output'));
    };
  }
  let code = 0;
  try {
    await actor.run(async () => {
      // a child of the registrar is registered by its parent from our `ready` answer;
      // others register here, overlapping with importing the enabled modules
      const registering =
        registry || (spec.registryAddr && !sameAddr(spec.registryAddr, spec.parentAddr)) ? actor.registrarCall('register', actor.uid, actor.addr) : undefined;
      try {
        await Promise.all([...spec.enableModules.map((m) => actor.enable(m)), registering]);
      } catch (err) {
        // answer `ready` with the error, then wait to be torn down (the registrar drops
        // our entry when the parent closes our connection)
        actor.loadError = { err };
      }
      actor.serveSoon(conn, 'parent');
      await sleepForever();
    });
  } catch (err) {
    log.error('actor crashed: %s', err);
    code = 1;
  }
  // Leave by running out of work: Node 24 can deadlock in process.exit() while a
  // background compile job waits for a main-thread GC (nodejs/node#54918; the bench's
  // raw peers hung there about one run in eight), and a natural exit drains those jobs
  // first. What a user's module left running (a timer, a socket) cannot keep the actor
  // alive: process.exit() still comes, EXIT_FALLBACK_MS later.
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_FALLBACK_MS).unref();
}
