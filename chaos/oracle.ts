// The oracle of a chaos trial: from the plan, what the actors noted in the log, the
// outside signals that hit, and what the root reported, it decides whether an error
// was lost (something happened that the root was never told of) or invented (the
// root reported something nothing caused), and whether the teardown was orderly.
//
// The rules, per actor below the root:
// - an actor is *disrupted* when an outside SIGKILL/SIGTERM hit it, it was stopped
//   (SIGSTOP and never continued while the root ran), or it spun or ignored its
//   cancel. A stop followed by SIGCONT *paused* it: that disrupts its subtree (it may
//   be killed while stopped) but need not be reported.
// - what happens below a disrupted actor may go unreported: that actor cannot relay
//   it (it is dead, stuck, or never ends its nursery), and its own fate is reported.
// - a signal (a kill or a stop) that hits an actor after it logged its `finally` finds it
//   already exiting from a cooperative end: that need not be reported (its raise still must).
// - otherwise each raise, and each disruption, must reach the root: as the fact
//   itself, or as a death, kill, dropped link or ignored cancel of the actor or of an
//   ancestor whose subtree holds a disruption (its teardown did not finish in time).
// - a raise fact needs a raise in the log; a death needs an outside SIGKILL/SIGTERM on
//   that actor; a kill, a dropped link or an ignored cancel needs a disruption in that
//   actor's subtree. Anything else (a cancellation, an unknown error) is invented.
// - unless the root was SIGKILLed, every actor that started its behaviour, with no
//   disruption on itself or above it, must have run its `finally`.
import type { Fact } from './facts.ts';
import { actorsOf, ancestorsOf, type ActorPlan, type FaultPlan, type TrialPlan } from './plan.ts';
import type { ChaosEvent } from './tree.ts';

/** An outside signal as it was applied: whether it reached a live process, whether a SIGSTOP was undone. */
export interface FaultRecord extends FaultPlan {
  hit: boolean;
  resumed: boolean;
  /** the target had logged its `finally` before the signal landed: it was already on its way out */
  afterFinally?: boolean;
}

/** How the root ended: its exit, and its `outcome` line (null if it printed none). */
export interface RootEnd {
  code: number | null;
  signal: string | null;
  facts: Fact[] | null;
}

/** The oracle's findings (all empty: the trial passed these checks). */
export interface Verdict {
  lost: string[];
  invented: string[];
  disorderly: string[];
}

const COVER_KINDS = new Set(['died', 'killed', 'dropped', 'cancelIgnored']);

/** Judge one trial. */
export function judge(plan: TrialPlan, events: ChaosEvent[], faults: FaultRecord[], root: RootEnd): Verdict {
  const verdict: Verdict = { lost: [], invented: [], disorderly: [] };
  const actors = new Map<string, ActorPlan>(actorsOf(plan.root.children).map((a) => [a.path, a]));
  const logged = (ev: ChaosEvent['ev'], path: string): boolean => events.some((e) => e.ev === ev && e.path === path);
  const hits = (path: string, signals: string[]): FaultRecord[] => faults.filter((f) => f.target === path && f.hit && signals.includes(f.signal));

  const signalled = (p: string): boolean => hits(p, ['SIGKILL', 'SIGTERM']).length > 0;
  const stopped = (p: string): boolean => hits(p, ['SIGSTOP']).some((f) => !f.resumed);
  const paused = (p: string): boolean => hits(p, ['SIGSTOP']).some((f) => f.resumed);
  /** what keeps an actor from ending by itself, signals aside */
  const unwilling = (p: string): string | null => {
    if (logged('spin', p)) return 'spinning';
    if (actors.get(p)?.behaviour === 'ignore' && logged('behaving', p)) return 'ignoring its cancel';
    return null;
  };
  const disruption = (p: string): string | null => (signalled(p) ? `hit by ${hits(p, ['SIGKILL', 'SIGTERM'])[0]!.signal}` : stopped(p) ? 'stopped' : unwilling(p));
  const disrupted = (p: string): boolean => disruption(p) !== null || paused(p);
  // every signal that hit it (a kill, or a stop) came after its finally ran: it had ended
  // cooperatively and was exiting, so nothing it could still report was lost (what it
  // raised still must be; its process must still be gone, as every trial checks)
  const onItsWayOut = (p: string): boolean => unwilling(p) === null && hits(p, ['SIGKILL', 'SIGTERM', 'SIGSTOP']).every((f) => f.afterFinally === true);
  const coveredAbove = (p: string): boolean => ancestorsOf(p).some(disrupted);
  const tainted = (p: string): boolean => [...actors.keys()].some((q) => (q === p || q.startsWith(`${p}.`)) && disrupted(q));

  const rootKilled = hits('root', ['SIGKILL']).length > 0;
  const rootTermed = hits('root', ['SIGTERM']).length > 0;
  if (rootKilled) {
    if (root.signal !== 'SIGKILL') verdict.disorderly.push(`the root was SIGKILLed but ended with ${describeExit(root)}`);
    return verdict; // a SIGKILLed root reports nothing; what is left is checked by the process count
  }
  if (rootTermed) {
    if (root.signal !== 'SIGTERM' && root.code !== 143) verdict.disorderly.push(`the root was SIGTERMed but ended with ${describeExit(root)}, not by SIGTERM`);
  } else if (root.facts === null || root.code !== 0) {
    verdict.disorderly.push(`the root ended with ${describeExit(root)} without reporting an outcome`);
  }

  const facts = root.facts ?? [];
  for (const f of facts) {
    const why = unexplained(f);
    if (why) verdict.invented.push(`${f.kind} ${f.path}: ${why} (${f.detail})`);
  }
  if (root.facts !== null) {
    const about = (p: string, kinds: Set<string>): boolean => facts.some((f) => f.path === p && kinds.has(f.kind));
    const covered = (p: string): boolean => [p, ...ancestorsOf(p)].some((q) => tainted(q) && about(q, COVER_KINDS));
    if (logged('raise', 'root') && !about('root', new Set(['raise']))) verdict.lost.push('root: raised, not reported');
    for (const p of actors.keys()) {
      if (coveredAbove(p)) continue;
      if (logged('raise', p) && !about(p, new Set(['raise'])) && !covered(p)) verdict.lost.push(`${p}: raised, not reported`);
      const d = disruption(p);
      if (d && !covered(p) && !onItsWayOut(p)) verdict.lost.push(`${p}: ${d}, not reported`);
    }
  }
  for (const p of actors.keys()) {
    if (logged('behaving', p) && !disrupted(p) && !coveredAbove(p) && !logged('finally', p)) {
      verdict.disorderly.push(`${p}: cancelled cooperatively, but its finally did not run`);
    }
  }
  return verdict;

  function unexplained(f: Fact): string | null {
    if (f.kind === 'other') return 'not an error the tree causes';
    if (f.path !== 'root' && !actors.has(f.path)) return 'names no actor of the tree';
    if (f.kind === 'raise') return logged('raise', f.path) ? null : 'that actor never raised';
    if (f.kind === 'died') return signalled(f.path) ? null : 'no outside SIGKILL/SIGTERM hit that actor';
    return tainted(f.path) ? null : 'nothing in that subtree was disrupted';
  }
}

function describeExit(root: RootEnd): string {
  return root.signal ? `signal ${root.signal}` : `exit code ${root.code}`;
}
