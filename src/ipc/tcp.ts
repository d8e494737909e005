// TCP: for actors on several hosts. Binds to loopback unless an address is given;
// Nagle is off so that small frames are not held back.
import { createConnection, createServer, type Socket } from 'node:net';
import { suspend } from '../core/index.ts';
import { Listener } from './listener.ts';
import { connectSocket } from './uds.ts';
import { StreamTransport } from './stream-transport.ts';
import type { TransportOptions } from './transport.ts';

/** Listen on TCP. `host` defaults to `127.0.0.1` (never all interfaces unless asked); `port` 0 picks a free one. */
export async function listenTcp(opts: TransportOptions & { host?: string; port?: number } = {}): Promise<Listener> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer({ noDelay: true });
  await suspend<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const boundHost = typeof addr === 'object' && addr ? addr.address : host;
  const wrap = (s: Socket) => {
    s.setNoDelay(true);
    return new StreamTransport('tcp', `tcp:${s.remoteAddress}:${s.remotePort}`, { readable: s, writable: s }, opts);
  };
  return new Listener(server, { kind: 'tcp', host: boundHost, port }, wrap, () => {});
}

/** Connect over TCP. A checkpoint; fails with `TransportError` (code `'io'`). */
export async function connectTcp(host: string, port: number, opts: TransportOptions = {}): Promise<StreamTransport> {
  const s = await connectSocket(() => createConnection({ host, port, noDelay: true }), `tcp:${host}:${port}`);
  return new StreamTransport('tcp', `tcp:${host}:${port}`, { readable: s, writable: s }, opts);
}
