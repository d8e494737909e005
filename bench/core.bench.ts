// Core benches: task spawn/join, cancel fan-out and channel throughput, each as a
// ratio against raw Promise code, Effect and Effection 4, measured in this same run
// with the rounds interleaved; and how spawn+join scales from 1e3 to 1e6 tasks (time
// and heap per task).
import { Effect, Fiber } from 'effect';
import { run as effectionRun, spawn as effectionSpawn, sleep as effectionSleep, suspend as effectionSuspend } from 'effection';
import { openNursery, openChannel, sleep } from '../src/index.ts';
import { measure, measureRounds, costRow, pairRow, printTable, type Row } from './lib.ts';

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

async function effectTasks(count: number): Promise<void> {
  await Effect.runPromise(
    Effect.gen(function* () {
      const fibers = [];
      for (let i = 0; i < count; i++) fibers.push(yield* Effect.forkChild(Effect.void));
      for (const f of fibers) yield* Fiber.join(f);
    }),
  );
}

async function effectCancel(): Promise<number> {
  let t0 = 0;
  await Effect.runPromise(
    Effect.gen(function* () {
      const fibers = [];
      for (let i = 0; i < N_CANCEL; i++) fibers.push(yield* Effect.forkChild(Effect.never));
      yield* Effect.promise(() => new Promise((r) => setImmediate(r)));
      t0 = performance.now();
      yield* Fiber.interruptAll(fibers);
    }),
  );
  return performance.now() - t0;
}

/** spawn+join `count` furrow tasks: microseconds and heap bytes per task (heap held at the peak, all tasks alive). */
async function scaling(count: number): Promise<{ us: number; bytes: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let peak = 0;
  const t0 = performance.now();
  await openNursery(async (n) => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    for (let i = 0; i < count; i++) n.startSoon(() => gate);
    await null;
    peak = process.memoryUsage().heapUsed;
    release();
  });
  return { us: ((performance.now() - t0) * 1000) / count, bytes: (peak - heap0) / count };
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
const spawnJoin = await measureRounds(N_TASKS, { raw: rawTasks, furrow: furrowTasks, effect: () => effectTasks(N_TASKS) });
const furrowTask = spawnJoin.furrow.us;
const effTask = await measure(10_000, () => effectionTasks(10_000), 3);
rows.push(pairRow('spawn+join 100k tasks: furrow vs raw Promise.all', spawnJoin.furrow, spawnJoin.raw, 2.5));
rows.push(pairRow('spawn+join 100k tasks: furrow vs Effect (forkChild + join)', spawnJoin.furrow, spawnJoin.effect, 1.0, 'Effect'));
rows.push({ name: 'spawn+join: Effection 4 (10k tasks) vs furrow', us: effTask, baselineUs: furrowTask, target: '>= 100x', ok: effTask / furrowTask >= 100, versus: 'furrow' });

const rawC = (await medianOf(rawCancel)) * 1000 / N_CANCEL;
const furC = (await medianOf(furrowCancel)) * 1000 / N_CANCEL;
const effC = (await medianOf(effectionCancel, 3)) * 1000 / N_CANCEL;
const effectC = (await medianOf(effectCancel)) * 1000 / N_CANCEL;
rows.push(costRow('cancel 10k sleeping tasks: furrow vs raw rejects', furC, rawC, 3));
rows.push({ ...costRow('cancel 10k sleeping tasks: furrow vs Effect (interruptAll)', furC, effectC, 1.0), versus: 'Effect' });
rows.push({ name: 'cancel 10k: Effection 4 halt vs furrow', us: effC, baselineUs: furC, target: '>= 40x', ok: effC / furC >= 40, versus: 'furrow' });

const chan = await measure(N_MSGS, channelMessages, 5);
const rate = 1e6 / chan;
rows.push({ name: 'channel 1M numbers between two tasks', note: `${(rate / 1e6).toFixed(2)} M msgs/s`, us: chan, target: '>= 1 M msgs/s', ok: rate >= 1e6 });

printTable('core', rows);

// how spawn+join scales: time and heap per task from a thousand to a million tasks alive at once
const scale: Row[] = [];
for (const count of [1_000, 10_000, 100_000, 1_000_000]) {
  await scaling(count); // warm-up
  const { us, bytes } = await scaling(count);
  scale.push({ name: `spawn+join ${count.toLocaleString('en')} tasks, all alive at once`, note: `${Math.round(bytes)} heap bytes per task`, us });
}
printTable('core scaling', scale);
