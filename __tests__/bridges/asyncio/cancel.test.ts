// Cancellation and failure both ways, one test per row of the table.
// The parent dying is in orphans.test.ts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActorKilledError, ContextCancelled, TransportError, moveOnAfter, openActorNursery, sleepForever, withCancelScope } from 'furrow';
import { pack } from 'msgpackr';
import { alive, expectAllGone, pyActor, waitExited } from './helpers.ts';
import { RawPeer, SMALLEST_UUID, aid, frame } from './raw-peer.ts';

const tmp = mkdtempSync(join(tmpdir(), 'furrow-asyncio-'));

test('furrow cancels the context: absorbed here, CancelledError and finally in Python before the ack', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('py', pyActor());
    pids.push(p.pid);
    const r = await p.openContext('fx_basic:wait_forever', ['ctx-cancel'], async (ctx, first) => {
      expect(first).toBe('ctx-cancel');
      ctx.cancel();
      return 'not reached';
    });
    expect(r).toBeUndefined();
    // the finally ran before the callee answered the cancel
    expect(await p.run('fx_basic:events')).toContain('finally ctx-cancel');
    // a cancel scope around the opener: same
    await withCancelScope({}, async (scope) => {
      await p.openContext('fx_basic:wait_forever', ['scope-cancel'], async () => {
        scope.cancel();
        await sleepForever();
      });
    });
    expect(await p.run('fx_basic:events')).toContain('finally scope-cancel');
  });
  expectAllGone(pids);
});

test('furrow cancels the nursery: Python tasks get CancelledError, finally runs, the cancel is absorbed', async () => {
  const pids: number[] = [];
  const marks = [join(tmp, 'n1'), join(tmp, 'n2')];
  // an.cancel() inside an open context: the context's ContextCancelled (naming this
  // actor) must not escape; the nursery's own cancel is absorbed and nothing is unhandled
  const r = await openActorNursery(async (an) => {
    const p = await an.startActor('py', pyActor());
    pids.push(p.pid);
    await p.openContext('fx_basic:wait_forever', ['nursery', marks[0]], async () => {
      void an.cancel();
      await sleepForever();
    });
    return 'not reached';
  });
  expect(r).toBeUndefined();
  expect(readFileSync(marks[0]!, 'utf8')).toBe('finally ran');
  expectAllGone(pids);
});

test('cancelActor while a context is open: ContextCancelled naming the canceller, finally runs', async () => {
  const pids: number[] = [];
  const marks = [join(tmp, 'a1'), join(tmp, 'a2')];
  const third = await openActorNursery(async (an) => {
    const p = await an.startActor('py2', pyActor());
    pids.push(p.pid);
    // cancelActor from inside the body while the context is open: the opener did not cancel
    // the context itself, so it sees the actor's cancel as ContextCancelled naming the canceller
    return p
      .openContext('fx_basic:wait_forever', ['actor', marks[1]], async () => {
        await p.cancelActor();
        await sleepForever();
      })
      .catch((e) => e);
  }).catch((e) => e);
  // KNOWN (src/actor): it arrives as ContextCancelled, or as the Cancelled it interrupted the body with
  expect(String((third as Error).message)).toMatch(/cancelled by actor 'root'/);
  expect(readFileSync(marks[1]!, 'utf8')).toBe('finally ran');
  expectAllGone(pids);
});

test('a Python task that cancels itself: ContextCancelled naming the Python actor', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('py', pyActor());
    pids.push(p.pid);
    const e1 = (await p.run('fx_basic:cancel_self').catch((e) => e)) as ContextCancelled;
    expect(e1).toBeInstanceOf(ContextCancelled);
    expect(e1.canceller).toEqual(p.uid);
    expect(e1.srcUid).toEqual(p.uid);
    const e2 = (await p.openContext('fx_basic:ctx_cancel_self', [], async (ctx) => ctx.result()).catch((e) => e)) as ContextCancelled;
    expect(e2).toBeInstanceOf(ContextCancelled);
    expect(e2.canceller).toEqual(p.uid);
    expect(e2.message).toMatch(/giving up|cancelled itself/);
  });
  expectAllGone(pids);
});

test('the TypeScript side errors while streaming: its error propagates, the Python task is cancelled', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('py', pyActor());
    pids.push(p.pid);
    const err = await p
      .openContext('fx_basic:consume', [], async (ctx) =>
        ctx.openStream(async (s) => {
          for (let i = 0; i < 10; i++) await s.send(i);
          throw new Error('ts side failed');
        }),
      )
      .catch((e) => e);
    expect((err as Error).message).toBe('ts side failed');
    const events = (await p.run('fx_basic:events')) as string[];
    expect(events.some((e) => e.startsWith('consume cancelled after'))).toBe(true);
  });
  expectAllGone(pids);
});

test('the Python process dies (exit, SIGKILL): TransportError at the waiting side within a second', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('dies', pyActor());
    pids.push(p.pid);
    const t0 = Date.now();
    const e1 = await p.run('fx_basic:exit_now', 7).catch((e) => e);
    expect(e1).toBeInstanceOf(TransportError);
    expect(Date.now() - t0).toBeLessThan(1000);
  }).catch((e) => e);
  await openActorNursery(async (an) => {
    const p = await an.startActor('killed', pyActor());
    pids.push(p.pid);
    const e2 = await p
      .openContext('fx_basic:wait_forever', ['k'], async (ctx) => {
        const t0 = Date.now();
        process.kill(p.pid, 'SIGKILL');
        const e = await ctx.result().catch((x) => x);
        expect(Date.now() - t0).toBeLessThan(1000);
        throw e;
      })
      .catch((e) => e);
    expect(e2).toBeInstanceOf(TransportError);
  }).catch((e) => e);
  expectAllGone(pids);
});

