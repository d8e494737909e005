// openSupervisor with real processes: each strategy and restart type, restart
// intensity (giving up after exactly maxRestarts, with the crashes' remote errors),
// backoff, a cancel during backoff, stable names through restarts (findActor finds
// the new incarnation; a call in flight to a dead one fails fast), waiting for a
// restarted child, Python children, two crashes at once, and no process left behind.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findActor, openActorNursery, waitForActor, moveOnAfter, openSupervisor, sleepForever, TransportError, RemoteActorError, RestartIntensityError, type SupervisorEvent, type SupervisorSpec } from 'furrow';
import { caught, expectAllGone, fixture, waitAllGone } from './helpers.ts';
import { FIXTURES, PY, expectNoneLeftSince, processesBelowUs } from '../bridges/asyncio/helpers.ts';

const SUP = fixture('supervised.ts');
const actor = { enableModules: [SUP] };

/** The same children on either backend: a fork actor serving supervised.ts, or a Python actor serving its twin fx_sup.py. */
const BACKENDS = {
  fork: { actor, main: (fn: string) => `${SUP}:${fn}` },
  python: { actor: { backend: 'python' as const, python: PY, cwd: FIXTURES, enableModules: ['fx_sup'] }, main: (fn: string) => `fx_sup:${fn}` },
};
let tmp: string;
beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'furrow-sup-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** The pids written to a start file, one per incarnation. */
const starts = (file: string): number[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);

/** Run a supervisor, collecting its events and the pids of every incarnation. */
async function supervise(spec: Omit<SupervisorSpec, 'onEvent'>, body: Parameters<typeof openSupervisor>[1]): Promise<{ events: SupervisorEvent[]; pids: number[]; result: unknown }> {
  const events: SupervisorEvent[] = [];
  const pids: number[] = [];
  const result = await openSupervisor({ ...spec, onEvent: (e) => (events.push(e), e.type === 'started' && e.pid && pids.push(e.pid)) }, body);
  return { events, pids, result };
}

const kinds = (events: SupervisorEvent[], child?: string): string[] =>
  events.filter((e) => child === undefined || e.child === child).map((e) => (e.type === 'exited' ? `exited:${e.reason}` : e.type));

test('one-for-one: a crashing child is restarted alone until it runs; its sibling is untouched', async () => {
  const file = join(tmp, 'a');
  let sibling = 0;
  const { events, pids } = await supervise(
    {
      children: [
        { name: 'sup-a', actor, main: `${SUP}:crashTimes`, args: [file, 2] },
        { name: 'sup-b', actor, main: `${SUP}:serve` },
      ],
    },
    async (sup) => {
      for await (const e of sup.events()) if (e.type === 'started' && e.child === 'sup-a' && e.incarnation === 3) break;
      sibling = sup.children.find((c) => c.name === 'sup-b')!.incarnation;
    },
  );
  expect(kinds(events, 'sup-a')).toEqual(['started', 'exited:error', 'restarting', 'started', 'exited:error', 'restarting', 'started', 'exited:shutdown']);
  const crash = events.find((e) => e.type === 'exited' && e.reason === 'error') as { error: unknown };
  expect(crash.error).toBeInstanceOf(RemoteActorError);
  expect((crash.error as RemoteActorError).message).toBe('crash 1 of 2');
  expect(sibling).toBe(1);
  expect(starts(file)).toHaveLength(3);
  expectAllGone(pids);
});

