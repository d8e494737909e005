// Cancel scopes: nesting, shields, deadlines, timeouts and foreign signals.
import { setTimeout as delay } from 'node:timers/promises';
import { once, EventEmitter } from 'node:events';
import {
  openNursery,
  withCancelScope,
  moveOnAfter,
  moveOnAt,
  failAfter,
  failAt,
  CancelScope,
  sleep,
  sleepUntil,
  sleepForever,
  checkpoint,
  cancellable,
  suspend,
  currentScope,
  currentSignal,
  currentTime,
  Cancelled,
  TooSlowError,
  isCancelled,
  VirtualClock,
} from '../../src/index.ts';

const virtual = () => ({ clock: new VirtualClock() });

test('nested scopes: cancellation is caught by the innermost cancelled scope first', async () => {
  const order: string[] = [];
  await withCancelScope({}, async (outer) => {
    await withCancelScope({}, async (inner) => {
      outer.cancel();
      inner.cancel();
      try {
        await sleepForever();
      } finally {
        order.push('inner unwound');
      }
    });
    order.push(`after inner (caught=${String(outer.cancelledCaught)})`);
    await checkpoint().catch((e: unknown) => {
      order.push(`outer checkpoint: ${isCancelled(e)}`);
      throw e;
    });
  });
  expect(order).toEqual(['inner unwound', 'after inner (caught=false)', 'outer checkpoint: true']);
});

test('a cancelled outer scope reaches work in an unshielded inner scope', async () => {
  const outer = new CancelScope();
  let innerCaught: boolean | undefined;
  await withCancelScope(outer, async () => {
    await withCancelScope({}, async (inner) => {
      setImmediate(() => outer.cancel());
      try {
        await sleepForever();
      } finally {
        innerCaught = inner.cancelledCaught;
      }
    });
  });
  expect(outer.cancelledCaught).toBe(true);
  expect(innerCaught).toBe(false);
});

test("a shield protects cleanup: its sleep completes while the outer scope is cancelled", async () => {
  const events: string[] = [];
  await openNursery(async (n) => {
    n.startSoon(async () => {
      try {
        await sleepForever();
      } finally {
        await withCancelScope({ shield: true }, async () => {
          await sleep(10);
          events.push('cleanup slept');
        });
        events.push('cleanup done');
      }
    });
    await sleep(1);
    n.cancel();
  });
  expect(events).toEqual(['cleanup slept', 'cleanup done']);
});

test('dropping a shield while the outer scope is cancelled delivers the cancel', async () => {
  const outer = new CancelScope();
  await withCancelScope(outer, async () => {
    await withCancelScope({ shield: true }, async (shielded) => {
      outer.cancel();
      await sleep(1); // still protected
      setImmediate(() => (shielded.shield = false));
      await sleepForever();
    });
  });
  expect(outer.cancelledCaught).toBe(true);
});

test('deadlines can move later and earlier while the scope runs', async () => {
  const clock = new VirtualClock();
  await openNursery(
    async () => {
      const start = currentTime();
      await withCancelScope({ deadline: start + 100 }, async (scope) => {
        await sleep(50);
        scope.deadline = start + 1000; // later: the sleep below survives t=100
        await sleep(500);
        expect(currentTime()).toBe(start + 550);
        scope.deadline = currentTime() + 5; // earlier
        await sleep(10_000);
      }).then((v) => expect(v).toBeUndefined());
      expect(currentTime()).toBe(start + 555);
    },
    { clock },
  );
});

test('moveOnAfter returns undefined and sets cancelledCaught on timeout; the value otherwise', async () => {
  let scopeSeen: CancelScope | undefined;
  const late = await moveOnAfter(5, async (scope) => {
    scopeSeen = scope;
    await sleep(10_000);
    return 'never';
  });
  expect(late).toBeUndefined();
  expect(scopeSeen!.cancelledCaught).toBe(true);
  expect(await moveOnAfter(1000, async () => 'quick')).toBe('quick');
  await openNursery(async () => {
    expect(await moveOnAt(currentTime() + 10, () => sleepForever())).toBeUndefined();
  }, virtual());
});

test('failAfter throws TooSlowError on timeout and passes values through', async () => {
  await expect(failAfter(5, () => sleep(10_000))).rejects.toBeInstanceOf(TooSlowError);
  await expect(failAfter(1000, async () => 7)).resolves.toBe(7);
  await openNursery(async () => {
    await expect(failAt(currentTime() + 3600_000, () => sleepForever())).rejects.toThrow(TooSlowError);
  }, virtual());
});

