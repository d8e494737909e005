// furrow beside the tools users would pick instead, measured in this one process
// with the rounds interleaved (measureRounds): a pool of 2 workers running 10k
// trivial jobs (openActorPool on threads and on forks, piscina, tinypool, and a raw
// pool of 2 workers fed by postMessage), and one call's round trip to a worker
// thread (a thread actor's portal.run, comlink, raw postMessage). Each row prints the
// median ratio and its spread over the rounds. The actors enable fixtures/echo.ts
// (a user's worker module: it imports furrow and exports functions);
// the peers' workers are plain .mjs files written at start.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { Tinypool } from 'tinypool';
import * as Comlink from 'comlink';
import nodeAdapter from 'comlink/dist/umd/node-adapter.js';
import { openActorNursery } from '../src/index.ts';
import { openActorPool } from '../bridges/queue/index.ts';
import { echo } from './fixtures/echo.ts';
import { measureRounds, pairRow, printTable, ROUND_TRIP_CALLS, type Row } from './lib.ts';

// the adapter is CommonJS whose module.exports is the function its types call `default`
const nodeEndpoint = nodeAdapter as unknown as typeof nodeAdapter.default;
const ECHO_MODULE = fileURLToPath(new URL('./fixtures/echo.ts', import.meta.url));
const JOBS = 10_000;
const SIZE = 2;
const RTT_N = ROUND_TRIP_CALLS;
const ROUNDS = 7;

const dir = mkdtempSync(join(tmpdir(), 'furrow-bench-peers-'));
const TASK = join(dir, 'task.mjs');
writeFileSync(TASK, 'export default (x) => x;\n');
const RAW_WORKER = join(dir, 'raw-worker.mjs');
writeFileSync(RAW_WORKER, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', (m) => parentPort.postMessage(m));\n");
const COMLINK_WORKER = join(dir, 'comlink-worker.mjs');
writeFileSync(
  COMLINK_WORKER,
  `import { parentPort } from 'node:worker_threads';
import * as Comlink from '${import.meta.resolve('comlink')}';
import nodeEndpoint from '${import.meta.resolve('comlink/dist/esm/node-adapter.mjs')}';
Comlink.expose({ echo: (x) => x }, nodeEndpoint(parentPort));
`,
);

/** A raw pool: `size` workers, each given its next job when it answers the last. */
function rawPool(size: number): { run: (n: number) => Promise<void>; close: () => Promise<number[]> } {
  const workers = Array.from({ length: size }, () => new Worker(RAW_WORKER));
  return {
    run: (n) =>
      new Promise<void>((resolve) => {
        let sent = 0;
        let done = 0;
        for (const w of workers) {
          const onMessage = (): void => {
            if (++done === n) {
              for (const x of workers) x.removeAllListeners('message');
              resolve();
            } else if (sent < n) w.postMessage(sent++);
          };
          w.on('message', onMessage);
          if (sent < n) w.postMessage(sent++);
        }
      }),
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

async function jobs(run: (i: number) => Promise<unknown>): Promise<void> {
  const all: Promise<unknown>[] = new Array(JOBS);
  for (let i = 0; i < JOBS; i++) all[i] = run(i);
  await Promise.all(all);
}

async function main(): Promise<void> {
  const rows: Row[] = [];

  // ---- 10k trivial jobs on 2 workers ----
  const piscina = new Piscina({ filename: TASK, minThreads: SIZE, maxThreads: SIZE });
  const tinypool = new Tinypool({ filename: TASK, minThreads: SIZE, maxThreads: SIZE });
  const raw = rawPool(SIZE);
  const pool = { enableModules: [ECHO_MODULE], size: SIZE };
  await openActorPool({ ...pool, backend: 'thread' }, async (threads) => {
    await openActorPool({ ...pool, backend: 'fork', actorName: 'fork' }, async (forks) => {
      const r = await measureRounds(
        JOBS,
        {
          raw: () => raw.run(JOBS),
          piscina: () => jobs((i) => piscina.run(i)),
          tinypool: () => jobs((i) => tinypool.run(i)),
          thread: () => jobs((i) => threads.run(echo, i)),
          fork: () => jobs((i) => forks.run(echo, i)),
        },
        ROUNDS,
      );
      rows.push(pairRow(`${JOBS / 1000}k trivial jobs, 2 workers: openActorPool thread vs piscina`, r.thread, r.piscina, 1.0, 'piscina'));
      rows.push(pairRow(`${JOBS / 1000}k trivial jobs, 2 workers: openActorPool thread vs tinypool`, r.thread, r.tinypool, 1.0, 'tinypool'));
      rows.push(pairRow(`${JOBS / 1000}k trivial jobs, 2 workers: openActorPool fork vs piscina`, r.fork, r.piscina, 1.0, 'piscina'));
      rows.push(pairRow(`${JOBS / 1000}k trivial jobs, 2 workers: openActorPool thread vs a raw postMessage pool`, r.thread, r.raw, 2.0));
      rows.push(pairRow(`${JOBS / 1000}k trivial jobs, 2 workers: piscina vs a raw postMessage pool (reference)`, r.piscina, r.raw, Infinity));
    });
  });
  await Promise.all([piscina.destroy(), tinypool.destroy(), raw.close()]);

  // ---- one call's round trip to a worker thread ----
  const comlinkWorker = new Worker(COMLINK_WORKER);
  const api = Comlink.wrap<{ echo: (x: number) => number }>(nodeEndpoint(comlinkWorker));
  const rawWorker = new Worker(RAW_WORKER);
  let answer: () => void = () => {};
  rawWorker.on('message', () => answer());
  await openActorNursery(async (an) => {
    const portal = await an.startActor('rtt', { enableModules: [ECHO_MODULE], backend: 'thread' });
    const r = await measureRounds(
      RTT_N,
      {
        raw: async () => {
          for (let i = 0; i < RTT_N; i++) {
            const got = new Promise<void>((res) => (answer = res));
            rawWorker.postMessage(i);
            await got;
          }
        },
        comlink: async () => {
          for (let i = 0; i < RTT_N; i++) await api.echo(i);
        },
        furrow: async () => {
          for (let i = 0; i < RTT_N; i++) await portal.run(echo<number>, i);
        },
        named: async () => {
          for (let i = 0; i < RTT_N; i++) await portal.run(`${ECHO_MODULE}:echo`, i);
        },
      },
      ROUNDS,
    );
    rows.push(pairRow('round trip to a worker thread: thread actor portal.run vs comlink', r.furrow, r.comlink, 1.0, 'comlink'));
    rows.push(pairRow("round trip to a worker thread: portal.run('module:fn') vs comlink", r.named, r.comlink, 1.0, 'comlink'));
    rows.push(pairRow('round trip to a worker thread: thread actor portal.run vs raw postMessage', r.furrow, r.raw, 1.8));
    rows.push(pairRow('round trip to a worker thread: comlink vs raw postMessage (reference)', r.comlink, r.raw, Infinity));
    await portal.cancelActor();
  });
  await Promise.all([comlinkWorker.terminate(), rawWorker.terminate()]);

  printTable('furrow beside its peers (2 workers)', rows);
  if (rows.some((r) => r.ok === false)) process.exitCode = 1;
}

await main();
