// Supervisor benches (issue 13): how long a crashed child takes to come back (from
// its SIGKILL to its restarted incarnation being ready) against a fresh spawn of the
// same actor, rounds interleaved, for a fork actor and a Python actor; and what a
// supervisor costs while nothing happens (CPU of this process over 2 s with 100
// in-process children and 10 fork actors, all idle).
import { fileURLToPath } from 'node:url';
import { openActorNursery, openSupervisor, sleep, sleepForever, type Portal, type StartActorOptions, type Supervisor } from '../src/index.ts';
import '../bridges/asyncio/index.ts';
import { median, pairRow, printTable, type Row, type Samples } from './lib.ts';

const ECHO = fileURLToPath(new URL('./fixtures/echo.ts', import.meta.url));
const ROUNDS = 9;

/** Time from SIGKILL of the current incarnation to the next one being ready (ms). */
async function restartMs(sup: Supervisor, name: string): Promise<number> {
  const before = await sup.portal(name);
  const t0 = performance.now();
  process.kill(before.pid, 'SIGKILL');
  await sup.portal(name, { after: before });
  return performance.now() - t0;
}

/** Time to spawn a fresh actor until it is ready (ms). */
async function freshMs(opts: StartActorOptions): Promise<number> {
  let ms = 0;
  await openActorNursery(async (an) => {
    const t0 = performance.now();
    const p: Portal = await an.startActor('fresh', opts);
    ms = performance.now() - t0;
    await p.cancelActor();
  });
  return ms;
}

async function restartRow(label: string, opts: StartActorOptions): Promise<Row> {
  const fresh: Samples = { us: 0, rounds: [] };
  const restart: Samples = { us: 0, rounds: [] };
  await openSupervisor({ maxRestarts: 1000, children: [{ name: 'bench-child', actor: opts }] }, async (sup) => {
    await restartMs(sup, 'bench-child'); // warm-up
    await freshMs(opts);
    for (let i = 0; i < ROUNDS; i++) {
      fresh.rounds.push(await freshMs(opts));
      restart.rounds.push(await restartMs(sup, 'bench-child'));
    }
  });
  fresh.us = median(fresh.rounds);
  restart.us = median(restart.rounds);
  return { ...pairRow(`${label}: SIGKILL to restarted and ready vs a fresh spawn (ms)`, restart, fresh, 1.2), versus: 'fresh spawn' };
}

async function idleCpuRow(): Promise<Row> {
  let cpuMs = 0;
  const tasks = Array.from({ length: 100 }, (_, i) => ({ name: `task-${i}`, task: () => sleepForever() }));
  const actors = Array.from({ length: 10 }, (_, i) => ({ name: `idle-${i}`, actor: { enableModules: [ECHO] } }));
  await openSupervisor({ children: [...tasks, ...actors] }, async () => {
    await sleep(500); // let start-up settle
    const c0 = process.cpuUsage();
    await sleep(2000);
    const c = process.cpuUsage(c0);
    cpuMs = (c.user + c.system) / 1000;
  });
  return { name: 'supervisor with 100 task children and 10 fork actors, idle: CPU of this process over 2 s (ms)', us: cpuMs, target: '<= 20 ms', ok: cpuMs <= 20 };
}

const rows: Row[] = [];
rows.push(await restartRow('fork actor', { enableModules: [ECHO] }));
rows.push(await restartRow('Python actor', { backend: 'python', python: process.env.FURROW_PYTHON ?? '/usr/bin/python3', enableModules: [] }));
rows.push(await idleCpuRow());
printTable('supervisor', rows);
