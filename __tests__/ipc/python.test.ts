// A Python peer (system python3 + Debian's python3-msgpack), written from
// docs/protocol.md alone, talks to the Node side over fd 3/4 pipes.
import { once } from 'node:events';
import { openNursery } from '../../src/core/index.ts';
import { openConnection, spawnWithPipes, type Connection, type DialogIn } from '../../src/ipc/index.ts';
import { serveConnection } from './fixtures/serve.ts';
import { fixtures, reap } from './fixtures/helpers.ts';

const PYTHON = '/usr/bin/python3';

async function dialog(conn: Connection, func: string, args: unknown[]): Promise<DialogIn[]> {
  const d = conn.openDialog();
  const got: DialogIn[] = [];
  try {
    await d.send({ type: 'Start', ns: 'py', func, value: args });
    for (;;) {
      const m = await d.receive();
      got.push(m);
      if (m.type === 'Return' || m.type === 'Error') return got;
    }
  } finally {
    d.close();
  }
}

test('a Python peer decodes Node frames and answers with frames Node accepts', async () => {
  const { child, transport } = spawnWithPipes(PYTHON, [fixtures + 'py_peer.py'], { name: 'py' });
  try {
    await openNursery(async (n) => {
      const conn = await openConnection(transport, { name: 'node-root', heartbeatMs: 50 });
      n.startSoon(() => serveConnection(conn, { echo: async (a) => a[0] }));
      expect(conn.peer).toMatchObject({ type: 'Aid', name: 'py-peer', runtime: 'python', version: 1, pid: child.pid });

      const value = {
        s: 'héllo ✓',
        ints: [0, -1, 127, 128, 65536, 2 ** 31, -(2 ** 31), 2n ** 60n, -(2n ** 60n)],
        f: 1.5,
        bin: Buffer.from([0, 1, 254, 255]),
        nested: { a: [null, true, false], b: {} },
      };
      const echo = await dialog(conn, 'echo', [value]);
      expect(echo.map((m) => m.type)).toEqual(['StartAck', 'Return']);
      expect((echo[1] as { value: unknown }).value).toEqual(value);

      const add = await dialog(conn, 'add', [1, 2, 3.5]);
      expect(add.at(-1)).toMatchObject({ type: 'Return', value: 6.5 });

      const stream = await dialog(conn, 'stream', [50]);
      expect(stream.map((m) => m.type)).toEqual(['StartAck', 'Started', ...Array(50).fill('Yield'), 'Stop', 'Return']);
      expect(stream.filter((m) => m.type === 'Yield').map((m) => (m as { value: unknown }).value)).toEqual(
        Array.from({ length: 50 }, (_, i) => ({ i, sq: i * i })),
      );

      const fail = (await dialog(conn, 'fail', ['bad input'])).at(-1)!;
      expect(fail.type).toBe('Error');
      const err = fail.type === 'Error' ? fail.error : null;
      expect(err).toMatchObject({ boxedType: 'ValueError', message: 'bad input', srcUid: ['py-peer', conn.peer.uuid], relayPath: [] });
      expect(err!.stack).toMatch(/Traceback[\s\S]*ValueError: bad input/);
      expect(err!.cause).toMatchObject({ boxedType: 'KeyError' });

      // cancel: Started, then Cancel, then CancelAck and a ContextCancelled error
      const d = conn.openDialog();
      await d.send({ type: 'Start', ns: 'py', func: 'forever', value: [] });
      expect((await d.receive()).type).toBe('StartAck');
      expect(await d.receive()).toMatchObject({ type: 'Started', value: 'waiting' });
      await d.send({ type: 'Cancel', canceller: conn.localUid, reason: 'test over' });
      expect(await d.receive()).toMatchObject({ type: 'CancelAck', ok: true });
      const cc = await d.receive();
      expect(cc).toMatchObject({ type: 'Error', error: { boxedType: 'ContextCancelled', canceller: conn.localUid } });
      d.close();

      // the Python side opens a dialog of its own (its parity) to our echo
      const ask = await dialog(conn, 'ask_node', [{ from: 'py' }]);
      expect(ask.at(-1)).toMatchObject({ type: 'Return', value: { 'node said': { from: 'py' } } });

      // our heartbeat pings reached Python and its pongs kept the connection alive
      const pings = (await dialog(conn, 'pings', [])).at(-1) as { value: number };
      expect(pings.value).toBeGreaterThanOrEqual(0);
      expect(conn.closed).toBe(false);

      const exited = once(child, 'exit');
      conn.close();
      const [code] = await exited;
      expect(code).toBe(0);
      n.cancel();
    });
  } finally {
    await reap(child, 'SIGKILL');
  }
});
