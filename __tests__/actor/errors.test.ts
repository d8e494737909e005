// Errors across actors: boxing with type, message, remote stack, fields and cause;
// registered classes rebuilt as themselves; one-cancels-all; 25 failing children
// collected; groups boxed through a nested tree; relayed errors keep their origin.
import { ErrorGroup, RemoteActorError, openActorNursery, openNursery } from '../../src/index.ts';
import { QuotaError, add, fail, hang, quota, spawnAndRun, spawnFailing } from './fixtures/basic.ts';
import { BASIC, caught, expectAllGone } from './helpers.ts';

test('a remote error is boxed with its type, message, remote stack, own fields and cause', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('thrower', { enableModules: [BASIC] });
    const err = await caught(p.run(fail, 'bad thing'));
    expect(err).toBeInstanceOf(RemoteActorError);
    expect(err.boxedType).toBe('TypeError');
    expect(err.message).toBe('bad thing');
    expect(err.remoteStack).toContain('fixtures/basic.ts');
    expect(err.srcUid).toEqual(p.uid);
    expect(err.relayPath).toEqual([]);
    expect(err.code).toBe('E_FIXTURE');
    expect(err.extra).toEqual({ code: 'E_FIXTURE' });
    expect(err.cause).toBeInstanceOf(RemoteActorError);
    expect(err.cause.boxedType).toBe('RangeError');
    expect(err.cause.message).toBe('the root cause');
    expect(String(err.stack)).toContain('--- remote stack ---');
    // the actor is still fine after an error in one call
    expect(await p.run(add, 1, 1)).toBe(2);
  });
});

test('a registered error class is rebuilt as itself', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('quota', { enableModules: [BASIC] });
    const err = await caught(p.run(quota));
    expect(err).toBeInstanceOf(QuotaError);
    expect(err.message).toBe('over quota');
    expect(err.limit).toBe(10);
  });
});

test('25 failing children give an ErrorGroup of 25 RemoteActorErrors', async () => {
  const pids: number[] = [];
  const t0 = performance.now();
  const err = await caught(
    openActorNursery(async (an) => {
      const portals = await Promise.all(Array.from({ length: 25 }, (_, i) => an.startActor(`f${i}`, { enableModules: [BASIC] })));
      pids.push(...portals.map((p) => p.pid));
      await openNursery((n) => {
        for (const p of portals) n.startSoon(() => p.run(fail, p.name));
      });
    }),
  );
  expect(err).toBeInstanceOf(ErrorGroup);
  expect(err.errors).toHaveLength(25);
  for (const e of err.errors) {
    expect(e).toBeInstanceOf(RemoteActorError);
    expect(e.boxedType).toBe('TypeError');
  }
  expect(new Set(err.errors.map((e: RemoteActorError) => e.srcUid[0])).size).toBe(25);
  expectAllGone(pids);
  expect(performance.now() - t0).toBeLessThan(20_000);
});

test('a failing runInActor child cancels its siblings at once', async () => {
  const pids: number[] = [];
  let hangEnded = '';
  const err = await caught(
    openActorNursery(async (an) => {
      const sib = await an.startActor('sibling', { enableModules: [BASIC] });
      pids.push(sib.pid);
      await openNursery(async (n) => {
        n.startSoon(async () => {
          try {
            await sib.run(hang);
          } finally {
            hangEnded = 'yes';
          }
        });
        const bad = await an.runInActor(fail, ['from runInActor'], { enableModules: [BASIC] });
        pids.push(bad.pid);
      });
    }),
  );
  expect(err).toBeInstanceOf(RemoteActorError);
  expect(err.message).toBe('from runInActor');
  expect(hangEnded).toBe('yes');
  expectAllGone(pids);
});

test('nested error trees box groups: a child whose two children fail', async () => {
  const err = await caught(
    openActorNursery(async (an) => {
      const mid = await an.startActor('mid', { enableModules: [BASIC] });
      await mid.run(spawnFailing, BASIC, 2);
    }),
  );
  expect(err).toBeInstanceOf(RemoteActorError);
  expect(err.boxedType).toBe('ErrorGroup');
  expect(err.srcUid[0]).toBe('mid');
  expect(err.errors).toHaveLength(2);
  for (const e of err.errors) {
    expect(e).toBeInstanceOf(RemoteActorError);
    expect(e.boxedType).toBe('TypeError');
    expect(e.srcUid[0]).toMatch(/^failing-\d$/);
    expect(e.relayPath.map((u: [string, string]) => u[0])).toEqual(['mid']);
  }
});

test('a relayed error through a middle actor keeps its srcUid and the relay path', async () => {
  const err = await caught(
    openActorNursery(async (an) => {
      const mid = await an.startActor('middle', { enableModules: [BASIC] });
      await mid.run(spawnAndRun, BASIC, 'fail', ['deep']);
    }),
  );
  expect(err).toBeInstanceOf(RemoteActorError);
  expect(err.boxedType).toBe('TypeError');
  expect(err.message).toBe('deep');
  expect(err.srcUid[0]).toBe('sub-fail');
  expect(err.relayPath.map((u: [string, string]) => u[0])).toEqual(['middle']);
  expect(err.remoteStack).toContain('fixtures/basic.ts');
  expect(err.cause.boxedType).toBe('RangeError');
});
