// Faults against a peer in another process: killed, stopped, and fuzzed.
import { createConnection, type Socket } from 'node:net';
import { once } from 'node:events';
import { moveOnAfter } from '../../src/core/index.ts';
import { connectUds, encodeFrame, encodePayload, frame, openConnection, TransportError } from '../../src/ipc/index.ts';
import { pack } from 'msgpackr';
import { call, reap, spawnUdsPeer } from './fixtures/helpers.ts';


describe('faults', () => {
  test('a peer killed with SIGKILL mid-dialog fails the waiting side with TransportError within a second', async () => {
    const { child, path } = await spawnUdsPeer();
    try {
      const conn = await openConnection(await connectUds(path), { name: 'killer', heartbeatMs: 0 });
      const d = conn.openDialog();
      await d.send({ type: 'Start', ns: 't', func: 'forever', value: [] });
      expect(await d.receive()).toMatchObject({ type: 'Started', value: 'waiting' });
      const waiting = d.receive();
      const t0 = performance.now();
      child.kill('SIGKILL');
      await expect(waiting).rejects.toThrow(TransportError);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(conn.closed).toBe(true);
    } finally {
      await reap(child, 'SIGKILL');
    }
  });

  test('a silent peer (SIGSTOP) is found by the heartbeat', async () => {
    const { child, path } = await spawnUdsPeer();
    try {
      const conn = await openConnection(await connectUds(path), { name: 'watcher', heartbeatMs: 100, heartbeatTimeoutMs: 300 });
      // alive and answering pings: the connection outlives several timeouts
      expect(await moveOnAfter(800, () => conn.waitClosed())).toBeUndefined();
      expect(conn.closed).toBe(false);
      const d = conn.openDialog();
      await d.send({ type: 'Start', ns: 't', func: 'forever', value: [] });
      await d.receive();
      const waiting = d.receive();
      const t0 = performance.now();
      child.kill('SIGSTOP');
      await expect(waiting).rejects.toMatchObject({ code: 'heartbeat' });
      const took = performance.now() - t0;
      expect(took).toBeGreaterThanOrEqual(250);
      expect(took).toBeLessThan(1500);
      expect(conn.error?.message).toMatch(/silent for \d+ ms/);
    } finally {
      await reap(child, 'SIGKILL');
    }
  });

  test('10,000 random, truncated, oversized and mistyped frames, then a normal request still succeeds', async () => {
    const { child, path } = await spawnUdsPeer();
    try {
      let seed = 12345;
      const rnd = (n: number) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      const bytes = (n: number) => Uint8Array.from({ length: n }, () => rnd(256));
      const aid = encodeFrame({ type: 'Aid', name: 'fuzz', uuid: 'fuzz-0', pid: 0, runtime: 'node', version: 1 });
      const valid = encodeFrame({ type: 'Return', cid: 1, pld: encodePayload({ a: [1, 2, 3], s: 'x'.repeat(40) }) });
      const shapes: unknown[] = [
        { type: 'Nope', cid: 1 },
        { type: 'Yield', cid: 'one', pld: new Uint8Array(1) },
        { type: 'Yield', cid: 1, pld: 'text' },
        { type: 'Error', cid: 1, error: { boxedType: 1 } },
        { type: 'Credit', cid: 1, n: -5 },
        [1, 2, 3],
        'just a string',
        { type: 'Aid', name: 'again', uuid: 'x', pid: 1, runtime: 'node', version: 1 },
        { type: 'Start', cid: 1, ns: 't', func: 'echo', pld: new Uint8Array(0), extra: new Array(50).fill(7) },
      ];
      // each case: the bytes one connection sends (one bad frame each)
      const cases: ((i: number) => Uint8Array)[] = [
        () => bytes(1 + rnd(64)), // random bytes, no handshake
        () => Buffer.concat([aid, bytes(1 + rnd(64))]), // random bytes after the handshake
        () => Buffer.concat([aid, frame(bytes(1 + rnd(200)))]), // a well-framed random body
        () => Buffer.concat([aid, valid.subarray(0, 4 + rnd(valid.length - 5))]), // a truncated frame
        () => Buffer.concat([aid, Uint8Array.of(0x04, 0, 0, 1), bytes(16)]), // oversized (64 MiB + 1)
        () => Buffer.concat([aid, Uint8Array.of(0xff, 0xff, 0xff, 0xff)]), // oversized (4 GiB)
        () => Buffer.concat([aid, frame(pack(shapes[rnd(shapes.length)]))]), // msgpack, wrong shape
        () => frame(pack({ type: 'Stop', cid: 1 })), // no Aid first
        () => Buffer.concat([aid, frame(Uint8Array.of(0xc1))]), // never-used byte
      ];
      const CONNECTIONS = 4000;
      let closedByServer = 0;
      const one = async (i: number) => {
        const s: Socket = createConnection(path);
        s.on('error', () => {});
        s.resume();
        await once(s, 'connect');
        const closed = once(s, 'close');
        s.end(cases[i % cases.length]!(i));
        await closed;
        closedByServer++;
      };
      for (let i = 0; i < CONNECTIONS; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => one(i + k)));
      expect(closedByServer).toBe(CONNECTIONS);

      // 6,000 more bad frames that fail a dialog but not the connection: bad payloads
      const conn = await openConnection(await connectUds(path), { name: 'fuzz-dialogs', heartbeatMs: 0 });
      const DIALOG_FRAMES = 6000;
      const errors: Promise<string>[] = [];
      for (let i = 0; i < DIALOG_FRAMES; i++) {
        const d = conn.openDialog();
        const bad = i % 3 === 0 ? Uint8Array.of(0xc1) : i % 3 === 1 ? bytes(1 + rnd(8)).fill(0xdc, 0, 1) : Uint8Array.of(0x93, 1);
        conn._write(encodeFrame({ type: 'Start', cid: d.cid, ns: 't', func: 'echo', pld: bad }));
        errors.push(d.receive().then((m) => (d.close(), m.type === 'Error' ? m.error.boxedType : m.type)));
      }
      const kinds = new Set(await Promise.all(errors));
      expect(kinds).toEqual(new Set(['MsgTypeError']));
      expect(conn.closed).toBe(false);

      // and the server is still there, serving normally
      expect(await call(conn, 'echo', { after: 'fuzz' })).toEqual({ after: 'fuzz' });
      const stats = (await call(conn, 'stats')) as { connections: number; failures: Record<string, number>; pid: number };
      expect(stats.pid).toBe(child.pid);
      expect(stats.connections).toBe(CONNECTIONS + 1);
      const failed = Object.values(stats.failures).reduce((a, b) => a + b, 0);
      expect(failed).toBe(CONNECTIONS);
      for (const code of ['malformed', 'oversized', 'handshake', 'dropped']) expect(stats.failures[code]).toBeGreaterThan(0);
      conn.close();
    } finally {
      await reap(child, 'SIGTERM');
    }
  }, 60_000);
});
