// `npm run chaos -- --trials N --seed S [--jobs J] [--max-actors M] [--trace]`: run N
// randomized trials (trial i has seed S + i; `--trials 1 --seed X` replays trial X),
// print a line per trial, a line per failure with its seed, and the summary table.
// `npm run chaos -- --fuzz N`: the fuzz run instead, N bad connections per round
// against a live Node actor and a live Python actor. Exits 1 if anything failed.
import { parseArgs } from 'node:util';
import { runFuzz } from './fuzz-main.ts';
import { DEFAULT_LIMITS } from './plan.ts';
import { describeFailure, formatSummary, summarize } from './report.ts';
import { actorCount, runTrials } from './run.ts';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    jobs: { type: 'string', default: '1' },
    'max-actors': { type: 'string', default: String(DEFAULT_LIMITS.maxActors) },
    trace: { type: 'boolean', default: false },
    fuzz: { type: 'string' },
  },
});
const number = (name: string, v: string | undefined, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min} (got ${String(v)})`);
  return n;
};
const seed = number('seed', values.seed, 0);

if (values.fuzz !== undefined) {
  process.exitCode = (await runFuzz(number('fuzz', values.fuzz, 1), seed)) ? 0 : 1;
} else {
  const trials = number('trials', values.trials, 1);
  const t0 = performance.now();
  const results = await runTrials({
    trials,
    seed,
    jobs: number('jobs', values.jobs, 1),
    limits: { maxActors: number('max-actors', values['max-actors'], 1) },
    trace: values.trace ? (s, line) => console.log(`  seed ${s} ${line}`) : undefined,
    onResult: (r) => {
      const td = r.teardownMs === null ? 'root SIGKILLed' : `teardown ${Math.round(r.teardownMs)} ms`;
      console.log(`seed ${r.seed}: ${r.ok ? 'ok' : 'FAILED'} (${actorCount(r)} actors, ${td}, tree gone ${Math.round(r.zeroMs)} ms after the root)`);
      if (!r.ok) for (const line of describeFailure(r)) console.log(line);
    },
  });
  console.log(`\n${trials} trials from seed ${seed} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  console.log(formatSummary(summarize(results)));
  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    console.log(`\nfailed seeds: ${failed.map((r) => r.seed).join(' ')}`);
    process.exitCode = 1;
  }
}
