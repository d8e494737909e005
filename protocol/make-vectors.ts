// Writes protocol/vectors.json: frames (as hex) and the answer a peer must give for
// each, valid and invalid, including docs/protocol.md section 8's example bytes. The
// Node side (__tests__/protocol/vectors.test.ts) and the Python side
// (bridges/asyncio/python/tests/test_vectors.py) both run every vector through their
// codec and validator and must give these answers. The bytes come from
// msgpack-writer.ts, the answers are written here by hand (record-vectors.ts derives
// the per-field ones from protocol/schema.json).
//
//   node protocol/make-vectors.ts      (rewrites protocol/vectors.json)
import { writeFileSync } from 'node:fs';
import schema from './schema.json' with { type: 'json' };
import { arr, bin, encode, ext, float, frame, hex, int, map, nil, raw, str, type W } from './msgpack-writer.ts';
import { boundVectors, fieldVectors, VALID_RECORDS } from './record-vectors.ts';
import { badPld, binValue, causeChain, pld, reads, record, u, type Expect, type Vector } from './vector-kit.ts';

const stop = (cid: number) => frame(map([['type', str('Stop')], ['cid', int(cid)]]));
const malformed = (mentions?: string) => ({ records: [], error: { code: 'malformed' as const, ...(mentions === undefined ? {} : { mentions }) } });

function docExamples(): Vector[] {
  return [
    {
      name: "protocol.md 8: Stop {cid: 3} as Node writes it (map16 header)",
      hex: '00000012' + 'de0002' + 'a474797065a453746f70' + 'a363696403',
      expect: { records: [{ type: 'Stop', cid: 3 }] },
    },
    {
      name: "protocol.md 8: Yield {cid: 7, pld: {x: 'hi'}} in the payload layout (cid uint32, pld bin32)",
      hex: '00000026' + '83' + 'a474797065a55969656c64' + 'a3636964ce00000007' + 'a3706c64c600000008' + 'de0001a178a26869',
      expect: { records: [{ type: 'Yield', cid: 7, pld: { $bin: 'de0001a178a26869', $payload: { x: 'hi' } } }] },
    },
  ];
}

function validRecords(): Vector[] {
  return VALID_RECORDS.map(([type, name, entries]) => {
    const r = record(type, entries);
    return { name, hex: hex(r.bytes), expect: { records: [r.reads] } };
  });
}

/** The same record written every way msgpack allows: all must read alike. */
function encodings(): Vector[] {
  const stop3: Expect = { records: [{ type: 'Stop', cid: 3 }] };
  const v = (name: string, body: W, expect = stop3): Vector => ({ name, hex: hex(frame(body)), expect });
  const yieldOf = (cid: W, p: W) => map([['type', str('Yield')], ['cid', cid], ['pld', p]]);
  const one = { $bin: '01', $payload: 1 };
  return [
    v('keys in another order', map([['cid', int(3)], ['type', str('Stop')]])),
    v('map32 header', map([['type', str('Stop')], ['cid', int(3)]], 32)),
    ...(['u8', 'u16', 'u32', 'u64'] as const).map((f) => v(`cid as ${f}`, map([['type', str('Stop')], ['cid', int(3, f)]]))),
    ...(['i8', 'i16', 'i32', 'i64'] as const).map((f) => v(`cid as ${f} (a signed encoding of a positive value)`, map([['type', str('Stop')], ['cid', int(3, f)]]))),
    v('cid as float64 3.0 (an integral float reads as the integer)', map([['type', str('Stop')], ['cid', float(3)]])),
    v('cid as float32 3.0', map([['type', str('Stop')], ['cid', float(3, true)]])),
    ...([8, 16, 32] as const).map((f) => v(`type as str${f}`, map([['type', str('Stop', f)], ['cid', int(3)]]))),
    ...([8, 16, 32] as const).map((f) => v(`pld as bin${f}`, yieldOf(int(9), bin([1], f)), { records: [{ type: 'Yield', cid: 9, pld: one }] })),
    v('the payload layout with a small cid as fixint (not the fast layout)', yieldOf(int(9), bin([1])), { records: [{ type: 'Yield', cid: 9, pld: one }] }),
    v('unknown keys of any type are ignored', map([['type', str('Stop')], ['future', map([['a', arr([int(1), nil, bin([0])])]])], ['cid', int(3)], ['when', ext(-1, [0, 0, 0, 1])], ['gone', ext(0, [0])]])),
    v('a non-string key is an unknown key', map([['type', str('Stop')], ['cid', int(3)], [int(1), str('x')]])),
    v('a repeated key: the last one counts', map([['type', str('Stop')], ['cid', int(5)], ['cid', int(3)]])),
  ];
}

