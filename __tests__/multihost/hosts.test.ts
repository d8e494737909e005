// Actor trees across hosts, each host a network namespace with its own address, a
// real nats-server on a host of its own, and a real `furrow agent` per host. Needs
// root (CI runs as root); elsewhere the tests skip, saying why.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatPskFile, newPskCredential } from '../../src/spawn.ts';
import { exitOf, lines, makeLab, netnsAvailable, type NetLab } from '../../scripts/netns-lab.ts';

const CAN = netnsAvailable();
// CI sets FURROW_REQUIRE_NETNS: there the tests must run, never skip
if (!CAN && process.env.FURROW_REQUIRE_NETNS) throw new Error('FURROW_REQUIRE_NETNS is set but network namespaces cannot be made here (root and `ip netns` needed)');
if (!CAN) console.warn('multi-host tests skipped: creating network namespaces needs root and `ip netns` (CI runs them as root)');
const maybe = CAN ? describe : describe.skip;

const ROOT = new URL('./fixtures/root-a.ts', import.meta.url).pathname;
const FINDER = new URL('./fixtures/finder.ts', import.meta.url).pathname;
const CLI = new URL('../../bin/furrow.ts', import.meta.url).pathname;
const NODE = [process.execPath, '--conditions=furrow-source', '--no-warnings'];

/** Poll `check` until it holds (processes leave no event to wait on); fails after `ms`. */
async function eventually(check: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - t0;
}

