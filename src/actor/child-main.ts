// The entry a child actor runs (a child process or a worker thread). It says hello
// to its parent at once (connects back and sends its `Aid`, hand-encoded, or posts
// it on the worker's port; a parent on another host is reached over TLS-PSK) so
// that the parent's half of the handshake and its SpawnSpec overlap with this child
// importing the runtime; then it turns on the module compile cache
// (NODE_COMPILE_CACHE if set, else Node's default directory) and imports and starts the runtime in child.ts, after which a user's module
// importing `furrow` gets this build without a package lookup (resolve-self.ts).
// Built-in modules are taken with process.getBuiltinModule, which skips the ESM
// facade an `import` builds, and node:worker_threads only in a thread: every
// millisecond here is paid by each actor's start-up.
import type { Socket } from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import { encodeHelloFrame } from '../ipc/hello.ts';
import { resolveFurrowToThisBuild } from './resolve-self.ts';
import type { EarlyLink } from './child.ts';
import { ignore } from '../core/ignore.ts';

const boot = JSON.parse(process.argv[2] ?? '{}') as {
  name: string;
  uuid: string;
  parentAddr: { kind: 'uds'; path: string } | { kind: 'tcp'; host: string; port: number };
  thread?: boolean;
};
const hello = encodeHelloFrame({ name: boot.name, uuid: boot.uuid });
let early: EarlyLink;
let childTables: SharedArrayBuffer[] | undefined;
if (boot.thread) {
  const data = process.getBuiltinModule('node:worker_threads').workerData as { furrowPort: MessagePort; furrowChildTables: SharedArrayBuffer[] };
  const port = data.furrowPort;
  childTables = data.furrowChildTables;
  port.postMessage(hello.buffer, [hello.buffer as ArrayBuffer]);
  early = { port };
} else if (boot.parentAddr.kind === 'tcp') {
  // a parent on another host (started by a host agent): an authenticated link with the
  // key file the agent names; no start-up race to win here, the network is slower
  const { connectTlsPsk } = await import('../ipc/tls-psk.ts');
  const { readPskFile } = await import('../ipc/psk-file.ts');
  const transport = await connectTlsPsk(boot.parentAddr.host, boot.parentAddr.port, readPskFile());
  transport.write(hello);
  early = { transport };
} else {
  const path = boot.parentAddr.path;
  const s = process.getBuiltinModule('node:net').createConnection(path);
  // written once connected; the socket stays paused (nothing read) until the runtime takes it
  s.write(hello);
  const socket = new Promise<Socket>((resolve, reject) => {
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
  });
  // The hello leaves only when this thread sees the connect complete, and importing
  // the runtime blocks it: wait for that first (one turn of the loop), or the parent
  // would get the hello after the import instead of during it.
  await socket.catch(ignore('a failed connect is reported by the runtime, which awaits this socket again'));
  early = { path, socket };
}
process.getBuiltinModule('node:module').enableCompileCache?.();
const { childMain } = await import('./child.ts');
if (childTables) (await import('./spawn/thread-children.ts')).useThreadChildTables(childTables);
// from here on only the user's modules are imported: their `furrow` is this build
resolveFurrowToThisBuild(import.meta.url);
await childMain(early);
