// Teardown and no orphans: a grandchild stuck in a busy loop is hard-killed (and
// with a stuck middle actor, the hard kill takes the whole subtree), SIGINT
// (or SIGTERM) at the root reaps the tree, a SIGKILLed parent's children exit on their own
// within a second, and a 2x2x2 tree comes down well under a second after an error
// at a leaf.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { ActorKilledError, findActor, openActorNursery, sleepForever } from '../../src/index.ts';
import { connectUds, openConnection } from '../../src/ipc/index.ts';
import { spawnTree, stuckPair } from './fixtures/basic.ts';
import { BASIC, caught, expectAllGone, fixture, isAlive, waitAllGone } from './helpers.ts';

async function startTreeRoot(): Promise<{ child: ChildProcess; root: number; pids: number[] }> {
  const child = spawn(process.execPath, ['--conditions=furrow-source', fixture('tree-root.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error('tree root exited early');
    }),
  ])) as [string];
  const { root, pids } = JSON.parse(line) as { root: number; pids: number[] };
  return { child, root, pids };
}

test('a grandchild stuck in a synchronous busy loop is hard-killed and the tree exits', async () => {
  const pids: number[] = [];
  const t0 = performance.now();
  const err = await caught(openActorNursery(
    async (an) => {
      const mid = await an.startActor('mid', { enableModules: [BASIC] });
      pids.push(mid.pid);
      await mid.openContext(spawnTree, [BASIC, 1, 1, 'busyLoop'], async (ctx, sub: number[]) => {
        pids.push(...sub);
        ctx.cancel();
        // wait for mid's answer (it kills its grandchild first: grace + kill, ~0.8 s), not the nursery's 300 ms
      }, { cancelWaitMs: 3000 });
    },
    { graceMs: 300, killMs: 200 },
  ));
  // the middle actor's nursery had to kill it, and says so (relayed to the root)
  expect(err.boxedType).toBe('ActorKilledError');
  expect(err.message).toMatch(/actor 'mid.0' did not finish within the 300 ms grace period after cancel; killed with SIGKILL/);
  expect(pids).toHaveLength(2);
  expectAllGone(pids);
  expect(performance.now() - t0).toBeLessThan(10_000);
});

test('a middle actor and its child both stuck in busy loops: the hard kill takes the whole subtree', async () => {
  const pids: number[] = [];
  try {
    const err = await caught(openActorNursery(
      async (an) => {
        const mid = await an.startActor('mid', { enableModules: [BASIC] });
        await mid.openContext(stuckPair, [BASIC], async (ctx, both: number[]) => {
          pids.push(...both);
          ctx.cancel();
        });
      },
      { graceMs: 300, killMs: 200 },
    ));
    expect(pids).toHaveLength(2);
    expect(err).toBeInstanceOf(ActorKilledError);
    expect(err.message).toMatch(/actor 'mid' did not finish within the 300 ms grace period after cancel; killed with SIGKILL/);
    // neither could exit on its own: the grandchild's parent went by SIGKILL, and it spins
    await waitAllGone(pids, 3000);
  } finally {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  }
});

test.each(['SIGINT', 'SIGTERM'] as const)('%s at the root reaps the whole tree, then ends the root with that signal', async (sig) => {
  const { child, pids } = await startTreeRoot();
  const exited = once(child, 'exit');
  child.kill(sig);
  const [code, signal] = await exited;
  expect(signal ?? code).toBe(sig);
  // reaped before the root went, not left to notice its death afterwards
  expectAllGone([...pids, child.pid!]);
});

test.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('a second %s while the tree is being reaped kills it at once and exits %i', async (sig, status) => {
  const child = spawn(process.execPath, ['--conditions=furrow-source', fixture('stuck-root.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const next = async (): Promise<string> => ((await once(lines, 'line')) as [string])[0];
  const { pids } = JSON.parse(await next()) as { pids: number[] };
  try {
    const exited = once(child, 'exit');
    child.kill(sig);
    expect(await next()).toBe(`got ${sig}`); // the teardown started; it would take a minute
    child.kill(sig);
    const [code] = await exited;
    expect(code).toBe(status);
    await waitAllGone(pids, 5000);
  } finally {
    for (const pid of [child.pid!, ...pids]) if (isAlive(pid)) process.kill(pid, 'SIGKILL'); // only after a failure
  }
});

test('a SIGKILLed parent: its children cancel their own trees and exit within a second', async () => {
  const { child, pids } = await startTreeRoot();
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  const took = await waitAllGone(pids, 5000);
  expect(took).toBeLessThan(1000);
});

test('a 2x2x2 tree comes down well under a second after an error at a leaf', async () => {
  const pids: number[] = [];
  let t0 = 0;
  const err = await caught(
    openActorNursery(async (an) => {
      const tops = await Promise.all([an.startActor('x0', { enableModules: [BASIC] }), an.startActor('x1', { enableModules: [BASIC] })]);
      for (const top of tops) pids.push(top.pid);
      const { openNursery } = await import('../../src/index.ts');
      await openNursery(async (n) => {
        for (const top of tops) {
          const sub = await n.start<number[]>((started) =>
            top.openContext(spawnTree, [BASIC, 2, 2, 'hangUntilBroken'], async (_c, first: number[]) => {
              started(first);
              await sleepForever();
            }),
          );
          pids.push(...sub);
        }
        const leaf = await findActor('x0.1.0');
        expect(leaf).toBeDefined();
        t0 = performance.now();
        await leaf!.run(`${BASIC}:breakLeaf`);
      });
    }),
  );
  const took = performance.now() - t0;
  expect(err.message).toContain('leaf x0.1.0 broke');
  expect(pids).toHaveLength(14);
  expectAllGone(pids);
  expect(took).toBeLessThan(1000);
});

test('an actor closes the links peers opened to it when it stops: a root exits while an outside peer still holds one', async () => {
  const child = spawn(process.execPath, ['--conditions=furrow-source', fixture('root-with-peer.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  try {
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const addr = JSON.parse(line) as { kind: 'uds'; path: string };
    const peer = await openConnection(await connectUds(addr.path), { name: 'outside' });
    child.stdin!.write('go\n');
    // a link left open would keep the root's process alive for as long as this peer holds it
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    // and the peer's side ends (cleanly, or reset if a frame of its own was still unread there)
    expect(await peer.waitClosed()).not.toBeNull();
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  expectAllGone([child.pid!]);
});
