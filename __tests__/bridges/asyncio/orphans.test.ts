// A Python actor whose parent is SIGKILLed is gone, with the processes it started,
// within about a second (docs/asyncio.md "Parent gone"), whatever it was doing: a free
// loop, a loop blocked in time.sleep or in a busy loop, stopped by SIGSTOP, or already
// stopping after a cancel it ignores.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { alive, exited, waitExited } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'furrow-orphans-'));
const PARENT = fileURLToPath(new URL('./fixtures/orphan-parent.ts', import.meta.url));
/** The documented bound is 1.1 s (poll 0.1 s + grace 0.9 s + the subtree kill); 2 s leaves room for a loaded machine. */
const BOUND_MS = 2000;

type Tree = { parent: ChildProcess; py: number; sleeper: number; path: string; lines: Lines };

/** The stdout lines of a process, kept, so that each wait sees the ones that came before it. */
class Lines {
  #seen: string[] = [];
  #closed = false;
  #wake: (() => void) | null = null;
  constructor(rl: Interface) {
    rl.on('line', (l) => this.#push(l));
    rl.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
  }
  #push(line: string): void {
    this.#seen.push(line);
    this.#wake?.();
  }
  /** The first line (since the last one returned) that `match`es. */
  async next(match: (line: string) => boolean): Promise<string> {
    for (;;) {
      const i = this.#seen.findIndex(match);
      if (i >= 0) return this.#seen.splice(0, i + 1)[i]!;
      if (this.#closed) throw new Error(`the parent ended before printing the expected line (it printed: ${this.#seen.join(' | ')})`);
      await new Promise<void>((r) => (this.#wake = r));
    }
  }
}

/** Start orphan-parent.ts in `mode`; resolve once it printed the Python actor's pid and its sleeper's. */
async function startTree(mode: string, mark = join(tmp, mode)): Promise<Tree> {
  const parent = spawn(process.execPath, ['--conditions=furrow-source', '--no-warnings', PARENT, mark, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = new Lines(createInterface({ input: parent.stdout! }));
  const first = await lines.next((l) => l.startsWith('{'));
  const { pid, sleeper, path } = JSON.parse(first) as { pid: number; sleeper: number; path: string };
  return { parent, py: pid, sleeper, path, lines };
}

/**
 * SIGKILL the parent; return how long until the Python actor and its sleeper had both
 * exited (the actor's socket file must be gone by then too).
 */
async function killParent(t: Tree): Promise<number> {
  expect(existsSync(t.path)).toBe(true);
  const parentExit = once(t.parent, 'exit');
  t.parent.kill('SIGKILL');
  await parentExit;
  const t0 = Date.now();
  await waitExited(t.py, 10_000);
  await waitExited(t.sleeper, 10_000);
  const took = Date.now() - t0;
  expect(existsSync(t.path)).toBe(false);
  return took;
}

function state(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0]!;
}

/** Kill whatever a failed test left (the pids were recorded, never found by name). */
function cleanUp(t: Tree | undefined): void {
  for (const pid of [t?.parent.pid, t?.py, t?.sleeper]) if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
}

test.each([
  ['time.sleep', 'sleep'],
  ['a pure-Python busy loop', 'spin'],
])('a Python actor whose loop is blocked in %s is gone with its subprocess when its parent is SIGKILLed', async (_what, mode) => {
  let t: Tree | undefined;
  try {
    t = await startTree(mode);
    await t.lines.next((l) => l === '[orphan] blocking the loop');
    const took = await killParent(t);
    expect(took).toBeLessThan(BOUND_MS);
    expect([t.py, t.sleeper, t.parent.pid!].filter((p) => !exited(p))).toEqual([]);
  } finally {
    cleanUp(t);
  }
});

test('a free Python actor runs its finally, and its subprocess is killed, when its parent is SIGKILLed', async () => {
  let t: Tree | undefined;
  try {
    t = await startTree('free', join(tmp, 'free-mark'));
    const took = await killParent(t);
    expect(took).toBeLessThan(BOUND_MS);
    expect(readFileSync(join(tmp, 'free-mark'), 'utf8')).toBe('finally ran');
    expect([t.py, t.sleeper].filter((p) => !exited(p))).toEqual([]);
  } finally {
    cleanUp(t);
  }
});

test('a SIGSTOPped Python actor is woken and gone when its parent is SIGKILLed', async () => {
  let t: Tree | undefined;
  try {
    t = await startTree('free', join(tmp, 'stopped-mark'));
    process.kill(t.py, 'SIGSTOP');
    while (state(t.py) !== 'T') await new Promise((r) => setTimeout(r, 5));
    const took = await killParent(t);
    expect(took).toBeLessThan(BOUND_MS);
    // woken by SIGCONT (its parent-death signal), it even ran its finally
    expect(existsSync(join(tmp, 'stopped-mark'))).toBe(true);
    expect([t.py, t.sleeper].filter((p) => !exited(p))).toEqual([]);
  } finally {
    cleanUp(t);
  }
});

test('a Python actor already stopping after a cancel it swallows is gone when its parent dies during the grace period', async () => {
  let t: Tree | undefined;
  try {
    t = await startTree('cancelled');
    // the actor got furrow:runtime:cancel and its task group now waits for the stubborn task
    await t.lines.next((l) => l === '[orphan] swallowed a cancel');
    const took = await killParent(t);
    expect(took).toBeLessThan(BOUND_MS);
    expect([t.py, t.sleeper].filter((p) => !exited(p))).toEqual([]);
  } finally {
    cleanUp(t);
  }
});
