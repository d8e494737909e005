// Connection and dialogs over real Unix sockets, both ends in this process.
import { cancellable, openNursery, moveOnAfter, sleep } from '../../src/core/index.ts';
import {
  connectUds,
  listenUds,
  openConnection,
  encodeFrame,
  boxLocalError,
  TransportError,
  MsgTypeError,
  type Connection,
  type Dialog,
  type Listener,
} from '../../src/ipc/index.ts';
import { createConnection, type Socket } from 'node:net';
import { StreamTransport } from '../../src/ipc/index.ts';
import { serveConnection, type Handler } from './fixtures/serve.ts';
import { call } from './fixtures/helpers.ts';

const handlers: Record<string, Handler> = {
  echo: async (args) => args[0],
  stream: async (args, d) => {
    await d.send({ type: 'Started', value: null });
    for (let i = 0; i < (args[0] as number); i++) await d.send({ type: 'Yield', value: i });
    await d.send({ type: 'Stop' });
    return 'done';
  },
};

/** A listener plus a connected client; the server side is served with `handlers`. */
async function pair(body: (client: Connection, server: Connection, listener: Listener) => Promise<void>, opts: { server?: Record<string, Handler> } = {}): Promise<void> {
  const listener = await listenUds({ name: 'conn-test' });
  try {
    await openNursery(async (n) => {
      const [client, server] = await Promise.all([
        connectUds((listener.address as { path: string }).path).then((t) => openConnection(t, { name: 'client' })),
        listener.accept().then((t) => openConnection(t, { name: 'server' })),
      ]);
      n.startSoon(() => serveConnection(server, opts.server ?? handlers));
      try {
        await body(client, server, listener);
      } finally {
        client.close();
        server.close();
      }
    });
  } finally {
    await listener.close();
  }
}


