// The NATS side of multi-host: the subjects agents and parents talk on, and one way
// to connect. NATS carries only discovery and host membership (who runs an agent,
// spawn and kill requests, exit notices, parents' leases); actor links stay furrow's
// own authenticated TCP. The client is loaded on first use: it is an optional peer
// dependency, needed only where trees span hosts.
import type { NatsConnection } from '@nats-io/transport-node';

/** The environment variable naming the NATS server(s), comma-separated. */
export const NATS_ENV = 'FURROW_NATS';
/** The NATS server used when none is named. */
export const DEFAULT_NATS = 'nats://127.0.0.1:4222';

/** A host name as an agent announces it: a single NATS subject token. */
export const HOST_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The subjects of the agent protocol (docs/multihost.md). */
export const subjects = {
  /** request: start an actor on `host` */
  spawn: (host: string) => `furrow.agent.${host}.spawn`,
  /** request: signal an actor on `host` */
  kill: (host: string) => `furrow.agent.${host}.kill`,
  /** request: is the agent of `host` there? */
  ping: (host: string) => `furrow.agent.${host}.ping`,
  /** notice: an actor on `host` exited */
  exited: (host: string, uuid: string) => `furrow.agent.${host}.exited.${uuid}`,
  /** notice, every second: the parent with this uuid is alive */
  lease: (parentUuid: string) => `furrow.lease.${parentUuid}`,
};

/** What a parent asks an agent to start. */
export interface SpawnAsk {
  name: string;
  uuid: string;
  /** the parent's uuid, whose lease the agent watches */
  parentUuid: string;
  /** where the child connects back to (the parent's TLS-PSK listener) */
  parent: { host: string; port: number };
  execArgv: string[];
  /** 'python': a Python asyncio actor (furrow/asyncio's backend on that host), linked through the agent */
  runtime?: 'node' | 'python';
  /** the Python backend's options there (`python`, `cwd`) */
  options?: Record<string, unknown>;
}

/** The agent's answer to a spawn request. */
export type SpawnReply = { pid: number } | { error: string };

/** A signal request. */
export interface KillAsk {
  uuid: string;
  signal: 'SIGTERM' | 'SIGKILL';
}

/** An exit notice. */
export interface ExitNotice {
  uuid: string;
  code: number | null;
  signal: string | null;
}

/** The NATS servers to use: `given`, else `FURROW_NATS`, else the local default. */
export function natsServers(given?: string | string[]): string[] {
  const s = given ?? process.env[NATS_ENV] ?? DEFAULT_NATS;
  return (Array.isArray(s) ? s : s.split(',')).map((x) => x.trim()).filter(Boolean);
}

/**
 * Connect to NATS. It reconnects for as long as the connection is wanted, a server
 * silent for ~4 s counts as gone (ping every 2 s, two unanswered), and each attempt
 * gives up after 2 s (not the client's 20 s: behind a cut link a connect hangs).
 */
export async function connectNats(servers: string[], name: string): Promise<NatsConnection> {
  let mod: typeof import('@nats-io/transport-node');
  try {
    mod = await import('@nats-io/transport-node');
  } catch (err) {
    throw new Error("furrow/hosts needs the NATS client: npm install @nats-io/transport-node", { cause: err });
  }
  try {
    return await mod.connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, pingInterval: 2000, maxPingOut: 2, timeout: 2000 });
  } catch (err) {
    throw new Error(`cannot reach NATS at ${servers.join(', ')}: ${(err as Error).message}`, { cause: err });
  }
}

/** JSON bytes for a NATS message. */
export function encodeJson(v: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(v));
}
