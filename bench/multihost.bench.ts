// Actors across hosts (issue 17), each host a network namespace on one bridge: a real
// nats-server, a real `furrow agent` on host b, and a root on host a. Rounds
// interleaved in one process on a: `portal.run` round trip to the actor on b against
// a raw TLS-PSK msgpack ping-pong between the same namespaces, and stream throughput
// from that actor against raw framed msgpack over TLS-PSK from b. Needs root (`ip
// netns`); elsewhere it says so and measures nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPskFile, newPskCredential } from 'furrow/spawn';
import { exitOf, lines, makeLab, netnsAvailable } from '../scripts/netns-lab.ts';
import { pairRow, printTable, rateRow, type Samples } from './lib.ts';

const TITLE = 'Actors across hosts (network namespaces, TLS-PSK links)';
if (!netnsAvailable()) {
  console.log(`\n### ${TITLE}\n\nskipped: network namespaces need root and \`ip netns\``);
  process.exit(0);
}

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const NODE = [process.execPath, '--conditions=furrow-source', '--no-warnings'];
const dir = mkdtempSync(join(tmpdir(), 'furrow-bench-hosts-'));
const keyFile = join(dir, 'key');
writeFileSync(keyFile, formatPskFile(newPskCredential('bench')), { mode: 0o600 });
const lab = makeLab(['a', 'b', 'n'], 78);
try {
  const env = { ...process.env, FURROW_NATS: `nats://${lab.hosts.n!.addr}:4222`, FURROW_PSK_FILE: keyFile, FURROW_LOG: 'warn' };
  const nats = lab.spawnIn('n', ['nats-server', '-a', lab.hosts.n!.addr, '-p', '4222']);
  await new Promise<void>((resolve, reject) => {
    nats.stderr!.setEncoding('utf8').on('data', (d: string) => d.includes('Server is ready') && resolve());
    nats.once('exit', (code) => reject(new Error(`nats-server exited (${code})`)));
  });
  const agent = lab.spawnIn('b', [...NODE, here('../bin/furrow.ts'), 'agent', '--host', 'b', '--addr', lab.hosts.b!.addr], env);
  const peer = lab.spawnIn('b', [...NODE, here('./fixtures/raw-tls-peer.ts'), keyFile, lab.hosts.b!.addr], env);
  await lines(agent).waitLine(/ready/);
  const port = (await lines(peer).waitLine(/^listening/)).split(' ')[1]!;
  const root = lab.spawnIn('a', [...NODE, here('./fixtures/multihost-root.ts'), lab.hosts.b!.addr, port], { ...env, FURROW_HOST_ADDR: lab.hosts.a!.addr });
  root.stderr!.pipe(process.stderr);
  const answer = lines(root).waitLine(/^\{/);
  const status = await exitOf(root);
  if (status.code !== 0) throw new Error(`the bench root on host a failed (${status.code ?? status.signal})`);
  const out = JSON.parse(await answer) as Record<'rtt' | 'stream', Record<'raw' | 'furrow', Samples>>;
  printTable(TITLE, [
    pairRow('portal.run round trip to an actor on another host vs raw TLS-PSK msgpack ping-pong (us)', out.rtt.furrow, out.rtt.raw, 1.5),
    rateRow('stream from an actor on another host, 1 KiB messages, vs raw framed msgpack over TLS-PSK (us/msg)', out.stream.furrow.us, out.stream.raw.us, 0.7),
  ]);
} finally {
  await lab.destroy();
  rmSync(dir, { recursive: true, force: true });
}
