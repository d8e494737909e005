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
    // started once the child answered ready: wait for it to show up below the child
    for (let i = 0; i < 200 && watchers.length === 0; i++) {
      watchers = descendants(child.pid).filter((pid) => cmdline(pid).includes('furrow-orphan-watchdog'));
      if (watchers.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(watchers).toHaveLength(1);
    await child.cancelActor();
  });
  await waitAllGone(watchers, 2000);
});

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}
