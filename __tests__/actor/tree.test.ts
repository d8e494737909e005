// tree(): the live supervision tree of real actors (fork, thread, Python, and a
// grandchild), with states, tasks, contexts and streams; a child that does not
// answer; the text drawing. Every test checks that no process is left behind.
import { openActorNursery, renderTree, tree, type Portal, type TreeNode } from '../../src/index.ts';
import { FIXTURES as PY_FIXTURES } from '../bridges/asyncio/helpers.ts';
import { BASIC, caught, expectAllGone, waitAllGone } from './helpers.ts';

const find = (node: TreeNode, name: string): TreeNode | undefined =>
  node.name === name ? node : node.children.map((c) => find(c, name)).find(Boolean);

/** Ask for the tree until `ok(tree)` holds (calls started just before may not have reached the callee yet). */
async function treeWhen(ok: (t: TreeNode) => boolean, ms = 10_000): Promise<TreeNode> {
  const t0 = performance.now();
  for (;;) {
    const t = await tree();
    if (ok(t)) return t;
    if (performance.now() - t0 > ms) throw new Error(`tree never matched:\n${renderTree(t)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('fork, thread and Python children, a grandchild: identities, states, tasks with run times, contexts with streams', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const mid = await an.startActor('mid', { enableModules: [BASIC] });
    const thread = await an.startActor('helper', { enableModules: [BASIC], backend: 'thread' });
    const py = await an.startActor('py', { backend: 'python', python: '/usr/bin/python3', cwd: PY_FIXTURES, enableModules: ['fx_basic'] });
    pids.push(mid.pid, py.pid);
    void thread.run(`${BASIC}:hang`).catch(() => undefined);
    void py.run('fx_basic:sleep_forever').catch(() => undefined);
    await mid.openContext(`${BASIC}:spawnTree`, [BASIC, 1, 1, 'hang'], async (ctx, sub: number[]) => {
      pids.push(...sub);
      const hasTasks = (t: TreeNode): boolean => ['mid.0', 'helper', 'py'].every((n) => find(t, n)!.tasks.length === 1);
      const t = await treeWhen(hasTasks);
      const me = process.pid;
      expect(t).toMatchObject({ name: 'root', pid: me, backend: 'root', runtime: 'node', parent: null, state: 'running' });
      expect(t.children.map((c) => [c.name, c.backend, c.runtime, c.pid, c.state])).toEqual([
        ['mid', 'fork', 'node', mid.pid, 'running'],
        ['helper', 'thread', 'node', me, 'running'],
        ['py', 'python', 'python', py.pid, 'running'],
      ]);
      for (const c of t.children) {
        expect(c.parent).toEqual(t.uid);
        expect(c.host).toBe(t.host);
      }
      expect(t.children.map((c) => c.uid)).toEqual([mid.uid, thread.uid, py.uid]);
      // the grandchild, answered by mid for its own child
      const leaf = find(t, 'mid.0')!;
      expect(leaf).toMatchObject({ backend: 'fork', pid: sub[0], parent: mid.uid, state: 'running' });
      expect(leaf.tasks).toEqual([{ name: `file://${BASIC}:hang`, runningMs: expect.any(Number), caller: 'mid' }]);
      expect(find(t, 'py')!.tasks).toEqual([{ name: 'fx_basic:sleep_forever', runningMs: expect.any(Number), caller: 'root' }]);
      // the context between root and mid, seen from both sides
      expect(t.contexts).toEqual([{ target: `file://${BASIC}:spawnTree`, side: 'opener', peer: 'mid', cid: expect.any(Number), stream: false, openMs: expect.any(Number) }]);
      const midNode = find(t, 'mid')!;
      expect(midNode.contexts).toMatchObject([{ target: `file://${BASIC}:spawnTree`, side: 'callee', peer: 'root', stream: false }]);
      expect(midNode.tasks.map((x) => x.name)).toEqual([`file://${BASIC}:spawnTree`]);
      // run times grow
      await new Promise((r) => setTimeout(r, 120));
      const later = await tree();
      expect(find(later, 'py')!.tasks[0]!.runningMs).toBeGreaterThanOrEqual(find(t, 'py')!.tasks[0]!.runningMs + 100);
      expect(find(later, 'helper')!.tasks[0]!.runningMs).toBeGreaterThanOrEqual(find(t, 'helper')!.tasks[0]!.runningMs + 100);
      ctx.cancel(); // spawnTree waits for its subtree for ever
    });
    // a stream open on both sides
    await mid.openContext(`${BASIC}:pingPong`, [], (ctx) =>
      ctx.openStream(async () => {
        const t = await treeWhen((x) => find(x, 'mid')!.streams === 1);
        expect(t.streams).toBe(1);
        expect(t.contexts).toMatchObject([{ target: `file://${BASIC}:pingPong`, side: 'opener', stream: true }]);
        expect(find(t, 'mid')!.contexts).toMatchObject([{ target: `file://${BASIC}:pingPong`, side: 'callee', stream: true }]);
      }),
    );
  });
  expectAllGone(pids);
  await waitAllGone(pids);
});

