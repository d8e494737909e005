// A Python asyncio worker streams results to TypeScript and is cancelled mid-stream:
// the cancel becomes task.cancel() in Python, its `finally` runs (and prints) before
// furrow's cancel completes, and nothing is left running afterwards.
//   node --conditions=furrow-source examples/asyncio-stream-cancel.ts
// The interpreter: FURROW_PYTHON, else /usr/bin/python3 (it needs the `msgpack` package).
import { fileURLToPath } from 'node:url';
import { openActorNursery } from 'furrow';
import 'furrow/asyncio';
import { isAlive } from './lib/processes.ts';

const python = process.env.FURROW_PYTHON ?? '/usr/bin/python3';
const cwd = fileURLToPath(new URL('./python/', import.meta.url));

let pid = 0;
const got: number[] = [];
await openActorNursery(async (an) => {
  const worker = await an.startActor('worker', { backend: 'python', python, cwd, enableModules: ['stream_worker'] });
  // 1000 squares, one every 10 ms: far more than we will wait for
  const r = await worker.openContext('stream_worker:squares', [1000, 0.01], async (ctx, workerPid: number) => {
    pid = workerPid;
    await ctx.openStream(async (stream) => {
      for await (const square of stream) {
        got.push(square as number);
        if (got.length === 5) {
          console.log(`received ${got.join(' ')}: enough, cancelling the Python task`);
          ctx.cancel('enough results');
        }
      }
    });
  });
  console.log(`openContext returned ${r} (our own cancel is absorbed)`);
});
console.log(isAlive(pid) ? `python worker ${pid} still alive!` : `the python worker (pid ${pid}) exited: nothing left running`);
