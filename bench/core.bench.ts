// Core benches: task spawn/join, cancel fan-out and channel throughput, each as a
// ratio against raw Promise code (and Effection 4) measured in this same run.
import { run as effectionRun, spawn as effectionSpawn, sleep as effectionSleep, suspend as effectionSuspend } from 'effection';
import { openNursery, openChannel, sleep } from '../src/index.ts';
import { measure, costRow, printTable, type Row } from './lib.ts';

const N_TASKS = 100_000;
const N_CANCEL = 10_000;
const N_MSGS = 1_000_000;

async function rawTasks(): Promise<void> {
  const ps = new Array<Promise<void>>(N_TASKS);
  for (let i = 0; i < N_TASKS; i++) ps[i] = (async () => void (await null))();
  await Promise.all(ps);
}

async function furrowTasks(): Promise<void> {
  await openNursery((n) => {
    for (let i = 0; i < N_TASKS; i++) n.startSoon(async () => void (await null));
  });
}

async function effectionTasks(count: number): Promise<void> {
  await effectionRun(function* () {
    const tasks = [];
    for (let i = 0; i < count; i++) tasks.push(yield* effectionSpawn(function* () {}));
    for (const t of tasks) yield* t;
  });
}

/** Raw baseline: 10k async functions blocked on promises, rejected from plain callbacks. */
async function rawCancel(): Promise<number> {
  const rejects: ((e: Error) => void)[] = [];
  const tasks: Promise<void>[] = [];
  for (let i = 0; i < N_CANCEL; i++) {
    tasks.push(
      (async () => {
        try {
          await new Promise<void>((_, reject) => rejects.push(reject));
        } catch {
          /* cancelled */
        }
      })(),
    );
  }
  await new Promise((r) => setImmediate(r));
  const t0 = performance.now();
  const err = new Error('cancel');
  for (const r of rejects) r(err);
  await Promise.all(tasks);
  return performance.now() - t0;
}

async function furrowCancel(): Promise<number> {
  let t0 = 0;
  await openNursery(async (n) => {
    for (let i = 0; i < N_CANCEL; i++) n.startSoon(() => sleep(3600_000));
    await new Promise((r) => setImmediate(r));
    t0 = performance.now();
    n.cancel();
  });
  return performance.now() - t0;
}

async function effectionCancel(): Promise<number> {
  let t0 = 0;
  await effectionRun(function* () {
    const parent = yield* effectionSpawn(function* () {
      // eslint-disable-next-line @typescript-eslint/no-floating-promises -- yield* of an Effection operation, not a promise
      for (let i = 0; i < N_CANCEL; i++) yield* effectionSpawn(() => effectionSuspend());
      yield* effectionSuspend();
    });
    yield* effectionSleep(0);
    t0 = performance.now();
    yield* parent.halt();
  });
  return performance.now() - t0;
}

async function medianOf(fn: () => Promise<number>, runs = 7): Promise<number> {
  await fn();
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    xs.push(await fn());
  }
  xs.sort((a, b) => a - b);
  return xs[xs.length >> 1]!;
}

async function channelMessages(): Promise<void> {
  const [send, receive] = openChannel<number>(256);
  await openNursery((n) => {
    n.startSoon(async () => {
      for (let i = 0; i < N_MSGS; i++) await send.send(i);
      send.close();
    });
    n.startSoon(async () => {
      let sum = 0;
      for await (const x of receive) sum += x;
      if (sum !== (N_MSGS * (N_MSGS - 1)) / 2) throw new Error('lost messages');
    });
  });
}

const rows: Row[] = [];
const rawTask = await measure(N_TASKS, rawTasks);
const furrowTask = await measure(N_TASKS, furrowTasks);
const effTask = await measure(10_000, () => effectionTasks(10_000), 3);
rows.push(costRow('spawn+join 100k tasks: furrow vs raw Promise.all', furrowTask, rawTask, 2.5));
rows.push({ name: 'spawn+join: Effection 4 (10k tasks) vs furrow', us: effTask, baselineUs: furrowTask, target: '>= 100x', ok: effTask / furrowTask >= 100 });

const rawC = (await medianOf(rawCancel)) * 1000 / N_CANCEL;
const furC = (await medianOf(furrowCancel)) * 1000 / N_CANCEL;
const effC = (await medianOf(effectionCancel, 3)) * 1000 / N_CANCEL;
rows.push(costRow('cancel 10k sleeping tasks: furrow vs raw rejects', furC, rawC, 3));
rows.push({ name: 'cancel 10k: Effection 4 halt vs furrow', us: effC, baselineUs: furC, target: '>= 40x', ok: effC / furC >= 40 });

const chan = await measure(N_MSGS, channelMessages, 5);
const rate = 1e6 / chan;
rows.push({ name: `channel 1M numbers between two tasks (${(rate / 1e6).toFixed(2)} M msgs/s)`, us: chan, target: '>= 1 M msgs/s', ok: rate >= 1e6 });

printTable('core', rows);
