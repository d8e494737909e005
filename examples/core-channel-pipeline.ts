// A channel pipeline: a producer, a pool of three workers and a collector, joined
// by memory channels with small buffers (backpressure keeps memory flat). Each
// stage closes its send end when it is done, so the next stage's `for await`
// ends on its own; `clone()` gives each worker its own handle. A timeout around the
// whole pipeline shows cancellation reaching every stage at once.
//   node --conditions=furrow-source examples/core-channel-pipeline.ts
import { openChannel, openNursery, moveOnAfter, sleep } from 'furrow';

/** Run the pipeline over `count` numbers; each worker squares slowly (`workMs` per item). */
async function pipeline(count: number, workMs: number): Promise<number[]> {
  const [toWorkers, fromProducer] = openChannel<number>(4);
  const [toCollector, fromWorkers] = openChannel<number>(4);
  const results: number[] = [];
  await openNursery(async (n) => {
    n.startSoon(async () => {
      for (let i = 1; i <= count; i++) await toWorkers.send(i);
      toWorkers.close();
    }, 'producer');
    for (let w = 0; w < 3; w++) {
      const input = fromProducer.clone();
      const output = toCollector.clone();
      n.startSoon(async () => {
        for await (const x of input) {
          await sleep(workMs);
          await output.send(x * x);
        }
        output.close();
      }, `worker-${w}`);
    }
    fromProducer.close(); // the workers hold their own clones
    toCollector.close();
    for await (const y of fromWorkers) results.push(y);
  });
  return results.sort((a, b) => a - b);
}

const squares = await pipeline(12, 2);
console.log(`squares: ${squares.join(' ')}`);

const cut = await moveOnAfter(50, async () => {
  return pipeline(1_000_000, 5); // far too much work for 50 ms
});
console.log(`the long pipeline was ${cut === undefined ? 'cancelled at its deadline, every stage stopped' : 'not cancelled?!'}`);
