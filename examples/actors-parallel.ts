// CPU-bound work over every core: count the primes below a bound, split into
// slices, once in the root alone and once across one actor per core, and print
// the speedup.
//   node --conditions=furrow-source examples/actors-parallel.ts [bound]
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { openActorNursery, openNursery } from 'furrow';

/** Count the primes in [from, to): deliberately plain trial division (CPU-bound). */
export async function countPrimes(from: number, to: number): Promise<number> {
  let count = 0;
  for (let n = Math.max(2, from); n < to; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

// A module that enables itself must not await its main at the top level: the
// parent imports it again to name its functions, and that import waits for the
// top-level evaluation to finish.
async function main(): Promise<void> {
  const me = fileURLToPath(import.meta.url);
  const bound = Number(process.argv[2] ?? 6_000_000);
  const cores = availableParallelism();
  const slices = cores * 4;
  const edges = Array.from({ length: slices + 1 }, (_, i) => Math.round((bound * i) / slices));

  let t0 = performance.now();
  let alone = 0;
  for (let i = 0; i < slices; i++) alone += await countPrimes(edges[i]!, edges[i + 1]!);
  const aloneMs = performance.now() - t0;

  const parallel = await openActorNursery(async (an) => {
    const workers = await Promise.all(Array.from({ length: cores }, (_, i) => an.startActor(`cruncher-${i}`, { enableModules: [me] })));
    t0 = performance.now();
    let total = 0;
    let next = 0;
    await openNursery((n) => {
      for (const w of workers) {
        n.startSoon(async () => {
          while (next < slices) {
            const i = next++;
            const count = await w.run(countPrimes, edges[i]!, edges[i + 1]!);
            total += count;
          }
        });
      }
    });
    return { total, ms: performance.now() - t0 };
  });

  console.log(`primes below ${bound}: ${alone} (root alone, ${aloneMs.toFixed(0)} ms)`);
  console.log(`primes below ${bound}: ${parallel!.total} (${cores} actors, ${parallel!.ms.toFixed(0)} ms)`);
  console.log(`speedup: ${(aloneMs / parallel!.ms).toFixed(2)}x on ${cores} cores`);
}

if (import.meta.main) main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
