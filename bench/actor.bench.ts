// Actor benches (issue 4, section 3), each against a raw Node baseline measured in
// this same run (spawn-to-ready is in spawn.dist.bench.ts): RPC round trip vs raw
// msgpackr ping-pong over a UDS, stream throughput vs raw framed msgpackr over a
// UDS (small and 1 MiB messages, then payloads from 16 B to 1 MiB with the default
// window), and absolute teardown times (2x2x2 tree after a
// leaf error, 25 failing children collected). The module enables itself for its
// actors; `main` is not awaited at the top level (see docs/actors.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Packr, Unpackr } from 'msgpackr';
import { context, findActor, openActorNursery, openNursery, sleepForever, type Portal } from '../src/index.ts';
import { costRow, median, printTable, rateRow, rawServer, type Row } from './lib.ts';

const ME = fileURLToPath(import.meta.url);
const FIXTURE = fileURLToPath(new URL('../__tests__/actor/fixtures/basic.ts', import.meta.url));
const MSGPACKR = import.meta.resolve('msgpackr');
const SMALL_N = 50_000;
const BIG_N = 200;
const BIG = 1024 * 1024;
const RTT_N = 2000;

/** In an actor: a trivial function for the round trip. */
export async function ping(x: number): Promise<number> {
  return x;
}

/** In an actor: stream `n` small messages, or `n` messages of `bytes` bytes. */
export const blast = context(async (ctx, n: number, bytes: number) => {
  await ctx.started();
  const big = bytes > 0 ? new Uint8Array(bytes) : null;
  await ctx.openStream(async (stream) => {
    for (let i = 0; i < n; i++) await stream.send(big ?? { i });
  });
});

// ---- raw baselines (plain .mjs children, no furrow) ----

const dir = mkdtempSync(join(tmpdir(), 'furrow-bench-'));
// the raw peers end by running out of work, not by process.exit(): Node 24 can deadlock in
// process.exit() while a background compile job waits for a main-thread GC (nodejs/node#54918)
const RAW_PEER = join(dir, 'peer.mjs');
writeFileSync(
  RAW_PEER,
  `import { createConnection } from 'node:net';
import { Packr, Unpackr } from '${MSGPACKR}';
const packr = new Packr({ useRecords: false }), unpackr = new Unpackr({ useRecords: false });
const [path, mode, n, bytes] = [process.argv[2], process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
const frame = (v) => { const b = packr.pack(v); const f = Buffer.allocUnsafe(4 + b.length); f.writeUInt32BE(b.length, 0); b.copy(f, 4); return f; };
const s = createConnection(path, async () => {
  if (mode === 'echo') {
    let buf = Buffer.alloc(0);
    s.on('data', (d) => { buf = Buffer.concat([buf, d]); while (buf.length >= 4) { const len = buf.readUInt32BE(0); if (buf.length < 4 + len) break; const v = unpackr.unpack(buf.subarray(4, 4 + len)); buf = buf.subarray(4 + len); s.write(frame(v)); } });
  } else {
    await new Promise((r) => s.once('data', r));
    const big = bytes > 0 ? new Uint8Array(bytes) : null;
    // small records go 256 to a write; byte payloads are coalesced up to 64 KiB a write (a 1 MiB one goes alone)
    let batch = [], size = 0;
    for (let i = 0; i < n; i++) {
      const f = frame(big ?? { i });
      batch.push(f);
      size += f.length;
      if ((big ? size >= 65536 : batch.length === 256) || i === n - 1) { if (!s.write(batch.length === 1 ? batch[0] : Buffer.concat(batch))) await new Promise((r) => s.once('drain', r)); batch = []; size = 0; }
    }
  }
});
s.on('error', () => s.destroy());
`,
);

let sockN = 0;

async function stopRaw(child: ChildProcess, sock: Socket): Promise<void> {
  const exited = once(child, 'exit');
  sock.end();
  await exited;
}

async function rawPeer(mode: string, n = 0, bytes = 0): Promise<{ sock: Socket; child: ChildProcess; close: () => Promise<void> }> {
  const srv = await rawServer(join(dir, `s${sockN++}.sock`));
  const child = spawn(process.execPath, [RAW_PEER, srv.path, mode, String(n), String(bytes)], { stdio: 'inherit' });
  const sock = await srv.next();
  return { sock, child, close: async () => (srv.close(), await stopRaw(child, sock)) };
}

/** Read frames from `sock` and decode each, until `n` arrived (chunks are joined once per frame, not per read). */
function readFrames(sock: Socket, n: number, unpackr: Unpackr): Promise<void> {
  return new Promise((resolve) => {
    let buf: Buffer = Buffer.alloc(0);
    let pending: Buffer[] = [];
    let have = 0;
    let need = 4;
    let got = 0;
    const onData = (d: Buffer): void => {
      pending.push(d);
      have += d.length;
      if (have < need) return;
      buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, have);
      pending = [];
      let at = 0;
      for (;;) {
        if (buf.length - at < 4) {
          need = 4;
          break;
        }
        const len = buf.readUInt32BE(at);
        if (buf.length - at < 4 + len) {
          need = 4 + len;
          break;
        }
        unpackr.unpack(buf.subarray(at + 4, at + 4 + len));
        at += 4 + len;
        got++;
      }
      const rest = buf.subarray(at);
      have = rest.length;
      if (have) pending.push(rest);
      if (got >= n) {
        sock.off('data', onData);
        resolve();
      }
    };
    sock.on('data', onData);
  });
}

