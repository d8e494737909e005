// Python asyncio workers under a one-for-one supervisor. Each worker crashes on its
// 5th job (the process dies); the supervisor restarts it, and the job that was in
// flight is run again on the new incarnation (`sup.portal(name, { after })` waits for
// it), so all the jobs finish. Then one worker is made to crash at once, again and
// again: past the restart intensity the supervisor gives up, tears every worker down,
// and says which child crashed how often. Nothing is left running.
//   node --conditions=furrow-source examples/supervise-python-workers.ts
// The interpreter: FURROW_PYTHON, else /usr/bin/python3 (it needs the `msgpack` package).
import { fileURLToPath } from 'node:url';
import { openSupervisor, RestartIntensityError, TransportError, type Portal, type Supervisor } from 'furrow';
import 'furrow/asyncio';
import { isAlive } from './lib/processes.ts';

const python = process.env.FURROW_PYTHON ?? '/usr/bin/python3';
const cwd = fileURLToPath(new URL('./python/', import.meta.url));
const WORKERS = 3;
const JOBS_EACH = 10;

/** Run `job` on worker `name`; if the worker dies under it, run it again on the restarted one. */
async function runJob(sup: Supervisor, name: string, job: number): Promise<number> {
  let dead: Portal | undefined;
  for (;;) {
    const worker = await sup.portal(name, { after: dead });
    try {
      const r = (await worker.run('flaky_worker:work', job, 5)) as { square: number };
      return r.square;
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      dead = worker; // it died with our job: wait for its next incarnation
    }
  }
}

const pids = new Set<number>();
let restarts = 0;
const outcome = await openSupervisor(
  {
    name: 'python-workers',
    strategy: 'one-for-one',
    maxRestarts: 8,
    withinMs: 60_000,
    children: Array.from({ length: WORKERS }, (_, i) => ({
      name: `worker-${i}`,
      actor: { backend: 'python' as const, python, cwd, enableModules: ['flaky_worker'] },
    })),
    onEvent: (e) => {
      if (e.type === 'started' && e.pid) pids.add(e.pid);
      if (e.type === 'restarting') restarts++;
    },
  },
  async (sup) => {
    // every worker takes its jobs one after another; the workers run side by side
    const squares = await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        const mine: number[] = [];
        for (let k = 0; k < JOBS_EACH; k++) mine.push(await runJob(sup, `worker-${w}`, w * JOBS_EACH + k));
        return mine;
      }),
    );
    const all = squares.flat();
    const right = all.every((sq, job) => sq === job * job);
    console.log(`${all.length} jobs done, every result right: ${right ? 'yes' : 'no'}`);
    console.log(`${restarts} restarts so far (each worker crashed twice and came back)`);
    // now a crash loop: worker-0 dies at once, every time, until the supervisor gives up
    let last: Portal | undefined;
    for (;;) {
      last = await sup.portal('worker-0', { after: last });
      await last.run('flaky_worker:crash_now').catch((err: unknown) => {
        if (!(err instanceof TransportError)) throw err;
      });
    }
  },
).catch((err: unknown) => err);

if (outcome instanceof RestartIntensityError) {
  console.log(`the supervisor gave up: child '${outcome.child}' crashed ${outcome.crashes} times within the window`);
}
const left = [...pids].filter(isAlive);
console.log(`${pids.size} worker processes in all, ${left.length} left running (pids ${[...pids].join(' ')})`);
