// The chaos oracle and plans, on hand-made trials: the same seed gives the same plan,
// and the oracle flags a lost raise, a lost death, an invented error, a missing
// finally and a wrong exit, while accepting a raise that a killed ancestor covers and
// a death that came after the actor's finally.
import type { Fact } from '../../chaos/facts.ts';
import { judge, type FaultRecord, type RootEnd } from '../../chaos/oracle.ts';
import { planTrial, type ActorPlan, type TrialPlan } from '../../chaos/plan.ts';
import type { ChaosEvent } from '../../chaos/tree.ts';

const actor = (path: string, behaviour: ActorPlan['behaviour'], children: ActorPlan[] = []): ActorPlan => ({ path, backend: 'fork', behaviour, delayMs: 100, children });
/** root -> a0 (wait) -> a0.0 (raise), and root -> a1 (spin) */
const PLAN: TrialPlan = {
  seed: 0,
  graceMs: 500,
  killMs: 300,
  activeMs: 1200,
  root: { behaviour: 'wait', delayMs: 0, children: [actor('a0', 'wait', [actor('a0.0', 'raise')]), actor('a1', 'spin')] },
  faults: [],
};
const ev = (e: ChaosEvent['ev'], path: string): ChaosEvent => ({ ev: e, path });
/** Everything behaved; a0.0 raised, a1 spun; the cooperative ones ran their finally. */
const EVENTS: ChaosEvent[] = [
  ...['a0', 'a0.0', 'a1'].map((p) => ev('behaving', p)),
  ev('raise', 'a0.0'),
  ev('spin', 'a1'),
  ev('finally', 'a0'),
  ev('finally', 'a0.0'),
];
const fact = (kind: Fact['kind'], path: string): Fact => ({ kind, path, detail: `${kind} ${path}` });
const ended = (facts: Fact[] | null, code: number | null = 0, signal: string | null = null): RootEnd => ({ code, signal, facts });
const kill = (target: string, signal: FaultRecord['signal'] = 'SIGKILL'): FaultRecord => ({ target, signal, atMs: 0, hit: true, resumed: false });

test('the same seed gives the same plan; other seeds give other plans', () => {
  expect(planTrial(42)).toEqual(planTrial(42));
  const distinct = new Set(Array.from({ length: 20 }, (_, i) => JSON.stringify(planTrial(i).root)));
  expect(distinct.size).toBe(20);
  expect(planTrial(7, { maxActors: 3 }).root.children.flatMap(function all(a): ActorPlan[] { return [a, ...a.children.flatMap(all)]; }).length).toBeLessThanOrEqual(3);
});

test('a trial where the root saw the raise and the kill of the spinner passes', () => {
  expect(judge(PLAN, EVENTS, [], ended([fact('raise', 'a0.0'), fact('killed', 'a1')]))).toEqual({ lost: [], invented: [], disorderly: [] });
});

test('a raise the root never saw is lost; so is the spinner nobody reported', () => {
  const v = judge(PLAN, EVENTS, [], ended([]));
  expect(v.lost).toEqual(['a0.0: raised, not reported', 'a1: spinning, not reported']);
});

test('a fact nothing caused is invented: a death with no signal, a kill of a calm subtree, an unknown error', () => {
  const v = judge(PLAN, EVENTS, [], ended([fact('raise', 'a0.0'), fact('killed', 'a1'), fact('died', 'a0'), fact('killed', 'a0'), fact('other', '?')]));
  expect(v.invented.map((s) => s.split(':')[0])).toEqual(['died a0', 'killed a0', 'other ?']);
});

test('an ancestor killed from outside covers what happened below it; its death must be reported', () => {
  const facts = [fact('died', 'a0'), fact('killed', 'a1')];
  expect(judge(PLAN, EVENTS, [kill('a0')], ended(facts))).toEqual({ lost: [], invented: [], disorderly: [] });
  expect(judge(PLAN, EVENTS, [kill('a0')], ended([fact('killed', 'a1')])).lost).toEqual(['a0: hit by SIGKILL, not reported']);
});

test('a signal that lands after the actor logged its finally need not be reported; one before it must', () => {
  // a0 had ended cooperatively (its finally is in the log) and was exiting when it was killed
  const late = { ...kill('a0'), afterFinally: true };
  expect(judge(PLAN, EVENTS, [late], ended([fact('raise', 'a0.0'), fact('killed', 'a1')]))).toEqual({ lost: [], invented: [], disorderly: [] });
  expect(judge(PLAN, EVENTS, [{ ...late, afterFinally: false }], ended([fact('raise', 'a0.0'), fact('killed', 'a1')])).lost).toEqual(['a0: hit by SIGKILL, not reported']);
  // a death it did report is still explained by the signal
  expect(judge(PLAN, EVENTS, [late], ended([fact('raise', 'a0.0'), fact('killed', 'a1'), fact('died', 'a0')])).invented).toEqual([]);
});

test('a stop that lands after the actor logged its finally need not be reported; one before it must', () => {
  // a0 had ended cooperatively and was exiting when it was stopped (and never resumed):
  // its parent's teardown reaps it, which the trial checks apart (no process left, its bound)
  const late = { ...kill('a0', 'SIGSTOP'), afterFinally: true };
  expect(judge(PLAN, EVENTS, [late], ended([fact('raise', 'a0.0'), fact('killed', 'a1')]))).toEqual({ lost: [], invented: [], disorderly: [] });
  expect(judge(PLAN, EVENTS, [{ ...late, afterFinally: false }], ended([fact('raise', 'a0.0'), fact('killed', 'a1')])).lost).toEqual(['a0: stopped, not reported']);
});

test('a cooperative actor whose finally did not run is a disorderly teardown, unless the root was SIGKILLed', () => {
  const noFinally = EVENTS.filter((e) => !(e.ev === 'finally' && e.path === 'a0'));
  expect(judge(PLAN, noFinally, [], ended([fact('raise', 'a0.0'), fact('killed', 'a1')])).disorderly).toEqual(['a0: cancelled cooperatively, but its finally did not run']);
  expect(judge(PLAN, noFinally, [kill('root')], ended(null, null, 'SIGKILL'))).toEqual({ lost: [], invented: [], disorderly: [] });
});

test('a root SIGTERMed must end by SIGTERM; one not signalled must report an outcome', () => {
  expect(judge(PLAN, EVENTS, [kill('root', 'SIGTERM')], ended(null, 0)).disorderly).toEqual(['the root was SIGTERMed but ended with exit code 0, not by SIGTERM']);
  expect(judge(PLAN, EVENTS, [kill('root', 'SIGTERM')], ended(null, null, 'SIGTERM')).disorderly).toEqual([]);
  expect(judge(PLAN, EVENTS, [], ended(null, 1)).disorderly).toEqual(['the root ended with exit code 1 without reporting an outcome']);
});