function streams(): Vector[] {
  const yieldW = (cid: number, n: number) => frame(map([['type', str('Yield')], ['cid', int(cid)], ['pld', bin(encode(int(n)))]]));
  const y = (cid: number, n: number) => ({ type: 'Yield', cid, pld: { $bin: hex(encode(int(n))), $payload: n } });
  return [
    { name: 'three frames back to back', hex: hex(yieldW(1, 1), yieldW(1, 2), stop(1)), expect: { records: [y(1, 1), y(1, 2), { type: 'Stop', cid: 1 }] } },
    { name: 'a frame cut short at the end of the stream', hex: hex(stop(3)).slice(0, 20), expect: { records: [], error: { code: 'dropped' } } },
    { name: 'a length prefix cut short', hex: hex(stop(3)) + '0000', expect: { records: [{ type: 'Stop', cid: 3 }], error: { code: 'dropped' } } },
    { name: 'frames before a zero length are read', hex: hex(stop(1), stop(3)) + '00000000', expect: { records: [{ type: 'Stop', cid: 1 }, { type: 'Stop', cid: 3 }], error: { code: 'malformed' } } },
    {
      name: 'frames before an oversized length are read',
      hex: hex(stop(3)) + '00000011',
      maxFrameBytes: 16,
      expect: { records: [{ type: 'Stop', cid: 3 }], error: { code: 'oversized', mentions: '17 bytes' } },
    },
    { name: 'frames before a malformed frame are read', hex: hex(stop(3), frame(raw('c1'))), expect: { records: [{ type: 'Stop', cid: 3 }], error: { code: 'malformed' } } },
  ];
}

function framing(): Vector[] {
  const cap = schema.limits.maxFrameBytes;
  const prefix = (n: number) => n.toString(16).padStart(8, '0');
  return [
    { name: 'a zero length', hex: '00000000', expect: malformed() },
    { name: 'a frame exactly at the cap is read', hex: hex(stop(3)), maxFrameBytes: stop(3).length - 4, expect: { records: [{ type: 'Stop', cid: 3 }] } },
    { name: 'one byte over the cap, refused from the prefix alone', hex: prefix(11), maxFrameBytes: 10, expect: { records: [], error: { code: 'oversized', mentions: '11 bytes' } } },
    { name: 'over the default cap (64 MiB), refused from the prefix alone', hex: prefix(cap + 1), expect: { records: [], error: { code: 'oversized', mentions: `${cap + 1} bytes` } } },
    { name: 'the largest length, refused from the prefix alone', hex: 'ffffffff', expect: { records: [], error: { code: 'oversized', mentions: '4294967295 bytes' } } },
  ];
}

function bodies(): Vector[] {
  const v = (name: string, body: W, mentions?: string): Vector => ({ name, hex: hex(frame(body)), expect: malformed(mentions) });
  return [
    v('not msgpack: the byte 0xc1', raw('c1')),
    v('trailing bytes after the record', (out) => (map([['type', str('Stop')], ['cid', int(3)]])(out), out.push(0xc0))),
    v('a record cut short inside the frame', raw('82a474797065a453746f70')),
    v('an array, not a map', arr([str('Stop'), int(3)]), 'map'),
    v('an integer, not a map', int(3), 'map'),
    v('nil, not a map', nil, 'map'),
    v('bin, not a map', bin([0x82]), 'map'),
    v('no type', map([['cid', int(3)]]), "'type'"),
    v('type is not a string', map([['type', int(1)], ['cid', int(3)]]), "'type'"),
    v('type is bin', map([['type', bin([0x53])], ['cid', int(3)]]), "'type'"),
    v('an unknown record type', map([['type', str('Nope')], ['cid', int(3)]]), "'Nope'"),
    v('type names are case-sensitive', map([['type', str('stop')], ['cid', int(3)]]), "'stop'"),
    v('an unknown extension type, even in an unknown key', map([['type', str('Stop')], ['cid', int(3)], ['x', ext(5, [1])]])),
    v('a cid of 0xc1', map([['type', str('Stop')], ['cid', raw('c1')]])),
  ];
}

