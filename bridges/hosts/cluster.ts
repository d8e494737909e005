// Joining a cluster: one call makes this process's tree share the NATS registry with
// every other tree and host agent on the same NATS, so that `findActor`,
// `waitForActor` and `getRegistry` see actors on every host, and the actors found are
// dialled over TLS-PSK. Children install the same registry (their SpawnSpec names
// this module); a child's own environment wins over what its parent was given, so an
// actor started by another host's agent listens at that host's address.
import { useRegistryBackend } from 'furrow';
import { PSK_FILE_ENV, readPskFile } from 'furrow/spawn';
import { HOST_ADDR_ENV } from './listener.ts';
import { NATS_ENV, natsServers } from './nats.ts';
import { NatsRegistry, type ClusterSettings } from './nats-registry.ts';

/** Options of {@link joinCluster}. */
export interface ClusterOptions {
  /** NATS server URL(s) (default `FURROW_NATS`, else `nats://127.0.0.1:4222`) */
  nats?: string | string[];
  /** the address of this host that other hosts reach its actors at (default `FURROW_HOST_ADDR`) */
  hostAddr?: string;
  /** the key file (default `FURROW_PSK_FILE`) */
  keyFile?: string;
}

/**
 * Make this process's actors (and their children) use the cluster registry on NATS.
 * Call it before the first `openActorNursery`. Throws a `TypeError` at once for a
 * missing host address or a bad key file.
 *
 * @example
 * ```ts
 * import { findActor, openActorNursery } from 'furrow';
 * import { joinCluster } from 'furrow/hosts';
 *
 * joinCluster({ nats: 'nats://10.0.0.9:4222', hostAddr: '10.0.0.1', keyFile: '/etc/furrow/key' });
 * await openActorNursery(async () => {
 *   const db = await findActor('db'); // on whichever host runs it
 *   console.log(await db?.run('./db.ts', 'count'));
 * });
 * ```
 */
export function joinCluster(opts: ClusterOptions = {}): void {
  const settings: ClusterSettings = {
    nats: natsServers(opts.nats),
    hostAddr: opts.hostAddr ?? process.env[HOST_ADDR_ENV],
    keyFile: opts.keyFile ?? process.env[PSK_FILE_ENV],
  };
  if (!settings.hostAddr) throw new TypeError(`joinCluster needs this host's address: pass hostAddr or set ${HOST_ADDR_ENV}`);
  readPskFile(settings.keyFile);
  useRegistryBackend(new NatsRegistry(settings));
}

/**
 * Install the cluster registry in a child actor whose parent joined a cluster: the
 * runtime calls it (the child's SpawnSpec names this module); not for users' code.
 */
export function installRegistryBackend(settings: ClusterSettings): void {
  const env = process.env;
  useRegistryBackend(
    new NatsRegistry({
      nats: env[NATS_ENV] ? natsServers(env[NATS_ENV]) : settings.nats,
      hostAddr: env[HOST_ADDR_ENV] ?? settings.hostAddr,
      keyFile: env[PSK_FILE_ENV] ?? settings.keyFile,
    }),
  );
}
