// The entry a child actor runs (a child process or a worker thread). It turns on
// the module compile cache before anything else is loaded, then says hello to its
// parent at once (connects back and sends its `Aid`, hand-encoded, or posts it on
// the worker's port) so that the parent's half of the handshake and its SpawnSpec
// overlap with this child importing the runtime, and only then starts the runtime
// in child.ts.
import module from 'node:module';
import { createConnection, type Socket } from 'node:net';
import { workerData, type MessagePort } from 'node:worker_threads';

module.enableCompileCache?.();
const boot = JSON.parse(process.argv[2] ?? '{}') as { name: string; uuid: string; parentAddr: { path?: string } };
const port = (workerData as { furrowPort?: MessagePort } | undefined)?.furrowPort;
const { encodeHelloFrame } = await import('../ipc/hello.ts');
const hello = encodeHelloFrame({ name: boot.name, uuid: boot.uuid });
let early: { port: MessagePort } | { path: string; socket: Promise<Socket> };
if (port) {
  port.postMessage(hello.buffer, [hello.buffer as ArrayBuffer]);
  early = { port };
} else {
  const path = boot.parentAddr.path!;
  const s = createConnection(path);
  // written once connected; the socket stays paused (nothing read) until the runtime takes it
  s.write(hello);
  const socket = new Promise<Socket>((resolve, reject) => {
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
  });
  socket.catch(() => {});
  early = { path, socket };
}
const { childMain } = await import('./child.ts');
await childMain(early);
