// Event, Lock, Semaphore, CapacityLimiter: waiting, fairness and misuse.
import { openNursery, sleep, Event, Lock, Semaphore, CapacityLimiter, moveOnAfter, WouldBlock } from '../../src/index.ts';

test('Event wakes every waiter once set', async () => {
  const e = new Event();
  let woken = 0;
  await openNursery(async (n) => {
    for (let i = 0; i < 3; i++)
      n.startSoon(async () => {
        await e.wait();
        woken++;
      });
    await sleep(1);
    expect(woken).toBe(0);
    e.set();
  });
  expect(woken).toBe(3);
  expect(e.isSet()).toBe(true);
  await e.wait();
});

test('Lock is fair: waiters get it in the order they asked (FIFO)', async () => {
  const lock = new Lock();
  const order: number[] = [];
  await lock.acquire();
  await openNursery(async (n) => {
    for (let i = 0; i < 5; i++) {
      n.startSoon(async () => {
        await lock.acquire(); // tasks start in order, so they ask in order 0..4
        order.push(i);
        lock.release();
      });
    }
    await sleep(10);
    lock.release();
  });
  expect(order).toEqual([0, 1, 2, 3, 4]);
  expect(lock.locked()).toBe(false);
  expect(() => lock.release()).toThrow(/not held/);
});

test('Lock.run excludes concurrent holders; acquireNowait throws WouldBlock', async () => {
  const lock = new Lock();
  let inside = 0;
  let max = 0;
  await openNursery(async (n) => {
    for (let i = 0; i < 4; i++)
      n.startSoon(() =>
        lock.run(async () => {
          max = Math.max(max, ++inside);
          await sleep(1);
          inside--;
        }),
      );
    await sleep(0);
    expect(() => lock.acquireNowait()).toThrow(WouldBlock);
  });
  expect(max).toBe(1);
});

test('Semaphore is fair and bounds concurrency; max is enforced', async () => {
  const sem = new Semaphore(2, { max: 2 });
  const order: number[] = [];
  let inside = 0;
  let max = 0;
  await openNursery(async (n) => {
    for (let i = 0; i < 6; i++) {
      n.startSoon(async () => {
        await sem.run(async () => {
          order.push(i);
          max = Math.max(max, ++inside);
          await sleep(5);
          inside--;
        });
      });
    }
  });
  expect(max).toBe(2);
  expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  expect(() => sem.release()).toThrow(/above its max/);
  expect(() => new Semaphore(-1)).toThrow(RangeError);
});

test('a cancelled waiter gives up its place in line', async () => {
  const sem = new Semaphore(0);
  expect(await moveOnAfter(5, () => sem.acquire())).toBeUndefined();
  sem.release();
  expect(sem.value).toBe(1);
});

test('CapacityLimiter tracks borrowers and follows changes of totalTokens', async () => {
  const limiter = new CapacityLimiter(1);
  const a = {};
  const b = {};
  await limiter.acquire(a);
  await expect(limiter.acquire(a)).rejects.toThrow(/already holds/);
  expect(() => limiter.acquireNowait(b)).toThrow(WouldBlock);
  await openNursery(async (n) => {
    n.startSoon(async () => {
      await limiter.acquire(b);
    });
    await sleep(1);
    expect(limiter.borrowedTokens).toBe(1);
    limiter.totalTokens = 2; // wakes b
  });
  expect(limiter.borrowedTokens).toBe(2);
  limiter.release(a);
  limiter.release(b);
  expect(() => limiter.release(b)).toThrow(/holds no token/);
  expect(limiter.availableTokens).toBe(2);
  expect(() => new CapacityLimiter(0)).toThrow(RangeError);
});
