// RxJS and furrow both ways: an RxJS interval consumed as an async iterable inside a
// nursery and cancelled by a timeout (its teardown runs), then a stream produced by
// a furrow task and consumed with RxJS operators (take stops the task).
import { interval, map, take, toArray, lastValueFrom, finalize } from 'rxjs';
import { moveOnAfter, openNursery, sleep } from 'furrow';
import { fromObservable, toObservable } from 'furrow/rxjs';

// 1. Consume: read an RxJS stream until a furrow timeout cancels the read.
let tornDown = false;
const seen: number[] = [];
await openNursery(async () => {
  const ticks = interval(10).pipe(
    map((i) => i * i),
    finalize(() => (tornDown = true)),
  );
  await moveOnAfter(75, async () => {
    for await (const square of fromObservable(ticks, { buffer: 16 })) seen.push(square);
  });
});
console.log(`consumed ${seen.length > 3 ? 'several' : 'too few'} squares, starting ${seen.slice(0, 3).join(',')}`);
console.log(`RxJS teardown ran on cancel: ${tornDown}`);

// 2. Produce: a furrow task emits; RxJS's take(3) unsubscribes, which cancels the task.
let producerCleanedUp = false;
const countdown = toObservable<string>(async (emit) => {
  try {
    for (let i = 10; ; i--) {
      emit(`T-${i}`);
      await sleep(5);
    }
  } finally {
    producerCleanedUp = true;
  }
});
console.log(`produced: ${(await lastValueFrom(countdown.pipe(take(3), toArray()))).join(' ')}`);
while (!producerCleanedUp) await new Promise((r) => setImmediate(r)); // it runs as soon as the cancel lands
console.log(`producer's finally ran after take(3): ${producerCleanedUp}`);
