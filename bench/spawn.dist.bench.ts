// Spawn benches (issue 4, section 3) against the package as it is published: this
// file runs without the furrow-source condition, so `furrow` is the bundled build
// in dist/ (`npm run bench` builds it first), and the actors enable a TypeScript
// module (bench/fixtures/echo.ts). Each case alternates with its raw baseline in
// the same run: a raw JavaScript child that connects back over a UDS and writes one
// byte; a raw Worker that posts one message; 16 of each started at once; then 1 to 32
// fork actors at once, all ready and all torn down, against as many raw children.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { openActorNursery, type ActorNursery } from 'furrow';
import { costRow, median, printTable, rawServer, type RawServer, type Row } from './lib.ts';

const ECHO = fileURLToPath(new URL('./fixtures/echo.ts', import.meta.url));
const RUNS = Number(process.env.SPAWN_RUNS ?? 12);

const dir = mkdtempSync(join(tmpdir(), 'furrow-bench-spawn-'));
const RAW_CONNECT = join(dir, 'connect.mjs');
const RAW_WORKER = join(dir, 'worker.mjs');
// the raw peers end by running out of work, not by process.exit(): Node 24 can deadlock in
// process.exit() while a background compile job waits for a main-thread GC (nodejs/node#54918)
writeFileSync(RAW_CONNECT, `import { createConnection } from 'node:net';\nconst s = createConnection(process.argv[2], () => s.write('x'));\ns.on('error', () => s.destroy());\n`);
writeFileSync(RAW_WORKER, `import { parentPort } from 'node:worker_threads';\nparentPort.postMessage('ready');\n`);

/** Start `count` raw children at once; resolve with the ms until all said hello, and a way to stop them. */
async function rawForks(srv: RawServer, count: number): Promise<[number, () => Promise<void>]> {
  const t0 = performance.now();
  const started = Array.from({ length: count }, async (): Promise<[ChildProcess, Socket]> => {
    // with the flags an actor child inherits, so that both start the same Node
    const child = spawn(process.execPath, [...process.execArgv, RAW_CONNECT, srv.path], { stdio: 'ignore' });
    const sock = await srv.next();
    await once(sock, 'data');
    return [child, sock];
  });
  const all = await Promise.all(started);
  const ms = performance.now() - t0;
  return [ms, () => Promise.all(all.map(([child, sock]) => ((sock.end(), once(child, 'exit'))))).then(() => {})];
}

async function rawWorker(): Promise<number> {
  const t0 = performance.now();
  const w = new Worker(RAW_WORKER);
  await once(w, 'message');
  const ms = performance.now() - t0;
  await w.terminate();
  return ms;
}

/** Start `count` actors at once, then cancel them all: the ms until all were ready, and until all had exited. */
async function actors(an: ActorNursery, count: number, backend: 'fork' | 'thread'): Promise<[number, number]> {
  const t0 = performance.now();
  const portals = await Promise.all(Array.from({ length: count }, (_, i) => an.startActor(`a${i}`, { enableModules: [ECHO], backend })));
  const t1 = performance.now();
  await Promise.all(portals.map((p) => p.cancelActor()));
  return [t1 - t0, performance.now() - t1];
}

/** N = 1..32 fork actors at once against as many raw forks (issue 16's scaling rows: no target). */
const SCALE = [1, 2, 4, 8, 16, 32];
const SCALE_ROUNDS = 3;

async function main(): Promise<void> {
  const srv = await rawServer(join(dir, 'raw.sock'));
  const raw: number[] = [];
  const fork: number[] = [];
  const worker: number[] = [];
  const thread: number[] = [];
  const raw16: number[] = [];
  const fork16: number[] = [];
  const scale: Row[] = [];
  await openActorNursery(async (an) => {
    // one warm-up round of each (fills the compile cache), then alternate
    for (let i = 0; i <= RUNS; i++) {
      const [ms, stop] = await rawForks(srv, 1);
      await stop();
      const [ours] = await actors(an, 1, 'fork');
      const w = await rawWorker();
      const [t] = await actors(an, 1, 'thread');
      if (i) {
        raw.push(ms);
        fork.push(ours);
        worker.push(w);
        thread.push(t);
      }
    }
    for (let i = 0; i <= Math.ceil(RUNS / 3); i++) {
      const [ms, stop] = await rawForks(srv, 16);
      await stop();
      const [ours] = await actors(an, 16, 'fork');
      if (i) {
        raw16.push(ms);
        fork16.push(ours);
      }
    }
    for (const count of SCALE) {
      const ready: number[] = [];
      const rawReady: number[] = [];
      const down: number[] = [];
      const rawDown: number[] = [];
      for (let i = 0; i <= SCALE_ROUNDS; i++) {
        const [ms, stop] = await rawForks(srv, count);
        const t = performance.now();
        await stop();
        const rawStop = performance.now() - t;
        const [ours, oursDown] = await actors(an, count, 'fork');
        if (i) {
          rawReady.push(ms);
          rawDown.push(rawStop);
          ready.push(ours);
          down.push(oursDown);
        }
      }
      scale.push({ name: `${count} fork actor${count > 1 ? 's' : ''} at once: all ready vs as many raw forks (ms)`, us: median(ready), baselineUs: median(rawReady) });
      scale.push({ name: `${count} fork actor${count > 1 ? 's' : ''}: all cancelled and exited vs raw children ended (ms)`, us: median(down), baselineUs: median(rawDown) });
    }
  });
  srv.close();
  const rows: Row[] = [
    costRow('spawn-to-ready, fork actor (TS module) vs raw JS fork connecting back (ms)', median(fork), median(raw), 1.3),
    costRow('spawn-to-ready, thread actor vs raw Worker (ms)', median(thread), median(worker), 1.5),
    costRow('16 concurrent fork actors vs 16 raw forks (ms, all ready)', median(fork16), median(raw16), 1.5),
  ];
  printTable('actor spawn, built package (dist/)', rows);
  printTable('fork actors from 1 to 32 at once, built package (dist/)', scale);
}

await main();
