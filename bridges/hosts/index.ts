// `furrow/hosts`: actor trees across hosts. Importing it registers the 'remote' spawn
// backend: `an.startActor('w', { backend: 'remote', host: 'b', enableModules })`
// starts `w` on host b through b's agent (`furrow agent`), found on NATS; the actor
// links back to its parent over TLS-PSK and is supervised like a local child.
// `joinCluster()` makes discovery span hosts too (a registry on NATS).
//
// @example
// ```ts
// import { openActorNursery } from 'furrow';
// import 'furrow/hosts';
//
// await openActorNursery(async (an) => {
//   const w = await an.startActor('w', { backend: 'remote', host: 'b', enableModules: ['./work.ts'] });
//   console.log(await w.run('./work.ts', 'hostname'));
// });
// ```
import { registerSpawnBackend } from 'furrow/spawn';
import { remoteBackend, remotePythonBackend } from './remote-backend.ts';

registerSpawnBackend('remote', remoteBackend);
registerSpawnBackend('remote-python', remotePythonBackend);

export { HOST_ADDR_ENV } from './listener.ts';
export { remoteBackend, remotePythonBackend, type RemotePythonActorOptions, LOST_AFTER_MS, SPAWN_TIMEOUT_MS, type RemoteActorOptions } from './remote-backend.ts';
export { startAgent, type Agent, type AgentOptions } from './agent.ts';
export { joinCluster, installRegistryBackend, type ClusterOptions } from './cluster.ts';
export { NatsRegistry, STALL_MS, LOOKUP_MAX_MS, type ClusterSettings } from './nats-registry.ts';
export { LEASE_EVERY_MS, LEASE_TIMEOUT_MS } from './lease.ts';
export { NATS_ENV, DEFAULT_NATS } from './nats.ts';
