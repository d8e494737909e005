// A pool of actors behind one queue: CPU-bound jobs (counting primes in slices) fanned
// out over one actor per core, next to a long job that is cancelled half way. The long
// job is CPU-bound too, but it checkpoints now and then, so the cancel lands inside
// its actor and its `finally` runs there; the actor then takes the remaining slices.
//   node --conditions=furrow-source examples/queue-actor-pool.ts [bound]
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { checkpoint, isCancelled } from 'furrow';
import { openActorPool } from 'furrow/queue';
import { isAlive } from './lib/processes.ts';

/** Is `n` prime? Deliberately plain trial division (CPU-bound). */
function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

/** Count the primes in [from, to). */
export async function countPrimes(from: number, to: number): Promise<number> {
  let count = 0;
  for (let n = from; n < to; n++) if (isPrime(n)) count++;
  return count;
}

/** Count the primes in [from, to), with a checkpoint every 20,000 numbers: a cancel lands there. */
export async function countPrimesCancellable(from: number, to: number): Promise<number> {
  let n = from;
  let count = 0;
  try {
    for (; n < to; n++) {
      if (isPrime(n)) count++;
      if (n % 20_000 === 0) await checkpoint();
    }
    return count;
  } catch (err) {
    if (isCancelled(err)) console.log(`long job cancelled in its actor (pid ${process.pid}) at ${n}: its finally ran there`);
    throw err;
  }
}

// A module that enables itself must not await its main at the top level (the parent
// imports it again to name its functions).
async function main(): Promise<void> {
  const me = fileURLToPath(import.meta.url);
  const bound = Number(process.argv[2] ?? 2_000_000);
  const size = Math.max(2, availableParallelism());
  const slices = 8;
  const edges = Array.from({ length: slices + 1 }, (_, i) => Math.round((bound * i) / slices));
  const pids: number[] = [];

  const total = await openActorPool({ size, backend: 'fork', enableModules: [me] }, async (pool) => {
    pids.push(...pool.portals.map((p) => p.pid));
    const stop = new AbortController();
    const long = pool.runWith({ signal: stop.signal }, countPrimesCancellable, 0, 1e12);
    const counts = Array.from({ length: slices }, (_, i) =>
      pool.run(countPrimes, edges[i]!, edges[i + 1]!).then((c) => {
        if (i === slices / 2 - 1) stop.abort(new Error('the long job is no longer needed'));
        return c;
      }),
    );
    const sum = (await Promise.all(counts)).reduce((a, b) => a + b, 0);
    console.log(`long job: ${await long.catch((err: Error) => `rejected (${err.message})`)}`);
    console.log(`actors replaced: ${pool.replaced}`);
    return sum;
  });

  console.log(`primes below ${bound}: ${total} (${slices} slices over ${size} actors)`);
  const left = pids.filter(isAlive);
  console.log(left.length === 0 ? `all ${pids.length} actors exited: nothing left running` : `still alive: ${left.join(', ')}`);
}

if (import.meta.main) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
