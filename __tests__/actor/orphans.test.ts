// No orphans, whatever the orphan is doing: a child actor whose parent is SIGKILLed
// is gone within the orphan bound (poll 0.25 s + the grace, 0.5 s here) even when
// its loop spins, when it ignores its cancel, or when it is stopped; the middle
// actor of three SIGKILLed takes the same road for its stuck child.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { ActorDiedError, ErrorGroup, openActorNursery, sleepForever } from '../../src/index.ts';
import { descendants } from '../../src/actor/spawn/kill-tree.ts';
import { stuckPair } from './fixtures/basic.ts';
import { BASIC, caught, fixture, isAlive, waitAllGone } from './helpers.ts';

/** The bound these tests allow: poll (0.25 s) + grace (0.5 s), with room for a loaded machine. */
const ORPHAN_BOUND_MS = 3000;

async function startOrphanRoot(ctxFn: string): Promise<{ root: number; pids: number[] }> {
  const child = spawn(process.execPath, ['--conditions=furrow-source', fixture('orphan-root.ts'), ctxFn], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error('orphan root exited early');
    }),
  ])) as [string];
  return JSON.parse(line) as { root: number; pids: number[] };
}

function killAll(pids: number[]): void {
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL'); // only after a failure
}

test.each([
  ['spins in a synchronous loop', 'startedThenSpin', false],
  ['ignores its cancel', 'startedThenIgnoreCancel', false],
  ['is stopped (SIGSTOP)', 'startedThenIgnoreCancel', true],
])('a child that %s is gone soon after its root is SIGKILLed', async (_what, ctxFn, stop) => {
  const { root, pids } = await startOrphanRoot(ctxFn);
  try {
    if (stop) process.kill(pids[0]!, 'SIGSTOP');
    process.kill(root, 'SIGKILL');
    expect(await waitAllGone(pids, ORPHAN_BOUND_MS + 2000)).toBeLessThan(ORPHAN_BOUND_MS);
  } finally {
    killAll([root, ...pids]);
  }
});

/** Forks argv[1:] and never reaps it: once it dies it stays a zombie until this process exits. */
const NEVER_REAPS = 'import os, sys, time\nif os.fork() == 0:\n    os.execv(sys.argv[1], sys.argv[1:])\ntime.sleep(120)';

test('a child is gone within the bound even when its dead parent stays an unreaped zombie', async () => {
  // a parent whose own parent died too is reaped by pid 1, which in a container may
  // take seconds or never happen; the watchdog must not take the zombie for a parent
  const holder = spawn('/usr/bin/python3', ['-c', NEVER_REAPS, process.execPath, '--conditions=furrow-source', fixture('orphan-root.ts'), 'startedThenSpin'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let pids: number[] = [];
  try {
    const [line] = (await once(createInterface({ input: holder.stdout! }), 'line')) as [string];
    const tree = JSON.parse(line) as { root: number; pids: number[] };
    pids = [tree.root, ...tree.pids];
    process.kill(tree.root, 'SIGKILL');
    while (!readFileSync(`/proc/${tree.root}/stat`, 'utf8').includes(') Z ')) await new Promise((r) => setTimeout(r, 5));
    expect(await waitAllGone(tree.pids, ORPHAN_BOUND_MS + 2000)).toBeLessThan(ORPHAN_BOUND_MS);
    expect(readFileSync(`/proc/${tree.root}/stat`, 'utf8')).toContain(') Z '); // still not reaped
  } finally {
    killAll(pids);
    holder.kill('SIGKILL');
  }
});

test('the middle actor of three SIGKILLed: its child, spinning, is gone within the bound', async () => {
  const pids: number[] = [];
  let killedAt = 0;
  try {
    const err = await caught(
      openActorNursery(
        async (an) => {
          const mid = await an.startActor('mid', { enableModules: [BASIC] });
          await mid.openContext(stuckPair, [BASIC], async (_ctx, both: number[]) => {
            pids.push(...both);
            killedAt = performance.now();
            process.kill(both[0]!, 'SIGKILL'); // the middle one; its child spins on
            await sleepForever();
          });
        },
        { graceMs: 500, killMs: 300 },
      ),
    );
    // the root hears of the death (beside the context that broke with it)
    const all: unknown[] = err instanceof ErrorGroup ? err.errors : [err];
    expect(all.some((e) => e instanceof ActorDiedError)).toBe(true);
    await waitAllGone(pids, ORPHAN_BOUND_MS + 2000);
    expect(performance.now() - killedAt).toBeLessThan(ORPHAN_BOUND_MS);
  } finally {
    killAll(pids);
  }
});

test('the watchdog is a small process below its actor, and goes when the actor exits in order', async () => {
  let watchers: number[] = [];
  await openActorNursery(async (an) => {
    const child = await an.startActor('watched', { enableModules: [BASIC] });
    // started once the child answered ready: wait for it to show up below the child (its
    // direct child: the one-off subshell that makes the watcher's idle pipe is below it)
    for (let i = 0; i < 200 && watchers.length === 0; i++) {
      watchers = descendants(child.pid).filter((pid) => parentOf(pid) === child.pid && cmdline(pid).includes('furrow-orphan-watchdog'));
      if (watchers.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(watchers).toHaveLength(1);
    await child.cancelActor();
  });
  await waitAllGone(watchers, 2000);
});

/** The parent pid of `pid` from /proc (0 if it is gone). */
function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0; // gone meanwhile
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}
