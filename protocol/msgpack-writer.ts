// A small msgpack writer for the test vectors (make-vectors.ts): every encoding is
// chosen explicitly (fixint or uint32, fixmap or map16, ...), so a vector states
// exactly which bytes a peer must read. It shares no code with msgpackr or Python's
// msgpack, the two decoders the vectors test. Values are writers: functions that
// append their bytes.

/** Appends one msgpack value (or raw bytes) to `out`. */
export type W = (out: number[]) => void;

function be(out: number[], v: number | bigint, bytes: number): void {
  let x = BigInt(v);
  const at = out.length;
  for (let i = bytes - 1; i >= 0; i--) {
    out[at + i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

/** nil */
export const nil: W = (out) => void out.push(0xc0);
/** true / false */
export const bool =
  (b: boolean): W =>
  (out) =>
    void out.push(b ? 0xc3 : 0xc2);

/** An integer, in the smallest encoding unless `form` names one (`u8`, `u16`, `u32`, `u64`, `i8`, `i16`, `i32`, `i64`). */
export function int(v: number | bigint, form?: 'u8' | 'u16' | 'u32' | 'u64' | 'i8' | 'i16' | 'i32' | 'i64'): W {
  return (out) => {
    const n = BigInt(v);
    const f = form ?? (n >= 0n ? (n < 128n ? 'fix' : n < 256n ? 'u8' : n < 65536n ? 'u16' : n < 2n ** 32n ? 'u32' : 'u64') : n >= -32n ? 'nfix' : n >= -128n ? 'i8' : n >= -32768n ? 'i16' : n >= -(2n ** 31n) ? 'i32' : 'i64');
    const spec = { u8: [0xcc, 1], u16: [0xcd, 2], u32: [0xce, 4], u64: [0xcf, 8], i8: [0xd0, 1], i16: [0xd1, 2], i32: [0xd2, 4], i64: [0xd3, 8] } as const;
    if (f === 'fix') out.push(Number(n));
    else if (f === 'nfix') out.push(Number(n) & 0xff);
    else {
      out.push(spec[f][0]);
      be(out, BigInt.asUintN(spec[f][1] * 8, n), spec[f][1]);
    }
  };
}

/** A float64 (or float32 with `single`). */
export function float(v: number, single = false): W {
  return (out) => {
    const b = new DataView(new ArrayBuffer(single ? 4 : 8));
    if (single) b.setFloat32(0, v);
    else b.setFloat64(0, v);
    out.push(single ? 0xca : 0xcb, ...new Uint8Array(b.buffer));
  };
}

function sized(out: number[], len: number, fix: number | null, fixMax: number, codes: [number, number, number], form?: 8 | 16 | 32): void {
  const f = form ?? (fix !== null && len <= fixMax ? 0 : len < 256 ? 8 : len < 65536 ? 16 : 32);
  if (f === 0) out.push(fix! + len);
  else {
    out.push(codes[f === 8 ? 0 : f === 16 ? 1 : 2]);
    be(out, len, f / 8);
  }
}

/** A str of these UTF-8 bytes (a string, or raw bytes for invalid UTF-8); fixstr unless `form` says str8/16/32. */
export function str(s: string | Uint8Array, form?: 8 | 16 | 32): W {
  return (out) => {
    const bytes = typeof s === 'string' ? new TextEncoder().encode(s) : s;
    sized(out, bytes.length, 0xa0, 31, [0xd9, 0xda, 0xdb], form);
    out.push(...bytes);
  };
}

/** A bin (bin8 unless `form` says 16 or 32). */
export function bin(bytes: Uint8Array | number[], form?: 8 | 16 | 32): W {
  return (out) => {
    sized(out, bytes.length, null, 0, [0xc4, 0xc5, 0xc6], form);
    out.push(...bytes);
  };
}

/** A bin holding one encoded msgpack value (a payload). */
export function payload(value: W, form?: 8 | 16 | 32): W {
  return bin(encode(value), form);
}

/** An array (fixarray unless `form` says 16 or 32). */
export function arr(items: W[], form?: 16 | 32): W {
  return (out) => {
    sized(out, items.length, 0x90, 15, [0, 0xdc, 0xdd], form ?? (items.length <= 15 ? undefined : items.length < 65536 ? 16 : 32));
    for (const w of items) w(out);
  };
}

/** A map of these entries, in this order; string keys become fixstr keys. fixmap unless `form` says 16 or 32. */
export function map(entries: [string | W, W][], form?: 16 | 32): W {
  return (out) => {
    sized(out, entries.length, 0x80, 15, [0, 0xde, 0xdf], form ?? (entries.length <= 15 ? undefined : entries.length < 65536 ? 16 : 32));
    for (const [k, v] of entries) {
      (typeof k === 'string' ? str(k) : k)(out);
      v(out);
    }
  };
}

/** An extension value of `type` (fixext when the length allows). */
export function ext(type: number, data: number[]): W {
  return (out) => {
    const fix: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
    if (fix[data.length]) out.push(fix[data.length]!);
    else sized(out, data.length, null, 0, [0xc7, 0xc8, 0xc9]);
    out.push(type & 0xff, ...data);
  };
}

/** Bytes as they are (a hex string): for what no encoder writes. */
export function raw(hex: string): W {
  return (out) => void out.push(...Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

/** The bytes of one value. */
export function encode(w: W): Uint8Array {
  const out: number[] = [];
  w(out);
  return Uint8Array.from(out);
}

/** A whole frame: the 4-byte big-endian length, then the body. */
export function frame(body: W): Uint8Array {
  const b = encode(body);
  const out = new Uint8Array(4 + b.length);
  new DataView(out.buffer).setUint32(0, b.length);
  out.set(b, 4);
  return out;
}

/** Bytes as lowercase hex. */
export function hex(...parts: Uint8Array[]): string {
  return parts.map((p) => Buffer.from(p).toString('hex')).join('');
}
