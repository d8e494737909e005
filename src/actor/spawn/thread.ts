// The 'thread' backend: a worker thread running child-main.ts, talking over a
// MessagePort (frames in transferred ArrayBuffers). It shares the parent's pid;
// `kill` terminates the thread, which also stops a busy loop. A worker shares its
// process's Node flags, so `execArgv` is not passed (Node refuses process-wide
// flags such as --expose-gc per thread).
import { MessageChannel, Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { PortTransport } from '../../ipc/index.ts';
import type { ChildExit, SpawnBackend, SpawnRequest, SpawnedChild } from './backend.ts';

const CHILD_MAIN = fileURLToPath(new URL('../child-main.ts', import.meta.url));

export const threadBackend: SpawnBackend = {
  runtime: 'node',
  spawn(req: SpawnRequest): SpawnedChild {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(CHILD_MAIN, {
      argv: [JSON.stringify({ name: req.name, uuid: req.uuid, parentAddr: req.parentAddr })],
      workerData: { furrowPort: port2 },
      transferList: [port2],
      env: req.env,
      name: req.name,
    });
    let done = false;
    const exited = new Promise<ChildExit>((resolve) => {
      worker.once('exit', (code) => {
        done = true;
        resolve({ code, signal: null });
      });
      worker.once('error', () => {});
    });
    return {
      pid: process.pid,
      transport: new PortTransport(port1, { description: `port:${req.name}` }),
      exited,
      kill() {
        if (!done) void worker.terminate();
      },
    };
  },
};