test.each(['fork', 'python'] as const)('restart types (%s): transient restarts after an error only, temporary never, permanent even after a normal end', async (backend) => {
  if (backend === 'python') await import('furrow/asyncio');
  const { actor, main } = BACKENDS[backend];
  const [t, p, tmpFile] = ['t', 'p', 'tmp'].map((n) => join(tmp, n));
  const { events, pids } = await supervise(
    {
      children: [
        { name: 'sup-transient', restart: 'transient', actor, main: main('returnAtOnce'), args: [t] },
        { name: 'sup-temporary', restart: 'temporary', actor, main: main('alwaysCrash') },
        { name: 'sup-permanent', restart: 'permanent', actor, main: main('crashTimes'), args: [p, 0] },
        { name: 'sup-permanent-return', restart: 'permanent', actor, main: main('returnAtOnce'), args: [tmpFile] },
      ],
      maxRestarts: 20,
    },
    async (sup) => {
      for await (const e of sup.events()) if (e.type === 'started' && e.child === 'sup-permanent-return' && e.incarnation === 3) break;
      const state = Object.fromEntries(sup.children.map((c) => [c.name, [c.state, c.incarnation]]));
      expect(state['sup-transient']).toEqual(['stopped', 1]);
      expect(state['sup-temporary']).toEqual(['stopped', 1]);
      expect(state['sup-permanent']).toEqual(['running', 1]);
    },
  );
  expect(kinds(events, 'sup-transient')).toEqual(['started', 'exited:normal']);
  expect(kinds(events, 'sup-temporary')).toEqual(['started', 'exited:error']);
  expect(starts(tmpFile).length).toBeGreaterThanOrEqual(2); // incarnations 1 and 2 ran their main to its end
  expectAllGone(pids);
});

test.each(['fork', 'python'] as const)('one-for-all restarts every child (the others stopped in reverse order first); rest-for-one those after the crashed one (%s)', async (backend) => {
  if (backend === 'python') await import('furrow/asyncio');
  const { actor, main } = BACKENDS[backend];
  for (const strategy of ['one-for-all', 'rest-for-one'] as const) {
    const file = join(tmp, `crash-${strategy}`);
    const { events, pids } = await supervise(
      {
        strategy,
        children: [
          { name: 'sup-first', actor, main: main('serve') },
          { name: 'sup-crasher', actor, main: main('crashTimes'), args: [file, 1] },
          { name: 'sup-last', actor, main: main('serve') },
        ],
      },
      async (sup) => {
        for await (const e of sup.events()) if (e.type === 'started' && e.child === 'sup-last' && e.incarnation === 2) break;
      },
    );
    const firstRestarted = strategy === 'one-for-all';
    expect(kinds(events, 'sup-first')).toEqual(firstRestarted ? ['started', 'exited:shutdown', 'started', 'exited:shutdown'] : ['started', 'exited:shutdown']);
    expect(kinds(events, 'sup-last')).toEqual(['started', 'exited:shutdown', 'started', 'exited:shutdown']);
    // after the crash: the later siblings stop last-first, then all start again first-first
    const afterCrash = events.slice(events.findIndex((e) => e.type === 'restarting'));
    const order = afterCrash.filter((e) => e.type === 'exited' || e.type === 'started').map((e) => `${e.type}:${e.child}`);
    expect(order.slice(0, firstRestarted ? 5 : 3)).toEqual(
      firstRestarted
        ? ['exited:sup-last', 'exited:sup-first', 'started:sup-first', 'started:sup-crasher', 'started:sup-last']
        : ['exited:sup-last', 'started:sup-crasher', 'started:sup-last'],
    );
    expectAllGone(pids);
  }
});

