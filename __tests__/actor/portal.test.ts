// Portal: `kill()` ends a child at once and its nursery takes the exit as asked for;
// a cancelled `run` whose callee does not stop in `cancelWaitMs` throws
// `RemoteCancelIgnoredError` (and one that stops is waited for); `canRun` checks a
// function's name before a call; a cancel that lands while the `Start` is still
// being written still stops the callee. Every test checks that no process is left.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ActorKilledError,
  CancelIgnoredError,
  RemoteCancelIgnoredError,
  TransportError,
  isCancelled,
  moveOnAfter,
  openActorNursery,
  withCancelScope,
} from '../../src/index.ts';
import { add } from './fixtures/basic.ts';
import { notEnabled } from './fixtures/other.ts';
import { holdThenClean, spinForever, startThenSpin } from './fixtures/portal-jobs.ts';
import { BASIC, caught, expectAllGone, fixture } from './helpers.ts';

const JOBS = fixture('portal-jobs.ts');
const OTHER = fixture('other.ts');

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'furrow-portal-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(['fork', 'thread'] as const)('portal.kill() (%s actor)', (backend) => {
  test('kills a busy child at once; calls to it fail, the nursery and its other children go on', async () => {
    const pids: number[] = [];
    const t0 = performance.now();
    // a long grace: going through the nursery's cancel / grace / SIGTERM escalation would take > 5 s
    const r = await openActorNursery(
      async (an) => {
        const stuck = await an.startActor('stuck', { enableModules: [JOBS], backend });
        const other = await an.startActor('other', { enableModules: [BASIC], backend });
        pids.push(stuck.pid, other.pid);
        const call = stuck.run(spinForever);
        await stuck.kill();
        expect(stuck.conn.closed).toBe(true);
        if (backend === 'fork') expectAllGone([stuck.pid]);
        expect(await caught(call)).toBeInstanceOf(TransportError);
        expect(an.portals).toEqual([other]);
        await stuck.kill(); // once gone: a no-op
        return other.run(add, 2, 3);
      },
      { graceMs: 5000 },
    );
    expect(r).toBe(5);
    expect(performance.now() - t0).toBeLessThan(4000);
    expectAllGone(pids);
  });
});

test('a portal to an actor that is not our child cannot be killed', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('c', { enableModules: [BASIC] });
    pids.push(p.pid);
    const { Portal } = await import('../../src/actor/portal.ts');
    const notOurs = new Portal(p.conn);
    await expect(notOurs.kill()).rejects.toThrow(/not a child of this actor/);
  });
  expectAllGone(pids);
});

describe('a context whose callee does not stop within cancelWaitMs', () => {
  test('after ctx.cancel() in the body: RemoteCancelIgnoredError, not a silent return', async () => {
    const pids: number[] = [];
    await openActorNursery(async (an) => {
      const p = await an.startActor('spinner', { enableModules: [JOBS] });
      pids.push(p.pid);
      const err = await caught(p.openContext(startThenSpin, [], (ctx) => ctx.cancel(), { cancelWaitMs: 200 }));
      expect(err).toBeInstanceOf(RemoteCancelIgnoredError);
      expect(err.target).toMatch(/portal-jobs\.ts:startThenSpin$/);
      expect(err.uid).toEqual(p.uid);
      expect(err.waitMs).toBe(200);
      await p.kill();
    });
    expectAllGone(pids);
  });

  test('after the opener is cancelled: RemoteCancelIgnoredError with the Cancelled as its cause', async () => {
    const pids: number[] = [];
    await openActorNursery(async (an) => {
      const p = await an.startActor('spinner', { enableModules: [JOBS] });
      pids.push(p.pid);
      const err = await caught(
        withCancelScope({}, (scope) => p.openContext(startThenSpin, [], () => scope.cancel('enough'), { cancelWaitMs: 200 })),
      );
      expect(err).toBeInstanceOf(RemoteCancelIgnoredError);
      expect(isCancelled(err.cause)).toBe(true);
      await p.kill();
    });
    expectAllGone(pids);
  });
});

