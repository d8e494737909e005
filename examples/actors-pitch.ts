// furrow in one minute: an actor (a real process) per core, a context with a
// stream into each, and then the root crashes on purpose. The actor nursery
// cancels every context, tears every actor down, and only then lets the error
// out: no process is left behind.
//   node --conditions=furrow-source examples/actors-pitch.ts
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { context, currentActor, openActorNursery, openNursery, sleep } from 'furrow';
import { isAlive } from './lib/processes.ts';

/** Runs in each actor: report who we are, then send a heartbeat every 20 ms until cancelled. */
export const heartbeat = context(async (ctx) => {
  await ctx.started({ name: currentActor().name, pid: process.pid });
  await ctx.openStream<number, void>(async (stream) => {
    for (let beat = 1; ; beat++) {
      await stream.send(beat);
      await sleep(20);
    }
  });
});

// A module that enables itself must not await its main at the top level: the
// parent imports it again to name its functions, and that import waits for the
// top-level evaluation to finish.
async function main(): Promise<void> {
  const me = fileURLToPath(import.meta.url);
  const cores = availableParallelism();
  const pids: number[] = [];
  try {
    await openActorNursery(async (an) => {
      const portals = await Promise.all(Array.from({ length: cores }, (_, i) => an.startActor(`worker-${i}`, { enableModules: [me] })));
      console.log(`spawned ${cores} actors, one per core`);
      await openNursery(async (n) => {
        for (const p of portals) {
          n.startSoon(() =>
            p.openContext(heartbeat, [], async (ctx, who: { name: string; pid: number }) => {
              pids.push(who.pid);
              await ctx.openStream<number, void>(async (stream) => {
                for await (const beat of stream) if (beat === 3) n.startSoon(async () => crashOnceAll(pids.length, cores));
              });
            }),
          );
        }
      });
    });
  } catch (err) {
    console.log(`root crashed: ${(err as Error).message}`);
    const left = pids.filter(isAlive);
    console.log(left.length === 0 ? `all ${pids.length} actors were reaped: no process left` : `LEFT ALIVE: ${left.join(', ')}`);
    process.exitCode = left.length === 0 ? 0 : 1;
  }
}

if (import.meta.main) main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

let crashed = false;
/** Crash the root once every actor has sent a few heartbeats. */
function crashOnceAll(ready: number, cores: number): void {
  if (crashed || ready < cores) return;
  crashed = true;
  console.log('every actor is beating; now the root crashes on purpose');
  throw new Error('the root failed on purpose');
}
