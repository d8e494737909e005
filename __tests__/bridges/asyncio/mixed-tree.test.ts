// A mixed tree: the root spawns a Node actor whose enabled module imports
// furrow/asyncio and spawns a Python actor. Calls, cancels and errors cross both hops.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemoteActorError, openActorNursery, sleepForever, withCancelScope, type StartActorOptions } from 'furrow';
import { FIXTURES, expectAllGone } from './helpers.ts';

const MID = fileURLToPath(new URL('./fixtures/mid_node.ts', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'furrow-mixed-'));
// Under jest the child's inherited execArgv may lack the condition that lets the
// module import 'furrow' by name, so it is passed explicitly.
const midActor: StartActorOptions = { backend: 'fork', enableModules: [MID], execArgv: ['--conditions=furrow-source'] };

type Pids = { mid: number; py: number };

test('a Node actor spawns a Python actor: a call through both hops, both exit', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const mid = await an.startActor('mid', midActor);
    pids.push(mid.pid);
    const r = (await mid.run(`${MID}:addInPython`, FIXTURES, 1, 2, 3)) as Pids & { sum: number };
    pids.push(r.py);
    expect(r).toEqual({ mid: mid.pid, py: expect.any(Number), sum: 6 });
    expect(r.py).not.toBe(mid.pid);
  });
  expectAllGone(pids);
});

test('a cancel from the root crosses both hops: the Python finally runs, the cancel is absorbed', async () => {
  const pids: number[] = [];
  const mark = join(tmp, 'cancelled');
  await openActorNursery(async (an) => {
    const mid = await an.startActor('mid', midActor);
    pids.push(mid.pid);
    await withCancelScope({}, async (scope) => {
      await mid.openContext(`${MID}:viaPython`, [FIXTURES, mark], async (_ctx, first: Pids & { first: string }) => {
        pids.push(first.py);
        expect(first.first).toBe('grandchild');
        scope.cancel();
        await sleepForever();
      });
    });
    expect(pids).toHaveLength(2);
    // the mid actor is still usable: its Python grandchild's nursery closed cleanly
    expect(((await mid.run(`${MID}:addInPython`, FIXTURES, 4, 5)) as { sum: number }).sum).toBe(9);
  });
  expect(readFileSync(mark, 'utf8')).toBe('finally ran');
  expectAllGone(pids);
});

test('the root nursery cancelled mid-call: the Python grandchild is cancelled and exits too', async () => {
  const pids: number[] = [];
  const mark = join(tmp, 'nursery');
  const r = await openActorNursery(async (an) => {
    const mid = await an.startActor('mid', midActor);
    pids.push(mid.pid);
    await mid.openContext(`${MID}:viaPython`, [FIXTURES, mark], async (_ctx, first: Pids) => {
      pids.push(first.py);
      void an.cancel();
      await sleepForever();
    });
    return 'not reached';
  });
  expect(r).toBeUndefined();
  expect(readFileSync(mark, 'utf8')).toBe('finally ran');
  expectAllGone(pids);
});

test('a Python error crosses both hops: RemoteActorError with the Python type and traceback', async () => {
  const pids: number[] = [];
  const err = await openActorNursery(async (an) => {
    const mid = await an.startActor('mid', midActor);
    pids.push(mid.pid);
    await mid.openContext(`${MID}:viaPython`, [FIXTURES, '', 'failed two hops away'], async (ctx, first: Pids) => {
      pids.push(first.py);
      return ctx.result();
    });
  }).catch((e) => e);
  expect(err).toBeInstanceOf(RemoteActorError);
  const e = err as RemoteActorError;
  // the grandchild's error is relayed as it was boxed in Python: its type, message and traceback
  expect(e.boxedType).toBe('ValueError');
  expect(e.message).toMatch(/failed two hops away/);
  expect(e.remoteStack).toMatch(/Traceback[\s\S]*fx_basic\.py[\s\S]*ValueError: failed two hops away/);
  expect(pids).toHaveLength(2);
  expectAllGone(pids);
});