test('a child crashing in a loop makes the supervisor give up after exactly maxRestarts, with every crash and its remote stack', async () => {
  const pids: number[] = [];
  const gaveUp: SupervisorEvent[] = [];
  const err = await caught(
    openSupervisor(
      {
        name: 'looping',
        maxRestarts: 2,
        withinMs: 60_000,
        children: [
          { name: 'sup-steady', actor, main: `${SUP}:serve` },
          { name: 'sup-looper', actor, main: `${SUP}:alwaysCrash` },
        ],
        onEvent: (e) => (e.type === 'started' && e.pid && pids.push(e.pid), e.type === 'gave-up' && gaveUp.push(e)),
      },
      () => sleepForever(),
    ),
  );
  expect(err).toBeInstanceOf(RestartIntensityError);
  expect(err.message).toBe(
    "supervisor 'looping' gave up: child 'sup-looper' crashed 3 times within 60000 ms (at most 2 restarts in 60000 ms); last error: TypeError: crashes every time",
  );
  expect(err.child).toBe('sup-looper');
  expect(err.crashes).toBe(3);
  expect(err.errors).toHaveLength(3);
  for (const e of err.errors) {
    expect(e).toBeInstanceOf(RemoteActorError);
    expect((e as RemoteActorError).remoteStack).toMatch(/alwaysCrash/);
  }
  expect(gaveUp).toHaveLength(1);
  expect(pids).toHaveLength(4); // steady once, the looper three times
  expectAllGone(pids);
});

test('a cancel during the backoff ends the supervisor at once, with every child torn down', async () => {
  const pids: number[] = [];
  let restarting = 0;
  const t0 = performance.now();
  await moveOnAfter(20_000, () =>
    openSupervisor(
      {
        backoff: 60_000,
        children: [
          { name: 'sup-bystander', actor, main: `${SUP}:serve` },
          { name: 'sup-crash-once', actor, main: `${SUP}:alwaysCrash` },
        ],
        onEvent: (e) => (e.type === 'started' && e.pid && pids.push(e.pid), e.type === 'restarting' && restarting++),
      },
      async (sup) => {
        for await (const e of sup.events()) if (e.type === 'restarting') throw new Error('the body gives up while the child waits to restart');
      },
    ).catch((e: Error) => expect(e.message).toBe('the body gives up while the child waits to restart')),
  );
  expect(restarting).toBe(1);
  expect(performance.now() - t0).toBeLessThan(15_000);
  expectAllGone(pids);
});

test('stable names: findActor finds the new incarnation, a call in flight to the dead one fails within a second, sup.portal waits for the restart', async () => {
  const pids: number[] = [];
  await openSupervisor(
    { children: [{ name: 'sup-named', actor }], onEvent: (e) => e.type === 'started' && e.pid && pids.push(e.pid) },
    async (sup) => {
      const first = await sup.portal('sup-named');
      expect((await findActor('sup-named'))?.pid).toBe(first.pid);
      const inFlight = first.run(`${SUP}:serve`);
      const t0 = performance.now();
      process.kill(first.pid, 'SIGKILL');
      const err = await caught(inFlight);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(err).toBeInstanceOf(TransportError);
      const second = await sup.portal('sup-named', { after: first }); // waits for the restarted child
      expect(second.pid).not.toBe(first.pid);
      expect(await second.run(`${SUP}:pid`)).toBe(second.pid);
      expect((await findActor('sup-named'))?.pid).toBe(second.pid);
    },
  );
  expect(pids).toHaveLength(2);
  expectAllGone(pids);
});

test('Python children are supervised too: two killed at once are each restarted once', async () => {
  await import('furrow/asyncio');
  const py = { backend: 'python' as const, python: PY, cwd: FIXTURES, enableModules: ['fx_basic'] };
  const pids: number[] = [];
  await openSupervisor(
    { children: [{ name: 'sup-py-1', actor: py }, { name: 'sup-py-2', actor: py }], onEvent: (e) => e.type === 'started' && e.pid && pids.push(e.pid) },
    async (sup) => {
      const [a, b] = [await sup.portal('sup-py-1'), await sup.portal('sup-py-2')];
      process.kill(a.pid, 'SIGKILL');
      process.kill(b.pid, 'SIGKILL');
      const [a2, b2] = [await sup.portal('sup-py-1', { after: a }), await sup.portal('sup-py-2', { after: b })];
      expect([a2.pid, b2.pid]).not.toContain(a.pid);
      expect([a2.pid, b2.pid]).not.toContain(b.pid);
      expect(await a2.run('fx_basic:echo', 'back')).toBe('back');
      expect(sup.children.map((c) => c.incarnation)).toEqual([2, 2]);
    },
  );
  expect(pids).toHaveLength(4);
  await waitAllGone(pids);
});

