// The msgpack codec: plain msgpack maps (no msgpackr records or structures, so
// Python's `msgpack` reads every frame), envelopes with the payload carried as a
// separately encoded `bin`, and whole frames (4-byte big-endian length + body).
// `msgpackr/pack` is msgpackr's pure-JS entry (Packr and Unpackr, without the
// stream classes and without loading the native `msgpackr-extract` add-on). That
// add-on only speeds up decoding long strings, and loading it (CJS loader, libc
// detection, dlopen) costs about 15-20 ms at the start of every process: most of
// a child actor's start-up budget. A process that imports `msgpackr` itself gets
// the add-on for this codec too (both entries share one `unpack.js`).
import {
  Packr,
  Unpackr,
  RESERVE_START_SPACE,
  // @ts-expect-error exported by the entry at run time, missing from its typings
  C1,
} from 'msgpackr/pack';
import type { Options } from 'msgpackr';
import { MsgTypeError, TransportError } from './errors.ts';
import type { FuncType, Msg, PayloadMsgType } from './messages.ts';
import { PROTOCOL_LIMITS } from './schema.ts';
import { validateMsg } from './validate.ts';

/** Bytes of the length prefix in front of every frame. */
export const PREFIX_BYTES: number = PROTOCOL_LIMITS.prefixBytes;

/**
 * msgpackr options that keep to standard msgpack: objects become maps (never
 * records), maps decode as objects, 64-bit integers decode as numbers when they fit
 * in 2^53 and as bigint otherwise. `Uint8Array`/`Buffer` encode as `bin`.
 */
export const MSGPACK_OPTIONS = {
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: 'auto',
  // bigints beyond 64 bits are refused (RangeError) rather than encoded in an extension
} as const;
// msgpackr 2.1 supports int64AsType 'auto' at run time; its typings predate it
const options = MSGPACK_OPTIONS as unknown as Options;

const packr = new Packr(options);
/**
 * msgpackr packs into a buffer of its own and hands out views of it; when less than
 * 2 KiB is left it starts a new buffer of the same size (8 KiB unless told). At 64 KiB
 * a stream of 1 KiB messages allocates a buffer every ~60 frames instead of every 6:
 * the sender's CPU per message is ~15% lower (docs/performance.md). A frame that is
 * kept keeps its buffer alive, so this is also the most one frame can hold on to.
 */
const PACK_BUFFER_BYTES = 64 * 1024;
packr.useBuffer(Buffer.allocUnsafeSlow(PACK_BUFFER_BYTES));
const unpackr = new Unpackr(options);

/** Encode one payload value as standalone msgpack bytes. */
export function encodePayload(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Decode a payload; throws `MsgTypeError` (for dialog `cid`) if it is not one msgpack value. */
export function decodePayload(bytes: Uint8Array, cid: number | null = null): unknown {
  try {
    const v = unpackr.unpack(bytes);
    // msgpackr reads the never-used byte 0xc1 as a marker object instead of failing
    if (v === C1) throw new Error('0xc1 is not a msgpack value');
    return v;
  } catch (e) {
    throw new MsgTypeError(`payload of ${bytes.length} bytes could not be decoded: ${(e as Error).message}`, cid, { cause: e });
  }
}

/**
 * Encode any record as a whole frame (prefix included). Records with a payload
 * must carry it already encoded in `pld`; see `encodePayloadFrame` for the fast path.
 */
export function encodeFrame(msg: Msg): Uint8Array {
  const buf = packr.pack(msg, RESERVE_START_SPACE | PREFIX_BYTES) as Uint8Array;
  writeU32(buf, 0, buf.length - PREFIX_BYTES);
  return buf;
}

// The fast path for Started/Yield/Return: the payload is packed once, with room
// reserved in front for a fixed header holding the prefix and the envelope
// `{type, cid, pld}` (cid as uint32, pld as bin32), so the payload is never copied.
interface Header {
  bytes: Uint8Array;
  cidAt: number;
  binLenAt: number;
}
let yieldHeader: Header | undefined;
let startedHeader: Header | undefined;
let returnHeader: Header | undefined;

function header(type: Exclude<PayloadMsgType, 'Start'>): Header {
  // one field per type: cheaper than a Map lookup by string on every send
  if (type === 'Yield') return (yieldHeader ??= makeHeader(type)!);
  if (type === 'Started') return (startedHeader ??= makeHeader(type)!);
  return (returnHeader ??= makeHeader(type)!);
}

// A record's header up to its payload, with the prefix: the map header, 'type' <type>,
// 'cid' uint32, each of `strings` as a str16, then 'pld' bin32. Null when it would not
// fit in the room msgpackr can reserve in front of a payload (255 bytes).
function makeHeader(type: string, strings: [key: string, value: string][] = []): Header | null {
  const parts: number[] = [0, 0, 0, 0, 0x83 + strings.length];
  pushFixstr(parts, 'type');
  pushFixstr(parts, type);
  pushFixstr(parts, 'cid');
  parts.push(0xce);
  const cidAt = parts.length;
  parts.push(0, 0, 0, 0);
  for (const [key, value] of strings) {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > 0xff) return null;
    pushFixstr(parts, key);
    parts.push(0xda, 0, bytes.length, ...bytes);
  }
  pushFixstr(parts, 'pld');
  parts.push(0xc6);
  const binLenAt = parts.length;
  parts.push(0, 0, 0, 0);
  return parts.length > 0xff ? null : { bytes: Uint8Array.from(parts), cidAt, binLenAt };
}

