// Spawning actors and calling into them: runInActor, daemons with repeated calls,
// nested spawns, both backends, and bad input (function not enabled, module that
// fails to import, wrong argument, dead child).
import { ActorDiedError, MsgTypeError, sleepForever, ModuleNotEnabledError, RemoteActorError, RUNTIME_NS, TransportError, currentActor, openActorNursery } from '../../src/index.ts';
import { add, busyLoop, loadedBuiltins, nodeFlags, spawnAndRun, whoami } from './fixtures/basic.ts';
import { notEnabled } from './fixtures/other.ts';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { BASIC, caught, expectAllGone, fixture } from './helpers.ts';

test('runInActor gives its one-shot result, and the child is gone after the nursery', async () => {
  const pids: number[] = [];
  const value = await openActorNursery(async (an) => {
    const p = await an.runInActor(add, [2, 40], { enableModules: [BASIC] });
    pids.push(p.pid);
    expect(p.pid).not.toBe(process.pid);
    return p.result();
  });
  expect(value).toBe(42);
  expectAllGone(pids);
});

test('a daemon answers repeated Portal.run calls until cancelActor', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('daemon', { enableModules: [BASIC] });
    pids.push(p.pid);
    for (let i = 0; i < 20; i++) expect(await p.run(add, i, 1)).toBe(i + 1);
    expect(await p.run(whoami)).toEqual({ name: 'daemon', pid: p.pid });
    expect(await p.run(`${BASIC}:add`, 1, 1)).toBe(2);
    expect(await p.runFromNs(BASIC, 'add', 3, 3)).toBe(6);
    expect(await p.cancelActor()).toBe(true);
    expectAllGone(pids);
    await expect(p.run(add, 1, 1)).rejects.toBeInstanceOf(TransportError);
  });
  expectAllGone(pids);
});

test('the thread backend runs the same functions in a worker thread', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('worker', { enableModules: [BASIC], backend: 'thread' });
    expect(p.pid).toBe(process.pid);
    expect(await p.run(whoami)).toEqual({ name: 'worker', pid: process.pid });
    expect(await p.run(add, 20, 22)).toBe(42);
  });
});

test('nested spawn: a child spawns its own child (fork and thread)', async () => {
  await openActorNursery(async (an) => {
    const p = await an.startActor('parent', { enableModules: [BASIC] });
    const sub = (await p.run(spawnAndRun, BASIC, 'whoami', [])) as { name: string; pid: number };
    expect(sub.name).toBe('sub-whoami');
    expect(sub.pid).not.toBe(p.pid);
    expect(sub.pid).not.toBe(process.pid);
    expectAllGone([sub.pid]);
    const viaThread = (await p.run(spawnAndRun, BASIC, 'whoami', [], 'thread')) as { pid: number };
    expect(viaThread.pid).toBe(p.pid);
  });
});

test('a fork actor starts without the built-ins it does not need', async () => {
  // each costs milliseconds at every child's start-up: see child-main.ts, connection.ts and uds.ts
  await openActorNursery(async (an) => {
    const p = await an.startActor('lean', { enableModules: [BASIC] });
    const loaded = await p.run(loadedBuiltins);
    expect(loaded).toContain('net');
    for (const m of ['cluster', 'crypto', 'worker_threads', 'fs/promises']) expect(loaded).not.toContain(m);
    // an ESM import of a built-in builds its facade; node:fs's loads fs/promises and
    // readline with it (~2.4 ms): the runtime reaches built-ins by process.getBuiltinModule
    for (const m of ['internal/fs/promises', 'internal/readline/interface']) expect(loaded).not.toContain(m);
    // child_process comes only after the `ready` answer, to start the orphan watchdog
    // (orphan-watchdog.ts): the start-up itself does not pay for it
  });
});

test('a child whose module keeps a timer running still exits by itself once cancelled, well inside the grace', async () => {
  // a finished child leaves by running out of work (not process.exit(), which can
  // deadlock in Node 24: nodejs/node#54918), and calls process.exit() only if
  // something keeps it alive; without that, this child would wait for the SIGTERM
  // that comes after 4 x the 2 s grace
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    for (const backend of ['fork', 'thread'] as const) {
      const p = await an.startActor(`timer-${backend}`, { enableModules: [fixture('keeps-timer.ts')], backend });
      if (backend === 'fork') pids.push(p.pid);
      expect(await p.run(`${fixture('keeps-timer.ts')}:leaveTimer`)).toBe('left running');
      const t0 = performance.now();
      expect(await p.cancelActor()).toBe(true);
      expect(performance.now() - t0).toBeLessThan(2000);
    }
  });
  expectAllGone(pids);
});

