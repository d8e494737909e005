// Running many chaos trials, `jobs` at a time: trial i of a run from seed S has
// seed S + i, so `--trials 1 --seed S+i` replays it alone.
import { actorsOf, planTrial, type PlanLimits } from './plan.ts';
import { runTrial, type TrialResult } from './trial.ts';

/** What to run. */
export interface RunOptions {
  trials: number;
  seed: number;
  /** trials at once (each is a whole tree of processes: keep it to the cores there are) */
  jobs?: number;
  limits?: PlanLimits;
  /** told of each trial as it ends */
  onResult?: (r: TrialResult) => void;
  /** print what the tree's processes are while waiting for them to be gone */
  trace?: (seed: number, line: string) => void;
}

/** Run the trials; the results come back in seed order. */
export async function runTrials(opts: RunOptions): Promise<TrialResult[]> {
  const results: TrialResult[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(opts.jobs ?? 1, opts.trials) }, async () => {
      while (next < opts.trials) {
        const seed = opts.seed + next++;
        const trace = opts.trace;
        const r = await runTrial(planTrial(seed, opts.limits), { trace: trace && ((line) => trace(seed, line)) });
        results.push(r);
        opts.onResult?.(r);
      }
    }),
  );
  return results.sort((a, b) => a.seed - b.seed);
}

/** How many actors a trial's tree has below its root. */
export function actorCount(r: TrialResult): number {
  return actorsOf(r.plan.root.children).length;
}
