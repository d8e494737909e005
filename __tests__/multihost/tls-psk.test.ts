// Authenticated links between hosts: TLS-PSK over real TCP sockets. The right key
// carries calls; a wrong key, a missing key (plain TCP) or a bad credential is refused
// with a clear error and no call is ever served.
import { randomBytes } from 'node:crypto';
import { connect as rawConnect, createServer } from 'node:net';
import { once } from 'node:events';
import { openNursery } from '../../src/core/index.ts';
import { connectTcp, connectTlsPsk, listenTlsPsk, openConnection, TransportError } from '../../src/ipc/index.ts';
import { serveConnection } from '../ipc/fixtures/serve.ts';
import { call } from '../ipc/fixtures/helpers.ts';

const cred = { identity: 'cluster-a', key: randomBytes(32) };

describe('TLS-PSK links', () => {
  test('the right key carries calls, and the bytes on the wire are not the plaintext', async () => {
    const listener = await listenTlsPsk(cred);
    const { port } = listener.address as { port: number };
    // a relay between the two ends records every byte the client sends
    const wire: Buffer[] = [];
    const relay = createServer((inbound) => {
      const out = rawConnect(port, '127.0.0.1');
      inbound.on('data', (b) => wire.push(b));
      inbound.pipe(out).pipe(inbound);
      inbound.on('close', () => out.destroy());
      out.on('close', () => inbound.destroy());
    });
    relay.listen(0, '127.0.0.1');
    await once(relay, 'listening');
    const relayPort = (relay.address() as { port: number }).port;
    await openNursery(async (n) => {
      const [c, s] = await Promise.all([
        connectTlsPsk('127.0.0.1', relayPort, cred).then((t) => openConnection(t, { name: 'c' })),
        listener.accept().then((t) => openConnection(t, { name: 's' })),
      ]);
      n.startSoon(() => serveConnection(s, { echo: async (a) => a[0] }));
      expect(await call(c, 'echo', { secret: 'plaintext-marker' })).toEqual({ secret: 'plaintext-marker' });
      c.close();
    });
    await listener.close();
    relay.close();
    const seen = Buffer.concat(wire);
    expect(seen.length).toBeGreaterThan(100);
    expect(seen.includes('plaintext-marker')).toBe(false);
    expect(seen.includes('echo')).toBe(false);
  });

  test('a wrong key is refused with a handshake error and nothing is served', async () => {
    const listener = await listenTlsPsk(cred);
    const { port } = listener.address as { port: number };
    let served = 0;
    listener.onTransport = (t) => {
      void openConnection(t, { name: 's' }).then(
        (s) => serveConnection(s, { echo: async (a) => (served++, a[0]) }),
        () => undefined, // the refused peer's handshake fails on this side too
      );
    };
    const err = await connectTlsPsk('127.0.0.1', port, { identity: 'cluster-a', key: randomBytes(32) }).catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe('handshake');
    expect(err.message).toMatch(/TLS-PSK handshake failed/);
    const err2 = await connectTlsPsk('127.0.0.1', port, { identity: 'someone-else', key: cred.key }).catch((e) => e);
    expect(err2.code).toBe('handshake');
    expect(served).toBe(0);
    await listener.close();
  });

  test('a plain TCP peer (no key) gets no handshake: its frames are never read as frames', async () => {
    const listener = await listenTlsPsk(cred);
    const { port } = listener.address as { port: number };
    const accepted = listener.accept().then((t) => openConnection(t, { name: 's' }));
    const plain = connectTcp('127.0.0.1', port).then((t) => openConnection(t, { name: 'c' }));
    await expect(accepted).rejects.toThrow(TransportError);
    await expect(plain).rejects.toThrow(TransportError);
    await listener.close();
  });

  test('a plain TLS-PSK client against a plain TCP server fails as a handshake error', async () => {
    const server = createServer((s) => s.end('not tls at all\n'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const err = await connectTlsPsk('127.0.0.1', port, cred).catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe('handshake');
    server.close();
  });

  test('bad credentials are refused before any socket is opened', async () => {
    await expect(listenTlsPsk({ identity: 'x', key: randomBytes(8) })).rejects.toThrow(/at least 32 bytes/);
    await expect(connectTlsPsk('127.0.0.1', 1, { identity: '', key: randomBytes(32) })).rejects.toThrow(/identity/);
  });

  test('an unreachable host is an io error, not a handshake error', async () => {
    const s = createServer();
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    const { port } = s.address() as { port: number };
    await new Promise((r) => s.close(r));
    const err = await connectTlsPsk('127.0.0.1', port, cred).catch((e) => e);
    expect(err.code).toBe('io');
  });
});
