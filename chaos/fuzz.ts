// Fuzzing a live actor's socket: connections that send what no furrow peer would
// (random bytes, bad and huge length prefixes, truncated frames, records of the
// wrong shape, deep nesting, unknown msgpack extension types, a Start before the
// handshake), slowloris peers that dribble a frame, and crowds of idle connections.
// Each case states what the actor must do: close the link by itself (a protocol
// error), answer the dialog and keep the link (a payload error), or hold an idle
// link. The raw client is the tests' RawPeer (__tests__/bridges/asyncio/raw-peer.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { pack } from 'msgpackr';
import { RawPeer, aid, frame } from '../__tests__/bridges/asyncio/raw-peer.ts';
import { Prng } from './prng.ts';

/** What the actor must do with a case's connection. */
export type Expected = 'closes' | 'answers';

/** One kind of bad client. `send` writes its bytes (and may end the link); `expect` is what the actor must do. */
export interface FuzzCase {
  name: string;
  expect: Expected;
  send(peer: RawPeer, rnd: Prng): void;
}

/** The smallest uuid: a peer presenting it opens dialogs with odd cids (docs/protocol.md section 4). */
const LOW_UUID = '00000000-0000-0000-0000-000000000000';
/** A cid this raw peer may open a dialog with. */
const CID = 1;

const bytes = (rnd: Prng, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rnd.int(0, 255)));
const prefix = (n: number): Buffer => Buffer.from([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
/** A frame around raw body bytes (frame() packs a value; this frames bytes as they are). */
const rawFrame = (body: Uint8Array): Buffer => Buffer.concat([prefix(body.length), body]);
/** A msgpack array nested `depth` deep: [[[...[]...]]]. */
const deepArray = (depth: number): Buffer => Buffer.concat([Buffer.alloc(depth, 0x91), Buffer.from([0x90])]);
/** A msgpack fixext 1 of an extension type no furrow side knows. */
const UNKNOWN_EXT = Buffer.from([0xd4, 0x42, 0x07]);
/** A Start map whose `ns` (or, with `inPayload`, the payload's one argument) is `value` (raw msgpack). */
function startWith(value: Buffer, inPayload: boolean, func = 'echo'): Buffer {
  const field = (k: string, v: Uint8Array): Buffer[] => [pack(k), Buffer.from(v)];
  const pld = inPayload ? Buffer.concat([Buffer.from([0x91]), value]) : pack([1]);
  return Buffer.concat([
    Buffer.from([0x85]),
    ...field('type', pack('Start')),
    ...field('cid', pack(CID)),
    ...field('ns', inPayload ? pack('?') : value),
    ...field('func', pack(func)),
    ...field('pld', pack(pld)),
  ]);
}
const hello = (): Buffer => frame({ ...aid('fuzz'), uuid: LOW_UUID });

/** Records of the wrong shape: each one closes the link (docs/protocol.md section 6). */
const WRONG_SHAPES: unknown[] = [
  { type: 'Nope', cid: 1 },
  { type: 'Yield', cid: 'one', pld: new Uint8Array(1) },
  { type: 'Yield', cid: 1, pld: 'text' },
  { type: 'Error', cid: 1, error: { boxedType: 1 } },
  { type: 'Credit', cid: 1, n: -5 },
  { type: 'Start', cid: -1, ns: 'x', func: 'y', pld: new Uint8Array(0) },
  [1, 2, 3],
  'just a string',
  null,
  { type: 'Aid', name: 'again', uuid: 'x', pid: 1, runtime: 'node', version: 1 },
];

/** Every case the fuzz run cycles through. */
export function fuzzCases(): FuzzCase[] {
  return [
    { name: 'random bytes, no handshake', expect: 'closes', send: (p, r) => p.socket.end(bytes(r, r.int(1, 64))) },
    { name: 'random bytes after the handshake', expect: 'closes', send: (p, r) => p.socket.end(Buffer.concat([hello(), bytes(r, r.int(1, 64))])) },
    { name: 'a frame of random bytes', expect: 'closes', send: (p, r) => p.write(Buffer.concat([hello(), rawFrame(bytes(r, r.int(1, 200)).fill(0xc1, 0, 1))])) },
    { name: 'a zero length prefix', expect: 'closes', send: (p) => p.write(Buffer.concat([hello(), prefix(0)])) },
    { name: 'a prefix cut short', expect: 'closes', send: (p, r) => p.socket.end(Buffer.concat([hello(), Buffer.from([0, 0, 1]).subarray(0, r.int(1, 3))])) },
    {
      name: 'a huge prefix',
      expect: 'closes',
      send: (p, r) => p.write(Buffer.concat([hello(), prefix(r.pick([0xffffffff, 0x7fffffff, 64 * 1024 * 1024 + 1])), bytes(r, 16)])),
    },
    {
      name: 'a truncated frame',
      expect: 'closes',
      send: (p, r) => {
        const start = frame({ type: 'Start', cid: CID, ns: 'x', func: 'echo', pld: pack(['y'.repeat(100)]) });
        p.socket.end(Buffer.concat([hello(), start.subarray(0, r.int(1, start.length - 1))]));
      },
    },
    { name: 'a record of the wrong shape', expect: 'closes', send: (p, r) => p.write(Buffer.concat([hello(), frame(r.pick(WRONG_SHAPES))])) },
    { name: 'a record nested 100,000 deep', expect: 'closes', send: (p) => p.write(Buffer.concat([hello(), rawFrame(deepArray(100_000))])) },
    { name: 'an unknown extension type in a record', expect: 'closes', send: (p) => p.write(Buffer.concat([hello(), rawFrame(startWith(UNKNOWN_EXT, false))])) },
    { name: 'a Start before the handshake', expect: 'closes', send: (p) => p.write(frame({ type: 'Start', cid: CID, ns: 'x', func: 'echo', pld: pack([1]) })) },
    { name: 'a payload nested 100,000 deep', expect: 'answers', send: (p) => p.write(Buffer.concat([hello(), rawFrame(startWith(deepArray(100_000), true))])) },
    { name: 'an unknown extension type in a payload', expect: 'answers', send: (p) => p.write(Buffer.concat([hello(), rawFrame(startWith(UNKNOWN_EXT, true))])) },
    { name: 'a payload that is not msgpack', expect: 'answers', send: (p) => p.write(Buffer.concat([hello(), rawFrame(startWith(Buffer.from([0xc1]), true))])) },
  ];
}

/** What one case did over a run. */
export interface CaseTally {
  sent: number;
  /** the actor did what the case expects */
  asExpected: number;
  /** what it did otherwise, e.g. `held 2000 ms` or `closed without answering` */
  otherwise: string[];
}

/** How long the actor has to close a bad link or answer a bad dialog (ms). */
const REACT_MS = 2000;

/** Run one connection of `c` against the socket at `path`; returns what the actor did. */
async function oneConnection(path: string, c: FuzzCase, rnd: Prng): Promise<string> {
  const peer = await RawPeer.connect(path);
  try {
    c.send(peer, rnd);
    const timeout = new Promise<string>((r) => setTimeout(() => r(`held ${REACT_MS} ms`), REACT_MS).unref());
    if (c.expect === 'closes') return await Promise.race([peer.ended.then(() => 'closes'), timeout]);
    const answer = (async (): Promise<string> => {
      for (;;) {
        const rec = await peer.next();
        if (rec.cid === CID && (rec.type === 'Error' || rec.type === 'Return')) return 'answers';
      }
    })().catch(() => 'closed without answering');
    return await Promise.race([answer, timeout]);
  } finally {
    peer.socket.destroy();
  }
}

/**
 * `connections` bad connections to the actor at `path`, cycling through the cases,
 * `concurrency` at a time. Returns a tally per case.
 */
export async function fuzzConnections(path: string, connections: number, seed: number, concurrency = 16): Promise<Record<string, CaseTally>> {
  const cases = fuzzCases();
  const rnd = new Prng(seed);
  const tally: Record<string, CaseTally> = Object.fromEntries(cases.map((c) => [c.name, { sent: 0, asExpected: 0, otherwise: [] }]));
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < connections) {
        const c = cases[next++ % cases.length]!;
        const t = tally[c.name]!;
        t.sent++;
        const did = await oneConnection(path, c, rnd);
        if (did === c.expect) t.asExpected++;
        else if (t.otherwise.length < 5) t.otherwise.push(did);
      }
    }),
  );
  return tally;
}

