// The multi-process debugger: an actor calls `pause()`, and the root's terminal gets
// a REPL in that actor's paused frame. Try, in a terminal:
//   node --conditions=furrow-source examples/debug-pause.ts
// then at `(furrow summer)` type `total`, `values.length`, `n` (next line), `c`.
// Without a terminal (stdin not a TTY, or closed) the REPL shows where the actor
// stopped and lets it go on at once: a pause never hangs a tree nobody watches.
import { fileURLToPath } from 'node:url';
import { openActorNursery, pause } from 'furrow';

/** In the actor: add the values up, and stop halfway to look around. */
export async function sumUp(values: number[]): Promise<number> {
  let total = 0;
  for (const v of values.slice(0, values.length / 2)) total += v;
  await pause();
  for (const v of values.slice(values.length / 2)) total += v;
  return total;
}

// A module that enables itself must not await its main at the top level (see
// actors-discovery.ts).
async function main(): Promise<void> {
  await openActorNursery(async (an) => {
    const summer = await an.startActor('summer', { enableModules: [fileURLToPath(import.meta.url)] });
    console.log(`the sum is ${await summer.run(sumUp, [1, 2, 3, 4, 5, 6])}`);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void main();
