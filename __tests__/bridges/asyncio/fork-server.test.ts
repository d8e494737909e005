// Python actors forked by the fork server (`forkServer: true`): the same calls,
// errors with tracebacks, cancels reaching `finally` and streams as a fresh
// interpreter's actor; one server serves the next actor too; and when the Node parent
// is SIGKILLed, the server, its actors and what they started are all gone.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { moveOnAfter, openActorNursery, RemoteActorError } from '../../../src/index.ts';
import '../../../bridges/asyncio/index.ts';
import { exited, pyActor, waitExited } from './helpers.ts';

const PARENT = fileURLToPath(new URL('./fixtures/orphan-parent.ts', import.meta.url));

/** The parent pid of `pid`, from /proc. */
const ppidOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);

test('a forked Python actor: calls, a traceback, a cancel reaching finally, a stream; its parent is the fork server, shared by the next one', async () => {
  await openActorNursery(async (an) => {
    const py = await an.startActor('forked', pyActor(['fx_basic'], { forkServer: true }));
    const me = (await py.run('fx_basic:whoami')) as { name: string; pid: number };
    expect(me.name).toBe('forked');
    const server = ppidOf(me.pid);
    expect(server).not.toBe(process.pid);
    expect(readFileSync(`/proc/${server}/cmdline`, 'utf8')).toMatch(/forkserver/);
    expect(await py.run('fx_basic:add', 1, 2, 3)).toBe(6);
    const err = await py.run('fx_basic:fail', 'forked boom').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteActorError);
    expect((err as RemoteActorError).boxedType).toBe('ValueError');
    expect((err as RemoteActorError).remoteStack).toMatch(/fx_basic\.py/);
    await moveOnAfter(200, () => py.run('fx_basic:sleep_forever', 'forked-sleeper'));
    expect(await py.run('fx_basic:events')).toContain('finally forked-sleeper');
    await py.openContext('fx_basic:counter', [3, 'forked-counter'], async (ctx) => {
      const got: number[] = [];
      await ctx.openStream<number, void>(async (s) => {
        for await (const v of s) got.push(v);
      });
      expect(got).toEqual([0, 1, 2]);
    });
    const second = await an.startActor('forked-2', pyActor(['fx_basic'], { forkServer: true }));
    const other = (await second.run('fx_basic:whoami')) as { pid: number };
    expect(ppidOf(other.pid)).toBe(server);
    await py.cancelActor();
    await second.cancelActor();
    await waitExited(me.pid, 5000);
    await waitExited(other.pid, 5000);
  });
});

test('SIGKILL of the Node parent: the fork server, its actor and the process the actor started are gone', async () => {
  const parent = spawn(process.execPath, ['--conditions=furrow-source', PARENT, '/dev/null', 'free'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, FURROW_TEST_FORK_SERVER: '1', FURROW_LOG: 'warn' },
  });
  const rl = createInterface({ input: parent.stdout! });
  const [line] = (await once(rl, 'line')) as [string];
  const { pid, sleeper } = JSON.parse(line) as { pid: number; sleeper: number };
  const server = ppidOf(pid);
  expect(server).not.toBe(parent.pid);
  parent.kill('SIGKILL');
  for (const p of [server, pid, sleeper]) await waitExited(p, 5000);
  for (const p of [server, pid, sleeper]) expect(exited(p)).toBe(true);
});