test('a start that fails during a restart is a crash like any other: the next restart brings the child back', async () => {
  await import('furrow/asyncio');
  const marker = join(tmp, 'marker');
  const events: SupervisorEvent[] = [];
  const pids: number[] = [];
  await openSupervisor(
    {
      maxRestarts: 5,
      children: [
        { name: 'sup-flaky', actor: { backend: 'python', python: PY, cwd: FIXTURES, enableModules: ['fx_flaky'], env: { ...process.env, FURROW_FLAKY_MARKER: marker } } },
      ],
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'started' && e.pid) pids.push(e.pid);
        // the restart that failed to start: let the next one import again
        if (e.type === 'exited' && e.incarnation === 2) rmSync(marker);
      },
    },
    async (sup) => {
      const first = await sup.portal('sup-flaky');
      writeFileSync(marker, 'no imports now');
      process.kill(first.pid, 'SIGKILL');
      const third = await sup.portal('sup-flaky', { after: first });
      expect(await third.run('fx_flaky:pid')).toBe(third.pid);
      expect(sup.children[0]!.incarnation).toBe(3);
    },
  );
  expect(kinds(events)).toEqual(['started', 'exited:error', 'restarting', 'exited:error', 'restarting', 'started', 'exited:shutdown']);
  expect(String((events[3] as { error: Error }).error)).toMatch(/refusing to import/);
  await waitAllGone(pids);
});

test('a supervisor inside a child actor of an actor nursery: cancelling the nursery takes the supervised grandchildren down too', async () => {
  const before = processesBelowUs();
  await openActorNursery(async (an) => {
    const child = await an.runInActor(`${SUP}:superviseTwo`, [], { enableModules: [SUP] });
    const grand = await waitForActor('grand-2');
    expect(grand.pid).not.toBe(child.pid);
    expect(processesBelowUs().size).toBeGreaterThanOrEqual(before.size + 3);
    await an.cancel();
  });
  expectNoneLeftSince(before);
});

test('a child that cannot start the first time fails the supervisor at once; a wrong spec is refused before anything starts', async () => {
  const pids: number[] = [];
  const err = await caught(
    openSupervisor(
      {
        children: [
          { name: 'sup-ok', actor, main: `${SUP}:serve` },
          { name: 'sup-broken', actor: { enableModules: [fixture('broken.ts')] } },
        ],
        onEvent: (e) => e.type === 'started' && e.pid && pids.push(e.pid),
      },
      () => 'never',
    ),
  );
  expect(err).toBeInstanceOf(Error);
  expect(pids).toHaveLength(1);
  expectAllGone(pids);
  const body = (): void => {};
  await expect(openSupervisor({ children: [{ name: 'x', actor }, { name: 'x', actor }] }, body)).rejects.toThrow("openSupervisor: two children are named 'x'");
  await expect(openSupervisor({ strategy: 'all-for-one' as never, children: [] }, body)).rejects.toThrow(/unknown strategy 'all-for-one'/);
  await expect(openSupervisor({ maxRestarts: -1, children: [] }, body)).rejects.toThrow(/maxRestarts must be an integer >= 0/);
  await expect(openSupervisor({ backoff: { type: 'exponential', initialMs: 10, maxMs: 5 }, children: [] }, body)).rejects.toThrow(/backoff must be/);
  await expect(openSupervisor({ children: [{ name: 'y' } as never] }, body)).rejects.toThrow("child 'y' needs either actor (start options) or task (a function), not neither");
  await expect(openSupervisor({ children: [{ name: 'z', actor, restart: 'sometimes' as never }] }, body)).rejects.toThrow(/unknown restart type 'sometimes'/);
});
