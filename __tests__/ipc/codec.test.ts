// The codec, the validator and the frame splitter, without sockets.
import {
  boxLocalError,
  decodeFrame,
  decodePayload,
  encodeFrame,
  encodePayload,
  encodePayloadFrame,
  FrameDecoder,
  frame,
  MsgTypeError,
  TransportError,
  validateMsg,
  type BoxedError,
  type Msg,
} from '../../src/ipc/index.ts';
import { pack, unpack } from 'msgpackr';
import { encodeStartAckFrame, encodeStartFrame } from '../../src/ipc/codec.ts';

const uid: [string, string] = ['root', 'a1b2'];
const box: BoxedError = {
  boxedType: 'ValueError',
  message: 'bad value',
  stack: 'Traceback ...',
  srcUid: ['child', 'c3'],
  relayPath: [['mid', 'm1'], uid],
  canceller: uid,
  relayed: { boxedType: 'KeyError', message: 'k', stack: '', srcUid: ['leaf', 'l0'], relayPath: [], canceller: null, relayed: null, cause: null, extra: {} },
  cause: { boxedType: 'OSError', message: 'io', stack: 's', srcUid: ['child', 'c3'], relayPath: [], canceller: null, relayed: null, cause: null, extra: { errno: 5 } },
  extra: { code: 'E_BAD', list: [1, 'two'] },
};
const pld = encodePayload({ hello: ['world', 1, null] });

export const EVERY_RECORD: Msg[] = [
  { type: 'Aid', name: 'root', uuid: 'a1b2', pid: 4242, runtime: 'node', version: 1 },
  {
    type: 'SpawnSpec',
    name: 'child',
    parent: uid,
    parentAddr: { kind: 'uds', path: '/run/user/1000/furrow/root.sock' },
    registryAddr: { kind: 'tcp', host: '127.0.0.1', port: 6553 },
    enableModules: ['./mod.ts', 'pkg.mod'],
    debugMode: false,
    runtimeVars: { loglevel: 'info', depth: 2 },
  },
  { type: 'Start', cid: 1, ns: './mod.ts', func: 'add', pld: encodePayload([1, 2]) },
  { type: 'StartAck', cid: 1, functype: 'context' },
  { type: 'Started', cid: 1, pld },
  { type: 'Yield', cid: 3, pld },
  { type: 'Stop', cid: 3 },
  { type: 'Return', cid: 0xffff_ffff, pld },
  { type: 'Error', cid: 5, error: box },
  { type: 'Error', cid: null, error: { ...box, relayed: null, cause: null, canceller: null } },
  { type: 'Cancel', cid: 7, canceller: uid, reason: 'user asked' },
  { type: 'Cancel', cid: 7, canceller: uid, reason: null },
  { type: 'CancelAck', cid: 7, ok: true },
  { type: 'Credit', cid: 9, n: 64 },
  { type: 'Ping', seq: 1 },
  { type: 'Pong', seq: 1 },
];

function plain(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_k, v) => (v instanceof Uint8Array || (v && v.type === 'Buffer') ? Buffer.from(v).toString('hex') : v)));
}