describe('Connection', () => {
  test('handshake exchanges Aids, and a call round-trips values', async () => {
    await pair(async (client, server) => {
      expect(client.peer.name).toBe('server');
      expect(server.peer.name).toBe('client');
      expect(client.peer.pid).toBe(process.pid);
      const v = { s: 'x', n: -1.5, big: 2n ** 60n, bin: Buffer.from([0, 255]), list: [1, [2, { k: null }]] };
      expect(await call(client, 'echo', v)).toEqual(v);
      // dialogs the peer opens get cids of the other parity
      const d = client.openDialog();
      expect(d.cid % 2).toBe(client.local.uuid < client.peer.uuid ? 1 : 0);
      d.close();
    });
  });

  test('an undecodable payload fails that dialog only; the next dialog works', async () => {
    await pair(async (client) => {
      const d = client.openDialog();
      // a Start whose payload is not msgpack (0xc1 is never used)
      client._write(encodeFrame({ type: 'Start', cid: d.cid, ns: 'test', func: 'echo', pld: Uint8Array.of(0xc1) }));
      const m = await d.receive();
      expect(m.type).toBe('Error');
      expect(m.type === 'Error' && m.error.boxedType).toBe('MsgTypeError');
      d.close();
      expect(await call(client, 'echo', 'still fine')).toBe('still fine');

      // the same on the receiving end of a payload: the receive throws MsgTypeError
      const d2 = client.openDialog();
      await d2.send({ type: 'Start', ns: 'test', func: 'echo', value: [1] });
      const ret = await d2.receive();
      expect(ret.type).toBe('Return');
      d2.close();
      expect(client.closed).toBe(false);
    });
  });

  test('a receiver that cannot decode a Yield fails with MsgTypeError and tells the peer', async () => {
    const srv: Record<string, Handler> = {
      bad: async (_a, d, conn) => {
        conn._write(encodeFrame({ type: 'Yield', cid: d.cid, pld: Uint8Array.of(0x92, 0x01) })); // truncated array
        const m = await d.receive();
        return m.type === 'Error' ? m.error.boxedType : m.type;
      },
    };
    await pair(async (client) => {
      const d = client.openDialog();
      await d.send({ type: 'Start', ns: 't', func: 'bad', value: [] });
      await expect(d.receive()).rejects.toThrow(MsgTypeError);
      await expect(d.receive()).rejects.toThrow(MsgTypeError);
      d.close();
      expect(await call(client, 'echo', 2)).toBe(2);
    }, { server: { ...handlers, ...srv } });
  });

  test('100 dialogs interleaved on one connection each get their own messages', async () => {
    await pair(async (client) => {
      const results = await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const d = client.openDialog();
          await d.send({ type: 'Start', ns: 't', func: 'stream', value: [20 + (i % 7)] });
          const got: unknown[] = [];
          for (;;) {
            const m = await d.receive();
            if (m.type === 'Yield') got.push(m.value);
            if (m.type === 'Return') break;
          }
          d.close();
          return got;
        }),
      );
      results.forEach((got, i) => expect(got).toEqual(Array.from({ length: 20 + (i % 7) }, (_, k) => k)));
      expect(client.dialogCount).toBe(0);
    });
  });

  // copyBatches: small frames are copied together (a writev carries a few large
  // pieces), or handed over as they are in one corked writev (a TLS socket's way)
  test.each([
    { copyBatches: true, batchBytes: 64 * 1024 },
    { copyBatches: false, batchBytes: 16 * 1024 },
  ])('frames queued in one tick go out in few writes and keep their order (copyBatches $copyBatches, batchBytes $batchBytes)', async (batching) => {
    const listener = await listenUds({ name: 'coalesce' });
    try {
      const sock = await new Promise<Socket>((resolve) => {
        const s = createConnection((listener.address as { path: string }).path, () => resolve(s));
      });
      // count what reaches the OS: net.Socket's _write / _writev (one per syscall batch),
      // and the most pieces one of them carried
      let writes = 0;
      let pieces = 0;
      const raw = sock as unknown as Record<'_write' | '_writev', (...a: unknown[]) => unknown>;
      for (const k of ['_write', '_writev'] as const) {
        const orig = raw[k]!.bind(sock);
        raw[k] = (...a: unknown[]) => {
          writes++;
          pieces = Math.max(pieces, k === '_writev' ? (a[0] as unknown[]).length : 1);
          return orig(...a);
        };
      }
      const [client, server] = await Promise.all([
        openConnection(new StreamTransport('uds', 'test', { readable: sock, writable: sock }, batching), { name: 'c' }),
        listener.accept().then((t) => openConnection(t, { name: 's' })),
      ]);
      const rx = new Promise<Dialog>((resolve) => (server.onDialog = resolve));
      const d = client.openDialog();
      const N = 10_000;
      writes = 0;
      void d.send({ type: 'Start', ns: 'test', func: 'stream', value: [] }); // only a Start opens a dialog
      for (let i = 0; i < N; i++) void d.send({ type: 'Yield', value: i });
      const sd = await rx;
      expect((await sd.receive()).type).toBe('Start');
      for (let i = 0; i < N; i++) {
        const m = await sd.receive();
        if (!(m.type === 'Yield' && m.value === i)) throw new Error(`message ${i} out of order: ${JSON.stringify(m)}`);
      }
      expect(writes).toBeGreaterThan(0);
      expect(writes).toBeLessThan(40);
      // 10,000 frames of ~25 bytes: copied into a few pieces, or a writev of hundreds
      if (batching.copyBatches) expect(pieces).toBeLessThan(10);
      else expect(pieces).toBeGreaterThan(100);
      client.close();
      server.close();
    } finally {
      await listener.close();
    }
  });

  test('a dropped connection fails every waiting dialog at once; send then throws TransportError', async () => {
    await pair(async (client, server) => {
      const ds = Array.from({ length: 10 }, () => client.openDialog());
      await Promise.all(ds.map((d) => d.send({ type: 'Start', ns: 't', func: 'stream', value: [0] })));
      const waits = ds.map((d) => d.receive().then(() => d.receive()).then(() => d.receive()).then(() => d.receive()));
      server.transport.destroy();
      for (const w of waits) await expect(w).rejects.toThrow(TransportError);
      const d = ds[0]!;
      await expect(d.send({ type: 'Stop' })).rejects.toThrow(TransportError);
      expect(() => client.openDialog()).toThrow(TransportError);
    });
  });

  test('credit window: the sender waits when the window is spent and goes on as the receiver takes', async () => {
    await pair(async (client, server) => {
      const rx = new Promise<Dialog>((resolve) => (server.onDialog = resolve));
      const d = client.openDialog();
      d.limitSends();
      await d.send({ type: 'Start', ns: 't', func: 'none', value: [] });
      const sd = await rx;
      await sd.receive();
      sd.setReceiveWindow(4);
      let sent = 0;
      const sender = (async () => {
        for (let i = 0; i < 20; i++) {
          await d.send({ type: 'Yield', value: i });
          sent++;
        }
      })();
      await moveOnAfter(200, () => cancellable(sender));
      expect(sent).toBe(4);
      expect(sd.pending).toBe(4);
      for (let i = 0; i < 20; i++) {
        const m = await sd.receive();
        expect(m.type === 'Yield' && m.value).toBe(i);
      }
      await sender;
      expect(sent).toBe(20);
      d.close();
      sd.close();
    }, { server: {} });
  });

  test('a Cancel reaches onCancel at once even when the dialog buffer is full', async () => {
    await pair(async (client, server) => {
      const rx = new Promise<Dialog>((resolve) => (server.onDialog = resolve));
      const d = client.openDialog();
      void d.send({ type: 'Start', ns: 'test', func: 'stream', value: [] });
      for (let i = 0; i < 1000; i++) void d.send({ type: 'Yield', value: i });
      const sd = await rx;
      const got = new Promise((resolve) => (sd.onCancel = resolve));
      await d.send({ type: 'Cancel', canceller: client.localUid, reason: 'test' });
      expect(await got).toMatchObject({ type: 'Cancel', canceller: client.localUid, reason: 'test' });
      expect(sd.pending).toBe(1001); // the Start and the 1000 Yields
      d.close();
      sd.close();
    }, { server: {} });
  });

  test('only a Start opens a dialog: another record with a new cid is dropped and uses up no cid', async () => {
    await pair(async (client, server) => {
      const rx = new Promise<Dialog>((resolve) => (server.onDialog = resolve));
      const d = client.openDialog();
      await d.send({ type: 'Yield', value: 'stray' }); // no Start first
      await d.send({ type: 'Start', ns: 'test', func: 'f', value: [] }); // the same cid, now opened properly
      await d.send({ type: 'Yield', value: 'after' });
      const sd = await rx;
      expect(sd.cid).toBe(d.cid);
      expect((await sd.receive()).type).toBe('Start');
      expect(await sd.receive()).toMatchObject({ type: 'Yield', value: 'after' });
      expect(server.stats.lateDropped).toBe(1);
      d.close();
      sd.close();
    }, { server: {} });
  });

  test("a peer that refuses the handshake with an Error: its reason is what the other side reports", async () => {
    const listener = await listenUds({ name: 'hs-refused' });
    try {
      const raw = await connectUds((listener.address as { path: string }).path);
      const accepted = await listener.accept();
      raw.attach({ frame: () => {}, closed: () => {} });
      const refusal = new TransportError('handshake', "the 'msgpack' package is missing");
      raw.write(encodeFrame({ type: 'Error', cid: null, error: boxLocalError(refusal, ['py', 'u-1']) }));
      await expect(openConnection(accepted, { name: 's' })).rejects.toThrow(/handshake refused by the peer: TransportError: the 'msgpack' package is missing/);
      raw.destroy();
    } finally {
      await listener.close();
    }
  });

  test('a late handshake and an invalid handshake fail with TransportError', async () => {
    const listener = await listenUds({ name: 'hs' });
    const path = (listener.address as { path: string }).path;
    try {
      // the peer connects but never sends its Aid
      const raw = await connectUds(path);
      const accepted = await listener.accept();
      await expect(openConnection(accepted, { name: 's', handshakeTimeoutMs: 100 })).rejects.toMatchObject({ code: 'handshake' });
      raw.destroy();
      // the peer's first frame is not an Aid
      const raw2 = await connectUds(path);
      const accepted2 = await listener.accept();
      raw2.attach({ frame: () => {}, closed: () => {} });
      raw2.write(encodeFrame({ type: 'Stop', cid: 1 }));
      await expect(openConnection(accepted2, { name: 's' })).rejects.toThrow(/first frame was 'Stop'/);
      raw2.destroy();
    } finally {
      await listener.close();
    }
  });

  test('an oversized frame closes that connection only; others keep working', async () => {
    const listener = await listenUds({ name: 'cap', maxFrameBytes: 1024 });
    const path = (listener.address as { path: string }).path;
    try {
      await openNursery(async (n) => {
        const servers: Connection[] = [];
        n.startSoon(async () => {
          for (;;) {
            const c = await openConnection(await listener.accept(), { name: 'srv' });
            servers.push(c);
            n.startSoon(() => serveConnection(c, handlers));
          }
        });
        const a = await openConnection(await connectUds(path), { name: 'a' });
        const b = await openConnection(await connectUds(path), { name: 'b' });
        const d = a.openDialog();
        await d.send({ type: 'Start', ns: 't', func: 'echo', value: ['x'.repeat(2000)] });
        await expect(d.receive()).rejects.toThrow(TransportError);
        await moveOnAfter(1000, async () => { while (!servers.some((s) => s.error?.code === 'oversized')) await sleep(5); });
        expect(servers.find((s) => s.error)?.error?.message).toMatch(/frame of \d+ bytes refused: the cap is 1024 bytes/);
        expect(await call(b, 'echo', 'ok')).toBe('ok');
        a.close();
        b.close();
        n.cancel();
      });
    } finally {
      await listener.close();
    }
  });
});

