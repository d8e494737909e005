// Cancelling an actor nursery: `an.cancel()` inside an open context is absorbed (the
// nursery's own cancel, nothing escapes unhandled); a child that does not finish
// within the grace period is killed and the nursery's error says so; the nursery
// returns only once every child's exit has been reaped.
import { ActorKilledError, openActorNursery, openNursery, sleepForever } from '../../src/index.ts';
import { busyLoop, waitAndLog } from './fixtures/basic.ts';
import { BASIC, caught, expectAllGone } from './helpers.ts';

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

test.each(['fork', 'thread'] as const)('an.cancel() inside openContext is absorbed (%s actor)', async (backend) => {
  const pids: number[] = [];
  const r = await openActorNursery(async (an) => {
    const p = await an.startActor('waiter', { enableModules: [BASIC], backend });
    pids.push(p.pid);
    await p.openContext(waitAndLog, ['nursery-cancel'], async () => {
      void an.cancel();
      await sleepForever();
    });
    return 'not reached';
  });
  expect(r).toBeUndefined();
  // a turn of the loop for a stray rejection to surface
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
  expectAllGone(pids);
});

test('an.cancel() inside openContext is absorbed when the callee\'s cancel arrives before the body\'s', async () => {
  // The body's cancel reaches it on the next turn of the loop; the callee's answer to
  // the nursery tearing its actor down (ContextCancelled naming this actor) can come
  // first. Here the body waits for that answer without a checkpoint, then returns.
  const pids: number[] = [];
  const r = await openActorNursery(async (an) => {
    const p = await an.startActor('waiter', { enableModules: [BASIC], backend: 'thread' });
    pids.push(p.pid);
    await p.openContext(waitAndLog, ['echo-first'], async (ctx) => {
      void an.cancel();
      while (!ctx.done) await new Promise((resolve) => setImmediate(resolve));
    });
    return 'not reached';
  });
  expect(r).toBeUndefined();
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
  expectAllGone(pids);
});

test('await an.cancel() resolves once the children are gone; the body is cancelled after it', async () => {
  const pids: number[] = [];
  let after = false;
  const r = await openActorNursery(async (an) => {
    const p = await an.startActor('a', { enableModules: [BASIC] });
    pids.push(p.pid);
    await an.cancel();
    // no process left when cancel() resolves (reaped, not just disconnected)
    expectAllGone(pids);
    after = true;
    await sleepForever();
  });
  expect(after).toBe(true);
  expect(r).toBeUndefined();
});

test('a child that ignores the cancel is killed after the grace period, and the error says so', async () => {
  const pids: number[] = [];
  const t0 = performance.now();
  const err = await caught(
    openActorNursery(
      async (an) => {
        const p = await an.startActor('stuck', { enableModules: [BASIC] });
        pids.push(p.pid);
        await openNursery(async (n) => {
          n.startSoon(() => p.run(busyLoop));
          n.startSoon(() => an.cancel());
        });
      },
      { graceMs: 300, killMs: 200 },
    ),
  );
  expect(err).toBeInstanceOf(ActorKilledError);
  expect(err.message).toMatch(/^actor 'stuck' did not finish within the 300 ms grace period after cancel; killed with SIGKILL$/);
  expect(err.signal).toBe('SIGKILL');
  // returned only after the exit was reaped: no wait needed here
  expectAllGone(pids);
  expect(performance.now() - t0).toBeLessThan(5000);
});