test('states as the parent sees them: starting while spawning, cancelling while a child takes its time to stop', async () => {
  const pids: number[] = [];
  await openActorNursery(
    async (an) => {
      const starting = an.startActor('late', { enableModules: [BASIC] });
      const t = await tree();
      expect(find(t, 'late')).toMatchObject({ state: 'starting', backend: 'fork', pid: 0, uid: ['late', ''] });
      const late = await starting;
      pids.push(late.pid);
      expect(find(await tree(), 'late')).toMatchObject({ state: 'running', pid: late.pid, uid: late.uid });
      // a child whose task ignores its cancel stays 'cancelling' through its grace period
      const call = caught(late.run(`${BASIC}:ignoreCancel`)); // it fails once the child is killed
      await treeWhen((x) => find(x, 'late')!.tasks.length === 1);
      // killed while its cancel request is in flight, the request may fail with the link: either is fine here
      const stopping = late.cancelActor().catch((e: Error) => e.name);
      expect(find(await tree(), 'late')!.state).toBe('cancelling');
      await late.kill();
      expect([true, false, 'TransportError']).toContain(await stopping);
      expect(find(await tree(), 'late')).toBeUndefined();
      expect((await call).name).toBe('TransportError');
    },
    { graceMs: 5000 },
  );
  await waitAllGone(pids);
});

test('a child that cannot answer (spinning) is shown as its parent sees it, within the budget', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const busy: Portal = await an.startActor('busy', { enableModules: [BASIC] });
    pids.push(busy.pid);
    let t: TreeNode | undefined;
    let tookMs = 0;
    const spinning = busy.openContext(`${BASIC}:startedThenSpin`, [], async () => {
      const t0 = performance.now();
      t = await tree({ budgetMs: 500 });
      tookMs = performance.now() - t0;
      await busy.kill();
    });
    expect((await caught(spinning)).name).toBe('TransportError');
    expect(tookMs).toBeLessThan(2000);
    expect(find(t!, 'busy')).toMatchObject({ state: 'running', pid: busy.pid, backend: 'fork', error: 'no answer within 400 ms' });
    expect(renderTree(t!)).toContain(`busy [${busy.uid[1].slice(0, 8)}] pid ${busy.pid} fork running (no answer within 400 ms)`);
  });
  await waitAllGone(pids);
});

test('a bad budget is a RangeError; outside any actor tree() says how to get one', async () => {
  await openActorNursery(async () => {
    await expect(tree({ budgetMs: -1 })).rejects.toThrow(new RangeError('tree(): budgetMs must be a positive number of milliseconds (got -1)'));
    await expect(tree({ budgetMs: Number.NaN })).rejects.toThrow(RangeError);
  });
  await expect(tree()).rejects.toThrow('no actor runtime here: call this inside openActorNursery() or in an actor');
});

test('the drawing: one line per actor, tasks and contexts under it, states coloured on request', () => {
  const node = (name: string, state: TreeNode['state'], children: TreeNode[] = []): TreeNode => ({
    name,
    uid: [name, `${name}-uuid-0000`.padEnd(36, '0')],
    pid: 100 + name.length,
    backend: name === 'root' ? 'root' : 'fork',
    runtime: 'node',
    host: 'box',
    parent: name === 'root' ? null : ['root', 'x'],
    state,
    tasks: name === 'a' ? [{ name: 'file:///srv/app/jobs.ts:crunch', runningMs: 61_500, caller: 'root' }] : [],
    contexts: [],
    streams: 0,
    children,
  });
  const t = node('root', 'running', [node('a', 'cancelling', [node('a1', 'exiting')]), node('b', 'starting')]);
  expect(renderTree(t)).toBe(
    [
      'root [root-uui] pid 104 root on box running',
      '├─ a [a-uuid-0] pid 101 fork cancelling',
      '│  │ · task jobs.ts:crunch 1 min 1 s (for root)',
      '│  └─ a1 [a1-uuid-] pid 102 fork exiting',
      '└─ b [b-uuid-0] pid 101 fork starting',
      '',
    ].join('\n'),
  );
  const coloured = renderTree(t, { color: true });
  expect(coloured).toContain('\x1b[32mrunning\x1b[0m');
  expect(coloured).toContain('\x1b[35mcancelling\x1b[0m');
  expect(coloured).toContain('\x1b[31mexiting\x1b[0m');
  expect(coloured).toContain('\x1b[33mstarting\x1b[0m');
});
