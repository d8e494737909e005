// openTaskQueue against real p-queue: draining, concurrency, job errors and cancels
// stopping everything, p-queue's options passing through, and real fetch jobs.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { TimeoutError } from 'p-queue';
import { CancelIgnoredError, Cancelled, ErrorGroup, Event, moveOnAfter, openNursery, sleep } from 'furrow';
import { openTaskQueue } from 'furrow/queue';

describe('openTaskQueue', () => {
  test('jobs give results; leaving the body waits for the queue to drain', async () => {
    const done: number[] = [];
    let results: Promise<number[]> | undefined;
    const value = await openTaskQueue({ concurrency: 2 }, (q) => {
      results = q.addAll([1, 2, 3, 4].map((i) => async () => (await delay(i), done.push(i), i * 10)));
      return 'body value';
    });
    expect(value).toBe('body value');
    expect(done.sort()).toEqual([1, 2, 3, 4]);
    expect(await results).toEqual([10, 20, 30, 40]);
  });

  test('concurrency is respected', async () => {
    let running = 0;
    let peak = 0;
    await openTaskQueue({ concurrency: 3 }, (q) => {
      for (let i = 0; i < 12; i++) {
        void q.add(async () => {
          peak = Math.max(peak, ++running);
          await delay(2);
          running--;
        });
      }
    });
    expect(peak).toBe(3);
  });

  test('jobs may add jobs; the drain waits for those too', async () => {
    const seen: number[] = [];
    await openTaskQueue({ concurrency: 2 }, (q) => {
      const visit = (depth: number) => async () => {
        await delay(1);
        seen.push(depth);
        if (depth < 4) {
          void q.add(visit(depth + 1));
          void q.add(visit(depth + 1));
        }
      };
      void q.add(visit(0));
    });
    expect(seen.length).toBe(31);
  });

  test('a job error cancels running jobs, clears waiting ones, and is thrown as itself', async () => {
    const boom = new Error('job failed');
    const aborted: number[] = [];
    const started: number[] = [];
    let waitingOutcome: unknown;
    const run = openTaskQueue({ concurrency: 3 }, (q) => {
      for (let i = 0; i < 2; i++) {
        void q.add(async (signal) => {
          started.push(i);
          try {
            await delay(60_000, undefined, { signal });
          } finally {
            aborted.push(i);
          }
        });
      }
      void q.add(async () => {
        started.push(2);
        await delay(5);
        throw boom;
      });
      for (let i = 3; i < 10; i++) {
        const p = q.add(async () => void started.push(i));
        if (i === 3) p.catch((e: unknown) => (waitingOutcome = e));
      }
    });
    await expect(run).rejects.toBe(boom);
    expect(started).toEqual([0, 1, 2]);
    expect(aborted.sort()).toEqual([0, 1]);
    expect(waitingOutcome).toBeInstanceOf(Cancelled);
  });

  test('a body awaiting the failing job sees its error, and the queue throws it once (no ErrorGroup)', async () => {
    const boom = new Error('job failed');
    let seenInBody: unknown;
    const err = await openTaskQueue({ concurrency: 1 }, async (q) => {
      try {
        await q.add(() => Promise.reject(boom));
      } catch (e) {
        seenInBody = e;
        throw e;
      }
    }).catch((e: unknown) => e);
    expect(seenInBody).toBe(boom);
    expect(err).toBe(boom);
    expect(err).not.toBeInstanceOf(ErrorGroup);
  });

  test('cancelling the enclosing scope aborts running jobs and clears waiting ones', async () => {
    const started: number[] = [];
    let abortedReason: unknown;
    const r = await openNursery(() =>
      moveOnAfter(30, () =>
        openTaskQueue({ concurrency: 1 }, (q) => {
          for (let i = 0; i < 5; i++) {
            void q.add(async (signal) => {
              started.push(i);
              try {
                await delay(60_000, undefined, { signal });
              } catch (e) {
                abortedReason = signal.reason;
                throw e;
              }
            });
          }
          return 'not reached';
        }),
      ),
    );
    expect(r).toBeUndefined();
    expect(started).toEqual([0]);
    expect(abortedReason).toBeInstanceOf(Cancelled);
  });

  test('opts.signal aborting cancels the queue and rejects with its reason', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const started = new Event();
    const run = openTaskQueue({ concurrency: 2, signal: controller.signal }, (q) => {
      void q.add(async (signal) => {
        started.set();
        await delay(60_000, undefined, { signal });
      });
    });
    await started.wait();
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
  });

  test('an error in the body cancels the jobs', async () => {
    const boom = new Error('body failed');
    let jobAborted = false;
    const run = openTaskQueue({ concurrency: 1 }, async (q) => {
      void q.add(async (signal) => {
        try {
          await delay(60_000, undefined, { signal });
        } finally {
          jobAborted = true;
        }
      });
      await sleep(1);
      throw boom;
    });
    await expect(run).rejects.toBe(boom);
    expect(jobAborted).toBe(true);
  });

  test('real fetch jobs: cancelling half way closes every open request, nothing stays queued', async () => {
    const open = new Set<unknown>();
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      if (req.url === '/fast') return void res.end('ok');
      open.add(req);
      req.socket.on('close', () => open.delete(req));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      let queue: { size: number; pending: number } | undefined;
      const bodies: string[] = [];
      await openNursery(async (n) => {
        await openTaskQueue({ concurrency: 2 }, async (q) => {
          queue = q;
          for (let i = 0; i < 3; i++) void q.add(async (signal) => bodies.push(await (await fetch(`${base}/fast`, { signal })).text()));
          for (let i = 0; i < 5; i++) void q.add((signal) => fetch(`${base}/slow`, { signal }));
          while (requests < 5) await sleep(1); // 3 fast + 2 slow started
          n.cancel('enough');
        });
      });
      expect(bodies).toEqual(['ok', 'ok', 'ok']);
      expect(queue!.size).toBe(0);
      expect(queue!.pending).toBe(0);
      while (open.size > 0) await delay(1); // the server sees every slow request close
      expect(requests).toBe(5);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test("p-queue's priority and autoStart pass through", async () => {
    const order: string[] = [];
    await openTaskQueue({ concurrency: 1, autoStart: false }, (q) => {
      void q.add(async () => void order.push('low'), { priority: 0 });
      void q.add(async () => void order.push('high'), { priority: 10 });
      void q.add(async () => void order.push('mid'), { priority: 5 });
      expect(q.size).toBe(3);
      q.start();
    });
    expect(order).toEqual(['high', 'mid', 'low']);
  });

  test("p-queue's interval caps pass through", async () => {
    await openTaskQueue({ intervalCap: 2, interval: 20 }, (q) => {
      for (let i = 0; i < 3; i++) void q.add(() => i);
      expect(q.pqueue.isRateLimited).toBe(true);
      expect(q.size).toBe(1);
    });
  });

  test('a job timeout is a job error (TimeoutError); the job is waited for, never left running', async () => {
    let jobFinished = false;
    const err = await openTaskQueue({ concurrency: 1, timeout: 10 }, (q) => {
      void q.add(async (signal) => {
        try {
          await delay(60_000, undefined, { signal });
        } finally {
          await delay(5); // slow cleanup still finishes inside the queue
          jobFinished = true;
        }
      });
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(jobFinished).toBe(true);
  });

  test("a job's own signal cancels only that job", async () => {
    const controller = new AbortController();
    const reason = new Error('not needed');
    let abortedOne: Promise<unknown> | undefined;
    const results = await openTaskQueue({ concurrency: 2 }, async (q) => {
      abortedOne = q.add((signal) => delay(60_000, 'x', { signal }), { signal: controller.signal }).catch((e: unknown) => e);
      const other = q.add(async () => (await delay(5), 'other'));
      await sleep(1);
      controller.abort(reason);
      return [await abortedOne, await other];
    });
    expect(results).toEqual([reason, 'other']);
  });

  test('a job that ignores cancellation is reported after the grace period', async () => {
    const err = await openTaskQueue({ concurrency: 1, cancelGraceMs: 20, name: 'stubborn-queue' }, async (q) => {
      void q.add(() => new Promise(() => {}));
      await sleep(1);
      q.nursery.cancel();
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelIgnoredError);
  });

  test('adding after the queue closed, or to a cancelled queue', async () => {
    let saved: { add: (job: () => number) => Promise<number> } | undefined;
    await openTaskQueue({}, (q) => void (saved = q));
    expect(() => saved!.add(() => 1)).toThrow(/task queue 'task-queue' is closed/);
    await openTaskQueue({}, async (q) => {
      q.nursery.cancel();
      await expect(q.add(() => 1)).rejects.toBeInstanceOf(Cancelled);
    });
  });

  test('bad arguments get clear errors', async () => {
    await expect(openTaskQueue(null as never, () => 1)).rejects.toThrow(/options must be an object/);
    await expect(openTaskQueue({}, 'body' as never)).rejects.toThrow(/body must be a function \(got string\)/);
    await expect(openTaskQueue({ concurrency: 0 }, () => 1)).rejects.toThrow(/concurrency/);
    await expect(openTaskQueue({ concurrency: -2 }, () => 1)).rejects.toThrow(TypeError);
    await openTaskQueue({}, (q) => {
      expect(() => q.add(42 as never)).toThrow(/job must be a function \(got number\)/);
      expect(() => q.addAll('x' as never)).toThrow(/jobs must be an array/);
    });
  });
});
