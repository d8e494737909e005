// A child actor's life: connect to the parent (back over its socket, or the
// MessagePort a worker was given), read the SpawnSpec, import the enabled
// modules, register with the registrar, then serve until cancelled or until the
// parent goes away (its connection drops; a watch on the parent pid backs that
// up). Then it cancels its own tree and exits.
import { isMainThread, workerData, type MessagePort } from 'node:worker_threads';
import { connectUds, openConnection, PortTransport, type Address, type Transport } from '../ipc/index.ts';
import { sleepForever } from '../core/index.ts';
import { Actor, LINK_OPTIONS } from './runtime.ts';
import './index.ts';

interface Boot {
  name: string;
  uuid: string;
  parentAddr: Address;
}

/** How often a child process checks that its parent is still its parent (ms). */
const PARENT_WATCH_MS = 250;

/** Run this process (or thread) as a child actor. */
export async function childMain(): Promise<void> {
  const boot = JSON.parse(process.argv[isMainThread ? 2 : 2] ?? '{}') as Boot;
  const port = (workerData as { furrowPort?: MessagePort } | undefined)?.furrowPort;
  const transport: Transport = port ? new PortTransport(port, { description: 'port:parent' }) : await connectUds((boot.parentAddr as { path: string }).path);
  const conn = await openConnection(transport, { name: boot.name, uuid: boot.uuid, ...LINK_OPTIONS });
  const spec = await conn.receiveSpawnSpec();
  const actor = new Actor({ name: spec.name, uuid: boot.uuid, isRoot: false, parentUid: spec.parent, registryAddr: spec.registryAddr, runtimeVars: spec.runtimeVars });
  actor.parentConn = conn;
  actor._parentAddr = spec.parentAddr;
  if (isMainThread) {
    // Ctrl-C reaches the whole process group: the root drives the teardown.
    process.on('SIGINT', () => {});
    // SIGTERM is the escalation after a cancel request went unanswered: kill our own children and go.
    process.on('SIGTERM', () => {
      for (const pid of actor.childPids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      process.exit(143);
    });
    const ppid = process.ppid;
    setInterval(() => {
      if (process.ppid !== ppid) actor.cancel(spec.parent, 'parent process died');
    }, PARENT_WATCH_MS).unref();
  }
  let code = 0;
  try {
    await actor.run(async () => {
      try {
        await Promise.all(spec.enableModules.map((m) => actor.enable(m)));
        if (spec.registryAddr) await actor.registrarCall('register', actor.uid, actor.addr);
      } catch (err) {
        // answer `ready` with the error, then wait to be torn down
        actor.loadError = { err };
      }
      actor.serveSoon(conn, 'parent');
      await sleepForever();
    });
  } catch (err) {
    console.error(`actor '${boot.name}' crashed:`, err);
    code = 1;
  }
  await new Promise((r) => setImmediate(r));
  process.exit(code);
}
