// Raw `Start` frames against a live Python actor: the runtime namespace answers only
// its own entries (`ready`, `cancel`), and an enabled module only its exported
// functions. Attribute names (`__class__`, `__init__`, `constructor`, `toString`, ...)
// reach nothing: each is refused with ModuleNotEnabledError, and nothing is returned.
import { pack, unpack } from 'msgpackr';
import { openActorNursery } from 'furrow';
import { expectAllGone, pyActor } from './helpers.ts';
import { RawPeer } from './raw-peer.ts';

const PROBES = ['constructor', 'toString', '__class__', '__init__', '__dict__', '__getattribute__', '__reduce__', '_self_call', 'rpc', 'spawn', 'ready.__class__', ''];

test('furrow:runtime and an enabled module answer only their own entries to raw Start frames', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('probed', pyActor());
    pids.push(p.pid);
    const peer = await RawPeer.connect((p.addr as { path: string }).path);
    try {
      const ours = { name: 'prober', uuid: '00000000-0000-0000-0000-000000000000' }; // the smaller uuid: odd cids
      peer.send({ type: 'Aid', ...ours, pid: process.pid, runtime: 'node', version: 1 });
      expect((await peer.next()).type).toBe('Aid');
      let cid = 1;
      const call = async (ns: string, func: string, args: unknown[] = []): Promise<Record<string, unknown>> => {
        const mine = cid;
        cid += 2;
        peer.send({ type: 'Start', cid: mine, ns, func, pld: pack(args) });
        for (;;) {
          const r = await peer.next();
          if (r.cid === mine && (r.type === 'Return' || r.type === 'Error')) return r;
        }
      };
      // a positive control: the whitelisted entry answers
      const ready = await call('furrow:runtime', 'ready');
      expect(ready.type).toBe('Return');
      expect(unpack(ready.pld as Buffer)).toMatchObject({ pid: p.pid, runtime: 'python' });
      const answers: Record<string, unknown>[] = [];
      for (const func of PROBES) answers.push(await call('furrow:runtime', func));
      for (const func of [...PROBES, '__builtins__', '__loader__', '_events', '_private_helper', 'asyncio', 'current_actor', 'os']) answers.push(await call('fx_basic', func));
      for (const a of answers) {
        expect(a.type).toBe('Error');
        expect((a.error as { boxedType: string }).boxedType).toBe('ModuleNotEnabledError');
      }
      // still serving
      expect(unpack((await call('fx_basic', 'echo', ['still serving'])).pld as Buffer)).toBe('still serving');
    } finally {
      await peer.close();
    }
  });
  expectAllGone(pids);
});