/** Encode a payload record (`Started`, `Yield`, `Return`) as a whole frame in one pass. */
export function encodePayloadFrame(type: Exclude<PayloadMsgType, 'Start'>, cid: number, value: unknown): Uint8Array {
  return packBehind(header(type), cid, value);
}

// `value` packed once, with `h` written into the room reserved in front of it
function packBehind(h: Header, cid: number, value: unknown): Uint8Array {
  const n = h.bytes.length;
  const buf = packr.pack(value, RESERVE_START_SPACE | n) as Uint8Array;
  buf.set(h.bytes, 0);
  writeU32(buf, 0, buf.length - PREFIX_BYTES);
  writeU32(buf, h.cidAt, cid);
  writeU32(buf, h.binLenAt, buf.length - n);
  return buf;
}

// a msgpack fixstr (under 32 bytes)
function pushFixstr(parts: number[], s: string): void {
  parts.push(0xa0 + s.length, ...Buffer.from(s, 'utf8'));
}

/**
 * Decode and validate one frame body (without its prefix). Throws `TransportError`
 * (`'malformed'`) when it is not exactly one msgpack value or not a valid record.
 */
export function decodeFrame(body: Uint8Array): Msg {
  const m = decodeRecord(body);
  // only a fast-layout payload record comes back with `value` (the body) instead of `pld`
  if (!('value' in m)) return m;
  return { type: m.type, cid: m.cid, pld: body.subarray(payloadOffset(m.type)) };
}

/**
 * @internal A `Started`/`Yield`/`Return` record from the fast path, already in the
 * shape of the `DialogIn` it becomes: `value` holds the whole frame body until the
 * receiving dialog decodes the payload (at `payloadOffset(type)`) into it, in place.
 * It has no `pld`; records from the general decoder always do.
 */
export interface PendingPayload {
  type: 'Started' | 'Yield' | 'Return';
  cid: number;
  value: unknown;
  pld?: undefined;
}

/**
 * @internal `decodeFrame` for a Connection's reader: a payload record in the fast
 * layout comes back as a {@link PendingPayload} (one object, no payload view);
 * anything else as `decodeFrame` returns it.
 */
export function decodeRecord(body: Uint8Array): Msg | PendingPayload {
  if (body[0] === 0x83) {
    const at = payloadStart(body);
    if (at >= 0) return { type: PAYLOAD_TYPES[body[6]! - 0xa5]!, cid: readU32(body, at - 13), value: body };
    const ack = decodeStartAck(body);
    if (ack !== undefined) return ack;
  } else if (body[0] === 0x85) {
    const start = decodeStart(body);
    if (start !== undefined) return start;
  }
  return decodeGeneral(body);
}

/** @internal Where the payload starts in a fast-layout frame body of this type. */
export function payloadOffset(type: 'Started' | 'Yield' | 'Return'): number {
  return type.length + 25;
}

const startAt = { start: 0 };

/** Like `decodePayload`, for the payload that runs from `start` to the end of `bytes`. */
export function decodePayloadAt(bytes: Uint8Array, start: number, cid: number | null = null): unknown {
  try {
    startAt.start = start;
    const v = unpackr.unpack(bytes, startAt);
    if (v === C1) throw new Error('0xc1 is not a msgpack value');
    return v;
  } catch (e) {
    throw new MsgTypeError(`payload of ${bytes.length - start} bytes could not be decoded: ${(e as Error).message}`, cid, { cause: e });
  }
}

