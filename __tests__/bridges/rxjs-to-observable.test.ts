// toObservable and untilCancelled against real RxJS operators (take, switchMap,
// takeUntil, interval), with furrow's virtual clock for timing.
import { Subject, config, finalize, firstValueFrom, interval, lastValueFrom, switchMap, take, takeUntil, toArray } from 'rxjs';
import { Cancelled, Event, VirtualClock, currentTime, openNursery, sleep, sleepForever } from 'furrow';
import { fromObservable, toObservable, untilCancelled } from 'furrow/rxjs';

describe('toObservable', () => {
  test('emits what the task emits and completes when it returns', async () => {
    const obs = toObservable<number>(async (emit) => {
      emit(1);
      await sleep(1);
      emit(2);
    });
    expect(await lastValueFrom(obs.pipe(toArray()))).toEqual([1, 2]);
  });

  test('each subscription starts its own task', async () => {
    let starts = 0;
    const obs = toObservable<number>((emit) => emit(++starts));
    expect(await firstValueFrom(obs)).toBe(1);
    expect(await firstValueFrom(obs)).toBe(2);
  });

  test('take unsubscribes: the task is cancelled and its finally runs', async () => {
    const finished = new Event();
    let reason: unknown;
    const obs = toObservable<number>(async (emit, signal) => {
      try {
        for (let i = 0; ; i++) {
          emit(i);
          await sleep(1);
        }
      } catch (err) {
        reason = signal.reason;
        throw err;
      } finally {
        finished.set();
      }
    });
    expect(await lastValueFrom(obs.pipe(take(3), toArray()))).toEqual([0, 1, 2]);
    await finished.wait();
    expect(reason).toBeInstanceOf(Cancelled);
  });

  test('the task error reaches subscriber.error', async () => {
    const boom = new Error('producer failed');
    const obs = toObservable<number>(async (emit) => {
      emit(1);
      await sleep(1);
      throw boom;
    });
    const seen: number[] = [];
    const err = await new Promise((resolve) => obs.subscribe({ next: (v) => seen.push(v), error: resolve }));
    expect(err).toBe(boom);
    expect(seen).toEqual([1]);
  });

  test('switchMap cancels the previous inner task on every new outer value', async () => {
    const outer = new Subject<string>();
    const cleaned: string[] = [];
    const inner = (tag: string) =>
      toObservable<string>(async (emit) => {
        try {
          emit(`${tag}:start`);
          await sleepForever();
        } finally {
          cleaned.push(tag);
        }
      });
    const got: string[] = [];
    const sub = outer.pipe(switchMap(inner)).subscribe((v) => got.push(v));
    outer.next('a');
    outer.next('b');
    outer.next('c');
    sub.unsubscribe();
    while (cleaned.length < 3) await new Promise((r) => setImmediate(r));
    expect(got).toEqual(['a:start', 'b:start', 'c:start']);
    expect(cleaned).toEqual(['a', 'b', 'c']);
  });

  test('takeUntil cancels the task when the notifier fires', async () => {
    const stop = new Subject<void>();
    const finished = new Event();
    const obs = toObservable<number>(async (emit) => {
      try {
        for (let i = 0; ; i++) {
          emit(i);
          await sleep(2);
        }
      } finally {
        finished.set();
      }
    });
    const got: number[] = [];
    const done = new Promise<void>((resolve) => obs.pipe(takeUntil(stop)).subscribe({ next: (v) => got.push(v), complete: resolve }));
    while (got.length < 2) await new Promise((r) => setTimeout(r, 1));
    stop.next();
    await done;
    await finished.wait();
    expect(got.length).toBeGreaterThanOrEqual(2);
  });

  test('under a virtual clock a slow producer runs instantly, with exact times', async () => {
    const clock = new VirtualClock();
    const t0 = performance.now();
    const got = await openNursery(async () => {
      const ticks = toObservable<number>(async (emit) => {
        for (;;) {
          emit(currentTime());
          await sleep(1_000);
        }
      });
      const seen: number[] = [];
      for await (const t of fromObservable(ticks.pipe(take(4)))) seen.push(t);
      return seen;
    }, { clock });
    expect(got).toEqual([0, 1_000, 2_000, 3_000]);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  test('cancelling the furrow scope the subscription was made in errors the subscriber with Cancelled', async () => {
    let err: unknown;
    const errored = new Event();
    await openNursery(async (n) => {
      toObservable<number>(() => sleepForever()).subscribe({ error: (e) => ((err = e), errored.set()) });
      await sleep(1);
      n.cancel();
    });
    await errored.wait();
    expect(err).toBeInstanceOf(Cancelled);
  });

  test('an error raised after the subscriber left goes to config.onUnhandledError', async () => {
    const late = new Error('failed in finally');
    const reported = new Event();
    let got: unknown;
    const saved = config.onUnhandledError;
    config.onUnhandledError = (e) => ((got = e), reported.set());
    try {
      const obs = toObservable<number>(async (emit) => {
        try {
          emit(1);
          await sleepForever();
        } finally {
          throw late; // eslint-disable-line no-unsafe-finally
        }
      });
      await firstValueFrom(obs);
      await reported.wait();
      expect(got).toBe(late);
    } finally {
      config.onUnhandledError = saved;
    }
  });

  test('bad arguments get clear errors', () => {
    expect(() => toObservable('x' as never)).toThrow(/fn must be a function \(got string\)/);
  });
});

describe('untilCancelled', () => {
  test('completes a pipeline living inside a nursery when the nursery is cancelled', async () => {
    let finalized = false;
    const completed = new Event();
    const got: number[] = [];
    await openNursery(async (n) => {
      interval(1)
        .pipe(
          finalize(() => (finalized = true)),
          untilCancelled(),
        )
        .subscribe({ next: (v) => got.push(v), complete: () => completed.set() });
      while (got.length < 3) await sleep(1);
      n.cancel();
    });
    expect(completed.isSet()).toBe(true);
    expect(finalized).toBe(true);
  });

  test('a subscription made after the cancel completes at once', async () => {
    let completed = false;
    await openNursery(async (n) => {
      const op = untilCancelled<number>();
      n.cancel();
      interval(1).pipe(op).subscribe({ complete: () => (completed = true) });
    });
    expect(completed).toBe(true);
  });

  test('without cancellation it passes values, errors and completion through', async () => {
    await openNursery(async () => {
      expect(await lastValueFrom(interval(1).pipe(take(3), untilCancelled(), toArray()))).toEqual([0, 1, 2]);
    });
  });

  test('outside a furrow scope it is an error', () => {
    expect(() => untilCancelled()).toThrow(/must be called inside a furrow scope/);
  });
});
