// Streams both ways with credit windows, many Python actors under one nursery,
// and Python calling back into its parent.
import { fileURLToPath } from 'node:url';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteActorError, openActorNursery } from 'furrow';
import { expectAllGone, pyActor } from './helpers.ts';

test('a context ping-pong of 100 messages', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('pong', pyActor());
    pids.push(p.pid);
    const count = await p.openContext('fx_basic:echo_stream', [3], async (ctx, first) => {
      expect(first).toBe('ready');
      await ctx.openStream(async (s) => {
        for (let i = 0; i < 100; i++) {
          await s.send(i);
          expect(await s.receive()).toBe(i * 3);
        }
      });
      return ctx.result();
    });
    expect(count).toBe(100);
  });
  expectAllGone(pids);
});

// the 10,000-message slow-consumer test is in slow-consumer.test.ts

test('ten Python actors in one nursery: one fails, the others are cancelled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'furrow-ten-'));
  const pids: number[] = [];
  const err = await openActorNursery(async (an) => {
    for (let i = 0; i < 9; i++) {
      const p = await an.runInActor('fx_basic:sleep_mark', [join(dir, `m${i}`)], { ...pyActor(), name: `sleeper-${i}` });
      pids.push(p.pid);
    }
    const bad = await an.runInActor('fx_basic:fail', ['one of ten failed'], { ...pyActor(), name: 'failer' });
    pids.push(bad.pid);
  }).catch((e) => e);
  expect(err).toBeInstanceOf(RemoteActorError);
  expect((err as RemoteActorError).boxedType).toBe('ValueError');
  expect(pids).toHaveLength(10);
  for (let i = 0; i < 9; i++) expect(existsSync(join(dir, `m${i}`))).toBe(true);
  expectAllGone(pids);
}, 60_000);

test('a Python actor calls back into its parent: run and a streaming context', async () => {
  const pids: number[] = [];
  const mod = fileURLToPath(new URL('./fixtures/parent_fns.ts', import.meta.url));
  await openActorNursery(
    async (an) => {
      const p = await an.startActor('caller', pyActor());
      pids.push(p.pid);
      expect(await p.run('fx_basic:call_parent', `${mod}:double`, 21)).toBe(42);
      const r = await p.openContext('fx_basic:parent_stream', [`${mod}:countTo`, 5], async (ctx) => ctx.result());
      expect(r).toEqual({ first: 'counting', values: [0, 1, 2, 3, 4] });
      const e = (await p.run('fx_basic:call_parent', `${mod}:nope`, 1).catch((x) => x)) as RemoteActorError;
      expect(e.boxedType).toBe('ModuleNotEnabledError');
    },
    { enableModules: [mod] },
  );
  expectAllGone(pids);
});