test('a scope cancelled before it is entered cancels at once', async () => {
  const scope = new CancelScope();
  scope.cancel('early');
  let ran = false;
  await withCancelScope(scope, async () => {
    ran = true;
    await checkpoint();
    ran = false;
  });
  expect(ran).toBe(true);
  expect(scope.cancelledCaught).toBe(true);
});

test('sleepUntil, checkpoint and the current scope outside and inside furrow', async () => {
  expect(currentScope()).toBeUndefined();
  expect(currentSignal().aborted).toBe(false);
  await checkpoint();
  const t = currentTime();
  await sleepUntil(t + 2);
  expect(currentTime()).toBeGreaterThanOrEqual(t + 2);
  await withCancelScope({}, async (scope) => {
    expect(currentScope()).toBe(scope);
    expect(currentSignal()).toBe(scope.signal);
  });
});

test('cancellation reaches foreign APIs through the signal (timers/promises, events.once, fetch-like)', async () => {
  const emitter = new EventEmitter();
  const outcomes: string[] = [];
  const fetchLike = (signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => resolve('response'), 60_000);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        reject(signal.reason);
      });
    });
  await openNursery(async (n) => {
    n.startSoon(async (signal) => {
      await delay(60_000, undefined, { signal }).catch((e: Error) => outcomes.push(`timer:${e.name}`));
    });
    n.startSoon(async (signal) => {
      await once(emitter, 'never', { signal }).catch((e: Error) => outcomes.push(`once:${e.name}`));
    });
    n.startSoon(async () => {
      await fetchLike(currentSignal()).catch((e: unknown) => outcomes.push(`fetch:${isCancelled(e)}`));
    });
    await sleep(1);
    n.cancel();
  });
  expect(outcomes.sort()).toEqual(['fetch:true', 'once:AbortError', 'timer:AbortError']);
});

test('cancellable() turns a foreign promise into a checkpoint', async () => {
  const never = new Promise<never>(() => {});
  expect(await moveOnAfter(5, () => cancellable(never))).toBeUndefined();
  expect(await cancellable(Promise.resolve(3))).toBe(3);
  await expect(cancellable(Promise.reject(new Error('x')))).rejects.toThrow('x');
});

test('a foreign AbortController.abort() cancels an openNursery, which rejects with the reason', async () => {
  const controller = new AbortController();
  let taskCancelled = false;
  const reason = new Error('user pressed stop');
  const result = openNursery(
    async (n) => {
      n.startSoon(async () => {
        try {
          await sleepForever();
        } catch (e) {
          taskCancelled = e instanceof Cancelled;
          throw e;
        }
      });
      setImmediate(() => controller.abort(reason));
    },
    { signal: controller.signal },
  );
  await expect(result).rejects.toBe(reason);
  expect(taskCancelled).toBe(true);
  // already aborted: the body is cancelled at its first checkpoint
  await expect(openNursery(() => sleepForever(), { signal: controller.signal })).rejects.toBe(reason);
});

test('an outer cancel passes through a nursery to the scope that was cancelled', async () => {
  const outer = await withCancelScope({}, async (scope) => {
    await openNursery(async (n) => {
      n.startSoon(() => sleepForever());
      setImmediate(() => scope.cancel());
      await sleepForever();
    });
    return 'not reached';
  });
  expect(outer).toBeUndefined();
});

test('checkpoints in an already-cancelled scope throw Cancelled with the reason', async () => {
  let err: unknown;
  await withCancelScope({}, async (scope) => {
    scope.cancel('stop now');
    try {
      await checkpoint();
    } catch (e) {
      err = e;
      throw e;
    }
  });
  expect(err).toBeInstanceOf(Cancelled);
  expect((err as Cancelled).message).toBe('cancelled: stop now');
});

test('suspend: an arm that resolves at once leaves no waiter behind in the scope', async () => {
  await withCancelScope({}, async (scope) => {
    for (let i = 0; i < 3; i++) expect(await suspend<number>((resolve) => resolve(i))).toBe(i);
    await expect(suspend<void>((_, reject) => reject(new Error('at once')))).rejects.toThrow('at once');
    expect(scope._waiting).toBe(0);
  });
});