async function benchRtt(rows: Row[], portal: Portal): Promise<void> {
  const packr = new Packr({ useRecords: false });
  const unpackr = new Unpackr({ useRecords: false });
  const peer = await rawPeer('echo');
  const rawOnce = async (): Promise<void> => {
    const b = packr.pack({ type: 'Start', cid: 1, pld: 1 });
    const f = Buffer.allocUnsafe(4 + b.length);
    f.writeUInt32BE(b.length, 0);
    b.copy(f, 4);
    const got = readFrames(peer.sock, 1, unpackr);
    peer.sock.write(f);
    await got;
  };
  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const samples: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      for (let i = 0; i < RTT_N; i++) await fn();
      samples.push(((performance.now() - t0) * 1000) / RTT_N);
    }
    return median(samples);
  };
  await time(rawOnce);
  const raw = await time(rawOnce);
  await peer.close();
  await time(() => portal.run(ping, 1));
  const ours = await time(() => portal.run(ping, 1));
  rows.push(costRow('RPC round trip: Portal.run(trivial) vs raw msgpackr ping-pong over UDS (us)', ours, raw, 2));
}

/**
 * Stream `n` messages (`bytes` bytes each, or small records for 0) from the actor and
 * from a raw peer, rounds alternating; the medians in ms, furrow's first. `window`:
 * the stream's credit window (default: the library's, sized from the payloads).
 */
async function benchStream(portal: Portal, n: number, bytes: number, window?: number): Promise<[number, number]> {
  const unpackr = new Unpackr({ useRecords: false });
  const rawRun = async (): Promise<number> => {
    const peer = await rawPeer('blast', n, bytes);
    const t0 = performance.now();
    const got = readFrames(peer.sock, n, unpackr);
    peer.sock.write('go');
    await got;
    const ms = performance.now() - t0;
    await peer.close();
    return ms;
  };
  const oursRun = async (): Promise<number> => {
    const t0 = performance.now();
    await portal.openContext(blast, [n, bytes], (ctx) =>
      ctx.openStream(async (s) => {
        for await (const _ of s);
      }, window === undefined ? {} : { window }),
    );
    return performance.now() - t0;
  };
  const raw: number[] = [];
  const ours: number[] = [];
  for (let r = 0; r < 6; r++) {
    const a = await rawRun();
    const b = await oursRun();
    if (r) {
      raw.push(a);
      ours.push(b);
    }
  }
  return [median(ours), median(raw)];
}

/** Stream throughput from 16 B to 1 MiB payloads (issue 16's scaling rows: no target, the share of raw). */
const SWEEP: [bytes: number, n: number][] = [
  [16, 50_000],
  [256, 50_000],
  [4096, 10_000],
  [65_536, 1000],
  [1 << 20, 100],
];

async function benchTeardown(rows: Row[]): Promise<void> {
  let took = 0;
  await openActorNursery(async (an) => {
    const tops = await Promise.all([an.startActor('x0', { enableModules: [FIXTURE] }), an.startActor('x1', { enableModules: [FIXTURE] })]);
    await openNursery(async (n) => {
      for (const top of tops) {
        await n.start<unknown>((started) =>
          top.openContext(`${FIXTURE}:spawnTree`, [FIXTURE, 2, 2, 'hangUntilBroken'], async (_c, first) => {
            started(first);
            await sleepForever();
          }),
        );
      }
      const leaf = await findActor('x1.0.1');
      took = performance.now();
      await leaf!.run(`${FIXTURE}:breakLeaf`);
    });
  }).catch(() => {});
  took = performance.now() - took;
  rows.push({ name: 'teardown of a 2x2x2 tree after an error at a leaf (ms)', us: took, target: '< 1000 ms', ok: took < 1000 });
  let collected = 0;
  await openActorNursery(async (an) => {
    const ps = await Promise.all(Array.from({ length: 25 }, (_, i) => an.startActor(`f${i}`, { enableModules: [FIXTURE] })));
    collected = performance.now();
    await openNursery((n) => {
      for (const p of ps) n.startSoon(() => p.run(`${FIXTURE}:fail`, p.name));
    });
  }).catch((e: AggregateError) => {
    if (e.errors?.length !== 25) throw e;
  });
  collected = performance.now() - collected;
  rows.push({ name: '25 failing children: errors collected and all reaped (ms, after spawn)', us: collected, target: '< 2000 ms', ok: collected < 2000 });
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  await openActorNursery(async (an) => {
    const p = await an.startActor('peer', { enableModules: [ME] });
    await benchRtt(rows, p);
    const us = ([ours, raw]: [number, number], n: number): [number, number] => [(ours * 1000) / n, (raw * 1000) / n];
    const [small, smallRaw] = us(await benchStream(p, SMALL_N, 0, 256), SMALL_N);
    rows.push(rateRow(`stream throughput, small messages (${SMALL_N}) vs raw framed msgpackr over UDS (us/msg)`, small, smallRaw, 0.5));
    const [big, bigRaw] = us(await benchStream(p, BIG_N, BIG, 16), BIG_N);
    rows.push(rateRow(`stream throughput, 1 MiB messages (${BIG_N}) vs raw framed msgpackr over UDS (us/msg)`, big, bigRaw, 0.8));
    for (const [bytes, n] of SWEEP) {
      const [ours, raw] = us(await benchStream(p, n, bytes), n);
      const size = bytes >= 1 << 20 ? `${bytes >> 20} MiB` : bytes >= 1024 ? `${bytes >> 10} KiB` : `${bytes} B`;
      rows.push({ name: `stream throughput, ${size} payloads (${n}), default window, vs raw (us/msg)`, us: ours, baselineUs: raw, share: true });
    }
  });
  await benchTeardown(rows);
  // absolute rows print their ms in the us/op column
  printTable('actors', rows);
}

if (import.meta.main) main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
