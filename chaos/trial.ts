// Running one chaos trial: write the plan, start the root as its own process with
// the trial's marker in its environment, send the planned outside signals once the
// root says the tree is up, wait for the root to end (a hang is killed), give the
// tree 3 s to be gone, and judge what happened (oracle.ts). The trial's files are
// kept only when it fails.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ignoring } from '../src/core/ignore.ts';
import type { Fact } from './facts.ts';
import { judge, type FaultRecord, type RootEnd, type Verdict } from './oracle.ts';
import type { TrialPlan } from './plan.ts';
import { isMarkedAlive, killMarked, markedProcesses, MARKER_VAR, procState } from './procs.ts';
import type { ChaosEvent } from './tree.ts';

const ROOT = fileURLToPath(new URL('./root.ts', import.meta.url));

/** How long after the root ended every process of the tree must be gone (ms). */
export const ZERO_AFTER_MS = 3000;
/** A root that has not ended this long after it started is hung: it is killed (ms). */
export const HANG_MS = 60_000;

/**
 * The stated bound on the root's teardown, from the moment its body stopped (or it
 * got SIGTERM) to its exit: the body's contexts wait up to `cancelWaitMs` (=
 * `graceMs`) for their callees; each child then gets up to `graceMs` to acknowledge
 * a cancel request and `graceMs` to exit (4 x `graceMs` once it acknowledged),
 * `killMs` after SIGTERM, and up to 1 s for its link to report its end; plus 1 s for
 * a loaded machine. 5.3 s for the trials' 500/300 ms.
 */
export function teardownBoundMs(plan: TrialPlan): number {
  return plan.graceMs + plan.graceMs + 4 * plan.graceMs + plan.killMs + 1000 + 1000;
}

/** What one trial found. */
export interface TrialResult {
  seed: number;
  plan: TrialPlan;
  verdict: Verdict;
  /** the root had not ended after HANG_MS */
  hung: boolean;
  /** from the body's end (or the root's SIGTERM) to the root's exit; null if the root was SIGKILLed */
  teardownMs: number | null;
  /** the teardown took longer than its bound */
  slow: boolean;
  /** processes of the tree still alive ZERO_AFTER_MS after the root ended */
  left: number[];
  /** how long after the root's end the last process of the tree was gone (ms) */
  zeroMs: number;
  /** what the actors noted, the outside signals as applied, what the root reported */
  events: ChaosEvent[];
  faults: FaultRecord[];
  facts: Fact[] | null;
  /** where the plan, the log and the root's output are (kept only for a failed trial) */
  dir: string;
  ok: boolean;
}

/** Options of {@link runTrial}. */
export interface TrialOptions {
  /** print what the tree's processes are while waiting for them to be gone */
  trace?: (line: string) => void;
}

