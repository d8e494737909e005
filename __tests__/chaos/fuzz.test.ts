// The fuzz run, bounded, against a live Node actor and a live Python actor at once
// (chaos/fuzz.ts): every bad connection is closed or answered as it must be, slowloris
// peers are cut off after the 10 s frame deadline, the 65th link waiting for its
// handshake is refused at once, a normal client is served afterwards, no descriptor
// is kept, and memory stays flat (`npm run chaos -- --fuzz N` is the long run).
import { openActorNursery } from '../../src/index.ts';
import { formatFuzzReport, type FuzzReport } from '../../chaos/fuzz-suite.ts';
import { fuzzProblems, fuzzRuntime, startFuzzed } from '../../chaos/fuzz-main.ts';
import { expectAllGone } from '../actor/helpers.ts';

test('a Node actor and a Python actor survive the fuzz run and still serve, with flat memory', async () => {
  const pids: number[] = [];
  const reports: FuzzReport[] = [];
  await openActorNursery(async (an) => {
    await Promise.all(
      (['node', 'python'] as const).map(async (runtime, i) => {
        const portal = await startFuzzed(an, runtime);
        pids.push(portal.pid);
        reports.push(await fuzzRuntime(portal, runtime, { connections: 560, rounds: 3, slowloris: 4, idle: 100, seed: 7 + i }));
      }),
    );
  });
  for (const r of reports) {
    expect(Object.values(r.tally).reduce((n, t) => n + t.sent, 0)).toBe(3 * 560);
    expect([r.actor, fuzzProblems(r)]).toEqual([r.actor, []]);
    expect(r.slowlorisMs.every((ms) => ms >= 9_500)).toBe(true); // cut off by the deadline, not before
  }
  console.log(reports.map(formatFuzzReport).join('\n'));
  expectAllGone(pids);
}, 60_000);
