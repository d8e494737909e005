// openActorPool with real processes and threads: jobs spread over every actor,
// typed results, a cancelled job's finally running inside its actor (which then
// serves the next job), a job that ignores the cancel getting its actor killed and
// replaced, job errors stopping the pool, bad input, and no process left behind.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cancelled, RemoteActorError, isCancelled, withCancelScope } from 'furrow';
import { openActorPool, type ActorPool, type PoolBackend } from 'furrow/queue';
import { failAfter, nap, slowCleanup, spin, square, swallowCancel, waitForCancel, where, type Where } from './fixtures/pool-jobs.ts';
import { notAJob } from './fixtures/pool-other.ts';
import { caught, expectAllGone } from '../actor/helpers.ts';

const JOBS = fileURLToPath(new URL('./fixtures/pool-jobs.ts', import.meta.url));
const backends: PoolBackend[] = ['fork', 'thread'];

/** A local server the fixture jobs connect to when they start: `next()` is the next report. */
async function listen(): Promise<{ port: number; next(): Promise<Where>; server: Server }> {
  const reports: string[] = [];
  const waiting: ((s: string) => void)[] = [];
  const server = createServer((sock) => {
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('end', () => {
      const w = waiting.shift();
      if (w) w(data);
      else reports.push(data);
      sock.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const next = (): Promise<Where> =>
    new Promise<string>((resolve) => (reports.length ? resolve(reports.shift()!) : waiting.push(resolve))).then((s) => JSON.parse(s) as Where);
  return { port: (server.address() as AddressInfo).port, next, server };
}

let tmp: string;
let server: Awaited<ReturnType<typeof listen>>;
beforeEach(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'furrow-pool-'));
  server = await listen();
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
  server.server.close();
});

const pidsOf = (pool: ActorPool): number[] => pool.portals.map((p) => p.pid);
const key = (w: Where): string => `${w.pid}/${w.thread}`;

describe.each(backends)('openActorPool (%s)', (backend) => {
  test('jobs spread over every actor and give typed results; no actor is left', async () => {
    const pids: number[] = [];
    const portals: ActorPool['portals'] = [];
    const out = await openActorPool({ size: 3, backend, enableModules: [JOBS] }, async (pool) => {
      pids.push(...pidsOf(pool));
      portals.push(...pool.portals);
      const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => pool.run(square, n)));
      // typed by the function: a wrong argument does not compile
      // @ts-expect-error square takes a number
      if (results.length < 0) await pool.run(square, 'seven');
      const squares: number[] = results.map((r) => r.square);
      return { squares, where: results.map((r) => r.at) };
    });
    const { squares, where: at } = out!;
    expect(squares).toEqual([1, 4, 9, 16, 25, 36]);
    expect(new Set(at.map(key)).size).toBe(3);
    for (const w of at) {
      if (backend === 'fork') expect(w.pid).not.toBe(process.pid);
      else expect(w.pid).toBe(process.pid);
    }
    expect(portals.every((p) => p.conn.closed)).toBe(true);
    expectAllGone(pids);
  });

  test("a cancelled job's finally runs inside its actor, which then serves the next job", async () => {
    const pids: number[] = [];
    const cleaned = join(tmp, 'cleaned.json');
    await openActorPool({ size: 1, backend, enableModules: [JOBS], graceMs: 2000 }, async (pool) => {
      pids.push(...pidsOf(pool));
      const ac = new AbortController();
      const job = pool.runWith({ signal: ac.signal }, waitForCancel, server.port, cleaned);
      const ran = await server.next();
      ac.abort(new Error('user gave up'));
      // the promise rejects at once; the actor is busy until the job's finally has run
      expect((await caught(job)).message).toBe('user gave up');
      expect(key(await pool.run(where))).toBe(key(ran));
      expect(JSON.parse(readFileSync(cleaned, 'utf8'))).toEqual(ran);
      // cancelling the caller's scope cancels the job the same way
      rmSync(cleaned);
      await withCancelScope({}, async (scope) => {
        const second = pool.run(waitForCancel, server.port, cleaned);
        await server.next();
        scope.cancel('caller left');
        await second;
      });
      expect(key(await pool.run(where))).toBe(key(ran));
      expect(JSON.parse(readFileSync(cleaned, 'utf8'))).toEqual(ran);
      expect(pool.replaced).toBe(0);
    });
    expectAllGone(pids);
  });

  test.each([
    ['a synchronous busy loop', spin],
    ['a swallowed cancel', swallowCancel],
  ])('a job that ignores its cancel (%s) gets its actor killed and replaced; the pool goes on', async (_, job) => {
    const pids: number[] = [];
    // a long teardown grace: replacing through the nursery's escalation would take > 5 s
    await openActorPool({ size: 1, backend, enableModules: [JOBS], graceMs: 200, teardownGraceMs: 5000 }, async (pool) => {
      pids.push(...pidsOf(pool));
      const ac = new AbortController();
      const stuck = pool.runWith({ signal: ac.signal }, job, server.port);
      const ran = await server.next();
      const t0 = performance.now();
      ac.abort(new Cancelled('enough'));
      expect(isCancelled(await caught(stuck))).toBe(true);
      // the next job gets the replacement, once the stuck actor is killed (at once
      // after the grace: not through the nursery's cancel/grace/SIGTERM escalation)
      const next = await pool.run(where);
      expect(performance.now() - t0).toBeLessThan(4000);
      expect(pool.replaced).toBe(1);
      pids.push(...pidsOf(pool));
      expect(key(next)).not.toBe(key(ran));
      if (backend === 'fork') expectAllGone([ran.pid]);
      expect((await pool.run(square, 9)).square).toBe(81);
    });
    expectAllGone(pids);
  });

  test('a job error cancels the other jobs and is thrown as a RemoteActorError', async () => {
    const pids: number[] = [];
    let slow: Promise<unknown> | undefined;
    let waiting: Promise<unknown> | undefined;
    const t0 = performance.now();
    const err = await caught(
      openActorPool({ size: 2, backend, enableModules: [JOBS] }, (pool) => {
        pids.push(...pidsOf(pool));
        slow = pool.run(nap, 20_000);
        void pool.run(failAfter, 50, 'job failed on purpose');
        waiting = pool.run(nap, 1); // queued behind both: never runs
      }),
    );
    expect(err).toBeInstanceOf(RemoteActorError);
    expect(err.boxedType).toBe('TypeError');
    expect(err.message).toBe('job failed on purpose');
    expect(isCancelled(await caught(slow!))).toBe(true);
    expect(isCancelled(await caught(waiting!))).toBe(true);
    expect(performance.now() - t0).toBeLessThan(15_000);
    expectAllGone(pids);
  });

  test('a job error while another job spins: the pool ends, the spinning actor is killed, nothing is left', async () => {
    const pids: number[] = [];
    const err = await caught(
      openActorPool({ size: 2, backend, enableModules: [JOBS], graceMs: 200 }, async (pool) => {
        pids.push(...pidsOf(pool));
        void pool.run(spin, server.port);
        await server.next();
        await pool.run(failAfter, 0, 'failed next to a spinning job');
      }),
    );
    expect(err).toBeInstanceOf(RemoteActorError);
    expect(err.message).toBe('failed next to a spinning job');
    expectAllGone(pids);
  });
});

