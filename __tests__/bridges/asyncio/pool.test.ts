// openActorPool with the 'python' backend: a pool of real Python asyncio workers.
// Jobs by 'module:function' name spread over the workers; a cancelled job is
// cancelled inside its worker (its finally runs there) and the worker serves the
// next job; a job that swallows its cancel gets its worker killed and replaced; a
// worker that dies is replaced (its job lost with a clear error); a JavaScript
// function is refused at the call. No process is left behind.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cancelled, isCancelled } from 'furrow';
import { openActorPool, PoolJobLostError, type ActorPool } from 'furrow/queue';
import { FIXTURES, PY, expectAllGone, expectNoneLeftSince, processesBelowUs } from './helpers.ts';
import { caught } from '../../actor/helpers.ts';

const pool = { backend: 'python' as const, backendOptions: { python: PY, cwd: FIXTURES }, enableModules: ['fx_pool'] };
const pidsOf = (p: ActorPool): number[] => p.portals.map((x) => x.pid);

let server: Server;
let port: number;
const started: string[] = [];
const waiting: ((s: string) => void)[] = [];
const nextStart = (): Promise<{ pid: number }> =>
  new Promise<string>((r) => (started.length ? r(started.shift()!) : waiting.push(r))).then((s) => JSON.parse(s) as { pid: number });
let tmp: string;

beforeAll(async () => {
  server = createServer((sock) => {
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('end', () => (waiting.length ? waiting.shift()!(data) : started.push(data)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  tmp = mkdtempSync(join(tmpdir(), 'furrow-pypool-'));
});
afterAll(() => {
  server.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('jobs by name spread over the Python workers and give their results', async () => {
  const pids: number[] = [];
  const out = await openActorPool({ ...pool, size: 2 }, async (p) => {
    pids.push(...pidsOf(p));
    return Promise.all([1, 2, 3, 4, 5, 6].map((n) => p.run('fx_pool:square', n) as Promise<{ square: number; pid: number }>));
  });
  expect(out!.map((r) => r.square)).toEqual([1, 4, 9, 16, 25, 36]);
  expect(new Set(out!.map((r) => r.pid))).toEqual(new Set(pids));
  expect(pids).toHaveLength(2);
  expectAllGone(pids);
});

test("a cancelled job's finally runs in its Python worker, which then serves the next job", async () => {
  const pids: number[] = [];
  const cleaned = join(tmp, 'cleaned.json');
  await openActorPool({ ...pool, size: 1 }, async (p) => {
    pids.push(...pidsOf(p));
    const ac = new AbortController();
    const job = p.runWith({ signal: ac.signal }, 'fx_pool:wait_for_cancel', port, cleaned);
    const ran = await nextStart();
    ac.abort(new Cancelled('enough'));
    expect(isCancelled(await caught(job))).toBe(true);
    const next = (await p.run('fx_pool:square', 3)) as { pid: number };
    expect(next.pid).toBe(ran.pid); // the same worker, not a replacement
    expect(JSON.parse(readFileSync(cleaned, 'utf8'))).toEqual(ran); // written by its finally, in that worker
    expect(p.replaced).toBe(0);
  });
  expectAllGone(pids);
});

test('a job that swallows its cancel gets its Python worker killed and replaced; the pool goes on', async () => {
  const pids: number[] = [];
  await openActorPool({ ...pool, size: 1, graceMs: 300 }, async (p) => {
    pids.push(...pidsOf(p));
    const ac = new AbortController();
    const stuck = p.runWith({ signal: ac.signal }, 'fx_pool:ignore_cancel', port);
    const ran = await nextStart();
    ac.abort(new Cancelled('enough'));
    expect(isCancelled(await caught(stuck))).toBe(true);
    const next = (await p.run('fx_pool:square', 4)) as { square: number; pid: number };
    expect(next.square).toBe(16);
    expect(next.pid).not.toBe(ran.pid);
    expect(p.replaced).toBe(1);
    expectAllGone([ran.pid]);
    pids.push(...pidsOf(p));
  });
  expectAllGone(pids);
});

test('a Python worker that dies is replaced: its job is lost with PoolJobLostError, the pool goes on', async () => {
  const before = processesBelowUs();
  await openActorPool({ ...pool, size: 2 }, async (p) => {
    const lost = await caught(p.run('fx_pool:die_now'));
    expect(lost).toBeInstanceOf(PoolJobLostError);
    expect(p.replaced).toBe(1);
    expect(((await p.run('fx_pool:square', 5)) as { square: number }).square).toBe(25);
  });
  expectNoneLeftSince(before);
});

test('a JavaScript function is refused at the call (Python workers run jobs by name); a bad backendOptions is refused at once', async () => {
  const pids: number[] = [];
  await openActorPool({ ...pool, size: 1 }, async (p) => {
    pids.push(...pidsOf(p));
    const err = await caught(p.run(async (x: number) => x, 1));
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/is not an export of the pool's enableModules \(fx_pool\)/);
    expect(((await p.run('fx_pool:square', 2)) as { square: number }).square).toBe(4);
  });
  expectAllGone(pids);
  await expect(openActorPool({ ...pool, backendOptions: 'python3' as never }, () => 1)).rejects.toThrow(/backendOptions must be an object/);
});
