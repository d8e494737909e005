// A bidirectional stream between the root and an actor: the root sends words,
// the actor answers each with its shout and a running count, and ends when the
// root closes its side.
//   node --conditions=furrow-source examples/actors-streaming.ts
import { fileURLToPath } from 'node:url';
import { context, openActorNursery } from 'furrow';

/** Runs in the actor: shout every word back until the opener closes the stream; return the count. */
export const shouter = context(async (ctx, suffix: string) => {
  await ctx.started('ready to shout');
  let count = 0;
  await ctx.openStream<string, void>(async (stream) => {
    for await (const word of stream) await stream.send(`${++count}: ${word.toUpperCase()}${suffix}`);
  });
  return count;
});

// A module that enables itself must not await its main at the top level: the
// parent imports it again to name its functions, and that import waits for the
// top-level evaluation to finish.
async function main(): Promise<void> {
  const me = fileURLToPath(import.meta.url);
  await openActorNursery(async (an) => {
    const p = await an.startActor('shouter', { enableModules: [me] });
    const total = await p.openContext(shouter, ['!'], async (ctx, greeting: string) => {
      console.log(`actor says: ${greeting}`);
      await ctx.openStream<string, void>(async (stream) => {
        for (const word of ['structured', 'concurrency', 'across', 'processes']) {
          await stream.send(word);
          console.log(await stream.receive());
        }
      });
      return ctx.result();
    });
    console.log(`the actor shouted ${total} words`);
  });
}

if (import.meta.main) main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
