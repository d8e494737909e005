// Each transport with a real peer: UDS files, TCP on loopback, pipes on fds 3/4 to
// a child process, and a MessagePort to a worker thread.
import { existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { MessageChannel, Worker } from 'node:worker_threads';
import { openNursery } from '../../src/core/index.ts';
import {
  connectTcp,
  connectUds,
  listenTcp,
  listenUds,
  openConnection,
  frame,
  PortTransport,
  relayLines,
  runtimeDir,
  spawnWithPipes,
  TransportError,
} from '../../src/ipc/index.ts';
import { serveConnection } from './fixtures/serve.ts';
import { call, expectGone, fixtures, NODE, NODE_ARGS, reap } from './fixtures/helpers.ts';


describe('transports', () => {
  test('UDS: the socket file lives in the private runtime dir and is gone after close', async () => {
    const listener = await listenUds({ name: 'files' });
    const path = (listener.address as { path: string }).path;
    expect(path.startsWith(runtimeDir())).toBe(true);
    expect(statSync(runtimeDir()).mode & 0o777).toBe(0o700);
    expect(statSync(path).isSocket()).toBe(true);
    await openNursery(async (n) => {
      const [c, s] = await Promise.all([
        connectUds(path).then((t) => openConnection(t, { name: 'c' })),
        listener.accept().then((t) => openConnection(t, { name: 's' })),
      ]);
      n.startSoon(() => serveConnection(s, { echo: async (a) => a[0] }));
      expect(await call(c, 'echo', 'uds')).toBe('uds');
      c.close();
    });
    await listener.close();
    expect(existsSync(path)).toBe(false);
    await expect(connectUds(path)).rejects.toThrow(TransportError);
  });

  test('TCP binds to loopback unless told otherwise', async () => {
    const listener = await listenTcp();
    const addr = listener.address as { host: string; port: number };
    expect(addr.host).toBe('127.0.0.1');
    expect(addr.port).toBeGreaterThan(0);
    await openNursery(async (n) => {
      const [c, s] = await Promise.all([
        connectTcp('127.0.0.1', addr.port).then((t) => openConnection(t, { name: 'c' })),
        listener.accept().then((t) => openConnection(t, { name: 's' })),
      ]);
      n.startSoon(() => serveConnection(s, { echo: async (a) => a[0] }));
      expect(await call(c, 'echo', { tcp: true })).toEqual({ tcp: true });
      c.close();
    });
    await listener.close();
  });

  test('pipes on fds 3/4: frames flow, and the child stdout stays output, relayed with a prefix', async () => {
    const { child, transport } = spawnWithPipes(NODE, [...NODE_ARGS, fixtures + 'peer.ts', 'pipe'], { name: 'piper', relayOutput: false });
    const out = new PassThrough();
    let text = '';
    out.on('data', (b) => (text += b));
    relayLines(child.stdout!, '[piper] ', out);
    child.stderr!.resume();
    try {
      const conn = await openConnection(transport, { name: 'parent' });
      expect(conn.peer.name).toBe('peer-pipe');
      expect(conn.peer.pid).toBe(child.pid);
      // the child prints to stdout: that is output, never a frame
      expect(await call(conn, 'print', 'hello from the child\nsecond line')).toBe('printed');
      expect(await call(conn, 'echo', [1, 'two'])).toEqual([1, 'two']);
      const exited = once(child, 'exit');
      const ended = once(child.stdout!, 'end');
      conn.close();
      await exited;
      await ended;
      expect(text).toContain('[piper] hello from the child\n[piper] second line\n');
    } finally {
      await reap(child, 'SIGKILL');
    }
  });

  test('MessagePort: a worker thread served over a port; closing ends the worker', async () => {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./fixtures/worker.ts', import.meta.url), { workerData: { port: port2 }, transferList: [port2], execArgv: NODE_ARGS });
    const conn = await openConnection(new PortTransport(port1, { description: 'port:worker' }), { name: 'main' });
    expect(conn.peer.name).toBe('worker');
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    expect(Buffer.compare((await call(conn, 'echo', big)) as Buffer, big)).toBe(0);
    expect(await call(conn, 'threadId')).toBe(worker.threadId);
    const exited = once(worker, 'exit');
    conn.close();
    await exited;
  });

  test('MessagePort: a batch under 1 KiB is cloned, a larger one transferred; both arrive whole', async () => {
    const { port1, port2 } = new MessageChannel();
    const posted: { bytes: number; transferred: boolean }[] = [];
    const post = port1.postMessage.bind(port1);
    port1.postMessage = (value: unknown, transfer?: Parameters<typeof post>[1]) => {
      posted.push({ bytes: (value as ArrayBuffer).byteLength, transferred: Array.isArray(transfer) && transfer.length > 0 });
      post(value, transfer);
    };
    const sender = new PortTransport(port1);
    const receiver = new PortTransport(port2);
    const bodies: Buffer[] = [];
    let arrived: () => void = () => {};
    receiver.attach({ frame: (b) => (bodies.push(Buffer.from(b)), bodies.length === 2 && arrived()), closed: () => {} });
    sender.attach({ frame: () => {}, closed: () => {} });
    const all = new Promise<void>((r) => (arrived = r));
    sender.write(frame(Buffer.alloc(100, 1)));
    await new Promise<void>((r) => setImmediate(r)); // the first batch leaves at the end of its tick
    sender.write(frame(Buffer.alloc(4000, 2)));
    await all;
    expect(posted).toEqual([
      { bytes: 104, transferred: false },
      { bytes: 4004, transferred: true },
    ]);
    expect(bodies).toEqual([Buffer.alloc(100, 1), Buffer.alloc(4000, 2)]);
    sender.close();
    receiver.close();
  });

  test('a pipe peer that exits mid-dialog fails the dialog with TransportError', async () => {
    const { child, transport } = spawnWithPipes(NODE, [...NODE_ARGS, fixtures + 'peer.ts', 'pipe'], { name: 'dies' });
    try {
      const conn = await openConnection(transport, { name: 'parent' });
      const d = conn.openDialog();
      await d.send({ type: 'Start', ns: 't', func: 'forever', value: [] });
      await d.receive();
      const waiting = d.receive();
      child.kill('SIGKILL');
      await expect(waiting).rejects.toThrow(TransportError);
    } finally {
      await reap(child, 'SIGKILL');
    }
    expectGone(child.pid!);
  });
});
