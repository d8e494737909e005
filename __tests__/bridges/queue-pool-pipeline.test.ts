// openActorPool's pipelining and replacements, with real processes and threads: short
// jobs share an actor (several in flight at once, never more than `pipeline`), long
// jobs never queue behind one another, `pipeline: 1` keeps one job per actor, a job
// that shared an actor with a job that had to be killed is lost with a clear error
// while the pool goes on, and an actor that dies on its own is replaced (its job
// lost, the others done). No process is left behind.
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Cancelled, isCancelled } from 'furrow';
import { openActorPool, PoolJobLostError, type ActorPool, type PoolBackend } from 'furrow/queue';
import { dieNow, nap, overlap, square, swallowCancel, where, type Where } from './fixtures/pool-jobs.ts';
import { caught, expectAllGone } from '../actor/helpers.ts';
import { expectNoneLeftSince, processesBelowUs } from './asyncio/helpers.ts';

const JOBS = fileURLToPath(new URL('./fixtures/pool-jobs.ts', import.meta.url));
const backends: PoolBackend[] = ['fork', 'thread'];
const pidsOf = (pool: ActorPool): number[] => pool.portals.map((p) => p.pid);
const key = (w: Where): string => `${w.pid}/${w.thread}`;

describe.each(backends)('openActorPool pipelining (%s)', (backend) => {
  test('short jobs share an actor, at most `pipeline` at once; pipeline: 1 keeps one per actor', async () => {
    const pids: number[] = [];
    for (const pipeline of [3, 1]) {
      const most = await openActorPool({ size: 1, backend, enableModules: [JOBS], pipeline, shortJobMs: 1000 }, async (pool) => {
        pids.push(...pidsOf(pool));
        await pool.run(overlap, 1); // one answer: jobs are known to be short
        const got = await Promise.all(Array.from({ length: 30 }, () => pool.run(overlap, 5)));
        return Math.max(...got.map((g) => g.most));
      });
      expect(most).toBe(pipeline);
    }
    expectAllGone(pids);
  });

  test('jobs run one after another rotate over every actor (the longest idle goes first)', async () => {
    const pids: number[] = [];
    await openActorPool({ size: 3, backend, enableModules: [JOBS] }, async (pool) => {
      pids.push(...pidsOf(pool));
      const seen: string[] = [];
      for (let i = 0; i < 6; i++) seen.push(key(await pool.run(where)));
      expect(new Set(seen.slice(0, 3)).size).toBe(3);
      expect(seen.slice(3)).toEqual(seen.slice(0, 3));
    });
    expectAllGone(pids);
  });

  test('a job never waits behind a long one: with long jobs, each actor runs one at a time', async () => {
    const pids: number[] = [];
    await openActorPool({ size: 2, backend, enableModules: [JOBS], pipeline: 4, shortJobMs: 20 }, async (pool) => {
      pids.push(...pidsOf(pool));
      await Promise.all([pool.run(nap, 50), pool.run(nap, 50)]); // jobs are known to take about 50 ms
      const long = pool.run(nap, 600);
      const short = await Promise.all(Array.from({ length: 4 }, () => pool.run(nap, 50)));
      const longAt = key(await long);
      for (const s of short) expect(key(s)).not.toBe(longAt);
    });
    expectAllGone(pids);
  });

  test('a job sharing an actor with a job that ignored its cancel is lost with PoolJobLostError; the pool goes on', async () => {
    const pids: number[] = [];
    const started: string[] = [];
    const waiting: ((s: string) => void)[] = [];
    const server = createServer((sock) => {
      let data = '';
      sock.on('data', (d) => (data += d));
      sock.on('end', () => (waiting.length ? waiting.shift()!(data) : started.push(data), sock.end()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const nextStart = (): Promise<string> => new Promise((r) => (started.length ? r(started.shift()!) : waiting.push(r)));
    try {
      await openActorPool({ size: 1, backend, enableModules: [JOBS], pipeline: 2, shortJobMs: 1000, graceMs: 200, teardownGraceMs: 5000 }, async (pool) => {
        pids.push(...pidsOf(pool));
        await pool.run(where); // jobs are known to be short
        const ac = new AbortController();
        const stuck = pool.runWith({ signal: ac.signal }, swallowCancel, port);
        const ranAt = await nextStart();
        const sharing = pool.run(nap, 60_000); // pipelined into the same actor
        ac.abort(new Cancelled('enough'));
        expect(isCancelled(await caught(stuck))).toBe(true);
        const lost = await caught(sharing);
        expect(lost).toBeInstanceOf(PoolJobLostError);
        expect(lost.message).toMatch(/its actor was killed because another job there ignored its cancel/);
        const next = await pool.run(where);
        expect(pool.replaced).toBe(1);
        expect(key(next)).not.toBe(key(JSON.parse(ranAt) as Where));
        pids.push(...pidsOf(pool));
      });
    } finally {
      server.close();
    }
    expectAllGone(pids);
  });
});

test.each(backends)('an actor that dies on its own is replaced: its job is lost with PoolJobLostError, the other jobs finish, the pool goes on (%s)', async (backend) => {
  const before = processesBelowUs();
  await openActorPool({ size: 2, backend, enableModules: [JOBS], pipeline: 1 }, async (pool) => {
    const others = Array.from({ length: 6 }, (_, i) => pool.run(square, i));
    const lost = await caught(pool.run(dieNow));
    expect(lost).toBeInstanceOf(PoolJobLostError);
    expect(lost.message).toMatch(/^the job was lost: its actor died/);
    expect(pool.replaced).toBe(1);
    expect((await Promise.all(others)).map((r) => r.square)).toEqual([0, 1, 4, 9, 16, 25]);
    expect((await pool.run(square, 7)).square).toBe(49);
  });
  expectNoneLeftSince(before);
});

test('pipeline and shortJobMs are checked', async () => {
  await expect(openActorPool({ enableModules: [JOBS], pipeline: 0 }, () => 1)).rejects.toThrow('openActorPool: pipeline must be an integer >= 1 (got 0)');
  await expect(openActorPool({ enableModules: [JOBS], shortJobMs: -1 }, () => 1)).rejects.toThrow('openActorPool: shortJobMs must be a number >= 0 (got -1)');
});