function decodeGeneral(body: Uint8Array): Msg {
  let raw: unknown;
  try {
    raw = unpackr.unpack(body);
  } catch (e) {
    throw new TransportError('malformed', `malformed frame of ${body.length} bytes: not one msgpack value (${(e as Error).message.slice(0, 120)})`, { cause: e });
  }
  return validateMsg(raw);
}

// by the type name's fixstr byte (0xa5, 0xa6, 0xa7)
const PAYLOAD_TYPES = ['Yield', 'Return', 'Started'] as const;

// Recognise a payload record written in exactly the fast-path layout (as Node
// writes them) by its bytes, without a general msgpack decode, and return where
// its payload starts (-1 if it is not in that layout). Any other layout (e.g. a
// Python peer's) falls through to the general decoder and validator.
// Layout of the body: 0x83, fixstr 'type', fixstr <type>, fixstr 'cid', 0xce <u32>,
// fixstr 'pld', 0xc6 <u32>, payload. The checks are spelled out (no template loop):
// this runs once per received record.
function payloadStart(body: Uint8Array): number {
  // the type name's length byte (fixstr) sits at body[6]: it tells which type to expect
  const b6 = body[6];
  if (b6 === 0xa5) {
    // 'Yield'
    if (body[7] !== 0x59 || body[8] !== 0x69 || body[9] !== 0x65 || body[10] !== 0x6c || body[11] !== 0x64) return -1;
  } else if (b6 === 0xa7) {
    // 'Started'
    if (body[7] !== 0x53 || body[8] !== 0x74 || body[9] !== 0x61 || body[10] !== 0x72 || body[11] !== 0x74 || body[12] !== 0x65 || body[13] !== 0x64) return -1;
  } else if (b6 === 0xa6) {
    // 'Return'
    if (body[7] !== 0x52 || body[8] !== 0x65 || body[9] !== 0x74 || body[10] !== 0x75 || body[11] !== 0x72 || body[12] !== 0x6e) return -1;
  } else return -1;
  // 0x83 (checked by the caller), then fixstr 'type'
  if (body[1] !== 0xa4 || body[2] !== 0x74 || body[3] !== 0x79 || body[4] !== 0x70 || body[5] !== 0x65) return -1;
  const p = b6 - 0xa0 + 7; // after the type name
  const at = p + 18; // the payload
  if (body.length < at) return -1;
  // fixstr 'cid', uint32 marker (the cid at p + 5); then fixstr 'pld', bin32 marker
  if (body[p] !== 0xa3 || body[p + 1] !== 0x63 || body[p + 2] !== 0x69 || body[p + 3] !== 0x64 || body[p + 4] !== 0xce) return -1;
  if (body[p + 9] !== 0xa3 || body[p + 10] !== 0x70 || body[p + 11] !== 0x6c || body[p + 12] !== 0x64 || body[p + 13] !== 0xc6) return -1;
  if (readU32(body, p + 14) !== body.length - at) return -1;
  return at;
}

// ---- Start and StartAck in fixed layouts ----
// Every call opens with a Start and is answered by a StartAck (from Node), so both get
// a layout of their own, written and recognised by bytes like the payload records
// above; a frame in any other layout (a Python peer's) takes the general path.
//   Start:    0x85, 'type' 'Start', 'cid' uint32, 'ns' str16, 'func' str16, 'pld' bin32, args
//   StartAck: 0x83, 'type' 'StartAck', 'cid' uint32, 'functype' fixstr
// A Start's header depends on its target only: it is built once per target and
// kept (up to MAX_START_HEADERS modules, and as many functions of each; then that
// table starts over).

const MAX_START_HEADERS = 256;
const startHeaders = new Map<string, Map<string, Header | null>>();

/** Encode a `Start` record as a whole frame: the arguments packed once, behind the target's header. */
export function encodeStartFrame(cid: number, ns: string, func: string, args: unknown[]): Uint8Array {
  const h = startHeader(ns, func);
  return h === null ? encodeFrame({ type: 'Start', cid, ns, func, pld: encodePayload(args) }) : packBehind(h, cid, args);
}

function startHeader(ns: string, func: string): Header | null {
  let byFunc = startHeaders.get(ns);
  if (byFunc === undefined) {
    if (startHeaders.size >= MAX_START_HEADERS) startHeaders.clear();
    startHeaders.set(ns, (byFunc = new Map()));
  }
  let h = byFunc.get(func);
  if (h === undefined) {
    if (byFunc.size >= MAX_START_HEADERS) byFunc.clear();
    byFunc.set(func, (h = makeHeader('Start', [['ns', ns], ['func', func]])));
  }
  return h;
}

