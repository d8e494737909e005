// The chaos run's summary: one table of what the trials found, and a line per
// failed trial with its seed (replay it with `npm run chaos -- --trials 1 --seed S`).
import { actorsOf } from './plan.ts';
import type { TrialResult } from './trial.ts';

/** The figures of a run. */
export interface Summary {
  trials: number;
  failed: number;
  errorsLost: number;
  errorsInvented: number;
  disorderly: number;
  hangs: number;
  slowTeardowns: number;
  processesLeft: number;
  teardownP50Ms: number;
  teardownMaxMs: number;
  zeroP50Ms: number;
  zeroMaxMs: number;
  /** what the trials did: raises, spins, ignored cancels reached; outside signals that hit, by target and signal */
  did: Record<string, number>;
  /** what the roots reported, by kind of fact */
  reported: Record<string, number>;
}

function countBy<T>(items: T[], key: (t: T) => string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) {
    const k = key(t);
    if (k !== null) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

function percentile(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Add up the trials. */
export function summarize(results: TrialResult[]): Summary {
  const teardowns = results.flatMap((r) => (r.teardownMs === null ? [] : [r.teardownMs]));
  const zeros = results.map((r) => r.zeroMs);
  return {
    trials: results.length,
    failed: results.filter((r) => !r.ok).length,
    errorsLost: results.reduce((n, r) => n + r.verdict.lost.length, 0),
    errorsInvented: results.reduce((n, r) => n + r.verdict.invented.length, 0),
    disorderly: results.reduce((n, r) => n + r.verdict.disorderly.length, 0),
    hangs: results.filter((r) => r.hung).length,
    slowTeardowns: results.filter((r) => r.slow).length,
    processesLeft: results.reduce((n, r) => n + r.left.length, 0),
    teardownP50Ms: Math.round(percentile(teardowns, 50)),
    teardownMaxMs: Math.round(Math.max(0, ...teardowns)),
    zeroP50Ms: Math.round(percentile(zeros, 50)),
    zeroMaxMs: Math.round(Math.max(0, ...zeros)),
    did: {
      ...countBy(results.flatMap((r) => r.events), (e) => (['raise', 'spin'].includes(e.ev) ? e.ev : null)),
      'ignore (reached)': results.reduce((n, r) => n + r.events.filter((e) => e.ev === 'behaving' && behaviourOf(r, e.path) === 'ignore').length, 0),
      ...countBy(results.flatMap((r) => r.faults.filter((f) => f.hit)), (f) =>
        `${f.target === 'root' ? 'root' : 'actor'} ${f.signal}${f.signal === 'SIGSTOP' ? (f.resumed ? '+SIGCONT' : ' (left stopped)') : ''}`),
    },
    reported: countBy(results.flatMap((r) => r.facts ?? []), (f) => f.kind),
  };
}

function behaviourOf(r: TrialResult, path: string): string | undefined {
  return actorsOf(r.plan.root.children).find((a) => a.path === path)?.behaviour;
}

/** One failed trial, as lines to print. */
export function describeFailure(r: TrialResult): string[] {
  const what = [
    ...r.verdict.lost.map((l) => `lost: ${l}`),
    ...r.verdict.invented.map((l) => `invented: ${l}`),
    ...r.verdict.disorderly.map((l) => `disorderly: ${l}`),
    ...(r.hung ? ['hung: the root did not end'] : []),
    ...(r.slow ? [`slow: teardown took ${Math.round(r.teardownMs!)} ms`] : []),
    ...(r.left.length ? [`left: ${r.left.length} processes alive 3 s after the root ended (${r.left.join(' ')})`] : []),
  ];
  return [`FAILED seed ${r.seed} (files: ${r.dir})`, ...what.map((w) => `  ${w}`)];
}

/** The summary as a Markdown table. */
export function formatSummary(s: Summary): string {
  const rows: [string, string | number][] = [
    ['trials', s.trials],
    ['failed trials', s.failed],
    ['errors lost', s.errorsLost],
    ['errors invented', s.errorsInvented],
    ['disorderly teardowns (no finally, wrong exit)', s.disorderly],
    ['hangs (root not ended after 60 s)', s.hangs],
    ['teardowns over their bound', s.slowTeardowns],
    ['processes left 3 s after the root ended', s.processesLeft],
    ['teardown time p50 / max (ms)', `${s.teardownP50Ms} / ${s.teardownMaxMs}`],
    ['root end to last process gone p50 / max (ms)', `${s.zeroP50Ms} / ${s.zeroMaxMs}`],
  ];
  const list = (o: Record<string, number>): string => Object.entries(o).sort().map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  rows.push(['what the trials did (reached / hit)', list(s.did)], ['what the roots reported (facts)', list(s.reported)]);
  return ['| what | count |', '| --- | ---: |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}