describe('codec', () => {
  test('every record round-trips through frames', () => {
    const bodies: Uint8Array[] = [];
    const dec = new FrameDecoder(1 << 20, (b) => bodies.push(b.slice()));
    for (const m of EVERY_RECORD) dec.push(encodeFrame(m));
    expect(bodies.map((b) => plain(decodeFrame(b)))).toEqual(EVERY_RECORD.map(plain));
  });

  test('the payload fast path writes the same record as the generic encoder', () => {
    for (const type of ['Started', 'Yield', 'Return'] as const) {
      const value = { type, xs: [1, 2.5, 'three', Buffer.from('4')], n: -7, deep: { a: { b: [null, true] } } };
      const f = encodePayloadFrame(type, 12345, value);
      expect(new DataView(f.buffer, f.byteOffset).getUint32(0)).toBe(f.length - 4);
      const m = decodeFrame(f.subarray(4));
      expect(m).toMatchObject({ type, cid: 12345 });
      expect(decodePayload((m as { pld: Uint8Array }).pld)).toEqual(value);
    }
  });

  test('Start has a fixed layout: any msgpack reader takes it, and it decodes as the generic one does', () => {
    const targets: [string, string, unknown[]][] = [
      ['file:///srv/app/jobA.ts', 'sum', [1, 2]],
      ['file:///srv/app/jobB.ts', 'sum', [3, 'four']], // same length as the one before: the decoder's cache must compare bytes
      ['file:///srv/ünïcødé/🌾.ts', 'créer', [{ deep: [null, true, Buffer.from('x')] }]],
      ['file:///srv/app/jobA.ts', 'mul', []],
      [`file:///${'x'.repeat(300)}.ts`, 'f', [1]], // a header too long for the layout: the generic encoder writes it
    ];
    for (let round = 0; round < 2; round++) {
      for (const [ns, func, args] of targets) {
        const f = encodeStartFrame(4_000_000_000, ns, func, args);
        const body = f.subarray(4);
        expect(new DataView(f.buffer, f.byteOffset).getUint32(0)).toBe(body.length);
        expect(plain(unpack(body))).toEqual(plain({ type: 'Start', cid: 4_000_000_000, ns, func, pld: encodePayload(args) }));
        const m = decodeFrame(body) as { type: string; cid: number; ns: string; func: string; pld: Uint8Array };
        expect({ type: m.type, cid: m.cid, ns: m.ns, func: m.func }).toEqual({ type: 'Start', cid: 4_000_000_000, ns, func });
        expect(decodePayload(m.pld)).toEqual(args);
      }
    }
    // the fixed layout is the one the decoder recognises: 0x85, then a str16 ns
    const short = encodeStartFrame(1, 'file:///a.ts', 'f', [1]);
    expect([short[4], short[4 + 21], short[4 + 24]]).toEqual([0x85, 0xa2, 0xda]);
  });

  test('a frame that only begins like the fixed Start layout is judged by the generic decoder', () => {
    const body = encodeStartFrame(1, 'file:///a.ts', 'f', [1]).subarray(4);
    expect(() => decodeFrame(Buffer.concat([body, Buffer.from([0])]))).toThrow(/malformed frame/);
    expect(() => decodeFrame(body.subarray(0, body.length - 1))).toThrow(/malformed frame/);
  });

  test('StartAck has a fixed layout per function type; any other bytes go to the validator', () => {
    for (const functype of ['asyncfunc', 'asyncgen', 'context'] as const) {
      for (const cid of [0, 7, 2 ** 32 - 1]) {
        const f = encodeStartAckFrame(cid, functype);
        const body = f.subarray(4);
        expect(new DataView(f.buffer, f.byteOffset).getUint32(0)).toBe(body.length);
        expect(unpack(body)).toEqual({ type: 'StartAck', cid, functype });
        expect(decodeFrame(body)).toEqual({ type: 'StartAck', cid, functype });
      }
    }
    // two frames of one type are separate buffers (a batch may hold both)
    const a = encodeStartAckFrame(1, 'context');
    encodeStartAckFrame(2, 'context');
    expect(decodeFrame(a.subarray(4))).toEqual({ type: 'StartAck', cid: 1, functype: 'context' });
    const bad = Buffer.from(encodeStartAckFrame(3, 'asyncfunc').subarray(4));
    bad[bad.length - 1] = 0x78; // 'asyncfunx'
    expect(() => decodeFrame(bad)).toThrow(/functype/);
  });

  test('frames hold plain msgpack maps (no msgpackr records)', () => {
    const f = encodeFrame({ type: 'Stop', cid: 3 });
    // map16 or fixmap header, then the 'type' key as a str
    expect([0x82, 0xde]).toContain(f[4]);
    expect(Buffer.from(f).includes(Buffer.from('type'))).toBe(true);
    const p = encodePayload({ a: { b: 1 } });
    expect([0x81, 0xde]).toContain(p[0]);
  });

  test('integers: 2^53 and beyond decode as bigint, below as number', () => {
    expect(decodePayload(encodePayload(2n ** 63n - 1n))).toBe(2n ** 63n - 1n);
    expect(decodePayload(encodePayload(-(2n ** 60n)))).toBe(-(2n ** 60n));
    expect(decodePayload(Uint8Array.of(0xcf, 0, 0, 0, 0, 0, 0, 0, 5))).toBe(5);
    expect(decodePayload(encodePayload(2 ** 32 + 1))).toBe(2 ** 32 + 1);
    expect(() => encodePayload(2n ** 70n)).toThrow(RangeError);
  });

  test('an undecodable payload is a MsgTypeError naming the dialog', () => {
    expect(() => decodePayload(Uint8Array.of(0xc1), 9)).toThrow(MsgTypeError);
    try {
      decodePayload(Uint8Array.of(0x92, 1), 9);
    } catch (e) {
      expect((e as MsgTypeError).cid).toBe(9);
    }
  });

  test.each([
    ['not a map', [1, 2], /must be a msgpack map/],
    ['no type', { cid: 1 }, /no string 'type'/],
    ['unknown type', { type: 'Nope', cid: 1 }, /unknown record type 'Nope'/],
    ['cid as string', { type: 'Stop', cid: '1' }, /'cid' must be an integer/],
    ['negative cid', { type: 'Stop', cid: -1 }, /'cid' must be an integer/],
    ['cid too big', { type: 'Stop', cid: 2 ** 33 }, /'cid' must be an integer/],
    ['pld not bin', { type: 'Yield', cid: 1, pld: 'x' }, /'pld' must be msgpack bin/],
    ['bad functype', { type: 'StartAck', cid: 1, functype: 'sync' }, /functype/],
    ['credit zero', { type: 'Credit', cid: 1, n: 0 }, /'n' must be at least 1/],
    ['uid not a pair', { type: 'Cancel', cid: 1, canceller: ['a'] }, /'canceller' must be a \[name, uuid\]/],
    ['error without box', { type: 'Error', cid: 1 }, /'error' is missing/],
    ['error not a map', { type: 'Error', cid: 1, error: 'x' }, /'error' must be a boxed-error map/],
    ['box without message', { type: 'Error', cid: 1, error: { ...box, message: 3 } }, /'error.message' must be a string/],
    ['aid without version', { type: 'Aid', name: 'a', uuid: 'b', pid: 1, runtime: 'node' }, /'version'/],
    ['bad address', { type: 'SpawnSpec', name: 'c', parent: uid, parentAddr: { kind: 'ipx' }, enableModules: [], debugMode: false }, /'parentAddr.kind'/],
  ])('a wrong shape is a protocol error: %s', (_name, raw, re) => {
    expect(() => validateMsg(raw)).toThrow(re);
    expect(() => decodeFrame(pack(raw))).toThrow(TransportError);
  });

  test('deeply relayed boxes are refused past the depth limit', () => {
    let b: BoxedError = { ...box, relayed: null, cause: null };
    for (let i = 0; i < 100; i++) b = { ...box, cause: null, relayed: b };
    expect(() => validateMsg({ type: 'Error', cid: 1, error: b })).toThrow(/nests deeper/);
  });

  test('unknown extra fields are ignored', () => {
    expect(validateMsg({ type: 'Stop', cid: 1, future: 'field' })).toEqual({ type: 'Stop', cid: 1 });
  });

  test('trailing bytes after the value make the frame malformed', () => {
    const body = Buffer.concat([pack({ type: 'Stop', cid: 1 }), Buffer.from([0])]);
    expect(() => decodeFrame(body)).toThrow(/malformed frame/);
  });

  test('boxLocalError keeps type, message, stack, cause chain and plain extra fields', () => {
    class PoolError extends Error {
      code = 'E_POOL';
      fn = () => 1;
    }
    const e = new PoolError('pool empty', { cause: new TypeError('inner') });
    const b = boxLocalError(e, uid, { canceller: ['x', 'y'] });
    expect(b).toMatchObject({ boxedType: 'PoolError', message: 'pool empty', srcUid: uid, canceller: ['x', 'y'], extra: { code: 'E_POOL' } });
    expect(b.stack).toContain('pool empty');
    expect(b.cause).toMatchObject({ boxedType: 'TypeError', message: 'inner' });
    expect(boxLocalError('a string', uid)).toMatchObject({ boxedType: 'string', message: 'a string' });
    expect(validateMsg(decodeFrame(encodeFrame({ type: 'Error', cid: 1, error: b }).subarray(4)))).toBeTruthy();
  });
});