describe('openActorPool: bad input', () => {
  test('size, backend, enableModules and graceMs are checked before anything starts', async () => {
    const body = (): void => {};
    await expect(openActorPool({ size: 0, enableModules: [JOBS] }, body)).rejects.toThrow(new RangeError('openActorPool: size must be an integer >= 1 (got 0)'));
    await expect(openActorPool({ size: 1.5, enableModules: [JOBS] }, body)).rejects.toThrow(RangeError);
    await expect(openActorPool({ backend: 'ruby' as PoolBackend, enableModules: [JOBS] }, body)).rejects.toThrow(
      "openActorPool: unknown backend 'ruby' (use 'fork', 'thread' or 'python')",
    );
    await expect(openActorPool({ enableModules: [] }, body)).rejects.toThrow(/enableModules must list at least one module/);
    await expect(openActorPool({ enableModules: [JOBS], graceMs: -1 }, body)).rejects.toThrow(/graceMs must be a number >= 0 \(got -1\)/);
    await expect(openActorPool({ enableModules: [JOBS], concurrency: 3 } as never, body)).rejects.toThrow(/set size, not concurrency/);
  });

  test('a function outside the enabled modules is refused at the call with a TypeError; the pool goes on', async () => {
    const pids: number[] = [];
    const out = await openActorPool({ size: 1, enableModules: [JOBS] }, async (pool) => {
      pids.push(...pidsOf(pool));
      const refused = pool.run(notAJob);
      const err = await caught(refused);
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toMatch(/function 'notAJob' is not an export of the pool's enableModules/);
      expect((await caught(pool.run(`${JOBS}:nope`))).message).toMatch(/is not an export of the pool's enableModules/);
      expect(pool.queue.size + pool.queue.pending).toBe(0);
      return (await pool.run(square, 4)).square;
    });
    expect(out).toBe(16);
    expectAllGone(pids);
  });
});

describe('openActorPool: graceMs', () => {
  test('a grace longer than 3 s: a job whose finally takes 3.2 s is waited for, and its actor serves the next job', async () => {
    const pids: number[] = [];
    const cleaned = join(tmp, 'cleaned.json');
    await openActorPool({ size: 1, enableModules: [JOBS], graceMs: 6000 }, async (pool) => {
      pids.push(...pidsOf(pool));
      const ac = new AbortController();
      const job = pool.runWith({ signal: ac.signal }, slowCleanup, server.port, cleaned, 3200);
      const ran = await server.next();
      ac.abort(new Error('stop'));
      await caught(job);
      expect(key(await pool.run(where))).toBe(key(ran));
      expect(JSON.parse(readFileSync(cleaned, 'utf8'))).toEqual(ran);
      expect(pool.replaced).toBe(0);
    });
    expectAllGone(pids);
  });
});
