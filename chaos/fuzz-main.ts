// The fuzz run of `npm run chaos -- --fuzz N` and of __tests__/chaos/fuzz.test.ts: a
// Node fork actor and a Python actor, both serving `echo`, fuzzed one after the
// other; each report is judged by `fuzzProblems`.
import { fileURLToPath } from 'node:url';
import { openActorNursery, type Portal } from 'furrow';
import 'furrow/asyncio';
import { echoNamespace, formatFuzzReport, fuzzActor, type FuzzReport, type FuzzSize } from './fuzz-suite.ts';

const TREE = fileURLToPath(new URL('./tree.ts', import.meta.url));
const CHAOS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** How much a fuzzed actor's memory may grow from the first measured round to the last (KiB). */
export const MAX_GROWTH_KIB = 4096;
/** A slowloris peer must be cut off by this long after its first byte (the 10 s frame deadline, plus slack; ms). */
export const SLOWLORIS_BOUND_MS = 13_000;

/** Start the actor of `runtime` in `an` (a Node actor with --expose-gc, for the heap probe). */
export async function startFuzzed(an: { startActor: (name: string, opts: object) => Promise<Portal> }, runtime: 'node' | 'python'): Promise<Portal> {
  if (runtime === 'python') return an.startActor('fuzzed-python', { backend: 'python', python: '/usr/bin/python3', cwd: CHAOS_DIR, enableModules: ['chaos_fns'] });
  return an.startActor('fuzzed-node', { enableModules: [TREE], execArgv: [...process.execArgv, '--expose-gc'] });
}

/** Fuzz one live actor of `runtime`. */
export async function fuzzRuntime(portal: Portal, runtime: 'node' | 'python', size: FuzzSize): Promise<FuzzReport> {
  return fuzzActor(portal, echoNamespace(runtime, TREE), size, runtime === 'node' ? `${TREE}:memoryAfterGc` : undefined);
}

/**
 * What is wrong with a report: a case the actor did not handle as it must, a
 * slowloris peer held past the bound, a crowd not refused, a normal client not
 * served, a descriptor kept, or memory that grew. Memory is the JS heap after a
 * full collection for a Node actor (its RSS keeps pages V8 and malloc got while
 * warming up; it is reported) and the RSS for a Python actor.
 */
export function fuzzProblems(r: FuzzReport): string[] {
  const out: string[] = [];
  for (const [name, t] of Object.entries(r.tally)) if (t.asExpected !== t.sent) out.push(`${name}: ${t.sent - t.asExpected} of ${t.sent} not as expected (${t.otherwise.join('; ')})`);
  const held = r.slowlorisMs.filter((ms) => ms > SLOWLORIS_BOUND_MS);
  if (held.length) out.push(`${held.length} slowloris peers held past ${SLOWLORIS_BOUND_MS} ms`);
  if (!r.crowdRefused) out.push('the 65th link waiting for its handshake was not refused at once');
  if (!r.served) out.push('a normal client was not served afterwards');
  if (r.fdsAfter > r.fdsBefore) out.push(`descriptors ${r.fdsBefore} -> ${r.fdsAfter}`);
  // from the end of the first measured round to the end of the last: the first round
  // still warms code and pools up (a Node heap after GC moves by ~3 MB then)
  const series = (r.heapKiB.length ? r.heapKiB : r.rssKiB).slice(1, -1);
  const grew = series[series.length - 1]! - series[0]!;
  if (grew > MAX_GROWTH_KIB) out.push(`${r.heapKiB.length ? 'JS heap' : 'RSS'} grew ${grew} KiB from the first measured round to the last (at most ${MAX_GROWTH_KIB})`);
  return out;
}

/** The CLI's fuzz run: print both reports; true if nothing was wrong. */
export async function runFuzz(connections: number, seed: number): Promise<boolean> {
  let ok = true;
  await openActorNursery(async (an) => {
    for (const runtime of ['node', 'python'] as const) {
      const t0 = performance.now();
      const portal = await startFuzzed(an, runtime);
      const report = await fuzzRuntime(portal, runtime, { connections, rounds: 4, slowloris: 8, idle: 200, seed });
      console.log(`${formatFuzzReport(report)}\n  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      const problems = fuzzProblems(report);
      for (const p of problems) console.log(`  PROBLEM: ${p}`);
      ok &&= problems.length === 0;
    }
  });
  return ok;
}
