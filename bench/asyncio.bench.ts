// furrow/asyncio benches (issue 6, section 4), each against a raw baseline measured
// in this same run with the same interpreter and the same kind of pipes (the child's
// fds 3 and 4, 4-byte big-endian length-prefixed msgpack frames, asyncio on the
// Python side): spawn-to-ready vs a raw Python child that imports asyncio and msgpack
// and writes one frame on fd 4; RPC round trip vs a raw Node<->Python msgpack
// ping-pong; stream throughput of small messages vs the raw child writing frames.
// Beside the raw rows, the peer users compare with: python-shell (JSON lines over
// stdio) starting an equivalent script (imports asyncio, says it is ready) and
// answering a round trip, measured in the same rounds.
//   npm run bench asyncio        (FURROW_PYTHON picks the interpreter, default /usr/bin/python3;
//                                 BENCH_WINDOW the stream's credit window, default the library's)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Unpackr } from 'msgpackr';
import { openActorNursery, type Portal } from 'furrow';
import { PYTHON_PACKAGE_DIR } from 'furrow/asyncio';
import { PythonShell } from 'python-shell';
import { measurePair, measureRounds, median, pairRow, printTable, rateRow, rawFrame, ROUND_TRIP_CALLS, type Row, type Samples } from './lib.ts';

const PY = process.env.FURROW_PYTHON ?? '/usr/bin/python3';
const SPAWNS = 9;
const RTT_N = ROUND_TRIP_CALLS;
const SMALL_N = 20_000;
/** The stream's credit window: the library's default unless BENCH_WINDOW is set. */
const WINDOW = process.env.BENCH_WINDOW ? Number(process.env.BENCH_WINDOW) : undefined;

const dir = mkdtempSync(join(tmpdir(), 'furrow-bench-asyncio-'));
// furrow_asyncio's bytecode, compiled once as pip does when it installs a package (and
// as Python does at the first import, unless PYTHONDONTWRITEBYTECODE is set, as it is
// on the VM these figures come from): without it every child compiles the package's
// sources again, ~18 ms of each cold spawn (docs/python.md, Bytecode)
execFileSync(PY, ['-m', 'compileall', '-q', join(PYTHON_PACKAGE_DIR, 'furrow_asyncio')]);
// the furrow side: an enabled module of the Python actor
writeFileSync(
  join(dir, 'bench_py.py'),
  `from furrow_asyncio import context

async def ping(x):
    return x

@context
async def blast(ctx, n):
    await ctx.started(None)
    async with ctx.open_stream() as s:
        for i in range(n):
            await s.send({"i": i})
`,
);
// python-shell's side: the same start (asyncio imported), then echo JSON lines
const SHELL = join(dir, 'shell_peer.py');
writeFileSync(
  SHELL,
  `import asyncio, json, sys
print(json.dumps("ready"), flush=True)
for line in sys.stdin:
    sys.stdout.write(line)
    sys.stdout.flush()
`,
);
/** python-shell running SHELL: resolves once it said it is ready. */
async function startShell(): Promise<{ shell: PythonShell; next: () => Promise<unknown> }> {
  const shell = new PythonShell(SHELL, { pythonPath: PY, mode: 'json' });
  const waiting: ((m: unknown) => void)[] = [];
  shell.on('message', (m: unknown) => waiting.shift()?.(m));
  const next = () => new Promise<unknown>((r) => waiting.push(r));
  await next();
  return { shell, next };
}
async function stopShell(shell: PythonShell): Promise<void> {
  const exited = once(shell.childProcess, 'exit');
  shell.kill();
  await exited;
}
// the raw side: 'ready' writes one frame and exits; 'serve' echoes frames, and answers {"blast": n} with n frames then {"end": True}
const RAW = join(dir, 'raw.py');
writeFileSync(
  RAW,
  `import asyncio, os, struct, sys
import msgpack
P = struct.Struct(">I")
def frame(v):
    b = msgpack.packb(v, use_bin_type=True)
    return P.pack(len(b)) + b
if sys.argv[1] == "ready":
    os.write(4, frame({"type": "ready"}))
    sys.exit(0)
class W(asyncio.Protocol):
    paused = False
    resumed = None
    def pause_writing(self):
        self.paused = True
        self.resumed = asyncio.get_running_loop().create_future()
    def resume_writing(self):
        self.paused = False
        self.resumed.set_result(None)
class R(asyncio.Protocol):
    def __init__(self, on, done):
        self.buf, self.on, self.done = bytearray(), on, done
    def data_received(self, d):
        self.buf += d
        while len(self.buf) >= 4:
            (n,) = P.unpack_from(self.buf)
            if len(self.buf) < 4 + n:
                break
            v = msgpack.unpackb(bytes(self.buf[4:4 + n]), raw=False)
            del self.buf[:4 + n]
            self.on(v)
    def eof_received(self):
        self.done.set_result(None)
async def main():
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    wt, wp = await loop.connect_write_pipe(W, os.fdopen(4, "wb", 0))
    async def blast(n):
        for i in range(n):
            wt.write(frame({"i": i}))
            if wp.paused:
                await wp.resumed
        wt.write(frame({"end": True}))
    def on(v):
        if isinstance(v, dict) and "blast" in v:
            asyncio.ensure_future(blast(v["blast"]))
        else:
            wt.write(frame(v))
    await loop.connect_read_pipe(lambda: R(on, done), os.fdopen(3, "rb", 0))
    await done
asyncio.run(main())
`,
);

const unpackr = new Unpackr({ useRecords: false });


/** A raw child on the same pipes as a Python actor (fds 3 in, 4 out), with a frame reader. */
class RawPeer {
  readonly child: ChildProcess;
  readonly out: Writable;
  #buf: Buffer = Buffer.alloc(0);
  #on: (v: unknown) => void = () => {};

