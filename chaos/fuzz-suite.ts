// The fuzz run against one live actor (a Node fork actor or a Python actor): a
// warm-up round of bad connections, then the measured round with slowloris peers
// dribbling alongside, then a crowd of idle links and of silent ones (the 65th
// silent one must be refused at once), then a normal client on a fresh connection
// and over the parent link. Reports what each case did, and the actor's RSS and
// descriptors before and after (memory must stay flat, no descriptor may leak).
import { pathToFileURL } from 'node:url';
import type { Portal } from 'furrow';
import { TransportError, connectUds, openConnection } from '../src/ipc/index.ts';
import { RawPeer } from '../__tests__/bridges/asyncio/raw-peer.ts';
import { fuzzConnections, idleLinks, openFds, rssKiB, silentLinks, slowloris, type CaseTally } from './fuzz.ts';

/** How big a fuzz run is. */
export interface FuzzSize {
  /** bad connections per measured round (the warm-up round has as many) */
  connections: number;
  /** measured rounds (at least 2): RSS is taken after each */
  rounds: number;
  /** slowloris peers during the first measured round */
  slowloris: number;
  /** idle (handshaken, silent) links held at once */
  idle: number;
  seed: number;
}

/** What the run found for one actor. */
export interface FuzzReport {
  actor: string;
  /** what each case did, over every measured round */
  tally: Record<string, CaseTally>;
  /** RSS (KiB) after the warm-up, then after each measured round, then after the idle crowd */
  rssKiB: number[];
  /** the same for the JS heap after a full collection (a Node actor started with --expose-gc), else empty */
  heapKiB: number[];
  fdsBefore: number;
  fdsAfter: number;
  /** how long after its first byte each slowloris peer was cut off (ms) */
  slowlorisMs: number[];
  /** the 65th link waiting for its handshake was closed at once */
  crowdRefused: boolean;
  /** a normal call on a fresh connection, with the idle links still open, and one over the parent link */
  served: boolean;
}

/** The namespace `echo` lives in, for a raw `Start`: a Node actor's module URL, or the Python module name. */
export function echoNamespace(runtime: 'node' | 'python', treeModule: string): string {
  return runtime === 'python' ? 'chaos_fns' : pathToFileURL(treeModule).href;
}

/**
 * A normal client: a fresh furrow connection to `path` calling `ns:echo`. Links the
 * client just closed may still count as waiting for their handshake until the actor
 * has read their EOF, so a refused connection is tried again for up to a second.
 */
async function normalCall(path: string, ns: string, value: unknown): Promise<unknown> {
  const t0 = performance.now();
  for (;;) {
    try {
      return await callOnce(path, ns, value);
    } catch (err) {
      if (!(err instanceof TransportError) || performance.now() - t0 > 1000) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function callOnce(path: string, ns: string, value: unknown): Promise<unknown> {
  const conn = await openConnection(await connectUds(path), { name: 'normal-client' });
  try {
    const d = conn.openDialog();
    await d.send({ type: 'Start', ns, func: 'echo', value: [value] });
    for (;;) {
      const m = await d.receive();
      if (m.type === 'Return') return m.value;
      if (m.type === 'Error') throw new Error(`${m.error.boxedType}: ${m.error.message}`);
    }
  } finally {
    conn.close();
  }
}

async function settledFds(pid: number, atMost: number): Promise<number> {
  for (let i = 0; i < 200 && openFds(pid) > atMost; i++) await new Promise((r) => setTimeout(r, 10));
  return openFds(pid);
}

function addTally(into: Record<string, CaseTally>, round: Record<string, CaseTally>): void {
  for (const [name, t] of Object.entries(round)) {
    const sum = (into[name] ??= { sent: 0, asExpected: 0, otherwise: [] });
    sum.sent += t.sent;
    sum.asExpected += t.asExpected;
    sum.otherwise.push(...t.otherwise.slice(0, 5 - sum.otherwise.length));
  }
}

/**
 * Fuzz the actor behind `portal`, which serves `ns:echo`. `heapProbe` (a Node actor)
 * names a function there that answers `{ heapUsedKiB }` after a full collection.
 */
export async function fuzzActor(portal: Portal, ns: string, size: FuzzSize, heapProbe?: string): Promise<FuzzReport> {
  const path = (portal.addr as { path: string }).path;
  const pid = portal.pid;
  const heap: number[] = [];
  const measure = async (): Promise<void> => {
    if (heapProbe) heap.push(((await portal.run(heapProbe)) as { heapUsedKiB: number }).heapUsedKiB);
    rss.push(rssKiB(pid));
  };
  const rss: number[] = [];
  await fuzzConnections(path, size.connections, size.seed); // pools, free lists and heaps reach their working size
  const fdsBefore = openFds(pid);
  await measure();

  const tally: Record<string, CaseTally> = {};
  const dribbling = slowloris(path, size.slowloris);
  for (let round = 1; round <= size.rounds; round++) {
    addTally(tally, await fuzzConnections(path, size.connections, size.seed + round));
    await measure();
  }
  const slowlorisMs = await dribbling;

  const idle = await idleLinks(path, size.idle);
  const silent = await silentLinks(path, 64);
  const extra = await RawPeer.connect(path);
  const crowdRefused = await Promise.race([extra.ended.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref())]);
  for (const p of [...silent, extra]) p.socket.destroy();
  const fresh = await normalCall(path, ns, { after: 'fuzz' });
  for (const p of idle) p.socket.destroy();
  const overParent = await portal.run(`${ns}:echo`, 'still serving');
  const served = JSON.stringify(fresh) === '{"after":"fuzz"}' && overParent === 'still serving';
  await measure();

  const fdsAfter = await settledFds(pid, fdsBefore);
  return { actor: portal.name, tally, rssKiB: rss, heapKiB: heap, fdsBefore, fdsAfter, slowlorisMs, crowdRefused, served };
}

/** The report as lines to print. */
export function formatFuzzReport(r: FuzzReport): string {
  const mb = (kib: number): string => (kib / 1024).toFixed(1);
  const lines = [`${r.actor}: RSS (MB) after the warm-up, each round, the idle crowd: ${r.rssKiB.map(mb).join(' -> ')}; fds ${r.fdsBefore} -> ${r.fdsAfter}`];
  if (r.heapKiB.length) lines.push(`  JS heap after a full GC (MB), same points: ${r.heapKiB.map(mb).join(' -> ')}`);
  lines.push(`  slowloris cut off after ${r.slowlorisMs.map((ms) => (Number.isFinite(ms) ? (ms / 1000).toFixed(1) : 'never')).join(', ')} s; 65th silent link refused: ${r.crowdRefused}; served after: ${r.served}`);
  for (const [name, t] of Object.entries(r.tally)) {
    lines.push(`  ${name}: ${t.asExpected}/${t.sent} as expected${t.otherwise.length ? ` (otherwise: ${t.otherwise.join('; ')})` : ''}`);
  }
  return lines.join('\n');
}
