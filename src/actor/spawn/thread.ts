// The 'thread' backend: a worker thread running child-main.ts, talking over a
// MessagePort (frames in transferred ArrayBuffers). It shares the parent's pid;
// `kill` terminates the thread, which also stops a busy loop. A worker shares its
// process's Node flags, so `execArgv` is not passed (Node refuses process-wide
// flags such as --expose-gc per thread). Processes the thread started and left
// behind are killed once it has exited (thread-children.ts). Its stdout and stderr
// are relayed line by line with its name in front, as a fork actor's are.
import { PortTransport, relayLines } from '../../ipc/index.ts';
import { enclosingThreadChildTables, killThreadChildren, newThreadChildTable } from './thread-children.ts';
import { CHILD_MAIN, type ChildExit, type SpawnBackend, type SpawnRequest, type SpawnedChild } from './backend.ts';

export const threadBackend: SpawnBackend = {
  runtime: 'node',
  spawn(req: SpawnRequest): SpawnedChild {
    // node:worker_threads is loaded on first use (~4 ms a forked child actor need not pay)
    const { MessageChannel, Worker } = process.getBuiltinModule('node:worker_threads');
    const { port1, port2 } = new MessageChannel();
    const childTable = newThreadChildTable();
    const worker = new Worker(CHILD_MAIN, {
      argv: [JSON.stringify({ name: req.name, uuid: req.uuid, parentAddr: req.parentAddr, thread: true })],
      // its own table first, then ours and those around us: see thread-children.ts
      workerData: { furrowPort: port2, furrowChildTables: [childTable, ...enclosingThreadChildTables()] },
      transferList: [port2],
      env: req.env,
      name: req.name,
      stdout: true,
      stderr: true,
    });
    relayLines(worker.stdout, `[${req.name}] `, process.stdout);
    relayLines(worker.stderr, `[${req.name}] `, process.stderr);
    let done = false;
    const exited = new Promise<ChildExit>((resolve) => {
      worker.once('exit', (code) => {
        done = true;
        // a terminated thread could not reap its own child processes
        killThreadChildren(childTable);
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
