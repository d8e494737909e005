// The pluggable clock: a virtual clock with autojump runs long timeouts at once.
import { openNursery, sleep, moveOnAfter, failAfter, currentTime, VirtualClock, TooSlowError } from '../../src/index.ts';

test('the virtual clock runs an hour of timeouts in under a second of real time', async () => {
  const clock = new VirtualClock();
  const realStart = performance.now();
  let timedOut = 0;
  await openNursery(
    async (n) => {
      for (let i = 1; i <= 60; i++) {
        n.startSoon(async () => {
          const r = await moveOnAfter(i * 60_000, () => sleep(3600_000 * 2));
          if (r === undefined) timedOut++;
        });
      }
      await expect(failAfter(3600_000, () => sleep(3600_001))).rejects.toBeInstanceOf(TooSlowError);
    },
    { clock },
  );
  expect(timedOut).toBe(60);
  expect(clock.now()).toBe(3600_000);
  expect(performance.now() - realStart).toBeLessThan(1000);
});

test('timers fire in deadline order and advance() moves time by hand', async () => {
  const clock = new VirtualClock({ autojump: false, start: 100 });
  const fired: number[] = [];
  clock.schedule(130, () => fired.push(130));
  clock.schedule(110, () => fired.push(110));
  const t = clock.schedule(120, () => fired.push(120));
  t.cancel();
  expect(clock.pending).toBe(2);
  clock.advance(15);
  expect(fired).toEqual([110]);
  expect(clock.now()).toBe(115);
  clock.advance(100);
  expect(fired).toEqual([110, 130]);
  expect(clock.now()).toBe(215);
});

test('the clock is inherited by the whole tree', async () => {
  const clock = new VirtualClock({ start: 5000 });
  await openNursery(
    async (n) => {
      n.startSoon(async () => {
        await openNursery(async () => {
          expect(currentTime()).toBe(5000);
          await sleep(250);
          expect(currentTime()).toBe(5250);
        });
      });
    },
    { clock },
  );
});
