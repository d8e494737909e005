// furrow/promise against real promise code: fetch over a local HTTP server,
// timers/promises, events.once, and a promise that ignores its signal.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once, EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import {
  CancelIgnoredError,
  Cancelled,
  Event,
  VirtualClock,
  currentTime,
  isCancelled,
  moveOnAfter,
  openNursery,
  sleep,
} from 'furrow';
import { PromiseAbandonedError, runPromise, toPromise } from 'furrow/promise';

/** A local server whose responses hang until told otherwise; it reports requests and closed connections. */
async function hangingServer(): Promise<{ url: string; server: Server; requests: IncomingMessage[]; arrived: Event; closed: Event }> {
  const requests: IncomingMessage[] = [];
  const arrived = new Event();
  const closed = new Event();
  const server = createServer((req) => {
    requests.push(req);
    req.socket.on('close', () => closed.set());
    arrived.set();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/slow`, server, requests, arrived, closed };
}

describe('runPromise', () => {
  test('returns what the promise resolves to, and plain values too', async () => {
    const got = await openNursery(async () => {
      const a = await runPromise(async () => 41);
      const b = await runPromise(() => 1);
      return a + b;
    });
    expect(got).toBe(42);
  });

  test('a rejection is a task error of the nursery and cancels its siblings', async () => {
    const boom = new Error('boom');
    let siblingCancelled = false;
    const run = openNursery(async (n) => {
      n.startSoon(async () => {
        try {
          await sleep(60_000);
        } catch (err) {
          siblingCancelled = isCancelled(err);
          throw err;
        }
      });
      n.startSoon(() => runPromise(() => Promise.reject(boom)));
    }, { clock: new VirtualClock() });
    await expect(run).rejects.toBe(boom);
    expect(siblingCancelled).toBe(true);
  });

  test('cancelling the scope aborts a real fetch: the server sees the connection close', async () => {
    const { url, server, arrived, closed } = await hangingServer();
    try {
      let caught: unknown;
      const result = await openNursery(async (n) => {
        n.startSoon(async () => {
          try {
            await runPromise((signal) => fetch(url, { signal }), { name: 'fetch /slow' });
          } catch (err) {
            caught = err;
            throw err;
          }
        });
        await arrived.wait();
        n.cancel('user gave up');
        return 'body done';
      });
      expect(result).toBe('body done'); // the body returned: its value, whatever the cancelled task did
      expect(caught).toBeInstanceOf(Cancelled);
      await closed.wait();
      expect(closed.isSet()).toBe(true);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('a timeout around fetch (moveOnAfter) aborts it and moves on', async () => {
    const { url, server, closed } = await hangingServer();
    try {
      const r = await openNursery(() => moveOnAfter(50, () => runPromise((signal) => fetch(url, { signal }))));
      expect(r).toBeUndefined();
      await closed.wait();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('timers/promises: the timer is aborted, the call throws Cancelled', async () => {
    let err: unknown;
    const t0 = performance.now();
    await openNursery(async (n) => {
      n.startSoon(async () => {
        try {
          await runPromise((signal) => delay(60_000, 'late', { signal }));
        } catch (e) {
          err = e;
          throw e;
        }
      });
      await delay(5);
      n.cancel();
    });
    expect(err).toBeInstanceOf(Cancelled);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  test('events.once: the listener is removed on cancel', async () => {
    const emitter = new EventEmitter();
    const r = await openNursery(async (n) => {
      n.startSoon(() => runPromise((signal) => once(emitter, 'never', { signal })));
      expect(emitter.listenerCount('never')).toBe(1);
      n.cancel();
      return 'x';
    });
    expect(r).toBe('x');
    expect(emitter.listenerCount('never')).toBe(0);
  });

  test('events.once resolving normally gives its value', async () => {
    const emitter = new EventEmitter();
    const got = await openNursery(async () => {
      setImmediate(() => emitter.emit('ready', 7));
      return runPromise((signal) => once(emitter, 'ready', { signal }));
    });
    expect(got).toEqual([7]);
  });

  test('a promise that ignores its signal fails after the grace period with an error naming it', async () => {
    const clock = new VirtualClock();
    let abortedAt: number | undefined;
    const run = openNursery(async (n) => {
      n.startSoon(() =>
        runPromise(
          (signal) => {
            signal.addEventListener('abort', () => (abortedAt = currentTime()));
            return new Promise(() => {}); // never settles, ignores the signal
          },
          { graceMs: 250, name: 'legacy-sync' },
        ),
      );
      await sleep(1_000);
      n.cancel();
    }, { clock });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromiseAbandonedError);
    expect(err).toBeInstanceOf(CancelIgnoredError);
    const e = err as PromiseAbandonedError;
    expect(e.work).toBe('legacy-sync');
    expect(e.graceMs).toBe(250);
    expect(e.message).toMatch(/'legacy-sync' did not settle within 250 ms/);
    expect(abortedAt).toBe(1_000);
    expect(clock.now()).toBe(1_250);
  });

  test('the default name is the function name', async () => {
    async function stubbornWork(): Promise<never> {
      return new Promise(() => {});
    }
    const err = await openNursery(async (n) => {
      n.startSoon(() => runPromise(stubbornWork, { graceMs: 10 }));
      await sleep(1);
      n.cancel();
    }, { clock: new VirtualClock() }).catch((e: unknown) => e);
    expect((err as PromiseAbandonedError).work).toBe('stubbornWork');
  });

  test('work that settles within the grace period after abort is waited for', async () => {
    let cleanedUp = false;
    let caught: unknown;
    await openNursery(async (n) => {
      n.startSoon(async () => {
        try {
          await runPromise(
            (signal) =>
              new Promise((_, reject) => {
                // slow cleanup: rejects a few ms after the abort
                signal.addEventListener('abort', () =>
                  setTimeout(() => {
                    cleanedUp = true;
                    reject(new DOMException('aborted', 'AbortError'));
                  }, 20),
                );
              }),
            { graceMs: 10_000 },
          );
        } catch (err) {
          caught = err;
          throw err;
        }
      });
      await delay(1);
      n.cancel();
    });
    expect(caught).toBeInstanceOf(Cancelled);
    expect(cleanedUp).toBe(true);
  });

  test('a value after abort is returned, a non-abort error after abort is thrown', async () => {
    const teardownFailed = new Error('teardown failed');
    const values: unknown[] = [];
    const run = openNursery(async (n) => {
      n.startSoon(async () => {
        values.push(await runPromise((signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve('finished anyway')))));
      });
      n.startSoon(() => runPromise((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(teardownFailed)))));
      await sleep(1);
      n.cancel();
    }, { clock: new VirtualClock() });
    await expect(run).rejects.toBe(teardownFailed);
    expect(values).toEqual(['finished anyway']);
  });

  test('in an already cancelled scope fn is never called', async () => {
    let called = false;
    await openNursery(async (n) => {
      n.cancel();
      await expect(runPromise(async () => (called = true))).rejects.toBeInstanceOf(Cancelled);
    });
    expect(called).toBe(false);
  });

  test('outside furrow it simply runs, with a signal that never aborts', async () => {
    let seen: AbortSignal | undefined;
    expect(await runPromise(async (s) => ((seen = s), 3))).toBe(3);
    expect(seen?.aborted).toBe(false);
  });

  test('bad arguments get clear errors', async () => {
    await expect(runPromise('nope' as never)).rejects.toThrow(/fn must be a function \(got string\)/);
    await expect(runPromise(async () => 1, { graceMs: -1 })).rejects.toThrow(/graceMs must be a number >= 0/);
    await expect(runPromise(async () => 1, { graceMs: NaN })).rejects.toThrow(RangeError);
    await expect(runPromise(async () => 1, null as never)).rejects.toThrow(/options must be an object/);
  });
});

describe('toPromise', () => {
  test('legacy code gets a Promise of the work, after every task finished', async () => {
    const order: string[] = [];
    const legacy = (): Promise<string> =>
      toPromise(async (n) => {
        n.startSoon(async () => {
          await delay(5);
          order.push('child');
        });
        order.push('body');
        return 'result';
      }).then((v) => (order.push('then'), v));
    expect(await legacy()).toBe('result');
    expect(order).toEqual(['body', 'child', 'then']);
  });

  test('aborting the legacy signal cancels the work and rejects with the abort reason', async () => {
    const controller = new AbortController();
    const started = new Event();
    let cleanedUp = false;
    const p = toPromise(async () => {
      try {
        started.set();
        await sleep(60_000);
      } finally {
        cleanedUp = true;
      }
    }, controller.signal);
    await started.wait();
    const reason = new Error('legacy caller aborted');
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(cleanedUp).toBe(true);
  });

  test('an already aborted signal rejects at once with its reason', async () => {
    const reason = new Error('too late');
    let ran = false;
    await expect(toPromise(async () => { await sleep(10); ran = true; }, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(ran).toBe(false);
  });

  test('the work cancelling itself rejects with Cancelled, an error rejects with it', async () => {
    await expect(toPromise(async (n) => { n.cancel('stop'); await sleep(1_000); return 1; })).rejects.toBeInstanceOf(Cancelled);
    const boom = new Error('boom');
    await expect(toPromise(() => { throw boom; })).rejects.toBe(boom);
  });

  test('bad arguments get clear errors', async () => {
    await expect(toPromise(42 as never)).rejects.toThrow(/body must be a function \(got number\)/);
    await expect(toPromise(async () => 1, {} as never)).rejects.toThrow(/signal must be an AbortSignal/);
  });
});
