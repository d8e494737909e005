// `npm run chaos -- --trials N --seed S [--jobs J] [--max-actors M] [--trace]`: run N randomized
// trials (trial i has seed S + i; `--trials 1 --seed X` replays trial X), print a
// line per trial, a line per failure with its seed, and the summary table. Exits 1
// if any trial failed.
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS, planTrial } from './plan.ts';
import { describeFailure, formatSummary, summarize } from './report.ts';
import { runTrial, type TrialResult } from './trial.ts';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    jobs: { type: 'string', default: '1' },
    trace: { type: 'boolean', default: false },
    'max-actors': { type: 'string', default: String(DEFAULT_LIMITS.maxActors) },
  },
});
const trials = Number(values.trials);
const seed = Number(values.seed);
const jobs = Number(values.jobs);
const maxActors = Number(values['max-actors']);
for (const [name, v] of [['trials', trials], ['seed', seed], ['jobs', jobs], ['max-actors', maxActors]] as const) {
  if (!Number.isInteger(v) || v < (name === 'seed' ? 0 : 1)) throw new Error(`--${name} must be a whole number (got ${String(v)})`);
}

const results: TrialResult[] = [];
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: Math.min(jobs, trials) }, async () => {
    while (next < trials) {
      const s = seed + next++;
      const r = await runTrial(planTrial(s, { maxActors }), { trace: values.trace ? (l) => console.log(`  seed ${s} ${l}`) : undefined });
      results.push(r);
      const td = r.teardownMs === null ? 'root killed' : `teardown ${Math.round(r.teardownMs)} ms`;
      console.log(`seed ${s}: ${r.ok ? 'ok' : 'FAILED'} (${r.plan.root.children.length ? countActors(r) : 0} actors, ${td}, tree gone ${Math.round(r.zeroMs)} ms after the root)`);
      if (!r.ok) for (const line of describeFailure(r)) console.log(line);
    }
  }),
);
results.sort((a, b) => a.seed - b.seed);
console.log(`\n${trials} trials from seed ${seed} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
console.log(formatSummary(summarize(results)));
const failed = results.filter((r) => !r.ok);
if (failed.length) {
  console.log(`\nfailed seeds: ${failed.map((r) => r.seed).join(' ')}`);
  process.exitCode = 1;
}

function countActors(r: TrialResult): number {
  const count = (cs: typeof r.plan.root.children): number => cs.reduce((n, c) => n + 1 + count(c.children), 0);
  return count(r.plan.root.children);
}