test('portal.kill() of a Python actor takes the processes its code started too', async () => {
  const pids: number[] = [];
  try {
    await openActorNursery(async (an) => {
      const p = await an.startActor('starter', pyActor());
      pids.push(p.pid, (await p.run('fx_basic:start_sleeper')) as number);
      expect(alive(pids[1]!)).toBe(true);
      await p.kill();
    });
    // the sleeper was not our child: once killed it may stay a zombie until init reaps it
    await waitExited(pids[1]!, 3000);
    expectAllGone([pids[0]!]);
  } finally {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});

test.each([
  ['Python code that swallows CancelledError', 'stubborn', 'fx_basic:swallow_ctx'],
  ['a Python task that blocks the loop', 'blocked', 'fx_basic:block_ctx'],
])('%s: teardown escalates to SIGTERM/SIGKILL after the grace period, and the error says so', async (_what, name, fn) => {
  const pids: number[] = [];
  const t0 = Date.now();
  const err = await openActorNursery(
    async (an) => {
      const p = await an.startActor(name, pyActor());
      pids.push(p.pid);
      await p.openContext(fn, [], async () => {
        void an.cancel();
        await sleepForever();
      }, { cancelWaitMs: 300 });
    },
    { graceMs: 300, killMs: 300 },
  ).catch((e) => e);
  expect(Date.now() - t0).toBeLessThan(6000);
  expect(err).toBeInstanceOf(ActorKilledError);
  expect((err as Error).message).toMatch(new RegExp(`actor '${name}' did not finish within the 300 ms grace period after cancel; killed with SIG(TERM|KILL)`));
  expectAllGone(pids);
});

test.each([
  ['after the handshake: the task is made, then cancelled before its first step', false],
  ['with the Aid: the dialog waits for the server to take it, and the Cancel with it', true],
])('a Cancel read in the same chunk as its Start (%s): CancelAck and ContextCancelled, the body never runs', async (_case, withAid) => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('py', pyActor());
    pids.push(p.pid);
    const peer = await RawPeer.connect((p.addr as { path: string }).path);
    const me = ['early', SMALLEST_UUID]; // odd cids
    const hello = frame(aid(me[0], me[1]));
    const call = Buffer.concat([
      frame({ type: 'Start', cid: 1, ns: 'fx_basic', func: 'sleep_forever', pld: pack(['early']) }),
      frame({ type: 'Cancel', cid: 1, canceller: me, reason: 'changed my mind' }),
    ]);
    if (withAid) peer.write(Buffer.concat([hello, call])); // one write: all three read at once
    else {
      peer.write(hello);
      expect((await peer.next()).type).toBe('Aid');
      peer.write(call); // one write: both read before the task takes a step
    }
    const answers: Record<string, unknown>[] = [];
    // bounded: without the fixes no answer ever came
    await moveOnAfter(10_000, async () => {
      while (answers.length < 2) {
        const r = await peer.next();
        if (r.cid === 1) answers.push(r);
      }
    });
    expect(answers[0]).toMatchObject({ type: 'CancelAck', cid: 1, ok: true });
    expect(answers[1]).toMatchObject({ type: 'Error', cid: 1, error: { boxedType: 'ContextCancelled', canceller: me } });
    expect((answers[1]!.error as { message: string }).message).toBe("cancelled by actor 'early' (changed my mind)");
    await peer.close();
    // the body never ran (no finally), and the actor serves on
    expect(await p.run('fx_basic:events')).not.toContain('finally early');
  });
  expectAllGone(pids);
});

test('run() cancelled right after it sent its Start: answered at once, never RemoteCancelIgnoredError', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('py', pyActor());
    pids.push(p.pid);
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      // the Cancel follows the Start within microseconds: the actor reads them in one
      // chunk or in two, depending on when its loop wakes; both must be answered
      const err = await withCancelScope({}, async (scope) => {
        const call = p.run('fx_basic:sleep_forever', `early-${i}`);
        scope.cancel();
        return call;
      }).catch((e: unknown) => e);
      expect(err).toBeUndefined(); // absorbed by its scope
      expect(Date.now() - t0).toBeLessThan(p.cancelWaitMs);
    }
  });
  expectAllGone(pids);
});

test('a call that starts while the actor stops is cancelled at once, not run', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('py', pyActor());
    pids.push(p.pid);
    const peer = await RawPeer.connect((p.addr as { path: string }).path);
    await peer.handshake('late', SMALLEST_UUID); // odd cids
    // a call whose cleanup keeps the actor's stop waiting for 1 s
    peer.send({ type: 'Start', cid: 1, ns: 'fx_basic', func: 'slow_to_stop', pld: pack([1]) });
    const stopped = p.cancelActor();
    // calls go on until one meets the stop: before it they return, after it they are
    // answered as cancelled by the actor (before the fix they ran, and returned)
    let answer: Record<string, unknown> | undefined;
    for (let cid = 3; cid < 10_000 && answer === undefined; cid += 2) {
      peer.send({ type: 'Start', cid, ns: 'fx_basic', func: 'echo', pld: pack([cid]) });
      for (;;) {
        const r = await peer.next();
        if (r.cid !== cid) continue;
        if (r.type === 'Error') answer = r;
        break;
      }
    }
    expect(answer).toMatchObject({ type: 'Error', error: { boxedType: 'ContextCancelled' } });
    expect((answer!.error as { message: string }).message).toMatch(/actor cancelled/);
    await stopped;
    await peer.ended;
  }, { graceMs: 10_000 }); // a safety net: the stop waits 1 s for the slow call's cleanup
  expectAllGone(pids);
});
