// Starting and calling Python actors: RPC to async and plain functions, enabled
// modules only, spawn failures (missing interpreter, missing msgpack, a module
// that does not import), runInActor.
import { openActorNursery, RemoteActorError, TransportError, type Portal } from 'furrow';
import { PythonNotFoundError } from '../../../bridges/asyncio/index.ts';
import { PY, expectAllGone, expectNoneLeftSince, processesBelowUs, pyActor } from './helpers.ts';

test('portal.run calls async and plain functions; results and arguments round-trip', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p: Portal = await an.startActor('py', pyActor());
    pids.push(p.pid);
    expect(p.conn.peer).toMatchObject({ runtime: 'python', name: 'py' });
    expect(await p.run('fx_basic:add', 1, 2, 3.5)).toBe(6.5);
    expect(await p.run('fx_basic:sync_add', 40, 2)).toBe(42);
    const value = { s: 'héllo ✓', ints: [0, -1, 2 ** 31, 2n ** 60n], bin: Buffer.from([0, 255]), nested: { a: [null, true] } };
    expect(await p.run('fx_basic:echo', value)).toEqual(value);
    expect(await p.run('fx_basic:whoami')).toMatchObject({ name: 'py', pid: p.pid, parent: an.actor.uid });
    // several calls in flight at once
    expect(await Promise.all([1, 2, 3, 4].map((i) => p.run('fx_basic:add', i, i)))).toEqual([2, 4, 6, 8]);
  });
  expectAllGone(pids);
});

test('a Python exception arrives as RemoteActorError with the Python traceback and cause', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('py', pyActor());
    pids.push(p.pid);
    const err = (await p.run('fx_basic:fail', 'bad input').catch((e) => e)) as RemoteActorError;
    expect(err).toBeInstanceOf(RemoteActorError);
    expect(err.boxedType).toBe('ValueError');
    expect(err.message).toBe('bad input');
    expect(err.srcUid).toEqual(p.uid);
    expect(err.remoteStack).toMatch(/Traceback \(most recent call last\)[\s\S]*fx_basic\.py[\s\S]*ValueError: bad input/);
    expect((err.cause as RemoteActorError).boxedType).toBe('KeyError');
    // the actor is still serving
    expect(await p.run('fx_basic:add', 1, 1)).toBe(2);
  });
  expectAllGone(pids);
});

test('only functions of enabled modules can be called', async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('py', pyActor());
    pids.push(p.pid);
    const notEnabled = (await p.run('os.path:join', 'a', 'b').catch((e) => e)) as RemoteActorError;
    expect(notEnabled.boxedType).toBe('ModuleNotEnabledError');
    expect(notEnabled.message).toMatch(/module 'os.path' is not enabled/);
    const imported = (await p.run('fx_basic:current_actor').catch((e) => e)) as RemoteActorError;
    expect(imported.boxedType).toBe('ModuleNotEnabledError');
    const missing = (await p.run('fx_basic:nope').catch((e) => e)) as RemoteActorError;
    expect(missing.message).toMatch(/no function 'nope'/);
    const priv = (await p.run('fx_basic:_events').catch((e) => e)) as RemoteActorError;
    expect(priv.boxedType).toBe('ModuleNotEnabledError');
  });
  expectAllGone(pids);
});

test('a module that fails to import fails the spawn with the Python traceback', async () => {
  const before = processesBelowUs();
  await openActorNursery(async (an) => {
    const err = (await an.startActor('broken', pyActor(['fx_basic', 'fx_broken'])).catch((e) => e)) as RemoteActorError;
    expect(err).toBeInstanceOf(RemoteActorError);
    expect(err.boxedType).toBe('ModuleNotFoundError');
    expect(err.remoteStack).toMatch(/fx_broken\.py[\s\S]*this_module_does_not_exist/);
    expect(an.actor.childPids.size).toBe(0);
  });
  expectNoneLeftSince(before);
});

test('a missing interpreter fails the spawn saying which and how to fix it', async () => {
  const before = processesBelowUs();
  await openActorNursery(async (an) => {
    const e1 = (await an.startActor('x', { ...pyActor(), backendOptions: { python: '/nonexistent/python3' } }).catch((e) => e)) as Error;
    expect(e1).toBeInstanceOf(PythonNotFoundError);
    expect(e1.message).toMatch(/'\/nonexistent\/python3' does not exist[\s\S]*install Python 3/);
    const e2 = (await an.startActor('x', { ...pyActor(), python: 'no-such-python-here' }).catch((e) => e)) as Error;
    expect(e2.message).toMatch(/no Python interpreter 'no-such-python-here' on PATH/);
  });
  expectNoneLeftSince(before);
});

test('an interpreter without msgpack fails the spawn saying how to install it', async () => {
  const before = processesBelowUs();
  // the python3 first on PATH here is a build without msgpack
  await openActorNursery(async (an) => {
    const err = (await an.startActor('nomsgpack', { ...pyActor(), python: 'python3' }).catch((e) => e)) as Error;
    expect(err).toBeInstanceOf(TransportError);
    expect(err.name).toBe('PythonMsgpackMissingError');
    expect(err.message).toMatch(/'python3' has no 'msgpack' package[\s\S]*apt-get install python3-msgpack[\s\S]*pip install msgpack/);
    expect(an.actor.childPids.size).toBe(0);
  });
  expectNoneLeftSince(before);
});

test('runInActor runs one Python function and returns its result', async () => {
  const pids: number[] = [];
  const r = await openActorNursery(async (an) => {
    const p = await an.runInActor('fx_basic:add', [20, 22], pyActor());
    pids.push(p.pid);
    return p.result();
  });
  expect(r).toBe(42);
  expectAllGone(pids);
  void PY;
});

test("a Python module named by plain letters: portal.run('worker:double')", async () => {
  const pids: number[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('w', pyActor(['worker']));
    pids.push(p.pid);
    expect(await p.run('worker:double', 21)).toBe(42);
  });
  expectAllGone(pids);
});
