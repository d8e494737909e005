// Python actors register with the root's registrar like Node actors: findActor finds
// them (and a portal from it calls them over their own socket); they leave on exit.
import { RemoteActorError, findActor, getRegistry, openActorNursery } from 'furrow';
import { BASIC } from '../../actor/helpers.ts';
import { expectAllGone, pyActor } from './helpers.ts';

test('findActor finds a Python actor, calls reach it, and it leaves the registry on exit', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('py-found', pyActor());
    pids.push(p.pid);
    expect(p.addr).toMatchObject({ kind: 'uds' });
    const found = await findActor('py-found');
    expect(found?.uid).toEqual(p.uid);
    expect(await found!.run('fx_basic:echo', 'over its own socket')).toBe('over its own socket');
    // a Node actor finds it too and reaches it: its call of a Node function is refused by the Python actor itself
    const node = await an.startActor('node-finder', { enableModules: [BASIC] });
    pids.push(node.pid);
    const e = (await node.run(`${BASIC}:callPeer`, 'py-found', 1, 2).catch((x) => x)) as RemoteActorError;
    expect(e.boxedType).toBe('ModuleNotEnabledError');
    expect(e.message).toMatch(/not enabled/);
    expect(e.srcUid).toEqual(p.uid);
    await p.cancelActor();
    expect((await getRegistry()).map((e) => e.name)).not.toContain('py-found');
  });
  expectAllGone(pids);
});
