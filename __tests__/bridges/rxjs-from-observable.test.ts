// fromObservable against real RxJS: completion, errors, cancellation with teardown,
// early exit, and the overflow policies timed with RxJS's TestScheduler.
import { Observable, Subject, concat, finalize, interval, map, of, range, take, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Cancelled, Event, isCancelled, moveOnAfter, openNursery, sleep, withCancelScope } from 'furrow';
import { BufferOverflowError, fromObservable } from 'furrow/rxjs';

/** An Observable driven by the test: `emit` pushes, `tornDown` tells when its teardown ran. */
function probe<T>(): { obs: Observable<T>; emit: (v: T) => void; subscribed: Event; tornDown: Event } {
  const subscribed = new Event();
  const tornDown = new Event();
  let sink: ((v: T) => void) | undefined;
  const obs = new Observable<T>((subscriber) => {
    sink = (v) => subscriber.next(v);
    subscribed.set();
    return () => tornDown.set();
  });
  return { obs, emit: (v) => sink?.(v), subscribed, tornDown };
}

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('fromObservable', () => {
  test('complete ends the iteration', async () => {
    const got: number[] = [];
    await openNursery(async () => {
      for await (const v of fromObservable(of(1, 2, 3))) got.push(v);
    });
    expect(got).toEqual([1, 2, 3]);
  });

  test('reads a real interval through take', async () => {
    const got: number[] = [];
    await openNursery(async () => {
      for await (const v of fromObservable(interval(1).pipe(take(5)))) got.push(v);
    });
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  test('an Observable error is thrown into the consumer after the values before it', async () => {
    const boom = new Error('source failed');
    const got: number[] = [];
    const run = openNursery(async () => {
      for await (const v of fromObservable(concat(of(1, 2), throwError(() => boom)))) got.push(v);
    });
    await expect(run).rejects.toBe(boom);
    expect(got).toEqual([1, 2]);
  });

  test('an error while the consumer waits reaches it', async () => {
    const subject = new Subject<number>();
    const boom = new Error('late failure');
    const run = openNursery(async (n) => {
      const stream = fromObservable(subject);
      n.startSoon(async () => {
        await sleep(5);
        subject.error(boom);
      });
      await stream.next();
    });
    await expect(run).rejects.toBe(boom);
  });

  test('cancelling the scope while the consumer waits unsubscribes (teardown runs) and throws Cancelled', async () => {
    const { obs, emit, subscribed, tornDown } = probe<number>();
    const got: number[] = [];
    let caught: unknown;
    await openNursery(async (n) => {
      n.startSoon(async () => {
        try {
          for await (const v of fromObservable(obs)) got.push(v);
        } catch (err) {
          caught = err;
          throw err;
        }
      });
      await subscribed.wait();
      emit(1);
      emit(2);
      await sleep(1);
      n.cancel();
    });
    expect(got).toEqual([1, 2]);
    expect(caught).toBeInstanceOf(Cancelled);
    expect(tornDown.isSet()).toBe(true);
  });

  test('cancelling the scope while the consumer is busy elsewhere unsubscribes at once', async () => {
    const { obs, emit, subscribed, tornDown } = probe<number>();
    await openNursery(async (n) => {
      const stream = fromObservable(obs);
      n.startSoon(async () => {
        await stream.next();
        await sleep(60_000); // busy, not reading
      });
      await subscribed.wait();
      emit(1);
      await sleep(1);
      expect(tornDown.isSet()).toBe(false);
      n.cancel();
      expect(tornDown.isSet()).toBe(true); // synchronously, not at the next read
      await expect(stream.next()).rejects.toBeInstanceOf(Cancelled);
    });
  });

  test('a timeout around the loop (moveOnAfter) ends a real interval subscription', async () => {
    let finalized = false;
    const got: number[] = [];
    await openNursery(() =>
      moveOnAfter(30, async () => {
        for await (const v of fromObservable(interval(1).pipe(finalize(() => (finalized = true))))) got.push(v);
      }),
    );
    expect(finalized).toBe(true);
    expect(got.length).toBeGreaterThan(0);
  });

  test('breaking out of the loop unsubscribes', async () => {
    const { obs, emit, subscribed, tornDown } = probe<number>();
    await openNursery(async (n) => {
      n.startSoon(async () => {
        await subscribed.wait();
        for (let i = 0; i < 5; i++) emit(i);
      });
      for await (const v of fromObservable(obs)) if (v === 2) break;
    });
    expect(tornDown.isSet()).toBe(true);
  });

  test('await using unsubscribes at the end of the block', async () => {
    const { obs, emit, subscribed, tornDown } = probe<string>();
    await openNursery(async () => {
      await using stream = fromObservable(obs);
      const first = stream.next();
      await subscribed.wait();
      emit('a');
      expect(await first).toEqual({ value: 'a', done: false });
    });
    expect(tornDown.isSet()).toBe(true);
  });

  test("overflow 'error' (default): a clear error naming the buffer size, after the buffered values; the source is unsubscribed", async () => {
    const ts = scheduler();
    let finalized = false;
    const got: number[] = [];
    const run = openNursery(async () => {
      const stream = fromObservable(interval(10, ts).pipe(finalize(() => (finalized = true))), { buffer: 3 });
      const first = stream.next(); // subscribes and waits
      ts.flush(); // 75 virtual ticks at once: the consumer cannot keep up
      got.push((await first).value as number);
      for await (const v of stream) got.push(v);
    });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BufferOverflowError);
    expect((err as BufferOverflowError).bufferSize).toBe(3);
    expect((err as Error).message).toMatch(/buffer of 3 value\(s\) overflowed/);
    expect(got).toEqual([0, 1, 2, 3]);
    expect(finalized).toBe(true);
  });

  test('a synchronous burst bigger than the buffer overflows too', async () => {
    const got: number[] = [];
    const run = openNursery(async () => {
      for await (const v of fromObservable(range(0, 100), { buffer: 4 })) got.push(v);
    });
    await expect(run).rejects.toBeInstanceOf(BufferOverflowError);
    expect(got).toEqual([0, 1, 2, 3]);
  });

  test('overflow stops a synchronous source that checks subscriber.closed at once, even one that emits for ever', async () => {
    let emitted = 0;
    const burst = new Observable<number>((subscriber) => {
      for (let i = 0; i < 200_000 && !subscriber.closed; i++) {
        emitted++;
        subscriber.next(i);
      }
    });
    const endless = new Observable<number>((subscriber) => {
      while (!subscriber.closed) subscriber.next(++emitted);
    });
    for (const source of [burst, endless, endless.pipe(map((v) => v * 2))]) {
      emitted = 0;
      const got: number[] = [];
      const run = openNursery(async () => {
        for await (const v of fromObservable(source, { buffer: 8 })) got.push(v);
      });
      await expect(run).rejects.toBeInstanceOf(BufferOverflowError);
      expect(emitted).toBe(9); // eight buffered, the ninth overflowed; nothing after it
      expect(got).toHaveLength(8);
    }
  });

  test("'drop-oldest' keeps the newest values and counts the dropped ones", async () => {
    const ts = scheduler();
    const got: number[] = [];
    let dropped = -1;
    await openNursery(async () => {
      const stream = fromObservable(interval(10, ts).pipe(take(10)), { buffer: 3, overflow: 'drop-oldest' });
      const first = stream.next();
      ts.flush();
      got.push((await first).value as number);
      for await (const v of stream) got.push(v);
      dropped = stream.dropped;
    });
    expect(got).toEqual([0, 7, 8, 9]);
    expect(dropped).toBe(6);
  });

  test("'drop-newest' keeps the oldest values and counts the dropped ones", async () => {
    const ts = scheduler();
    const got: number[] = [];
    let dropped = -1;
    await openNursery(async () => {
      const stream = fromObservable(interval(10, ts).pipe(take(10)), { buffer: 3, overflow: 'drop-newest' });
      const first = stream.next();
      ts.flush();
      expect(stream.buffered).toBe(3);
      got.push((await first).value as number);
      for await (const v of stream) got.push(v);
      dropped = stream.dropped;
    });
    expect(got).toEqual([0, 1, 2, 3]);
    expect(dropped).toBe(6);
  });

  test('one reader at a time', async () => {
    const subject = new Subject<number>();
    await openNursery(async (n) => {
      const stream = fromObservable(subject);
      n.startSoon(() => stream.next());
      await sleep(1);
      await expect(stream.next()).rejects.toThrow(/another consumer is already waiting/);
      n.cancel();
    });
  });

  test('an inner scope cancelled around the read unsubscribes too', async () => {
    const { obs, subscribed, tornDown } = probe<number>();
    await openNursery(async () => {
      const stream = fromObservable(obs);
      await withCancelScope({}, async (scope) => {
        const read = stream.next();
        await subscribed.wait();
        scope.cancel();
        await read;
      });
      expect(tornDown.isSet()).toBe(true);
    });
  });

  test('works outside any furrow scope', async () => {
    const got: number[] = [];
    for await (const v of fromObservable(of('x', 'y'))) got.push(v.length);
    expect(got).toEqual([1, 1]);
  });

  test('bad arguments get clear errors', () => {
    expect(() => fromObservable(42 as never)).toThrow(/source must be an Observable/);
    expect(() => fromObservable(null as never)).toThrow(TypeError);
    expect(() => fromObservable(of(1), { buffer: 0 })).toThrow(/buffer must be an integer >= 1 \(got 0\)/);
    expect(() => fromObservable(of(1), { buffer: -5 })).toThrow(RangeError);
    expect(() => fromObservable(of(1), { buffer: 1.5 })).toThrow(RangeError);
    expect(() => fromObservable(of(1), { buffer: Infinity })).toThrow(/unbounded buffering is not offered/);
    expect(() => fromObservable(of(1), { buffer: '8' as never })).toThrow(RangeError);
    expect(() => fromObservable(of(1), { overflow: 'block' as never })).toThrow(/overflow must be one of 'error', 'drop-oldest', 'drop-newest' \(got block\)/);
    expect(() => fromObservable(of(1), null as never)).toThrow(/options must be an object/);
  });

  test('cancellation reaches a consumer whose values keep flowing', async () => {
    let caught: unknown;
    await openNursery(async (n) => {
      n.startSoon(async () => {
        try {
          for await (const _ of fromObservable(interval(0), { overflow: 'drop-oldest' })) await sleep(0);
        } catch (err) {
          caught = err;
          throw err;
        }
      });
      await sleep(20);
      n.cancel();
    });
    expect(isCancelled(caught)).toBe(true);
  });
});

describe('fromObservable(...).batches()', () => {
  test('a synchronous burst that arrives while the reader waits comes as one batch', async () => {
    const { obs, emit, subscribed, tornDown } = probe<number>();
    const batches: number[][] = [];
    await openNursery(async (n) => {
      n.startSoon(async () => {
        await subscribed.wait(); // the reader is parked on its first read by now
        for (let i = 0; i < 5; i++) emit(i);
        await subscribed.wait();
        emit(5);
      });
      for await (const batch of fromObservable(obs).batches()) {
        batches.push(batch);
        if (batch.includes(5)) break;
      }
    });
    expect(batches).toEqual([[0, 1, 2, 3, 4], [5]]);
    expect(tornDown.isSet()).toBe(true); // leaving the loop unsubscribed
  });

  test('values buffered before a read come in one batch, then the iteration ends', async () => {
    const batches: number[][] = [];
    await openNursery(async () => {
      for await (const batch of fromObservable(of(1, 2, 3)).batches()) batches.push(batch);
    });
    expect(batches).toEqual([[1, 2, 3]]);
  });

  test('an error in the middle of a burst is thrown after the burst is delivered', async () => {
    const subject = new Subject<number>();
    const boom = new Error('failed mid-burst');
    const batches: number[][] = [];
    const run = openNursery(async (n) => {
      const stream = fromObservable(subject);
      n.startSoon(async () => {
        await Promise.resolve();
        subject.next(1);
        subject.next(2);
        subject.error(boom);
      });
      for await (const batch of stream.batches()) batches.push(batch);
    });
    await expect(run).rejects.toBe(boom);
    expect(batches).toEqual([[1, 2]]);
  });

  test("overflow 'error' delivers the full buffer as a batch, then the error", async () => {
    const { obs, emit, subscribed } = probe<number>();
    const batches: number[][] = [];
    const run = openNursery(async (n) => {
      n.startSoon(async () => {
        await subscribed.wait();
        for (let i = 0; i < 10; i++) emit(i);
      });
      for await (const batch of fromObservable(obs, { buffer: 4 }).batches()) batches.push(batch);
    });
    await expect(run).rejects.toBeInstanceOf(BufferOverflowError);
    expect(batches).toEqual([[0, 1, 2, 3]]);
  });

  test("'drop-oldest' keeps the newest values of a burst", async () => {
    const { obs, emit, subscribed } = probe<number>();
    const stream = fromObservable(obs, { buffer: 3, overflow: 'drop-oldest' });
    const read = stream.batches().next();
    await subscribed.wait();
    for (let i = 0; i < 10; i++) emit(i);
    expect(await read).toEqual({ value: [7, 8, 9], done: false });
    expect(stream.dropped).toBe(7);
    await stream.return();
  });

  test('cancelling the scope while the batch reader waits unsubscribes and throws Cancelled', async () => {
    const { obs, subscribed, tornDown } = probe<number>();
    let caught: unknown;
    await openNursery(async (n) => {
      n.startSoon(async () => {
        try {
          for await (const _ of fromObservable(obs).batches());
        } catch (err) {
          caught = err;
          throw err;
        }
      });
      await subscribed.wait();
      n.cancel();
    });
    expect(caught).toBeInstanceOf(Cancelled);
    expect(tornDown.isSet()).toBe(true);
  });

  test('a cancel that lands between a burst and its delivery drops the batch, not the rule', async () => {
    const { obs, emit, subscribed, tornDown } = probe<number>();
    await openNursery(async (n) => {
      const stream = fromObservable(obs);
      const read = stream.batches().next();
      await subscribed.wait();
      emit(1); // its batch is handed over on the next microtask...
      n.cancel(); // ...but the scope is cancelled first
      await expect(read).rejects.toBeInstanceOf(Cancelled);
      expect(tornDown.isSet()).toBe(true);
    });
  });

  test('next() and batches() read one stream, one reader at a time', async () => {
    const subject = new Subject<number>();
    await openNursery(async (n) => {
      const stream = fromObservable(subject);
      const batches = stream.batches();
      const first = stream.next();
      subject.next(1);
      subject.next(2);
      subject.next(3);
      expect(await first).toEqual({ value: 1, done: false });
      expect(await batches.next()).toEqual({ value: [2, 3], done: false });
      n.startSoon(() => batches.next());
      await sleep(0);
      await expect(stream.next()).rejects.toThrow(/another consumer is already waiting/);
      await batches.return();
      expect(subject.observed).toBe(false);
    });
  });
});

