// The /proc watch on a peer of this host, against real processes with short bounds:
// stopped past the bound is dead, a stop that ends in time is not, a process gone
// is dead at the next look, and nothing is read while the peer is not busy.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { watchPeer } from '../../src/ipc/peer-liveness.ts';

const OPTS = { pollMs: 50, frozenMs: 300 };

function sleeper(): ChildProcess {
  return spawn('sleep', ['30'], { stdio: 'ignore' });
}

/** Watch `child`; resolves with the first reason it is declared dead. */
function deathOf(child: ChildProcess, busy = () => true): { reason: Promise<string>; stop: () => void } {
  let stop: (() => void) | undefined;
  const reason = new Promise<string>((resolve) => {
    stop = watchPeer({ pid: child.pid!, busy, dead: resolve }, OPTS);
  });
  return { reason, stop: () => stop?.() };
}

test('a peer stopped past frozenMs is dead; the reason names its pid and the stop', async () => {
  const child = sleeper();
  try {
    const watch = deathOf(child);
    child.kill('SIGSTOP');
    const t0 = performance.now();
    expect(await watch.reason).toMatch(new RegExp(`peer process ${child.pid} has been stopped for \\d+ s`));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    watch.stop();
  } finally {
    child.kill('SIGKILL');
  }
});

test('a stop shorter than frozenMs is forgiven', async () => {
  const child = sleeper();
  try {
    let dead: string | undefined;
    const stop = watchPeer({ pid: child.pid!, busy: () => true, dead: (r) => (dead = r) }, OPTS);
    child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, 500)); // past frozenMs in all: the stop did not last
    expect(dead).toBeUndefined();
    stop!();
  } finally {
    child.kill('SIGKILL');
  }
});

test('a peer that exits is dead at the next look', async () => {
  const child = sleeper();
  const watch = deathOf(child);
  child.kill('SIGKILL');
  await once(child, 'exit');
  expect(await watch.reason).toMatch(/is gone|has exited/);
  watch.stop();
});

test('an idle link (nothing waiting on the peer) does not time a stop', async () => {
  const child = sleeper();
  try {
    let busy = false;
    let dead: string | undefined;
    const stop = watchPeer({ pid: child.pid!, busy: () => busy, dead: (r) => (dead = r) }, OPTS);
    child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 500));
    expect(dead).toBeUndefined();
    busy = true; // a call starts: the stop is timed from now
    const t0 = performance.now();
    while (dead === undefined) await new Promise((r) => setTimeout(r, 20));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    stop!();
  } finally {
    child.kill('SIGKILL');
  }
});