  constructor(mode: string) {
    this.child = spawn(PY, [RAW, mode], { stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'pipe'] });
    this.out = this.child.stdio[3] as Writable;
    (this.child.stdio[4] as Readable).on('data', (d: Buffer) => {
      this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d;
      while (this.#buf.length >= 4) {
        const len = this.#buf.readUInt32BE(0);
        if (this.#buf.length < 4 + len) break;
        const v = unpackr.unpack(this.#buf.subarray(4, 4 + len));
        this.#buf = this.#buf.subarray(4 + len);
        this.#on(v);
      }
    });
  }

  /** Wait for frames until `until(v)` is true. */
  next(until: (v: unknown) => boolean): Promise<void> {
    return new Promise((resolve) => {
      this.#on = (v) => {
        if (until(v)) resolve();
      };
    });
  }

  async close(): Promise<void> {
    this.out.end();
    if (this.child.exitCode === null) await once(this.child, 'exit');
  }
}

async function rawSpawnToReady(): Promise<number> {
  const t0 = performance.now();
  const peer = new RawPeer('ready');
  await peer.next(() => true);
  const t = performance.now() - t0;
  await peer.close();
  return t * 1000;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const opts = { backend: 'python' as const, python: PY, cwd: dir, enableModules: ['bench_py'] };

  // ---- spawn to ready (alternating furrow and raw, medians) ----
  const spawns: Record<'furrow' | 'forked' | 'raw' | 'shell', Samples> = {
    furrow: { us: 0, rounds: [] },
    forked: { us: 0, rounds: [] },
    raw: { us: 0, rounds: [] },
    shell: { us: 0, rounds: [] },
  };
  await openActorNursery(async (an) => {
    // the fork server starts with the first forked actor: not a round's cost
    await (await an.startActor('py-warm', { ...opts, forkServer: true })).cancelActor();
    for (let i = 0; i <= SPAWNS; i++) {
      const t0 = performance.now();
      const p = await an.startActor(`py-${i}`, opts);
      const t = (performance.now() - t0) * 1000;
      await p.cancelActor();
      const tf = performance.now();
      const f = await an.startActor(`py-forked-${i}`, { ...opts, forkServer: true });
      const forked = (performance.now() - tf) * 1000;
      await f.cancelActor();
      const r = await rawSpawnToReady();
      const t1 = performance.now();
      const { shell } = await startShell();
      const sh = (performance.now() - t1) * 1000;
      await stopShell(shell);
      if (i > 0) {
        spawns.furrow.rounds.push(t);
        spawns.forked.rounds.push(forked);
        spawns.raw.rounds.push(r);
        spawns.shell.rounds.push(sh);
      }
    }
  });
  for (const s of Object.values(spawns)) s.us = median(s.rounds);
  rows.push(pairRow('spawn to ready (python actor)', spawns.furrow, spawns.raw, 1.5));
  rows.push(pairRow('spawn to ready (python actor) vs python-shell', spawns.furrow, spawns.shell, 1.0, 'python-shell'));
  rows.push(pairRow('spawn to ready (python actor, forkServer) vs python-shell', spawns.forked, spawns.shell, 1.0, 'python-shell'));

  // ---- RPC round trip and stream throughput ----
  // The raw child and the actor both stay up, and the rounds alternate raw, furrow,
  // raw, ... (see measurePair), so load swings on the machine hit both sides alike.
  const raw = new RawPeer('serve');
  const { shell, next } = await startShell();
  let rtt!: Record<'raw' | 'furrow' | 'shell', Samples>;
  let rawStream = 0;
  let furrowStream = 0;
  await openActorNursery(async (an) => {
    const p: Portal = await an.startActor('py', opts);
    rtt = await measureRounds(RTT_N, {
      raw: async () => {
        for (let i = 0; i < RTT_N; i++) {
          const got = raw.next(() => true);
          raw.out.write(rawFrame(i));
          await got;
        }
      },
      furrow: async () => {
        for (let i = 0; i < RTT_N; i++) await p.run('bench_py:ping', i);
      },
      shell: async () => {
        for (let i = 0; i < RTT_N; i++) {
          const got = next();
          shell.send(i);
          await got;
        }
      },
    });
    [rawStream, furrowStream] = await measurePair(
      SMALL_N,
      async () => {
        let n = 0;
        const end = raw.next((v) => (v as { end?: boolean }).end === true || (n++, false));
        raw.out.write(rawFrame({ blast: SMALL_N }));
        await end;
        if (n !== SMALL_N) throw new Error(`raw stream: got ${n} of ${SMALL_N}`);
      },
      async () => {
        await p.openContext('bench_py:blast', [SMALL_N], async (ctx) => {
          let n = 0;
          await ctx.openStream(async (s) => {
            for await (const _ of s) n++;
          }, WINDOW === undefined ? {} : { window: WINDOW });
          if (n !== SMALL_N) throw new Error(`stream: got ${n} of ${SMALL_N}`);
          return ctx.result();
        });
      },
    );
    await p.cancelActor();
  });
  await raw.close();
  await stopShell(shell);
  rows.push(pairRow('RPC round trip (portal.run)', rtt.furrow, rtt.raw, 1.5));
  rows.push(pairRow('RPC round trip (portal.run) vs python-shell', rtt.furrow, rtt.shell, 1.0, 'python-shell'));
  const window = WINDOW === undefined ? 'default window' : `window ${WINDOW}`;
  rows.push(rateRow(`stream, ${SMALL_N} small messages Python->TS (${window})`, furrowStream, rawStream, 0.5));
  printTable(`furrow/asyncio vs raw Node<->Python pipes (${PY})`, rows);
  if (rows.some((r) => r.ok === false)) process.exitCode = 1;
}

await main();
