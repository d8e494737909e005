// TCP: for actors on several hosts. Binds to loopback unless an address is given;
// Nagle is off so that small frames are not held back.
import { createConnection, createServer, type Socket } from 'node:net';
import { suspend } from '../core/index.ts';
import { Listener } from './listener.ts';
import { connectSocket } from './uds.ts';
import { StreamTransport } from './stream-transport.ts';
import type { TransportOptions } from './transport.ts';

/** Listen on TCP. `host` defaults to `127.0.0.1` (never all interfaces unless asked); `port` 0 picks a free one. */
export function listenTcp(opts: TransportOptions & { host?: string; port?: number } = {}): Promise<Listener> {
  return listenTcpSockets(opts, (s) => new StreamTransport('tcp', `tcp:${s.remoteAddress}:${s.remotePort}`, { readable: s, writable: s }, opts));
}

/**
 * @internal Bind a TCP server (loopback unless `host` is given) and make each accepted
 * socket, Nagle off, a transport with `wrap`: plain TCP here, TLS-PSK in tls-psk.ts.
 */
export async function listenTcpSockets(opts: { host?: string; port?: number }, wrap: (s: Socket) => StreamTransport): Promise<Listener> {
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
  const accept = (s: Socket): StreamTransport => {
    s.setNoDelay(true);
    return wrap(s);
  };
  return new Listener(server, { kind: 'tcp', host: boundHost, port }, accept, () => {});
}

/** Connect over TCP. A checkpoint; fails with `TransportError` (code `'io'`). */
export async function connectTcp(host: string, port: number, opts: TransportOptions = {}): Promise<StreamTransport> {
  const s = await connectSocket(() => createConnection({ host, port, noDelay: true }), `tcp:${host}:${port}`);
  return new StreamTransport('tcp', `tcp:${host}:${port}`, { readable: s, writable: s }, opts);
}
