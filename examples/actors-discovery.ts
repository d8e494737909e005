// Discovery: actors find each other by name through the registrar the root
// hosts. A 'store' actor holds a small key-value map; a 'client' actor, which
// was never given a portal to it, finds it by name and uses it.
//   node --conditions=furrow-source examples/actors-discovery.ts
import { fileURLToPath } from 'node:url';
import { getRegistry, openActorNursery, waitForActor } from 'furrow';

const data = new Map<string, string>();

/** In the store: set a key. */
export async function put(key: string, value: string): Promise<void> {
  data.set(key, value);
}

/** In the store: read a key. */
export async function get(key: string): Promise<string | undefined> {
  return data.get(key);
}

/** In the client: find the store by name, write, and read back. */
export async function useStore(): Promise<string> {
  const store = await waitForActor('store');
  await store.run(put, 'greeting', 'hello from the client');
  return `client read back: ${await store.run(get, 'greeting')}`;
}

// A module that enables itself must not await its main at the top level: the
// parent imports it again to name its functions, and that import waits for the
// top-level evaluation to finish.
async function main(): Promise<void> {
  const me = fileURLToPath(import.meta.url);
  await openActorNursery(async (an) => {
    // the client starts first and waits until the store is registered
    const client = await an.runInActor(useStore, [], { name: 'client', enableModules: [me] });
    await an.startActor('store', { enableModules: [me] });
    console.log(await client.result());
    console.log(`registered: ${(await getRegistry()).map((e) => e.name).sort().join(', ')}`);
  });
}

if (import.meta.main) main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