test("a fork child's young generation starts at 2 MiB (no scavenge in its start-up), unless its execArgv says otherwise", async () => {
  await openActorNursery(async (an) => {
    const plain = await an.startActor('plain', { enableModules: [BASIC] });
    expect((await plain.run(nodeFlags))[0]).toBe('--min-semi-space-size=2');
    // V8 takes the last value of a flag: the caller's comes after ours
    const own = await an.startActor('own', { enableModules: [BASIC], execArgv: ['--min-semi-space-size=8'] });
    expect(await own.run(nodeFlags)).toEqual(['--min-semi-space-size=2', '--min-semi-space-size=8']);
  });
});

test('currentActor() in the root', async () => {
  await openActorNursery(async () => {
    expect(currentActor().isRoot).toBe(true);
    expect(currentActor().name).toBe('root');
  });
  expect(() => currentActor()).toThrow(/no actor runtime/);
});

describe('bad input', () => {
  test('a function from a module the actor did not enable', async () => {
    await openActorNursery(async (an) => {
      const p = await an.startActor('strict', { enableModules: [BASIC] });
      // not loaded anywhere as enabled: refused here, before anything is sent
      await expect(p.run(notEnabled)).rejects.toThrow(/not exported by any module loaded as enabled/);
      // named explicitly: the actor answers with a boxed error naming the module
      const err = await caught(p.run(`${fixture("other.ts")}:notEnabled`));
      expect(err).toBeInstanceOf(RemoteActorError);
      expect(err.boxedType).toBe(ModuleNotEnabledError.name);
      expect(err.message).toContain('other.ts');
      expect(err.message).toContain('is not enabled');
      const missing = await caught(p.run(`${BASIC}:nope`));
      expect(missing.message).toMatch(/no exported function 'nope'/);
      expect(await p.run(add, 1, 2)).toBe(3);
    });
  });

  test("the runtime namespace answers only its own functions, nothing inherited ('constructor', 'toString', '__proto__')", async () => {
    await openActorNursery(async (an) => {
      const p = await an.startActor('guarded', { enableModules: [BASIC] });
      for (const func of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
        const err = await caught(p.runFromNs(RUNTIME_NS, func));
        expect(err).toBeInstanceOf(RemoteActorError);
        expect(err.boxedType).toBe(ModuleNotEnabledError.name);
        expect(err.message).toContain(`the runtime has no function '${func}'`);
      }
      expect(await p.run(add, 1, 2)).toBe(3); // and it still serves
    });
  });

  test('an enabled module that fails to import fails at spawn, in the parent, with the real error', async () => {
    let spawned = false;
    const err = await openActorNursery(async (an) => {
      await an.startActor('broken', { enableModules: [fixture('broken.ts')] });
      spawned = true;
    }).catch((e) => e);
    expect(spawned).toBe(false);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(RemoteActorError);
    expect(err.message).toContain('this module does not load');
  });

  test('a wrong argument: unencodable locally, a TypeError remotely', async () => {
    await openActorNursery(async (an) => {
      const p = await an.startActor('args', { enableModules: [BASIC] });
      // a value msgpack cannot carry: MsgTypeError before anything leaves
      await expect(p.run(`${BASIC}:add`, (2n ** 70n) as unknown as number, 1)).rejects.toBeInstanceOf(MsgTypeError);
      // extra arguments are ignored, as in JS; a wrong type reaches the function as it is
      expect(await p.run(`${BASIC}:whoami`, 'unexpected')).toEqual({ name: 'args', pid: p.pid });
      await expect(p.run(`${BASIC}:add`, 'x' as unknown as number)).resolves.toBe('xundefined');
    });
  });

  test('a dead child: calls fail with TransportError and the nursery reports ActorDiedError', async () => {
    const pids: number[] = [];
    const err = await openActorNursery(async (an) => {
      const p = await an.startActor('doomed', { enableModules: [BASIC] });
      pids.push(p.pid);
      const call = p.run(busyLoop).catch((e) => e);
      process.kill(p.pid, 'SIGKILL');
      expect(await call).toBeInstanceOf(TransportError);
      await sleepForever(); // the nursery's cancel ends this body
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ActorDiedError);
    expect(err.signal).toBe('SIGKILL');
    expectAllGone(pids);
  });
});

test('a parent started with node -e CODE --input-type=module spawns children without its script flags', () => {
  const index = pathToFileURL(fixture('../../../src/index.ts')).href;
  const code = `
    const { openActorNursery } = await import(${JSON.stringify(index)});
    const out = await openActorNursery(async (an) => {
      const p = await an.startActor('from-eval', { enableModules: [${JSON.stringify(BASIC)}] });
      return [await p.run(${JSON.stringify(BASIC + ':add')}, 20, 22), p.pid];
    });
    console.log(JSON.stringify(out));`;
  const stdout = execFileSync(process.execPath, ['--conditions=furrow-source', '-e', code, '--input-type=module'], { encoding: 'utf8' });
  const [sum, pid] = JSON.parse(stdout) as [number, number];
  expect(sum).toBe(42);
  expectAllGone([pid]);
});