function payloads(): Vector[] {
  const yieldOf = (p: ReturnType<typeof pld>, cid = 1): Vector => {
    const r = record('Yield', [u('cid', cid), p]);
    return { name: '', hex: hex(r.bytes), expect: { records: [r.reads] } };
  };
  const named = (name: string, x: Vector): Vector => ({ ...x, name });
  return [
    named('payload: nested maps and arrays', yieldOf(pld(map([['a', arr([int(1), map([['b', nil]]), arr([])])], ['c', map([])]]), { a: [1, { b: null }, []], c: {} }))),
    named('payload: bin', yieldOf(pld(bin([0, 255]), binValue(Uint8Array.of(0, 255))))),
    named('payload: negative integers', yieldOf(pld(arr([int(-1), int(-33), int(-200), int(-70000), int(-(2 ** 40))]), [-1, -33, -200, -70000, -(2 ** 40)]))),
    named('payload: 64-bit integers beyond 2^53', yieldOf(pld(arr([int(2n ** 64n - 1n, 'u64'), int(-(2n ** 63n), 'i64')]), [{ $int: '18446744073709551615' }, { $int: '-9223372036854775808' }]))),
    named('payload: 2^53 - 1, the largest exact float integer', yieldOf(pld(int(2 ** 53 - 1, 'u64'), 2 ** 53 - 1))),
    named('payload: floats', yieldOf(pld(arr([float(1.5), float(-0.25, true)]), [1.5, -0.25]))),
    named('payload: non-ASCII text', yieldOf(pld(str('héllo wörld ✓ 🙂'), 'héllo wörld ✓ 🙂'))),
    named("payload: Node's undefined (fixext1 type 0) reads as nil", yieldOf(pld(arr([ext(0, [0]), int(1)]), [null, 1]))),
    named('payload: a bare 0xc1 does not decode', yieldOf(badPld(raw('c1')))),
    named('payload: trailing bytes do not decode', yieldOf(badPld(raw('0102')))),
    named('payload: a value cut short does not decode', yieldOf(badPld(raw('92 01')))),
    named('payload: an unknown extension type does not decode', yieldOf(badPld(ext(5, [1])))),
    named('payload: an empty pld does not decode', yieldOf(badPld(raw('')))),
  ];
}

/** What both decoders read leniently, so that neither side refuses what the other accepts. */
function lenient(): Vector[] {
  const badUtf8 = Uint8Array.of(0x41, 0xff, 0xed, 0xa0, 0x80, 0xe2, 0x82);
  const long = Uint8Array.from([...new TextEncoder().encode('x'.repeat(70)), 0xc0, 0x80]);
  const r = record('Error', [u('cid', 1), ['error', map([['boxedType', str('E')], ['message', str(badUtf8)], ['srcUid', arr([str('a'), str('b')])]]), null]]);
  return [
    {
      name: 'invalid UTF-8 reads with U+FFFD for each bad sequence (short string)',
      hex: hex(r.bytes),
      expect: { records: [reads('Error', { cid: 1, error: { boxedType: 'E', message: 'A\ufffd\ufffd\ufffd\ufffd\ufffd', srcUid: ['a', 'b'] } })] },
    },
    {
      name: 'invalid UTF-8 reads with U+FFFD for each bad sequence (long string)',
      hex: hex(record('Yield', [u('cid', 1), pld(str(long), 'x'.repeat(70) + '\ufffd\ufffd')]).bytes),
      expect: { records: [record('Yield', [u('cid', 1), pld(str(long), 'x'.repeat(70) + '\ufffd\ufffd')]).reads] },
    },
  ];
}

function boxDepth(): Vector[] {
  const max = schema.limits.maxBoxDepth;
  const at = (n: number) => {
    const [w, value] = causeChain(n);
    return record('Error', [u('cid', 1), ['error', w, value]]);
  };
  return [
    { name: `a box with causes nested ${max} deep (the limit)`, hex: hex(at(max).bytes), expect: { records: [at(max).reads] } },
    { name: `a box with causes nested ${max + 1} deep`, hex: hex(at(max + 1).bytes), expect: malformed(`nests deeper than ${max}`) },
  ];
}

/** Every vector, in the order of the file. */
export function allVectors(): Vector[] {
  return [...docExamples(), ...validRecords(), ...encodings(), ...streams(), ...framing(), ...bodies(), ...payloads(), ...lenient(), ...boxDepth(), ...boundVectors(), ...fieldVectors()];
}

/** The text of protocol/vectors.json. */
export function vectorsJson(): string {
  const doc = {
    $comment:
      'Test vectors of the furrow wire protocol (docs/protocol.md, section 10). Each vector: the bytes a peer reads (hex: whole frames, maybe cut short), the frame cap it reads them with (maxFrameBytes, else the default), and the answer it must give: the records read, in the canonical form (every known field, absent and nil optional ones as their default, unknown keys dropped, bin as {"$bin": hex}, a pld as {"$bin": hex, "$payload": the decoded value, or {"$error": "MsgTypeError"}}, integers beyond 2^53 as {"$int": "decimal"}), then the error the connection fails with, if any (a TransportError of that code whose message contains "mentions"). Written by protocol/make-vectors.ts.',
    version: schema.version,
    vectors: allVectors(),
  };
  return JSON.stringify(doc, null, 1) + '\n';
}

if (import.meta.main) writeFileSync(new URL('./vectors.json', import.meta.url), vectorsJson());
