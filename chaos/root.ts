// The root process of one chaos trial (started by trial.ts with the trial's marker
// in its environment, which every process of the tree inherits). argv: the plan
// file, the log file. It grows the tree (tree.ts), prints one JSON line per step on
// stdout (`ready` with every pid once the whole tree is up, `body-end` when its body
// stops, for whatever reason, `outcome` with the facts of its error, if any), and
// exits 0 once its actor nursery has returned.
import { readFileSync } from 'node:fs';
import { sleep } from 'furrow';
import { factsOf } from './facts.ts';
import type { TrialPlan } from './plan.ts';
import { behave, growChildren, note } from './tree.ts';

const [planFile, log] = process.argv.slice(2) as [string, string];
const plan = JSON.parse(readFileSync(planFile, 'utf8')) as TrialPlan;
const say = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

note(log, { ev: 'up', path: 'root', pid: process.pid });
try {
  await growChildren(plan.root.children, log, { graceMs: plan.graceMs, killMs: plan.killMs }, {
    up: (pids) => say({ ev: 'ready', pids: { ...pids, root: process.pid } }),
    body: async () => {
      if (plan.root.behaviour === 'raise') await behave('root', 'raise', plan.root.delayMs, log);
      else await sleep(plan.activeMs);
    },
    ended: () => say({ ev: 'body-end' }),
  });
  say({ ev: 'outcome', facts: [] });
} catch (err) {
  say({ ev: 'outcome', facts: factsOf(err) });
}
