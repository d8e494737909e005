// openSupervisor with in-process task children, in virtual time: a restart storm
// runs in milliseconds of real time; exponential backoff doubles up to its cap; a child
// crashing slower than the window is restarted for ever; a crash during a sibling's
// restart is decided after it; supervisors nest (a supervisor as a task child, with a
// thread actor below it) and cancelling the outer one tears everything down.
import {
  openNursery,
  openSupervisor,
  RestartIntensityError,
  sleep,
  sleepForever,
  VirtualClock,
  currentTime,
  type SupervisorEvent,
} from 'furrow';
import { caught, fixture } from './helpers.ts';

/** Run `fn` in a nursery on a fresh virtual clock (timers jump as soon as everything waits). */
async function inVirtualTime<T>(fn: () => Promise<T>): Promise<T> {
  return (await openNursery(fn, { clock: new VirtualClock() })) as T;
}

test('a restart storm with exponential backoff runs in virtual time: waits double up to the cap, then the supervisor gives up', async () => {
  const events: SupervisorEvent[] = [];
  const t0 = performance.now();
  const err = await inVirtualTime(() =>
    caught(
      openSupervisor(
        {
          maxRestarts: 6,
          withinMs: 3_600_000,
          backoff: { type: 'exponential', initialMs: 100, maxMs: 1000 },
          children: [
            {
              name: 'storm',
              task: async () => {
                await sleep(1);
                throw new Error('storm');
              },
            },
          ],
          onEvent: (e) => events.push(e),
        },
        () => sleepForever(),
      ),
    ),
  );
  expect(err).toBeInstanceOf(RestartIntensityError);
  expect(err.crashes).toBe(7);
  expect(events.filter((e) => e.type === 'restarting').map((e) => (e as { inMs: number }).inMs)).toEqual([100, 200, 400, 800, 1000, 1000]);
  expect(performance.now() - t0).toBeLessThan(2000);
});

test('a child crashing slower than the window is restarted for ever; one crashing faster makes the supervisor give up', async () => {
  let crashes = 0;
  const stopped = await inVirtualTime(() =>
    openSupervisor(
      {
        maxRestarts: 1,
        withinMs: 1000,
        children: [
          {
            name: 'slow-crasher',
            task: async () => {
              await sleep(1500);
              crashes++;
              throw new Error('slow crash');
            },
          },
        ],
      },
      async () => {
        await sleep(29_000);
        return 'still supervising';
      },
    ),
  );
  expect(stopped).toBe('still supervising');
  expect(crashes).toBe(19); // one every 1.5 s for 29 s, each restarted
  const err = await inVirtualTime(() =>
    caught(
      openSupervisor(
        {
          maxRestarts: 1,
          withinMs: 1000,
          children: [{ name: 'fast-crasher', task: async () => (await sleep(400), Promise.reject(new Error('fast crash'))) }],
        },
        () => sleepForever(),
      ),
    ),
  );
  expect(err).toBeInstanceOf(RestartIntensityError);
  expect(err.message).toMatch(/child 'fast-crasher' crashed 2 times within 1000 ms/);
  expect(err.errors.map((e: Error) => e.message)).toEqual(['fast crash', 'fast crash']);
});

test('two children crashing at once are each restarted once, one decision after the other', async () => {
  const events: SupervisorEvent[] = [];
  const crashed = new Set<string>();
  await inVirtualTime(() =>
    openSupervisor(
      {
        maxRestarts: 10,
        children: ['left', 'right'].map((name) => ({
          name,
          task: async () => {
            if (!crashed.has(name)) {
              await sleep(10); // both crash at the same virtual instant
              crashed.add(name);
              throw new Error(`${name} crashed at ${currentTime()}`);
            }
            await sleepForever();
          },
        })),
        onEvent: (e) => events.push(e),
      },
      () => sleep(100),
    ),
  );
  const restarted = events.filter((e) => e.type === 'restarting').map((e) => e.child);
  expect(restarted.sort()).toEqual(['left', 'right']);
  expect(events.filter((e) => e.type === 'started').map((e) => `${e.child}#${(e as { incarnation: number }).incarnation}`).sort()).toEqual(['left#1', 'left#2', 'right#1', 'right#2']);
});

test('supervisors nest: an inner supervisor (with a thread actor) is a task child of an outer one; cancelling the outer tears both down', async () => {
  const inner: SupervisorEvent[] = [];
  let innerRuns = 0;
  let threadStarted!: () => void;
  const started = new Promise<void>((r) => (threadStarted = r));
  const r = await openSupervisor(
    {
      name: 'outer',
      children: [
        {
          name: 'inner',
          task: () =>
            openSupervisor(
              {
                name: 'inner',
                children: [{ name: 'sup-thread', actor: { backend: 'thread', enableModules: [fixture('supervised.ts')] }, main: `${fixture('supervised.ts')}:serve` }],
                onEvent: (e) => {
                  inner.push(e);
                  if (e.type === 'started') threadStarted();
                },
              },
              async () => {
                innerRuns++;
                await sleepForever();
              },
            ),
        },
      ],
    },
    async (sup) => {
      await started;
      expect(sup.children[0]!.state).toBe('running');
      return 'outer done';
    },
  );
  expect(r).toBe('outer done');
  expect(innerRuns).toBe(1);
  expect(inner.map((e) => (e.type === 'exited' ? `exited:${e.reason}` : e.type))).toEqual(['started', 'exited:shutdown']);
});
