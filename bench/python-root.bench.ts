// Python as the root (issue 14): a Python program (furrow_asyncio.open_actor_nursery)
// measures, in one process and rounds interleaved, a Node actor's spawn-to-ready
// against a raw `asyncio.create_subprocess_exec` of `node` connecting back to a Unix
// socket and saying hello, and `portal.run` round trips to that actor against a raw
// Python-Node msgpack ping-pong over a Unix socket. The Python side prints its samples
// as JSON; the rows are made here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, pairRow, printTable, type Samples } from './lib.ts';

const PY = process.env.FURROW_PYTHON ?? '/usr/bin/python3';
const PACKAGE_PARENT = fileURLToPath(new URL('../bridges/asyncio/python', import.meta.url));
// the published build, as a user's installed package runs it (npm run bench builds dist/ first)
const CHILD_MAIN = fileURLToPath(new URL('../dist/child-main.js', import.meta.url));
const ECHO = fileURLToPath(new URL('./fixtures/echo.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'furrow-bench-pyroot-'));

// it ends by running out of work, not by process.exit() (see bench/actor.bench.ts, nodejs/node#54918)
const RAW_PEER = join(dir, 'raw-peer.mjs');
writeFileSync(
  RAW_PEER,
  `import { createConnection } from 'node:net';
import { Packr, Unpackr } from '${import.meta.resolve('msgpackr')}';
const packr = new Packr({ useRecords: false }), unpackr = new Unpackr({ useRecords: false });
const frame = (v) => { const b = packr.pack(v); const f = Buffer.allocUnsafe(4 + b.length); f.writeUInt32BE(b.length, 0); b.copy(f, 4); return f; };
const s = createConnection(process.argv[2], () => s.write(frame('hello')));
let buf = Buffer.alloc(0);
s.on('data', (d) => { buf = Buffer.concat([buf, d]); while (buf.length >= 4) { const n = buf.readUInt32BE(0); if (buf.length < 4 + n) break; const v = unpackr.unpack(buf.subarray(4, 4 + n)); buf = buf.subarray(4 + n); s.write(frame(v)); } });
s.on('error', () => s.destroy());
`,
);

const SCRIPT = join(dir, 'bench.py');
writeFileSync(
  SCRIPT,
  `import asyncio, json, os, struct, sys, time
import msgpack
from furrow_asyncio import open_actor_nursery

NODE, ECHO, RAW_PEER, CHILD_MAIN = sys.argv[1:5]
ROUNDS, RTT_N = 7, 2000
P = struct.Struct(">I")

def frame(v):
    b = msgpack.packb(v)
    return P.pack(len(b)) + b

async def read_frame(reader):
    n = P.unpack(await reader.readexactly(4))[0]
    return msgpack.unpackb(await reader.readexactly(n))

async def raw_peer(path):
    """Start node, wait for it to connect back and say hello: (seconds, process, reader, writer)."""
    accepted = asyncio.get_running_loop().create_future()
    server = await asyncio.start_unix_server(lambda r, w: accepted.set_result((r, w)), path)
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(NODE, RAW_PEER, path)
    reader, writer = await accepted
    await read_frame(reader)
    took = time.perf_counter() - t0
    server.close()
    return took, proc, reader, writer

async def main():
    spawn = {"raw": [], "furrow": []}
    rtt = {"raw": [], "furrow": []}
    async with open_actor_nursery(name="bench-root") as an:
        for i in range(ROUNDS + 1):
            took, proc, reader, writer = await raw_peer(os.path.join(os.path.dirname(RAW_PEER), f"raw{i}.sock"))
            t0 = time.perf_counter()
            p = await an.start_actor(f"echo-{i}", backend="node", node=NODE, node_entry=CHILD_MAIN, enable_modules=[ECHO])
            ours = time.perf_counter() - t0
            if i:
                spawn["raw"].append(took * 1e6)
                spawn["furrow"].append(ours * 1e6)
            for side in ("raw", "furrow"):
                t0 = time.perf_counter()
                for k in range(RTT_N):
                    if side == "raw":
                        writer.write(frame(k))
                        await read_frame(reader)
                    else:
                        await p.run(f"{ECHO}:echo", k)
                if i:
                    rtt[side].append((time.perf_counter() - t0) * 1e6 / RTT_N)
            writer.close()
            await proc.wait()
            await an.cancel_actor(f"echo-{i}")
    print(json.dumps({"spawn": spawn, "rtt": rtt}))

asyncio.run(main())
`,
);

const out = JSON.parse(
  execFileSync(PY, [SCRIPT, process.execPath, ECHO, RAW_PEER, CHILD_MAIN], { env: { ...process.env, PYTHONPATH: PACKAGE_PARENT }, encoding: 'utf8' }),
) as Record<'spawn' | 'rtt', Record<'raw' | 'furrow', number[]>>;
const samples = (xs: number[]): Samples => ({ us: median(xs), rounds: xs });
printTable('Python as the root', [
  pairRow('Python root: Node actor spawn-to-ready vs raw create_subprocess_exec of node connecting back (us)', samples(out.spawn.furrow), samples(out.spawn.raw), 1.3),
  pairRow('Python root: portal.run round trip to a Node actor vs raw Python-Node msgpack ping-pong (us)', samples(out.rtt.furrow), samples(out.rtt.raw), 2),
]);