// the last target seen, by its bytes: a callee decodes the same ns and func over and over
const lastNs = { bytes: new Uint8Array(0), text: '' };
const lastFunc = { bytes: new Uint8Array(0), text: '' };

function cachedString(body: Uint8Array, at: number, len: number, last: { bytes: Uint8Array; text: string }): string {
  const b = last.bytes;
  if (b.length === len) {
    let i = 0;
    while (i < len && b[i] === body[at + i]) i++;
    if (i === len) return last.text;
  }
  last.bytes = body.slice(at, at + len);
  last.text = Buffer.from(last.bytes.buffer, last.bytes.byteOffset, len).toString('utf8');
  return last.text;
}

// 'type' 'Start' 'cid' uint32-marker, as the bytes after 0x85
const START_HEAD = [0xa4, 0x74, 0x79, 0x70, 0x65, 0xa5, 0x53, 0x74, 0x61, 0x72, 0x74, 0xa3, 0x63, 0x69, 0x64, 0xce];

// a Start in the fixed layout (with its args as a view of `body`), or undefined
function decodeStart(body: Uint8Array): Msg | undefined {
  for (let i = 0; i < START_HEAD.length; i++) if (body[i + 1] !== START_HEAD[i]) return undefined;
  // after the cid (17-20): 'ns' str16
  if (body[21] !== 0xa2 || body[22] !== 0x6e || body[23] !== 0x73 || body[24] !== 0xda) return undefined;
  const nsLen = (body[25]! << 8) | body[26]!;
  const p = 27 + nsLen;
  // 'func' str16
  if (body[p] !== 0xa4 || body[p + 1] !== 0x66 || body[p + 2] !== 0x75 || body[p + 3] !== 0x6e || body[p + 4] !== 0x63 || body[p + 5] !== 0xda) return undefined;
  const funcLen = (body[p + 6]! << 8) | body[p + 7]!;
  const q = p + 8 + funcLen;
  // 'pld' bin32, then exactly that many bytes
  if (body[q] !== 0xa3 || body[q + 1] !== 0x70 || body[q + 2] !== 0x6c || body[q + 3] !== 0x64 || body[q + 4] !== 0xc6) return undefined;
  const at = q + 9;
  if (body.length < at || readU32(body, q + 5) !== body.length - at) return undefined;
  return {
    type: 'Start',
    cid: readU32(body, 17),
    ns: cachedString(body, 27, nsLen, lastNs),
    func: cachedString(body, p + 8, funcLen, lastFunc),
    pld: body.subarray(at),
  };
}

// whole StartAck frames by function type, with the cid (at PREFIX_BYTES + ACK_CID_AT) zero
const ACK_CID_AT = 20;
const startAckFrames = new Map<FuncType, Uint8Array>((['asyncfunc', 'asyncgen', 'context'] as const).map((f) => [f, makeStartAckFrame(f)]));

function makeStartAckFrame(functype: FuncType): Uint8Array {
  const parts: number[] = [0, 0, 0, 0, 0x83];
  for (const s of ['type', 'StartAck', 'cid']) pushFixstr(parts, s);
  parts.push(0xce, 0, 0, 0, 0);
  for (const s of ['functype', functype]) pushFixstr(parts, s);
  const frame = Uint8Array.from(parts);
  writeU32(frame, 0, frame.length - PREFIX_BYTES);
  return frame;
}

/** Encode a `StartAck` record as a whole frame. */
export function encodeStartAckFrame(cid: number, functype: FuncType): Uint8Array {
  const buf = startAckFrames.get(functype)!.slice();
  writeU32(buf, PREFIX_BYTES + ACK_CID_AT, cid);
  return buf;
}

// a StartAck in the fixed layout, or undefined
function decodeStartAck(body: Uint8Array): Msg | undefined {
  for (const [functype, frame] of startAckFrames) {
    if (frame.length - PREFIX_BYTES !== body.length) continue;
    for (let i = 0; i < body.length; i++) {
      if (i === ACK_CID_AT) i += 4;
      if (body[i] !== frame[i + PREFIX_BYTES]) return undefined;
    }
    return { type: 'StartAck', cid: readU32(body, ACK_CID_AT), functype };
  }
  return undefined;
}

function writeU32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = (v >>> 16) & 0xff;
  buf[at + 2] = (v >>> 8) & 0xff;
  buf[at + 3] = v & 0xff;
}

/** Read a big-endian uint32 at `at`. */
export function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) >>> 0) + (buf[at + 1]! << 16) + (buf[at + 2]! << 8) + buf[at + 3]!;
}
