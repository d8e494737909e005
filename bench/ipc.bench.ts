// IPC bench: a Connection against raw framed msgpackr on the same kind of socket,
// and the MessagePort transport against raw postMessage, measured in one run.
// `npm run bench ipc`.
import { createConnection, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { MessageChannel, Worker, isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Unpackr } from 'msgpackr';
import { connectUds, listenUds, openConnection, PortTransport, type Connection, type Dialog } from '../src/ipc/index.ts';
import { costRow, measure, measurePair, printTable, rateRow, rawFrame, type Row } from './lib.ts';

const unpackr = new Unpackr({ useRecords: false });
const SMALL = { i: 1, s: 'hello', ok: true };

// ---- raw framed msgpackr over a socket ----

function rawReader(sock: Socket, onMsg: (v: unknown) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  let need = -1;
  let parts: Buffer[] = [];
  let have = 0;
  sock.on('data', (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (need < 0) {
        if (buf.length < 4) return;
        need = buf.readUInt32BE(0);
        buf = buf.subarray(4);
        parts = [];
        have = 0;
      }
      if (have + buf.length < need) {
        parts.push(buf);
        have += buf.length;
        buf = Buffer.alloc(0);
        return;
      }
      const take = need - have;
      parts.push(buf.subarray(0, take));
      buf = buf.subarray(take);
      const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts, need);
      need = -1;
      onMsg(unpackr.unpack(body));
    }
  });
}

async function rawPair(path: string): Promise<[Socket, Socket, () => Promise<void>]> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(path, r));
  const accepted = once(server, 'connection');
  const c = createConnection(path);
  await once(c, 'connect');
  const [s] = (await accepted) as [Socket];
  return [c, s, async () => { c.destroy(); s.destroy(); await new Promise((r) => server.close(r)); }];
}

// ---- Connections over UDS ----
async function connPair(): Promise<[Connection, Connection, () => Promise<void>]> {
  const l = await listenUds({ name: 'bench' });
  const [a, b] = await Promise.all([
    connectUds((l.address as { path: string }).path).then((t) => openConnection(t, { name: 'a', heartbeatMs: 0 })),
    l.accept().then((t) => openConnection(t, { name: 'b', heartbeatMs: 0 })),
  ]);
  return [a, b, async () => { a.close(); b.close(); await l.close(); }];
}

async function dialogPair(a: Connection, b: Connection): Promise<[Dialog, Dialog]> {
  const got = new Promise<Dialog>((r) => (b.onDialog = r));
  const da = a.openDialog();
  await da.send({ type: 'Start', ns: 'bench', func: 'pair', value: [] });
  const db = await got;
  await db.receive();
  return [da, db];
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const tmp = `/tmp/furrow-bench-${process.pid}.sock`;

  // 1. round trip of one small message
  {
    const RT = 5000;
    const [c, s, done] = await rawPair(tmp);
    let resolve: () => void = () => {};
    rawReader(s, (v) => s.write(rawFrame(v)));
    rawReader(c, () => resolve());
    const raw = await measure(RT, async () => {
      for (let i = 0; i < RT; i++) {
        const p = new Promise<void>((r) => (resolve = r));
        c.write(rawFrame(SMALL));
        await p;
      }
    });
    await done();
    const [a, b, close] = await connPair();
    const [da, db] = await dialogPair(a, b);
    const echo = (async () => {
      for (;;) {
        const m = await db.receive().catch(() => null);
        if (!m || m.type !== 'Yield') return;
        await db.send({ type: 'Yield', value: m.value });
      }
    })();
    const us = await measure(RT, async () => {
      for (let i = 0; i < RT; i++) {
        await da.send({ type: 'Yield', value: SMALL });
        await da.receive();
      }
    });
    await close();
    await echo;
    rows.push(costRow('round trip, small message, UDS', us, raw, 1.3));
  }

  // 2. one-way throughput of small messages; 3. of 1 MiB messages
  for (const [label, value, N, minShare] of [
    ['one-way small messages, UDS', SMALL, 200_000, 0.8],
    ['one-way 1 MiB messages, UDS', { data: Buffer.alloc(1 << 20, 1) }, 300, 0.9],
  ] as const) {
    // Both pairs stay open and the rounds alternate (see measurePair), so load
    // swings and heap growth do not favour whichever side runs first.
    const [c, s, done] = await rawPair(tmp);
    let got = 0;
    let resolve: () => void = () => {};
    rawReader(s, () => {
      if (++got === N) resolve();
    });
    const [a, b, close] = await connPair();
    const [da, db] = await dialogPair(a, b);
    const [raw, us] = await measurePair(
      N,
      async () => {
        got = 0;
        const p = new Promise<void>((r) => (resolve = r));
        // coalesced: frames built in one tick are written together
        let batch: Buffer[] = [];
        let bytes = 0;
        for (let i = 0; i < N; i++) {
          const f = rawFrame(value);
          batch.push(f);
          bytes += f.length;
          if (bytes >= 64 * 1024 || i === N - 1) {
            if (!c.write(batch.length === 1 ? batch[0] : Buffer.concat(batch, bytes))) await once(c, 'drain');
            batch = [];
            bytes = 0;
          }
        }
        await p;
      },
      async () => {
        const rx = (async () => {
          for (let i = 0; i < N; i++) await db.receive();
        })();
        for (let i = 0; i < N; i++) await da.send({ type: 'Yield', value });
        await rx;
      },
    );
    await done();
    await close();
    rows.push(rateRow(label, us, raw, minShare));
  }

  // 4. MessagePort: Connection over PortTransport vs raw postMessage, with a worker
  {
    const RT = 5000;
    const w1 = new Worker(new URL(import.meta.url), { workerData: { mode: 'raw' }, execArgv: ['--conditions=furrow-source'] });
    const [ready] = (await once(w1, 'message')) as [MessagePort];
    void ready;
    let resolve: () => void = () => {};
    w1.on('message', () => resolve());
    const raw = await measure(RT, async () => {
      for (let i = 0; i < RT; i++) {
        const p = new Promise<void>((r) => (resolve = r));
        w1.postMessage(SMALL);
        await p;
      }
    });
    await w1.terminate();
    const { port1, port2 } = new MessageChannel();
    const w2 = new Worker(new URL(import.meta.url), { workerData: { mode: 'conn', port: port2 }, transferList: [port2], execArgv: ['--conditions=furrow-source'] });
    const conn = await openConnection(new PortTransport(port1), { name: 'main' });
    const d = conn.openDialog();
    await d.send({ type: 'Start', ns: 'bench', func: 'echo', value: [] }); // only a Start opens a dialog
    const us = await measure(RT, async () => {
      for (let i = 0; i < RT; i++) {
        await d.send({ type: 'Yield', value: SMALL });
        await d.receive();
      }
    });
    conn.close();
    await once(w2, 'exit');
    rows.push(costRow('round trip, MessagePort to a worker', us, raw, 1.5));
  }

  printTable('ipc', rows);
}

async function workerMain(): Promise<void> {
  if (workerData.mode === 'raw') {
    parentPort!.on('message', (v) => parentPort!.postMessage(v));
    parentPort!.postMessage('ready');
    return;
  }
  const conn = await openConnection(new PortTransport(workerData.port as MessagePort), { name: 'worker' });
  conn.onDialog = async (d) => {
    for (;;) {
      const m = await d.receive().catch(() => null);
      if (!m) return;
      if (m.type === 'Yield') await d.send({ type: 'Yield', value: m.value });
    }
  };
  await conn.waitClosed();
}

if (isMainThread) await main();
else await workerMain();
