// The receiver's automatic credit window of a context stream (no `window` option):
// more than the initial 512 credits outstanding for small messages, about 1 MiB of
// payload outstanding for large ones; an explicit window stays fixed. Both contexts
// run in this process over a real Unix socket.
import { openNursery } from '../../src/core/index.ts';
import { connectUds, listenUds, openConnection, type Connection, type Dialog } from '../../src/ipc/index.ts';
import { Context } from '../../src/actor/context.ts';
import { autoWindow } from '../../src/actor/receive-window.ts';
import type { MsgStream, StreamOptions } from '../../src/actor/stream.ts';

const UID: [string, string] = ['t', '0'];

/**
 * A context over a fresh connection pair: the opener (client side) receives `n`
 * values made by `make(i)` from the callee (server side) through a stream opened
 * with `opts`, calling `onValue` after each one.
 */
async function receiveStream<T>(n: number, make: (i: number) => T, opts: StreamOptions, onValue: (i: number, v: T, rx: Dialog) => void): Promise<void> {
  const listener = await listenUds({ name: 'auto-window' });
  let client: Connection | undefined;
  let server: Connection | undefined;
  try {
    [client, server] = await Promise.all([
      connectUds((listener.address as { path: string }).path).then((t) => openConnection(t, { name: 'rx' })),
      listener.accept().then((t) => openConnection(t, { name: 'tx' })),
    ]);
    const srv = server;
    const incoming = new Promise<Dialog>((resolve) => (srv.onDialog = resolve));
    const rxDialog = client.openDialog();
    await rxDialog.send({ type: 'Start', ns: 'test', func: 'stream', value: [] }); // only a Start opens the dialog
    const rx = new Context('opener', rxDialog, UID, UID, 'test:stream');
    await openNursery(async (nursery) => {
      nursery.startSoon(async () => {
        const txDialog = await incoming;
        await txDialog.receive(); // the Start: the RPC server takes it before making the callee's context
        const tx = new Context('callee', txDialog, UID, UID, 'test:stream');
        await tx.started();
        await tx.openStream<T, void>(async (s: MsgStream<T>) => {
          for (let i = 0; i < n; i++) await s.send(make(i));
        });
        await tx.finish();
      });
      await rx.openStream<T, void>(async (s) => {
        for (let i = 0; i < n; i++) onValue(i, await s.receive(), rxDialog);
      }, opts);
      await rx.finish();
    });
  } finally {
    client?.close();
    server?.close();
    await listener.close();
  }
}

test('autoWindow: 512 before any message, up to 4096 for small payloads, about 1 MiB for large ones', () => {
  expect(autoWindow(0, 0)).toBe(512);
  expect(autoWindow(100, 300)).toBe(4096);
  expect(autoWindow(10, 10 * 256 * 1024)).toBe(4);
  expect(autoWindow(10, 10 * 1024)).toBe(1024);
  expect(autoWindow(1, 8 << 20)).toBe(1);
});

test('a stream of small messages gets more than 512 credits outstanding (default window)', async () => {
  let maxOutstanding = 0;
  await receiveStream(6000, (i) => i, {}, (i, v, d) => {
    expect(v).toBe(i);
    maxOutstanding = Math.max(maxOutstanding, d.outstanding);
  });
  expect(maxOutstanding).toBeGreaterThan(512);
  expect(maxOutstanding).toBeLessThanOrEqual(4096);
});

test('an explicit window stays fixed for small messages', async () => {
  let maxOutstanding = 0;
  await receiveStream(3000, (i) => i, { window: 512 }, (i, v, d) => {
    expect(v).toBe(i);
    maxOutstanding = Math.max(maxOutstanding, d.outstanding);
  });
  expect(maxOutstanding).toBe(512);
});

test('a stream of 256 KiB messages keeps outstanding credits within the 1 MiB budget after the initial window', async () => {
  const size = 256 * 1024;
  const n = 600;
  let maxAfterInitial = 0;
  await receiveStream(n, (i) => new Uint8Array(size).fill(i & 0xff), {}, (i, v, d) => {
    expect(v.length).toBe(size);
    expect(v[0]).toBe(i & 0xff);
    // the first 512 credits were granted before any size was known
    if (i >= 512) maxAfterInitial = Math.max(maxAfterInitial, d.outstanding);
  });
  expect(maxAfterInitial * size).toBeLessThanOrEqual(1 << 20);
}, 30_000);
