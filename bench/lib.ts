// Shared measuring helpers for the benches: run a case several times, take the
// median, and print rows as ratios against a raw baseline measured in the same run;
// and the raw baselines' plain framing and UDS listener.
import { appendFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { Packr, Unpackr } from 'msgpackr';

/** One measured row: a name, the median time per operation, and its baseline. */
export interface Row {
  name: string;
  /** median microseconds per operation */
  us: number;
  /** the raw baseline's median microseconds per operation, if this row is compared */
  baselineUs?: number;
  /** the target, as text (e.g. "<= 2.5x", ">= 80%") */
  target?: string;
  /** whether the target was met */
  ok?: boolean;
  /** a throughput row: its ratio column reads as a share of the baseline ("66% of raw") */
  share?: boolean;
  /** the lowest and highest per-round ratio (us / baseline), when measured round by round */
  spread?: [number, number];
  /** what the baseline is, when it is not the raw one (e.g. 'piscina') */
  versus?: string;
  /**
   * A figure measured beside the time ("1.68 M msgs/s"), printed after the name. Not
   * part of the row's name, so the same row of several runs is counted as one.
   */
  note?: string;
}

/** What {@link measureRounds} gives per contender: the median and each round's sample. */
export interface Samples {
  /** median microseconds per operation */
  us: number;
  /** microseconds per operation in each round, in round order */
  rounds: number[];
}

/**
 * Calls per round of a round-trip row to a thread or a Python actor. In rounds of 2000
 * a side could spend a whole round with both threads on one core (5x faster on this
 * VM) while the other did not (docs/performance.md, Round trips on this VM).
 */
export const ROUND_TRIP_CALLS = 10_000;

/**
 * The order of the contenders in each round: a balanced Latin square (a Williams
 * design). Over its rows every contender runs in every position equally often, and
 * right after every other contender equally often: n rows for an even count, 2n for
 * an odd one (the square and its mirror).
 */
export function balancedOrders(n: number): number[][] {
  const first: number[] = [];
  for (let i = 0, lo = 1, hi = n - 1; i < n; i++) first.push(i === 0 ? 0 : i % 2 === 1 ? lo++ : hi--);
  const rows = Array.from({ length: n }, (_, r) => first.map((c) => (c + r) % n));
  return n % 2 === 0 || n === 1 ? rows : [...rows, ...rows.map((row) => [...row].reverse())];
}

/**
 * Time several contenders round by round, each at least `runs` times after one warm-up
 * of each, and return each one's median and per-round samples in microseconds per
 * operation. The order of a round comes from {@link balancedOrders}, and `runs` is
 * rounded up to a whole number of its rows: on the 2-core VM a case reads differently
 * depending on which case ran just before it (wake-up latencies adapt to the rhythm of
 * the round before), so every case follows every other equally often. Interleaving
 * also keeps load swings and heap growth from favouring whichever runs first; the
 * per-round samples give a ratio's spread.
 */
export async function measureRounds<K extends string>(ops: number, fns: Record<K, () => unknown>, runs = 7): Promise<Record<K, Samples>> {
  const keys = Object.keys(fns) as K[];
  for (const k of keys) await fns[k]();
  const rounds = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const orders = balancedOrders(keys.length);
  const total = Math.ceil(runs / orders.length) * orders.length;
  for (let i = 0; i < total; i++) {
    for (const at of orders[i % orders.length]!) {
      const k = keys[at]!;
      collectYoung();
      const t0 = performance.now();
      await fns[k]();
      rounds[k].push(((performance.now() - t0) * 1000) / ops);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, { us: median(rounds[k]), rounds: rounds[k] }])) as Record<K, Samples>;
}

/**
 * A cost row from round-by-round samples: `ours` against `base` (raw, or a peer named
 * by `versus`), with the median ratio checked against `<= maxRatio` and the spread of
 * the per-round ratios.
 */
export function pairRow(name: string, ours: Samples, base: Samples, maxRatio: number, versus?: string): Row {
  const ratios = ours.rounds.map((u, i) => u / base.rounds[i]!);
  return { ...costRow(name, ours.us, base.us, maxRatio), spread: [Math.min(...ratios), Math.max(...ratios)], versus };
}

/**
 * Empty the young generation before a round (a scavenge, when the bench runs with
 * --expose-gc), so the garbage of one round is not collected in the next. Not a full
 * collection: a full one also clears V8's weak map transitions, and every function
 * optimised for those maps (msgpackr's decoder, Node's stream writes, furrow's dialog
 * path) is deoptimised, so each round would time re-optimisation instead of the
 * steady state (docs/performance.md, "How the benches measure").
 */