maybe('actors on other hosts', () => {
  let lab: NetLab;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const agents: Record<string, ChildProcess> = {};

  const agentOut: Record<string, ReturnType<typeof lines>> = {};
  function startAgent(host: string, keyFile: string): Promise<ChildProcess> {
    const agent = lab.spawnIn(host, [...NODE, CLI, 'agent', '--host', host, '--addr', lab.hosts[host]!.addr, '--key-file', keyFile], env);
    agents[host] = agent;
    agentOut[host] = lines(agent);
    return agentOut[host]
      .waitLine(/ready/)
      .then(() => agent);
  }

  function runRoot(scenario: string, host: string): { child: ChildProcess; out: ReturnType<typeof lines>; events: () => Record<string, any>[] } {
    const child = lab.spawnIn('a', [...NODE, ROOT, scenario, host, dir], { ...env, FURROW_HOST_ADDR: lab.hosts.a!.addr });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('exit', (code, signal) => code !== 0 && signal === null && console.error(`root-a ${scenario} exited ${code}:\n${err}`));
    const out = lines(child);
    return { child, out, events: () => out.all.map((l) => JSON.parse(l)) };
  }

  /** Run the finder on `host` (a root that joined the cluster); its one answer. */
  function finder(host: string, ...args: string[]): { child: ChildProcess; answer: Promise<Record<string, any>> } {
    const child = lab.spawnIn(host, [...NODE, FINDER, ...args], { ...env, FURROW_HOST_ADDR: lab.hosts[host]!.addr });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const answer = lines(child)
      .waitLine(/^\{/)
      .then((l) => JSON.parse(l))
      .catch((e: Error) => Promise.reject(new Error(`${e.message}\nstderr:\n${err}`)));
    return { child, answer };
  }
  const netnsOf = (host: string): string => execFileSync('ip', ['netns', 'exec', lab.hosts[host]!.ns, 'readlink', '/proc/self/ns/net'], { encoding: 'utf8' }).trim();

  /** The processes in `host`'s namespace other than its agent. */
  const strays = (host: string): number[] => lab.pidsIn(host).filter((p) => p !== agents[host]?.pid);
  /** What those processes are (for a failure message). */
  const describe = (pids: number[]): string =>
    pids.length ? execFileSync('ps', ['-o', 'pid,args', '-p', pids.join(',')], { encoding: 'utf8' }) : 'nothing';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'furrow-hosts-'));
    writeFileSync(join(dir, 'key'), formatPskFile(newPskCredential('cluster')), { mode: 0o600 });
    writeFileSync(join(dir, 'other-key'), formatPskFile(newPskCredential('cluster')), { mode: 0o600 });
    lab = makeLab(['a', 'b', 'c', 'n']);
    env = { ...process.env, FURROW_NATS: `nats://${lab.hosts.n!.addr}:4222`, FURROW_PSK_FILE: join(dir, 'key'), FURROW_LOG: process.env.MH_LOG ?? 'warn' };
    const nats = lab.spawnIn('n', ['nats-server', '-a', lab.hosts.n!.addr, '-p', '4222']);
    await new Promise<void>((resolve, reject) => {
      nats.stderr!.setEncoding('utf8').on('data', (d: string) => d.includes('Server is ready') && resolve());
      nats.once('exit', (code) => reject(new Error(`nats-server exited (${code}): is it installed? (.ci/run installs it)`)));
    });
    await Promise.all([startAgent('b', join(dir, 'key')), startAgent('c', join(dir, 'other-key'))]);
  }, 30_000);

  afterAll(async () => {
    await lab?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('spawn on another host: RPC, a boxed error with its remote stack, a cancel reaching finally, a 100k-message stream in a bounded window', async () => {
    const { child, events } = runRoot('basic', 'b');
    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    const ev = Object.fromEntries(events().map((e) => [e.event, e]));
    // it ran in b's network namespace, not a's
    const bNs = execFileSync('ip', ['netns', 'exec', lab.hosts.b!.ns, 'readlink', '/proc/self/ns/net'], { encoding: 'utf8' }).trim();
    expect(ev.where.netns).toBe(bNs);
    expect(ev.where.netns).not.toBe(readlinkSync('/proc/self/ns/net'));
    expect(ev.error).toMatchObject({ isRemote: true, type: 'TypeError', message: 'remote boom', src: 'w' });
    expect(ev.error.stack).toMatch(/remote-work\.ts:\d+/);
    expect(ev.relayed).toMatchObject({ src: 'grandchild', relayPath: ['w'] });
    expect(ev.relayed.stack).toMatch(/remote-work\.ts:\d+/);
    expect(ev.cancelled.finallyRan).toBe(true);
    expect(ev.stream).toMatchObject({ sent: 100_000, got: 100_000 });
    expect(ev.stream.maxBuffered).toBeLessThanOrEqual(64);
    expect(ev.stream.rssGrowthMiB).toBeLessThan(64);
    expect(ev.done).toBeDefined();
    await eventually(() => strays('b').length === 0, 5000, `b still runs ${strays('b')}`);
  });

  test("cutting the actor's host off mid-stream: the reader rejects within the heartbeat bound, and the remote subtree is gone within its bound", async () => {
    const { child, out, events } = runRoot('hold', 'b');
    const held = JSON.parse(await out.waitLine(/"holding"/));
    expect(lab.pidsIn('b')).toEqual(expect.arrayContaining([held.pid, held.grandchild]));
    lab.setLink('b', false);
    try {
      // the lease lapses at b's agent (5 s), which stops the actor and its subtree
      const goneMs = await eventually(() => strays('b').length === 0, 15_000, `b still runs ${strays('b')}`);
      expect(goneMs).toBeLessThan(10_000);
      expect(await exitOf(child)).toEqual({ code: 0, signal: null });
      const ev = Object.fromEntries(events().map((e) => [e.event, e]));
      expect(ev['stream-rejected'].message).toMatch(/heartbeat|silent/);
      expect(ev['stream-rejected'].afterMs).toBeLessThan(8000);
      expect(ev.done.afterMs).toBeLessThan(15_000);
      // the agent noticed it lost NATS, and comes back on its own once the link does
      await agentOut.b!.waitLine(/lost NATS/);
    } finally {
      lab.setLink('b', true);
    }
    await agentOut.b!.waitLine(/back on NATS/);
  });

  test("cutting the parent's host off: the agent sees the parent's lease lapse and reaps its subtree, though the agent itself keeps NATS", async () => {
    const { child, out } = runRoot('hold', 'b');
    const held = JSON.parse(await out.waitLine(/"holding"/));
    expect(lab.pidsIn('b')).toEqual(expect.arrayContaining([held.pid, held.grandchild]));
    lab.setLink('a', false);
    try {
      const goneMs = await eventually(() => strays('b').length === 0, 15_000, `b still runs ${describe(strays('b'))}`);
      expect(goneMs).toBeLessThan(10_000);
      // the root, alone on its host, finds its child gone and finishes
      expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    } finally {
      lab.setLink('a', true);
    }
    expect(agents.b!.exitCode).toBeNull();
  });

  test("SIGKILL of a host's agent: its actors and their subtrees are gone, and the parent sees the child die", async () => {
    const { child, out, events } = runRoot('hold', 'b');
    const held = JSON.parse(await out.waitLine(/"holding"/));
    const agent = agents.b!;
    agent.kill('SIGKILL');
    await exitOf(agent);
    // each actor's orphan watchdog sees its OS parent gone: grace (2 s) at most
    await eventually(() => lab.pidsIn('b').length === 0, 10_000, `b still runs ${lab.pidsIn('b')} (held ${held.pid}, grandchild ${held.grandchild})`);
    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    expect(events().find((e) => e.event === 'failed')).toBeDefined();
    await startAgent('b', join(dir, 'key'));
  });

  test('a Python asyncio actor on another host, linked through its agent: calls, a boxed error with its traceback, a cancel reaching finally, a stream', async () => {
    const { child, events } = runRoot('python', 'b');
    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    const ev = Object.fromEntries(events().map((e) => [e.event, e]));
    expect(ev.where.name).toBe('py');
    expect(lab.pidsIn('b')).not.toContain(ev.where.pid);
    expect(ev.echo.value).toEqual({ a: [1, 2] });
    expect(ev.error).toMatchObject({ isRemote: true, type: 'ValueError', message: 'python boom' });
    expect(ev.error.stack).toMatch(/fx_basic\.py/);
    expect(ev.cancelled.events).toContain('finally remote-sleeper');
    expect(ev.stream).toEqual({ event: 'stream', n: 1000, got: 1000 });
    await eventually(() => strays('b').length === 0, 5000, `b still runs ${describe(strays('b'))}`);
  });

  test('an agent without the right key: its actor cannot link back, the spawn fails clearly, and nothing runs there', async () => {
    const { child, events } = runRoot('refused', 'c');
    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    const failed = events().find((e) => e.event === 'failed');
    expect(failed?.message).toMatch(/exited before connecting to its parent/);
    expect(events().find((e) => e.event === 'spawned')).toBeUndefined();
    await eventually(() => strays('c').length === 0, 5000, `c still runs ${strays('c')}`);
  });

  test('a host with no agent: the spawn fails naming the host', async () => {
    const { child, events } = runRoot('refused', 'nowhere');
    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    expect(events().find((e) => e.event === 'failed')?.message).toMatch(/no agent of host 'nowhere' answered/);
  });

  test('discovery across hosts on NATS: waitForActor sees an actor on another host appear, every host lists the tree, a stopped actor is gone, and the registry still answers when the root\'s host is cut off', async () => {
    // c waits for an actor that does not exist yet
    const waiting = finder('c', 'wait', 'svc');
    const { child: rootA, out } = runRoot('cluster', 'b');
    await out.waitLine(/"up"/);
    const waited = await waiting.answer;
    expect(waited.where.netns).toBe(netnsOf('b'));
    await exitOf(waiting.child);

    const listed = await finder('c', 'list').answer;
    expect(listed.names).toEqual(expect.arrayContaining(['root', 'svc', 'near', 'finder']));
    expect(listed.kinds).toEqual(['tcp']);
    // a fork child of the root on a, found from c over TLS-PSK
    expect((await finder('c', 'find', 'near').answer).where.netns).toBe(netnsOf('a'));

    rootA.stdin!.write('stop-svc\n');
    await out.waitLine(/"svc-stopped"/);
    expect((await finder('c', 'find', 'svc').answer).found).toBe(false);

    // host a goes silent: its actors cannot answer, the rest of the cluster still does
    lab.setLink('a', false);
    try {
      const after = await finder('b', 'list').answer;
      expect(after.names).toContain('finder');
      expect(after.names).not.toContain('near');
      expect(after.names).not.toContain('root');
      expect(after.ms).toBeLessThan(3000);
    } finally {
      lab.setLink('a', true);
    }
    rootA.kill('SIGTERM');
    await exitOf(rootA);
    await eventually(() => strays('a').length === 0 && strays('b').length === 0, 10_000, `left: ${describe([...strays('a'), ...strays('b')])}`);
  });
});
