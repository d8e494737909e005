// A pool of Python asyncio workers fed by furrow/queue: N Python actors, a task queue
// with concurrency N, and each job dispatched to a worker that is idle at that moment.
// A job's error (or a cancel) would stop the queue and its workers; here all succeed,
// and after the nursery closes no worker is left running.
//   node --conditions=furrow-source examples/asyncio-queue-pool.ts [workers] [jobs]
// The interpreter: FURROW_PYTHON, else /usr/bin/python3 (it needs the `msgpack` package).
import { fileURLToPath } from 'node:url';
import { openActorNursery, type Portal } from 'furrow';
import { openTaskQueue } from 'furrow/queue';
import 'furrow/asyncio';
import { isAlive } from './lib/processes.ts';

const python = process.env.FURROW_PYTHON ?? '/usr/bin/python3';
const cwd = fileURLToPath(new URL('./python/', import.meta.url));
const size = Number(process.argv[2] ?? 3);
const jobs = Number(process.argv[3] ?? 12);

type Digest = { job: number; digest: string; pid: number };

const pids: number[] = [];
const results = await openActorNursery(async (an) => {
  const workers = await Promise.all(
    Array.from({ length: size }, (_, i) => an.startActor(`py-${i}`, { backend: 'python', python, cwd, enableModules: ['pool_worker'] })),
  );
  pids.push(...workers.map((w) => w.pid));
  const idle: Portal[] = [...workers];
  return openTaskQueue({ concurrency: size, name: 'python-pool' }, async (queue) =>
    queue.addAll(
      Array.from({ length: jobs }, (_, job) => async () => {
        // concurrency = pool size, so a started job always finds an idle worker
        const worker = idle.shift()!;
        try {
          return (await worker.run('pool_worker:digest', job, 20_000 + 5_000 * (job % 4))) as Digest;
        } finally {
          idle.push(worker);
        }
      }),
    ),
  );
});

const perWorker = new Map<number, number>();
for (const r of results ?? []) perWorker.set(r.pid, (perWorker.get(r.pid) ?? 0) + 1);
console.log(`${results?.length} jobs done in order: ${results?.every((r, i) => r.job === i) ? 'yes' : 'no'}`);
console.log(`first digest: ${results?.[0]?.digest}`);
console.log(`${perWorker.size} of ${size} python workers took jobs (${[...perWorker.values()].reduce((a, b) => a + b, 0)} in all)`);
const left = pids.filter(isAlive);
console.log(left.length === 0 ? `all ${pids.length} python workers (pids ${pids.join(' ')}) exited: nothing left running` : `still alive: ${left.join(', ')}`);