/**
 * `n` slowloris peers: each does the handshake, then sends a frame one byte every
 * `everyMs`. Returns how long after its first byte the actor cut each one off (ms),
 * or Infinity for one still held after `giveUpMs`.
 */
export async function slowloris(path: string, n: number, everyMs = 200, giveUpMs = 15_000): Promise<number[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const peer = await RawPeer.connect(path);
      try {
        await peer.handshake('slowloris');
        const t0 = performance.now();
        const body = frame({ type: 'Start', cid: CID, ns: 'x', func: 'echo', pld: pack(['z'.repeat(500)]) });
        let at = 0;
        const drip = setInterval(() => at < body.length && peer.socket.writable && peer.write(body.subarray(at, ++at)), everyMs);
        const timeout = new Promise<number>((r) => setTimeout(() => r(Infinity), giveUpMs).unref());
        const took = await Promise.race([peer.ended.then(() => performance.now() - t0), timeout]);
        clearInterval(drip);
        return took;
      } finally {
        peer.socket.destroy();
      }
    }),
  );
}

/** Open `n` connections that do the handshake and then say nothing (an idle link is never timed out). */
export async function idleLinks(path: string, n: number): Promise<RawPeer[]> {
  const peers: RawPeer[] = [];
  for (let i = 0; i < n; i++) {
    const peer = await RawPeer.connect(path);
    peers.push(peer);
    await peer.handshake(`idle-${i}`);
  }
  return peers;
}

/** Open `n` connections that never send their handshake; returns them (the actor holds at most 64, for 10 s). */
export async function silentLinks(path: string, n: number): Promise<RawPeer[]> {
  const peers: RawPeer[] = [];
  for (let i = 0; i < n; i++) peers.push(await RawPeer.connect(path));
  return peers;
}

/** The resident memory of `pid` (KiB). */
export function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/** How many file descriptors `pid` has open. */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