describe('framing', () => {
  test('frames split at every byte boundary come out whole and in order', () => {
    const frames = EVERY_RECORD.map(encodeFrame);
    const all = Buffer.concat(frames);
    for (const step of [1, 2, 3, 5, 7, 64, all.length]) {
      const out: Uint8Array[] = [];
      const dec = new FrameDecoder(1 << 20, (b) => out.push(b.slice()));
      for (let i = 0; i < all.length; i += step) dec.push(all.subarray(i, i + step));
      expect(dec.partial).toBe(false);
      expect(out.map((b) => Buffer.from(b).toString('hex'))).toEqual(frames.map((f) => Buffer.from(f.subarray(4)).toString('hex')));
    }
  });

  test('a frame over the cap is refused from its prefix alone, before any body is buffered', () => {
    const dec = new FrameDecoder(1000, () => {});
    dec.push(frame(new Uint8Array(1000).fill(0xc0)).subarray(0, 10));
    const d2 = new FrameDecoder(1000, () => {});
    // only the 4 prefix bytes announcing 1001 bytes: refused now
    expect(() => d2.push(Uint8Array.of(0, 0, 0x03, 0xe9))).toThrow(/frame of 1001 bytes refused: the cap is 1000 bytes/);
    const d3 = new FrameDecoder(64 * 1024 * 1024, () => {});
    expect(() => d3.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toThrow(expect.objectContaining({ code: 'oversized' }));
  });

  test('a zero-length frame is malformed', () => {
    const dec = new FrameDecoder(1000, () => {});
    expect(() => dec.push(Uint8Array.of(0, 0, 0, 0))).toThrow(expect.objectContaining({ code: 'malformed' }));
  });

  test('partial is true in the middle of a frame', () => {
    const dec = new FrameDecoder(1000, () => {});
    dec.push(Uint8Array.of(0, 0));
    expect(dec.partial).toBe(true);
    dec.push(Uint8Array.of(0, 1, 0xc0));
    expect(dec.partial).toBe(false);
  });
});
