// 10,000 messages from Python to TypeScript, in order, with a consumer 100x slower
// than the producer's unthrottled rate (measured first, in this test), and memory
// bounded on both sides: the TypeScript side never buffers more than the window, and
// the Python side's unspent credit and unsent bytes stay bounded (its stream's
// stats(), read both by the producer itself and through calls while it streams).
import { openActorNursery, type Portal } from 'furrow';
import { expectAllGone, pyActor } from './helpers.ts';

const N = 10_000;
const WINDOW = 64;

type PyStats = { buffered: number; credit: number; granted: number; send_buffer: number };
type Produced = { n: number; waited: number; peak: PyStats };

/** Receive `n` values as fast as possible; returns the time per message (ms) over the second half (after warm-up). */
async function unthrottled(p: Portal, n: number): Promise<number> {
  return (await p.openContext('fx_stream:produce', [n, 'fast'], async (ctx) => {
    let i = 0;
    let t0 = 0;
    await ctx.openStream(async (s) => {
      for await (const v of s) {
        if (v !== i++) throw new Error(`out of order: ${v} at ${i - 1}`);
        if (i === n / 2) t0 = performance.now();
      }
    }, { window: WINDOW });
    const per = (performance.now() - t0) / (n / 2);
    await ctx.result();
    return per;
  })) as number;
}

test('10,000 messages from Python in order, a consumer 100x slower, bounded memory on both sides', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('producer', pyActor(['fx_stream']));
    pids.push(p.pid);
    const fastMs = await unthrottled(p, 10_000);
    const delayMs = 100 * fastMs;
    const r = (await p.openContext('fx_stream:produce', [N, 'slow'], async (ctx) => {
      let next = 0;
      let maxBuffered = 0;
      const pyStats: PyStats[] = [];
      const t0 = performance.now();
      await ctx.openStream(async (s) => {
        for await (const v of s) {
          if (v !== next++) throw new Error(`out of order: ${v} at ${next - 1}`);
          // the slow consumer: 100x the producer's unthrottled time per message, busy (not a timer, whose resolution is 1 ms)
          const until = performance.now() + delayMs;
          while (performance.now() < until);
          maxBuffered = Math.max(maxBuffered, s.buffered);
          if (next % 1000 === 0 && next < N) {
            const st = (await p.run('fx_stream:stream_stats', 'slow')) as PyStats | null;
            if (st) pyStats.push(st);
          }
        }
      }, { window: WINDOW });
      const slowMs = (performance.now() - t0) / N;
      expect(next).toBe(N);
      // the TypeScript side: never more than the window buffered, whatever the consumer's pace
      expect(maxBuffered).toBeLessThanOrEqual(WINDOW);
      // the Python side, seen through calls while it streamed: credit within the window, nothing piling up
      expect(pyStats.length).toBeGreaterThanOrEqual(5);
      for (const st of pyStats) {
        expect(st.credit).toBeLessThanOrEqual(WINDOW);
        expect(st.buffered).toBe(0);
        expect(st.send_buffer).toBeLessThan(8 * 1024);
      }
      console.log(`unthrottled ${(fastMs * 1000).toFixed(1)} us/msg, slow consumer ${(slowMs * 1000).toFixed(1)} us/msg, ` +
        `TS max buffered ${maxBuffered}, Python stats ${JSON.stringify(pyStats.slice(0, 3))}`);
      expect(slowMs).toBeGreaterThanOrEqual(delayMs);
      return ctx.result();
    })) as Produced;
    expect(r.n).toBe(N);
    // the producer was held back by the credit window most of the time, and its peak memory stayed small
    expect(r.waited).toBeGreaterThan(N / WINDOW / 2);
    expect(r.peak.credit).toBeLessThanOrEqual(WINDOW);
    expect(r.peak.send_buffer).toBeLessThan(8 * 1024);
    console.log(`producer: waited ${r.waited} times, peak ${JSON.stringify(r.peak)}`);
  });
  expectAllGone(pids);
}, 90_000);