/** Run one trial of `plan`. */
export async function runTrial(plan: TrialPlan, opts: TrialOptions = {}): Promise<TrialResult> {
  const dir = mkdtempSync(join(tmpdir(), `furrow-chaos-${plan.seed}-`));
  const planFile = join(dir, 'plan.json');
  const logFile = join(dir, 'log.jsonl');
  writeFileSync(planFile, JSON.stringify(plan, null, 1));
  writeFileSync(logFile, '');
  const marker = `${process.pid}-${plan.seed}-${randomBytes(4).toString('hex')}`;
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--conditions=furrow-source', '--no-warnings', ROOT, planFile, logFile], {
    env: { ...process.env, [MARKER_VAR]: marker },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const rootPid = child.pid!;
  const output: string[] = [];
  child.stderr!.on('data', (b: Buffer) => output.length < 2000 && output.push(b.toString()));

  let facts: Fact[] | null = null;
  let bodyEndAt: number | null = null;
  let pids: Record<string, number> = {};
  const faults: FaultRecord[] = [];
  const timers: NodeJS.Timeout[] = [];
  let ended = false;
  let hung = false;
  let termAt: number | null = null;
  /** how long the root itself was stopped (its teardown may take that much longer) */
  let pausedMs = 0;

  const apply = (f: FaultRecord): void => {
    // the log as it is now, read once: the target's pid if it came up late, and whether its finally ran
    const events = readEvents(logFile);
    const pid = f.target === 'root' ? rootPid : pids[f.target] ?? upPids(events)[f.target];
    f.afterFinally = events.some((e) => e.ev === 'finally' && e.path === f.target);
    f.hit = !ended && pid !== undefined && isMarkedAlive(pid, marker) && ignoring('gone meanwhile', () => process.kill(pid, f.signal)) === true;
    if (f.hit && f.signal === 'SIGTERM' && f.target === 'root') termAt ??= performance.now();
    if (f.hit && f.contAfterMs !== undefined) {
      timers.push(setTimeout(() => {
        if (ended) return;
        f.resumed = ignoring('gone meanwhile', () => process.kill(pid!, 'SIGCONT')) === true;
        if (f.resumed && f.target === 'root') pausedMs += f.contAfterMs!;
      }, f.contAfterMs));
    }
  };

  createInterface({ input: child.stdout! }).on('line', (line) => {
    output.push(line);
    const msg = ignoring('not one of the root\'s JSON lines', () => JSON.parse(line) as { ev: string; pids?: Record<string, number>; facts?: Fact[] });
    if (msg?.ev === 'ready') {
      pids = msg.pids ?? {};
      for (const f of plan.faults) {
        const rec: FaultRecord = { ...f, hit: false, resumed: false };
        faults.push(rec);
        timers.push(setTimeout(() => apply(rec), f.atMs));
      }
    } else if (msg?.ev === 'body-end') bodyEndAt ??= performance.now();
    else if (msg?.ev === 'outcome') facts = msg.facts ?? [];
  });

  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const hangTimer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, HANG_MS);
  const { code, signal } = await exit;
  const exitAt = performance.now();
  ended = true;
  clearTimeout(hangTimer);
  for (const t of timers) clearTimeout(t);

  // the tree must be gone within ZERO_AFTER_MS of the root's end
  let left = markedProcesses(marker);
  let traced = '';
  while (left.length && performance.now() - exitAt < ZERO_AFTER_MS) {
    const now = left.map(describeProcess).join(', ');
    if (opts.trace && now !== traced) opts.trace(`+${Math.round(performance.now() - exitAt)} ms: ${(traced = now)}`);
    await new Promise((r) => setTimeout(r, 25));
    left = markedProcesses(marker);
  }
  const zeroMs = performance.now() - exitAt;
  if (left.length) killMarked(marker);

  const root: RootEnd = { code, signal, facts };
  const events = readEvents(logFile);
  const verdict = judge(plan, events, faults, root);
  const started = termAt ?? bodyEndAt;
  const teardownMs = signal === 'SIGKILL' || started === null ? null : exitAt - started;
  const slow = teardownMs !== null && teardownMs > teardownBoundMs(plan) + pausedMs;
  const ok = !hung && !slow && !left.length && !verdict.lost.length && !verdict.invented.length && !verdict.disorderly.length;
  writeFileSync(join(dir, 'root-output.txt'), output.join('\n'));
  writeFileSync(join(dir, 'faults.json'), JSON.stringify({ faults, root, elapsedMs: exitAt - t0 }, null, 1));
  if (ok) rmSync(dir, { recursive: true, force: true });
  return { seed: plan.seed, plan, verdict, hung, teardownMs, slow, left, zeroMs: left.length ? ZERO_AFTER_MS : zeroMs, events, faults, facts, dir, ok };
}

/** `pid state cmdline` of a process, for a trace. */
function describeProcess(pid: number): string {
  const argv = ignoring('gone meanwhile', () => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')) ?? [];
  const name = /"name":"([^"]+)"/.exec(argv.join(' '))?.[1];
  return `${pid}${procState(pid) ?? '-'} ${name ?? argv.slice(0, 3).join(' ').replace(/\s+/g, ' ').slice(0, 40)}`;
}

function readEvents(logFile: string): ChaosEvent[] {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => ignoring('a line cut short by a SIGKILL', () => [JSON.parse(l) as ChaosEvent]) ?? []);
}

/** The pids actors noted as up so far (for a fault on a tree that is still growing). */
function upPids(events: ChaosEvent[]): Record<string, number> {
  return Object.fromEntries(events.filter((e) => e.ev === 'up').map((e) => [e.path, e.pid!]));
}
