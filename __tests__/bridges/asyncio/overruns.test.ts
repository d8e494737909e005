// Streams opened with allow_overruns / allowOverruns: the sender never waits for
// credit, and a receiver whose unread values pass its max buffer fails the context
// with StreamOverrun (both sides learn it): nothing is ever dropped silently.
import { RemoteActorError, StreamOverrun, openActorNursery } from 'furrow';
import { expectAllGone, pyActor } from './helpers.ts';

test('Python to TypeScript, allowOverruns: within maxBuffer all arrive in order; past it, StreamOverrun', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('blaster', pyActor(['fx_stream']));
    pids.push(p.pid);
    // 100 values into a buffer of 100, read only after the producer returned: none dropped
    const within = await p.openContext('fx_stream:blast', [100], async (ctx) => {
      return ctx.openStream(async (s) => {
        const r = (await ctx.result()) as { n: number; credit_left: number };
        expect(s.buffered).toBe(100);
        const got: unknown[] = [];
        for await (const v of s) got.push(v);
        expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
        return r;
      }, { allowOverruns: true, maxBuffer: 100 });
    });
    // the sender was never held back by credit
    expect(within).toEqual({ n: 100, credit_left: expect.any(Number) });
    expect((within as { credit_left: number }).credit_left).toBeGreaterThan(1_000_000);
    // 1000 values into a buffer of 100 with nobody reading: the context fails here
    const err = await p
      .openContext('fx_stream:blast', [1000], async (ctx) => ctx.openStream(async () => ctx.result(), { allowOverruns: true, maxBuffer: 100 }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(StreamOverrun);
    expect((err as Error).message).toMatch(/overran: more than 100 unread messages from 'blaster'/);
    // the actor is still serving
    expect(await p.run('fx_stream:stream_stats', 'none')).toBeNull();
  });
  expectAllGone(pids);
});

test('TypeScript to Python, allow_overruns: past max_buffer the Python side fails with StreamOverrun', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('reader', pyActor(['fx_stream']));
    pids.push(p.pid);
    let sent = 0;
    const err = await p
      .openContext('fx_stream:slow_reader', [50], async (ctx) => {
        await ctx.openStream(async (s) => {
          // no credit to wait for: these sends never block, the reader reads nothing
          for (let i = 0; i < 200 && !ctx.done; i++) {
            await s.send(i);
            sent++;
          }
          return ctx.result();
        });
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RemoteActorError);
    expect((err as RemoteActorError).boxedType).toBe('StreamOverrun');
    expect((err as Error).message).toMatch(/overran: more than 50 unread messages from 'root'/);
    expect(sent).toBeGreaterThan(50);
  });
  expectAllGone(pids);
});