describe('a cancelled portal.run', () => {
  test('whose callee does not stop within cancelWaitMs throws RemoteCancelIgnoredError', async () => {
    const pids: number[] = [];
    await openActorNursery(async (an) => {
      const p = await an.startActor('spinner', { enableModules: [JOBS] });
      pids.push(p.pid);
      p.cancelWaitMs = 200;
      const err = await caught(moveOnAfter(50, () => p.run(spinForever)));
      expect(err).toBeInstanceOf(RemoteCancelIgnoredError);
      expect(err).toBeInstanceOf(CancelIgnoredError);
      expect(err.target).toMatch(/portal-jobs\.ts:spinForever$/);
      expect(err.uid).toEqual(p.uid);
      expect(err.waitMs).toBe(200);
      expect(isCancelled(err.cause)).toBe(true);
      await p.kill();
    });
    expectAllGone(pids);
  });

  test('whose callee stops in time throws its Cancelled once the finally has run', async () => {
    const pids: number[] = [];
    const file = join(tmp, 'cleaned');
    await openActorNursery(async (an) => {
      const p = await an.startActor('cleaner', { enableModules: [JOBS] });
      pids.push(p.pid);
      p.cancelWaitMs = 5000;
      await withCancelScope({}, async (scope) => {
        const call = p.run(holdThenClean, 'abc', file, 300);
        // the call is running once a trivial call on another dialog has come back
        await p.run('furrow:runtime:ready').catch(() => {});
        scope.cancel('enough');
        const err = await caught(call);
        expect(isCancelled(err)).toBe(true);
        expect(readFileSync(file, 'utf8')).toBe('3');
      });
    });
    expectAllGone(pids);
  });

  test('that ignores a nursery cancel is reported once, as the ActorKilledError of its actor', async () => {
    const pids: number[] = [];
    const err = await caught(
      openActorNursery(
        async (an) => {
          const p = await an.startActor('spinner', { enableModules: [JOBS] });
          pids.push(p.pid);
          setImmediate(() => void an.cancel());
          await p.run(spinForever);
        },
        { graceMs: 200, killMs: 300 },
      ),
    );
    expect(err).toBeInstanceOf(ActorKilledError);
    expectAllGone(pids);
  });
});

test('portal.canRun checks that a function is an export of a module the actor enables', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const a = await an.startActor('a', { enableModules: [BASIC] });
    const b = await an.startActor('b', { enableModules: [OTHER] });
    pids.push(a.pid, b.pid);
    expect(a.canRun(add)).toBe(true);
    expect(a.canRun(`${BASIC}:add`)).toBe(true);
    // loaded as enabled for b, not for a
    expect(a.canRun(notEnabled)).toBe(false);
    expect(b.canRun(notEnabled)).toBe(true);
    expect(a.canRun(`${OTHER}:notEnabled`)).toBe(false);
    expect(a.canRun(`${BASIC}:noSuchExport`)).toBe(false);
    expect(a.canRun(() => 1)).toBe(false);
    expect(a.canRun('no-colon')).toBe(false);
    expect(await a.run(add, 1, 2)).toBe(3);
  });
  expectAllGone(pids);
});

test('a cancel that lands while the Start is still being written stops the callee too', async () => {
  const pids: number[] = [];
  const file = join(tmp, 'cleaned');
  // a payload far larger than the socket's buffers: the Start waits for the transport to drain
  const big = 'x'.repeat(32 << 20);
  await openActorNursery(async (an) => {
    const p = await an.startActor('callee', { enableModules: [JOBS] });
    pids.push(p.pid);
    p.cancelWaitMs = 10_000;
    await withCancelScope({}, async (scope) => {
      scope.cancel('cancelled before the Start is out');
      const err = await caught(p.run(holdThenClean, big, file));
      expect(isCancelled(err)).toBe(true);
    });
    // run waited for the callee's answer: its finally has run
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(String(big.length));
  });
  expectAllGone(pids);
});
