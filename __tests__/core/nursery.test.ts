// Nurseries: waiting for children, the error rule, start(), and misuse.
import {
  openNursery,
  sleep,
  sleepForever,
  Event,
  ErrorGroup,
  Cancelled,
  CancelIgnoredError,
  isCancelled,
  VirtualClock,
  moveOnAfter,
  checkpoint,
  type Nursery,
} from '../../src/index.ts';

test('a nursery waits for every child before returning', async () => {
  const finished: string[] = [];
  const value = await openNursery(async (n) => {
    n.startSoon(async () => {
      await sleep(20);
      finished.push('slow');
    });
    n.startSoon(async () => {
      await sleep(1);
      finished.push('fast');
    });
    return 'body';
  });
  expect(finished.sort()).toEqual(['fast', 'slow']);
  expect(value).toBe('body');
});

test('one failure cancels its siblings and is thrown as itself', async () => {
  const boom = new Error('boom');
  let siblingCancelled = false;
  const failed = new Event();
  const err = await openNursery(async (n) => {
    n.startSoon(async () => {
      try {
        await sleepForever();
      } catch (e) {
        siblingCancelled = isCancelled(e);
        throw e;
      }
    });
    n.startSoon(async () => {
      failed.set();
      throw boom;
    });
  }).catch((e: unknown) => e);
  expect(err).toBe(boom);
  expect(siblingCancelled).toBe(true);
});

test('two failures give an ErrorGroup holding both', async () => {
  const a = new Error('a');
  const b = new Error('b');
  const err = await openNursery(async (n) => {
    n.startSoon(async () => {
      throw a;
    });
    n.startSoon(async () => {
      try {
        await sleepForever();
      } finally {
        // eslint-disable-next-line no-unsafe-finally
        throw b;
      }
    });
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ErrorGroup);
  expect(err).toBeInstanceOf(AggregateError);
  expect((err as ErrorGroup).errors).toEqual([a, b]);
});

test("Cancelled raised by the nursery's own cancel is absorbed", async () => {
  let cancelledSeen = 0;
  const result = await openNursery(async (n) => {
    for (let i = 0; i < 3; i++) {
      n.startSoon(async () => {
        try {
          await sleepForever();
        } catch (e) {
          if (e instanceof Cancelled) cancelledSeen++;
          throw e;
        }
      });
    }
    await sleep(1);
    n.cancel('enough');
    await sleepForever();
  });
  expect(result).toBeUndefined();
  expect(cancelledSeen).toBe(3);
});

test('start() returns the started value and the task keeps running', async () => {
  const order: string[] = [];
  await openNursery(async (n) => {
    const port = await n.start<number>(async (started) => {
      started(8080);
      order.push('after started');
      await sleep(5);
      order.push('task end');
    });
    order.push(`got ${port}`);
  });
  expect(order).toEqual(['after started', 'got 8080', 'task end']);
});

test('start(): an error before started() is thrown from start(), not into the nursery', async () => {
  let siblingFinished = false;
  await openNursery(async (n) => {
    n.startSoon(async () => {
      await sleep(5);
      siblingFinished = true;
    });
    await expect(
      n.start(async () => {
        throw new Error('could not bind');
      }),
    ).rejects.toThrow('could not bind');
  });
  expect(siblingFinished).toBe(true);
});

test("the body's return value does not depend on other tasks when the body cancels the nursery", async () => {
  const withSleeper = await openNursery(async (n) => {
    n.startSoon(() => sleepForever());
    await checkpoint();
    n.cancel();
    return 'v';
  });
  const alone = await openNursery(async (n) => {
    await checkpoint();
    n.cancel();
    return 'v';
  });
  expect([withSleeper, alone]).toEqual(['v', 'v']);
});

test("start(): until started() the task runs under the caller's scope, so a timeout around start() cancels it", async () => {
  const clock = new VirtualClock();
  let taskSawCancel = false;
  const outcome = await openNursery(
    async (n) => {
      const got = await moveOnAfter(30, () =>
        n.start(async (started) => {
          try {
            await sleepForever();
          } catch (e) {
            taskSawCancel = isCancelled(e);
            throw e;
          }
          started();
        }),
      );
      return got === undefined ? 'timed out' : 'started';
    },
    { clock },
  );
  expect(outcome).toBe('timed out');
  expect(taskSawCancel).toBe(true);
});

test('start(): a task moves into the nursery when it calls started(), and is cancelled with it from then on', async () => {
  const log: string[] = [];
  await openNursery(async (target) => {
    await openNursery(async (caller) => {
      caller.startSoon(async () => {
        await target.start(async (started) => {
          started();
          try {
            await sleepForever();
          } catch (e) {
            log.push(isCancelled(e) ? 'cancelled with target' : 'other');
            throw e;
          }
        });
        caller.cancel(); // the caller's scope ends; the moved task must not go with it
      });
    });
    log.push('caller done');
    target.cancel();
  });
  expect(log).toEqual(['caller done', 'cancelled with target']);
});

test('start(): started() twice and returning without started() are clear errors', async () => {
  let second: unknown;
  await openNursery(async (n) => {
    await n.start<number>(async (started) => {
      started(1);
      try {
        started(2);
      } catch (e) {
        second = e;
      }
    }, 'twice');
    await expect(n.start(async () => {}, 'lazy')).rejects.toThrow("task 'lazy' returned without calling started()");
  });
  expect(String(second)).toContain("started() was called twice in task 'twice'");
});

test('starting a task in a nursery that has closed is a clear error', async () => {
  let kept: Nursery | undefined;
  await openNursery(async (n) => {
    kept = n;
  });
  expect(() => kept!.startSoon(async () => {}, 'late')).toThrow(/is closed: cannot start task 'late'/);
});

test('a task can start siblings while the nursery waits', async () => {
  const seen: number[] = [];
  await openNursery(async (n) => {
    n.startSoon(async () => {
      await sleep(1);
      n.startSoon(async () => {
        await sleep(1);
        seen.push(2);
      });
      seen.push(1);
    });
  });
  expect(seen).toEqual([1, 2]);
});

test('an error thrown in a finally during cancellation is not lost', async () => {
  const cleanup = new Error('cleanup failed');
  const err = await openNursery(async (n) => {
    n.startSoon(async () => {
      try {
        await sleepForever();
      } finally {
        // eslint-disable-next-line no-unsafe-finally
        throw cleanup;
      }
    });
    await sleep(1);
    n.cancel();
  }).catch((e: unknown) => e);
  expect(err).toBe(cleanup);
});

test('a task that swallows Cancelled is reported by name after the grace period, not a hang', async () => {
  const clock = new VirtualClock();
  let abandoned = true;
  const err = await openNursery(
    async (n) => {
      n.startSoon(async () => {
        while (abandoned) {
          try {
            await sleepForever();
          } catch {
            // swallowing Cancelled: the bug this test is about
            await new Promise((r) => setImmediate(r));
          }
        }
      }, 'stubborn');
      await sleep(1);
      n.cancel();
    },
    { clock, cancelGraceMs: 5000 },
  ).catch((e: unknown) => e);
  abandoned = false; // let the abandoned task end, so the test process can exit
  expect(err).toBeInstanceOf(CancelIgnoredError);
  expect((err as CancelIgnoredError).tasks).toEqual(['stubborn']);
  expect(String(err)).toMatch(/swallowed Cancelled/);
});

test('a synchronous throw in a task counts like an async one', async () => {
  const err = await openNursery(async (n) => {
    n.startSoon(() => {
      throw new Error('sync');
    });
  }).catch((e: unknown) => e);
  expect(String(err)).toContain('sync');
});