export function collectYoung(): void {
  (globalThis as { gc?: (opts: { type: 'minor' }) => void }).gc?.({ type: 'minor' });
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Time `fn` (which performs `ops` operations) `runs` times after one warm-up and
 * return the median microseconds per operation.
 */
export async function measure(ops: number, fn: () => unknown, runs = 7): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    collectYoung();
    const t0 = performance.now();
    await fn();
    samples.push(((performance.now() - t0) * 1000) / ops);
  }
  return median(samples);
}

/**
 * Time a raw baseline and the furrow case alternately, each `runs` times after one
 * warm-up of each, and return both medians in microseconds per operation. The order
 * within a round swaps every round (raw, furrow, furrow, raw, ...). Alternating keeps
 * load swings and heap growth from favouring whichever side happens to run first.
 */
export async function measurePair(ops: number, raw: () => unknown, ours: () => unknown, runs = 7): Promise<[number, number]> {
  await raw();
  await ours();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const [fn, out] of i % 2 === 0 ? ([[raw, a], [ours, b]] as const) : ([[ours, b], [raw, a]] as const)) {
      collectYoung();
      const t0 = performance.now();
      await fn();
      out.push(((performance.now() - t0) * 1000) / ops);
    }
  }
  return [median(a), median(b)];
}

/** Format a ratio row: cost ratio (us / baseline) against a "<= Nx" target. */
export function costRow(name: string, us: number, baselineUs: number, maxRatio: number): Row {
  return { name, us, baselineUs, target: `<= ${maxRatio}x`, ok: us / baselineUs <= maxRatio };
}

/** Format a rate row: throughput as a share of the baseline against a ">= N%" target. */
export function rateRow(name: string, us: number, baselineUs: number, minShare: number): Row {
  return { name, us, baselineUs, target: `>= ${Math.round(minShare * 100)}%`, ok: baselineUs / us >= minShare, share: true };
}

/**
 * Print rows as a Markdown table (ready to paste into docs and notes). With
 * `FURROW_BENCH_OUT` set (by `npm run bench -- --runs N`), also append each row as a
 * JSON line to that file, for the runner to count how many runs met each target.
 */
export function printTable(title: string, rows: Row[]): void {
  console.log(`\n### ${title} (Node ${process.version})\n`);
  console.log('| case | us/op | baseline us/op | ratio | spread | target | met |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- | --- |');
  for (const r of rows) {
    const vs = r.versus ?? 'raw';
    const ratio = !r.baselineUs ? '' : r.share ? `${Math.round((r.baselineUs / r.us) * 100)}% of ${vs}` : `${(r.us / r.baselineUs).toFixed(2)}x ${vs}`;
    const spread = r.spread ? `${r.spread[0].toFixed(2)}-${r.spread[1].toFixed(2)}x` : '';
    const met = r.ok === undefined ? '' : r.ok ? 'yes' : 'NO';
    const base = r.baselineUs?.toFixed(3) ?? '';
    const name = r.note ? `${r.name} (${r.note})` : r.name;
    console.log(`| ${name} | ${r.us.toFixed(3)} | ${base} | ${ratio} | ${spread} | ${r.target ?? ''} | ${met} |`);
  }
  const out = process.env.FURROW_BENCH_OUT;
  if (out) appendFileSync(out, rows.map((r) => JSON.stringify({ title, ...r }) + '\n').join(''));
}

const rawPackr = new Packr({ useRecords: false });

/** A raw baseline's frame: 4-byte big-endian length, then `v` packed by plain msgpackr. */
export function rawFrame(v: unknown): Buffer {
  const body = rawPackr.pack(v);
  const f = Buffer.allocUnsafe(4 + body.length);
  f.writeUInt32BE(body.length, 0);
  body.copy(f, 4);
  return f;
}

const rawUnpackr = new Unpackr({ useRecords: false });

/** A raw baseline's reader: call `onValue` with each value framed as {@link rawFrame} frames it. */
export function onRawFrames(stream: NodeJS.ReadableStream, onValue: (v: unknown) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  stream.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    while (buf.length >= 4) {
      const n = buf.readUInt32BE(0);
      if (buf.length < 4 + n) break;
      const v = rawUnpackr.unpack(buf.subarray(4, 4 + n));
      buf = buf.subarray(4 + n);
      onValue(v);
    }
  });
}

/** A plain UDS listener for raw baselines: `next()` gives the accepted sockets in order. */
export interface RawServer {
  path: string;
  next(): Promise<Socket>;
  close(): void;
}

/** Listen on `path` (a raw baseline's socket: no furrow in the way). */
export async function rawServer(path: string): Promise<RawServer> {
  const server = createServer();
  const queue: Socket[] = [];
  const waiters: ((s: Socket) => void)[] = [];
  server.on('connection', (s) => (waiters.length ? waiters.shift()!(s) : queue.push(s)));
  await new Promise<void>((r) => server.listen(path, r));
  return {
    path,
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))),
    close: () => server.close(),
  };
}
