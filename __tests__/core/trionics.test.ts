// broadcast, maybeOpenResource and gatherResources.
import {
  openNursery,
  openChannel,
  broadcast,
  maybeOpenResource,
  gatherResources,
  sleep,
  Event,
  Lagged,
  ClosedResourceError,
} from '../../src/index.ts';

test('broadcast delivers every value to every consumer, in order', async () => {
  const [send, receive] = openChannel<number>(0);
  const hub = broadcast(receive, { bufferSize: 8 });
  const got: number[][] = [[], [], []];
  await openNursery(async (n) => {
    for (const k of [0, 1, 2]) {
      const sub = hub.subscribe();
      n.startSoon(async () => {
        for await (const x of sub) {
          got[k]!.push(x);
          if (k === 2) await sleep(0); // a slower, but not lagging, consumer
        }
      });
    }
    for (let i = 0; i < 6; i++) await send.send(i);
    send.close();
  });
  for (const g of got) expect(g).toEqual([0, 1, 2, 3, 4, 5]);
});

test('broadcast reports lag to a consumer that fell behind the window, then continues', async () => {
  const [send, receive] = openChannel<number>(Infinity);
  const hub = broadcast(receive, { bufferSize: 4 });
  const fast = hub.subscribe();
  const slow = hub.subscribe();
  for (let i = 0; i < 10; i++) send.sendNowait(i);
  send.close();
  const fastGot: number[] = [];
  for await (const x of fast) fastGot.push(x);
  expect(fastGot).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const lag = await slow.next().catch((e: unknown) => e);
  expect(lag).toBeInstanceOf(Lagged);
  expect((lag as Lagged).missed).toBe(6);
  const rest: number[] = [];
  for await (const x of slow) rest.push(x);
  expect(rest).toEqual([6, 7, 8, 9]);
  slow.close();
  fast.close();
  await expect(slow.next()).rejects.toBeInstanceOf(ClosedResourceError);
  expect(hub.subscribers).toBe(0);
});

test('broadcast passes a source error to every consumer', async () => {
  async function* failing() {
    yield 1;
    throw new Error('source broke');
  }
  const hub = broadcast(failing());
  const a = hub.subscribe();
  const b = hub.subscribe();
  expect((await a.next()).value).toBe(1);
  expect((await b.next()).value).toBe(1);
  await expect(a.next()).rejects.toThrow('source broke');
  await expect(b.next()).rejects.toThrow('source broke');
});

test('maybeOpenResource opens once for many users, and the last user waits for the close', async () => {
  let opened = 0;
  const log: string[] = [];
  const closing = new Event();
  const closeMayFinish = new Event();
  const factory = async () => {
    opened++;
    await sleep(2);
    return {
      value: { id: opened },
      close: async () => {
        log.push('closing');
        closing.set();
        await closeMayFinish.wait();
        log.push('closed');
      },
    };
  };
  const hits: boolean[] = [];
  const allInside = new Event();
  const mayLeave = [new Event(), new Event(), new Event()];
  const left = [new Event(), new Event(), new Event()];
  await openNursery(async (n) => {
    for (let i = 0; i < 3; i++) {
      n.startSoon(async () => {
        await maybeOpenResource('db', factory, async (db, hit) => {
          hits.push(hit);
          expect(db.id).toBe(1);
          if (hits.length === 3) allInside.set();
          await mayLeave[i]!.wait();
        });
        log.push(`user ${i} left`);
        left[i]!.set();
      });
    }
    await allInside.wait();
    for (const i of [0, 1]) {
      mayLeave[i]!.set();
      await left[i]!.wait();
    }
    expect(log).toEqual(['user 0 left', 'user 1 left']);
    mayLeave[2]!.set();
    await closing.wait();
    expect(log).toEqual(['user 0 left', 'user 1 left', 'closing']);
    closeMayFinish.set();
    await left[2]!.wait();
    expect(log).toEqual(['user 0 left', 'user 1 left', 'closing', 'closed', 'user 2 left']);
  });
  expect(opened).toBe(1);
  expect(hits.sort()).toEqual([false, true, true]);
  // after the last user, the next use opens afresh
  await maybeOpenResource('db', factory, async (db, hit) => {
    expect(hit).toBe(false);
    expect(db.id).toBe(2);
  });
});

test('maybeOpenResource: a failing open fails every waiting user and is not cached', async () => {
  let tries = 0;
  const factory = async () => {
    tries++;
    await sleep(1);
    throw new Error('cannot open');
  };
  const results = await Promise.allSettled([
    maybeOpenResource('bad', factory, async () => 1),
    maybeOpenResource('bad', factory, async () => 2),
  ]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  expect(tries).toBe(1);
  await expect(maybeOpenResource('bad', factory, async () => 3)).rejects.toThrow('cannot open');
  expect(tries).toBe(2);
});

test('gatherResources opens concurrently, hands values in order, closes all', async () => {
  const closed: string[] = [];
  const make = (name: string, ms: number) => async () => {
    await sleep(ms);
    return { value: name, close: () => void closed.push(name) };
  };
  const t0 = performance.now();
  const joined = await gatherResources([make('a', 20), make('b', 20), make('c', 20)], async ([a, b, c]) => a + b + c);
  expect(joined).toBe('abc');
  expect(performance.now() - t0).toBeLessThan(55); // concurrent, not 60 ms in series
  expect(closed.sort()).toEqual(['a', 'b', 'c']);
});

test('gatherResources: one failing open closes the ones already open', async () => {
  const closed: string[] = [];
  const ok = async () => ({ value: 1, close: () => void closed.push('ok') });
  const bad = async () => {
    await sleep(2);
    throw new Error('no');
  };
  await expect(gatherResources([ok, bad], async () => 'unreached')).rejects.toThrow('no');
  expect(closed).toEqual(['ok']);
});
