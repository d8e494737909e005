// Contexts and streams: ping-pong, misuse boxed as errors, cancellation from
// either side or from a third actor, timeouts around infinite streams, dropped
// connections, credit-window flow control, overruns, and fan-out.
import {
  ContextCancelled,
  RemoteActorError,
  StreamOverrun,
  TransportError,
  moveOnAfter,
  openActorNursery,
  openNursery,
  sleep,
} from '../../src/index.ts';
import { add, cancelByName, counter, getLog, greeter, notAContext, pingPong, produce, selfCancel, startedTwice, streamBeforeStarted, waitAndLog } from './fixtures/basic.ts';
import { BASIC, caught, expectAllGone } from './helpers.ts';

test('a context ping-pong of 10 messages over a stream', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('ponger', { enableModules: [BASIC] });
    const got: number[] = [];
    const out = await p.openContext(pingPong, [], async (ctx, first) => {
      expect(first).toBe('ready');
      await ctx.openStream<number, void>(async (stream) => {
        for (let i = 0; i < 10; i++) {
          await stream.send(i * 10);
          got.push(await stream.receive());
        }
      });
      return ctx.result();
    });
    expect(got).toEqual([1, 11, 21, 31, 41, 51, 61, 71, 81, 91]);
    expect(out).toBe('done');
  });
});

test('a context typed Context<unknown, S> gives the opener a first value of type S', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('greeter', { enableModules: [BASIC] });
    const length = await p.openContext(greeter, ['ann'], (_ctx, first) => {
      // @ts-expect-error `first` is a string (npm run typecheck fails if it is any)
      const wrong: number = first;
      void wrong;
      return first.length;
    });
    expect(length).toBe('hello ann'.length);
  });
});

test('started() twice and openStream() before started() are boxed errors', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('misuse', { enableModules: [BASIC] });
    const twice = await caught(p.openContext(startedTwice, [], async (ctx) => ctx.result()));
    expect(twice).toBeInstanceOf(RemoteActorError);
    expect(twice.message).toMatch(/started\(\) was called twice/);
    const early = await caught(p.openContext(streamBeforeStarted, [], async () => {}));
    expect(early).toBeInstanceOf(RemoteActorError);
    expect(early.message).toMatch(/openStream\(\) before started\(\)/);
    // a plain function is not a context, and a context is not a plain function
    expect((await caught(p.openContext(`${BASIC}:notAContext`, [], async () => {}))).message).toMatch(/not a context function/);
    expect((await caught(p.run(`${BASIC}:pingPong`))).message).toMatch(/is a context function/);
    void notAContext;
    expect(await p.run(add, 1, 2)).toBe(3);
  });
});

test("the opener's ctx.cancel() is absorbed, and the callee's finally ran", async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('logger', { enableModules: [BASIC] });
    const r = await p.openContext(waitAndLog, ['one'], async (ctx) => {
      ctx.cancel();
      await sleep(60_000);
      return 'not reached';
    });
    expect(r).toBeUndefined();
    expect(await p.run(getLog)).toEqual(['finally one']);
  });
});

test('a callee cancelling itself gives ContextCancelled naming it', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('quitter', { enableModules: [BASIC] });
    const err = await caught(p.openContext(selfCancel, [], async (ctx) => ctx.result()));
    expect(err).toBeInstanceOf(ContextCancelled);
    expect(err.canceller).toEqual(p.uid);
  });
});

test("a third actor's cancelActor gives ContextCancelled with that canceller", async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const victim = await an.startActor('victim', { enableModules: [BASIC] });
    const killer = await an.startActor('killer', { enableModules: [BASIC] });
    pids.push(victim.pid, killer.pid);
    const err = await caught(
      victim.openContext(waitAndLog, ['two'], async (ctx) => {
        await killer.run(cancelByName, 'victim');
        return ctx.result();
      }),
    );
    expect(err).toBeInstanceOf(ContextCancelled);
    expect(err.canceller).toEqual(killer.uid);
  });
  expectAllGone(pids);
});

test('a timeout around an infinite stream cancels it, and the actor goes on serving', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('counter', { enableModules: [BASIC] });
    let last = -1;
    const r = await moveOnAfter(300, () =>
      p.openContext(counter, [0], async (ctx) =>
        ctx.openStream<number, void>(async (stream) => {
          for await (const i of stream) {
            expect(i).toBe(last + 1);
            last = i;
          }
        }),
      ),
    );
    expect(r).toBeUndefined();
    expect(last).toBeGreaterThan(10);
    expect(await p.run(add, 2, 2)).toBe(4);
  });
});

test('a connection dropped mid-stream fails the waiting side with TransportError', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('dropper', { enableModules: [BASIC] });
    const err = await caught(
      p.openContext(counter, [5], async (ctx) =>
        ctx.openStream<number, void>(async (stream) => {
          for await (const i of stream) if (i === 3) p.conn.transport.destroy();
        }),
      ),
    );
    expect(err).toBeInstanceOf(TransportError);
  });
});

test('a SIGKILLed callee mid-stream: the opener fails at once, nothing hangs', async () => {
  const err = await caught(
    openActorNursery(async (an) => {
      const p = await an.startActor('victim', { enableModules: [BASIC] });
      await p.openContext(counter, [1], async (ctx) =>
        ctx.openStream<number, void>(async (stream) => {
          for await (const i of stream) if (i === 3) process.kill(p.pid, 'SIGKILL');
        }),
      );
    }),
  );
  const errs = err.errors ?? [err];
  for (const e of errs) expect(['TransportError', 'ActorDiedError']).toContain(e.name);
});

test('flow control: a producer 100x faster than its consumer delivers every message in order, bounded', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('producer', { enableModules: [BASIC] });
    const N = 400;
    let next = 0;
    let maxBuffered = 0;
    const sent = await p.openContext(produce, [N], async (ctx) => {
      await ctx.openStream<number, void>(
        async (stream) => {
          for await (const i of stream) {
            expect(i).toBe(next++);
            maxBuffered = Math.max(maxBuffered, stream.buffered);
            if (i % 20 === 0) await sleep(2);
          }
        },
        { window: 16 },
      );
      return ctx.result();
    });
    expect(next).toBe(N);
    expect(sent).toBe(N);
    expect(maxBuffered).toBeLessThanOrEqual(16);
  });
});

test('allowOverruns: a receiver past its buffer fails with StreamOverrun instead of dropping', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('flood', { enableModules: [BASIC] });
    const err = await caught(
      p.openContext(produce, [5000], async (ctx) =>
        ctx.openStream<number, void>(
          async (stream) => {
            for await (const _ of stream) await sleep(5);
          },
          { allowOverruns: true, maxBuffer: 50 },
        ),
      ),
    );
    expect(err).toBeInstanceOf(StreamOverrun);
    expect(await p.run(add, 1, 1)).toBe(2);
  });
});

test('subscribe() fans a stream out to several local tasks', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('source', { enableModules: [BASIC] });
    const seen: number[][] = [[], []];
    await p.openContext(produce, [50], async (ctx) => {
      await ctx.openStream<number, void>(async (stream) => {
        const subs = [stream.subscribe(), stream.subscribe()];
        await openNursery((n) => {
          subs.forEach((sub, k) =>
            n.startSoon(async () => {
              for await (const v of sub) seen[k]!.push(v);
            }),
          );
        });
      });
      return ctx.result();
    });
    const all = Array.from({ length: 50 }, (_, i) => i);
    expect(seen).toEqual([all, all]);
  });
});
