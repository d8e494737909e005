// A frozen peer does not hang its callers: a child stopped (SIGSTOP) for 5 s is
// declared dead, and a pending call and a stream receive fail with a clear error;
// a child busy in a synchronous loop for longer than that is not dead.
import { ErrorGroup, openActorNursery, TransportError } from '../../src/index.ts';
import { busyFor, counter, hang } from './fixtures/basic.ts';
import { BASIC, caught, isAlive, waitAllGone } from './helpers.ts';

/** 5 s of stop, at most 1 s until the next look, and room for a loaded machine. */
const FROZEN_BOUND_MS = 8000;

test('a call pending on a child that is then stopped fails within the bound, and the stopped child is reaped', async () => {
  const pids: number[] = [];
  try {
    let failedAfter = 0;
    let callError: unknown;
    await caught(
      openActorNursery(async (an) => {
        const p = await an.startActor('frozen', { enableModules: [BASIC] });
        pids.push(p.pid);
        const call = p.run(hang);
        process.kill(p.pid, 'SIGSTOP');
        const t0 = performance.now();
        callError = await caught(call);
        failedAfter = performance.now() - t0;
        throw callError;
      }),
    );
    expect(callError).toBeInstanceOf(TransportError);
    expect((callError as Error).message).toMatch(/peer 'frozen' is dead: peer process \d+ has been stopped for [56] s/);
    expect(failedAfter).toBeGreaterThanOrEqual(4900);
    expect(failedAfter).toBeLessThan(FROZEN_BOUND_MS);
    await waitAllGone(pids, 3000); // the nursery's teardown killed it, stopped as it was
  } finally {
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL'); // only after a failure
  }
}, 30_000);

test('a stream receive from a peer that is then stopped does not hang: the tree fails within the bound, saying why', async () => {
  const pids: number[] = [];
  try {
    let stoppedAt = 0;
    let failedAfter = Infinity;
    const err = await caught(
      openActorNursery(async (an) => {
        const p = await an.startActor('frozen-stream', { enableModules: [BASIC] });
        pids.push(p.pid);
        await p.openContext(counter, [10], async (ctx) => {
          await ctx.openStream<void, number>(async (stream) => {
            expect(await stream.receive()).toBe(0);
            process.kill(p.pid, 'SIGSTOP');
            stoppedAt = performance.now();
            try {
              for (;;) await stream.receive();
            } finally {
              failedAfter = performance.now() - stoppedAt;
            }
          });
        });
      }),
    );
    expect(failedAfter).toBeLessThan(FROZEN_BOUND_MS); // the receive did not hang
    const all: Error[] = err instanceof ErrorGroup ? (err.errors as Error[]) : [err];
    expect(all.some((e) => e instanceof TransportError && /peer 'frozen-stream' is dead: .* stopped for [56] s/.test(e.message))).toBe(true);
    await waitAllGone(pids, 3000);
  } finally {
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}, 30_000);

test('a child busy in a synchronous loop for 7 s is not declared dead', async () => {
  const answer = await openActorNursery(async (an) => {
    const p = await an.startActor('busy', { enableModules: [BASIC] });
    return p.run(busyFor, 7000);
  });
  expect(answer).toBe(7000);
}, 30_000);
