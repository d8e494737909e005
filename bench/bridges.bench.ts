// The bridges' overhead against raw use of the same foreign API, in one run:
// runPromise vs a raw awaited promise, fromObservable vs a raw subscribe,
// openTaskQueue vs bare p-queue. `npm run bench bridges`.
import PQueue from 'p-queue';
import { Observable } from 'rxjs';
import { openNursery } from 'furrow';
import { runPromise } from 'furrow/promise';
import { fromObservable } from 'furrow/rxjs';
import { openTaskQueue } from 'furrow/queue';
import { costRow, measure, measurePair, printTable, rateRow, type Row } from './lib.ts';

const rows: Row[] = [];
/** A row printed for comparison, with no target. */
const reference = (row: Row): Row => ({ ...row, target: undefined, ok: undefined });

// 1. 1,000,000 values emitted 1,000 per macrotask. Measured first, in a fresh heap: after
// the runPromise rows (100,000 promises in flight), V8's heap state made the raw
// subscribe ~4x slower (0.09 us per value instead of 0.025) for the rest of the process,
// while the bridged read was hardly affected, so the ratio flattered the bridge.
const VALUES = 1_000_000;
const BURST = 1_000;
const source = new Observable<number>((subscriber) => {
  let i = 0;
  let handle: NodeJS.Immediate | undefined;
  const tick = (): void => {
    for (let k = 0; k < BURST; k++) subscriber.next(i++);
    if (i < VALUES) handle = setImmediate(tick);
    else subscriber.complete();
  };
  handle = setImmediate(tick);
  return () => clearImmediate(handle);
});
const rawSubscribe = (): Promise<void> => {
  const out: number[] = [];
  return new Promise<void>((resolve) => source.subscribe({ next: (v) => out.push(v), complete: resolve }));
};
// raw and bridged rounds alternate (measurePair), so neither gains from running first
const [rawRate, bridgedRate] = await measurePair(
  VALUES,
  rawSubscribe,
  () =>
    openNursery(async () => {
      const out: number[] = [];
      for await (const v of fromObservable(source, { buffer: BURST })) out.push(v);
    }),
  5,
);
rows.push({ name: `raw subscribe into an array (${VALUES} values, ${BURST}/macrotask)`, us: rawRate });
rows.push(reference(rateRow('fromObservable, one value per step of for await', bridgedRate, rawRate, 0.5)));
// The floor of any one-value-at-a-time async iterator: `for await` over a bare one whose
// next() returns an already-resolved promise, with nothing else in it (no Observable,
// no buffer, no scope). Read one value per step, fromObservable cannot be cheaper.
const [, floorRate] = await measurePair(
  VALUES,
  () => undefined,
  async () => {
    let i = 0;
    const bare: AsyncIterableIterator<number> = {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: () => Promise.resolve(i < VALUES ? { value: i++, done: false } : { value: undefined, done: true }),
    };
    const out: number[] = [];
    for await (const v of bare) out.push(v);
  },
  5,
);
rows.push(reference(rateRow('the floor: for await over a bare async iterator (no furrow, no RxJS)', floorRate, rawRate, 0.5)));
// Past the floor: the same stream read a batch at a time (every value waiting, one step
// per burst). This is the row with the target; it has its own raw rounds to alternate with.
const [rawAgain, batchedRate] = await measurePair(
  VALUES,
  rawSubscribe,
  () =>
    openNursery(async () => {
      const out: number[] = [];
      for await (const batch of fromObservable(source, { buffer: BURST }).batches()) for (const v of batch) out.push(v);
    }),
  5,
);
rows.push({ name: 'raw subscribe into an array, paired with the batched read', us: rawAgain });
rows.push(rateRow('fromObservable read with for await over batches()', batchedRate, rawAgain, 0.5));

// 2. runPromise around a resolved promise, per call, inside a task (ALS on in both).
// Tasks are joined by Promise.all in batches of 1,000 in flight (a busy scope); with
// 100,000 in flight at once both sides become allocation-bound: shown for reference.
const CALLS = 100_000;
const resolved = (): Promise<number> => Promise.resolve(1);
async function batches(inFlight: number, task: () => Promise<unknown>): Promise<void> {
  const tasks: Promise<unknown>[] = new Array(inFlight);
  for (let done = 0; done < CALLS; done += inFlight) {
    for (let i = 0; i < inFlight; i++) tasks[i] = task();
    await Promise.all(tasks);
  }
}
await openNursery(async () => {
  for (const inFlight of [1_000, CALLS]) {
    const raw = await measure(CALLS, () => batches(inFlight, async () => await resolved()));
    const bridged = await measure(CALLS, () => batches(inFlight, async () => await runPromise(resolved)));
    rows.push({ name: `raw task awaiting a resolved promise (${inFlight} in flight)`, us: raw });
    const row = costRow(`runPromise around a resolved promise (${inFlight} in flight)`, bridged, raw, 3);
    rows.push(inFlight === 1_000 ? row : reference(row));
  }
});

// 3. 100,000 trivial jobs at the same concurrency.
const JOBS = 100_000;
const CONCURRENCY = 16;
const job = async (): Promise<number> => 1;
// Alternated round by round (see measurePair): run back to back, the side measured
// second pays for the first one's heap.
const [rawQueue, bridgedQueue] = await measurePair(
  JOBS,
  async () => {
    const q = new PQueue({ concurrency: CONCURRENCY });
    for (let i = 0; i < JOBS; i++) void q.add(job);
    await q.onIdle();
  },
  () =>
    openTaskQueue({ concurrency: CONCURRENCY }, (q) => {
      for (let i = 0; i < JOBS; i++) void q.add(job);
    }),
  9,
);
rows.push({ name: `bare p-queue, ${JOBS} trivial jobs, concurrency ${CONCURRENCY}`, us: rawQueue });
rows.push(costRow('openTaskQueue, same jobs', bridgedQueue, rawQueue, 1.5));

printTable('bridges', rows);
