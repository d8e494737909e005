// Discovery: the root's registrar. Actors find each other by name, a cancelled
// actor leaves the registry, and a stale entry is removed when it cannot be reached.
import { currentActor, findActor, getRegistry, openActorNursery } from '../../src/index.ts';
import { add, callPeer } from './fixtures/basic.ts';
import { BASIC, expectAllGone, fixture } from './helpers.ts';

const names = async (): Promise<string[]> => (await getRegistry()).map((e) => e.name).sort();

test('two actors find each other by name', async () => {
  await openActorNursery(async (an) => {
    const a = await an.startActor('alice', { enableModules: [BASIC] });
    // bob asks for carol before she exists: waitForActor waits for her
    const bob = await an.startActor('bob', { enableModules: [BASIC] });
    const asked = bob.run(callPeer, 'carol', 20, 22);
    await an.startActor('carol', { enableModules: [BASIC] });
    expect(await asked).toBe(42);
    expect(await a.run(callPeer, 'bob', 1, 2)).toBe(3);
    const fromRoot = await findActor('alice');
    expect(fromRoot?.uid).toEqual(a.uid);
    expect(await fromRoot!.run(add, 2, 3)).toBe(5);
    expect(await findActor('nobody')).toBeUndefined();
    expect(await names()).toEqual(['alice', 'bob', 'carol', 'root']);
  });
});

test('a cancelled actor leaves the registry', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('shortlived', { enableModules: [BASIC] });
    expect(await names()).toContain('shortlived');
    await p.cancelActor();
    expectAllGone([p.pid]);
    expect(await names()).not.toContain('shortlived');
    expect(await findActor('shortlived')).toBeUndefined();
  });
});

test('a killed actor (no chance to unregister itself) is gone from the registry when kill() returns', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('killed', { enableModules: [BASIC] });
    expect(await names()).toContain('killed');
    await p.kill();
    expectAllGone([p.pid]);
    expect(await names()).not.toContain('killed');
  });
});

test('a stale entry is removed when it cannot be reached', async () => {
  await openActorNursery(async () => {
    currentActor().registrar!.register(['ghost', 'ghost-uuid'], { kind: 'uds', path: '/nonexistent/ghost.sock' }, null);
    expect(await names()).toContain('ghost');
    expect(await findActor('ghost')).toBeUndefined();
    expect(await names()).not.toContain('ghost');
  });
});

test('an actor whose module fails to import in the child leaves no registry entry', async () => {
  await openActorNursery(async (an) => {
    const env = { ...process.env, FURROW_TEST_BREAK: '1' };
    await expect(an.startActor('half-born', { enableModules: [fixture('broken-in-child.ts')], env })).rejects.toThrow(/does not load in the child/);
    expect(await names()).not.toContain('half-born');
  });
});
