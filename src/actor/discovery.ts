// Discovery: find actors by name through the registrar the root hosts. Every
// actor registers when it starts; entries go when the actor's connection to the
// registrar ends, or when a lookup here finds the address unreachable.
import { currentScope, isCancelled } from '../core/index.ts';
import { TransportError } from '../ipc/index.ts';
import { Portal } from './portal.ts';
import type { RegistryEntry } from './registry.ts';
import { currentActor } from './runtime.ts';

/** Every registered actor: `{ name, uid, addr }`, oldest first. */
export async function getRegistry(): Promise<RegistryEntry[]> {
  return (await currentActor().registrarCall('list')) as RegistryEntry[];
}

async function connectFirst(entries: RegistryEntry[]): Promise<Portal | undefined> {
  const actor = currentActor();
  for (const e of entries) {
    if (e.uid[1] === actor.uuid) continue;
    try {
      const conn = await actor.connect(e.addr);
      return new Portal(conn, e.addr);
    } catch (err) {
      if (isCancelled(err) || currentScope()?.isCancelled) throw err;
      if (!(err instanceof TransportError)) throw err;
      // stale: the actor is gone without unregistering
      await actor.registrarCall('unregister', e.uid[1]);
    }
  }
  return undefined;
}

/**
 * A portal to the first reachable actor registered under `name`, or `undefined`
 * if there is none. Entries found unreachable are removed from the registry.
 */
export async function findActor(name: string): Promise<Portal | undefined> {
  const entries = (await currentActor().registrarCall('find', name)) as RegistryEntry[];
  return connectFirst(entries);
}

/** Wait until an actor named `name` is registered and reachable, and return a portal to it. A checkpoint. */
export async function waitForActor(name: string): Promise<Portal> {
  for (;;) {
    const entries = (await currentActor().registrarCall('waitFor', name)) as RegistryEntry[];
    const p = await connectFirst(entries);
    if (p) return p;
  }
}
