// The pieces the test vectors are written with (make-vectors.ts): the vector format,
// fields that carry both their bytes and the answer a peer must give for them, and
// the reading rules of protocol.md section 3 (absent and nil optional fields read as
// their default) applied to an expected record.
import schema from './schema.json' with { type: 'json' };
import { arr, encode, frame, hex, int, map, payload, str, type W } from './msgpack-writer.ts';

/** What a peer must answer after reading all of a vector's bytes. */
export interface Expect {
  /** every record read before the error (or at all), in the canonical form below */
  records: unknown[];
  /** the connection's failure: a TransportError of this code, its message containing `mentions` */
  error?: { code: 'malformed' | 'oversized' | 'dropped'; mentions?: string };
}

/**
 * One vector: the bytes a peer reads (whole frames, maybe cut short), the frame cap
 * it reads them with (the protocol's default if absent), and the answer.
 */
export interface Vector {
  name: string;
  hex: string;
  maxFrameBytes?: number;
  expect: Expect;
}

/**
 * A record field: its key, the bytes of its value, and the value a peer must read, in
 * the canonical form (bin as `{"$bin": hex}`, integers beyond 2^53 as `{"$int": "..."}`,
 * a payload `pld` as `{"$bin": hex, "$payload": value}` or with `"$payload": {"$error":
 * "MsgTypeError"}` when it does not decode).
 */
export type Entry = [key: string, bytes: W, value: unknown];

/** The canonical form of a bin. */
export function binValue(bytes: Uint8Array): { $bin: string } {
  return { $bin: hex(bytes) };
}

/** The entry of a `pld` holding the payload `value` (bytes) that reads as `reads`. */
export function pld(value: W, reads: unknown, form?: 8 | 16 | 32): Entry {
  return ['pld', payload(value, form), { $bin: hex(encode(value)), $payload: reads }];
}

/** The entry of a `pld` whose bytes are not one msgpack value: the dialog fails with MsgTypeError. */
export function badPld(bytes: W): Entry {
  return ['pld', payload(bytes), { $bin: hex(encode(bytes)), $payload: { $error: 'MsgTypeError' } }];
}

/** A Uid's bytes and value. */
export function uid(name: string, uuid: string): [W, [string, string]] {
  return [arr([str(name), str(uuid)]), [name, uuid]];
}

type FieldSpec = string | { type: string; optional?: boolean; default?: unknown };
const types = schema.types as Record<string, { fields?: Record<string, FieldSpec>; union?: string; variants?: Record<string, Record<string, FieldSpec>> }>;

/**
 * The record a peer reads from these fields: the known fields of `type` only, absent
 * and nil optional ones as their default (nil if none), boxes and addresses the same
 * way, unknown keys dropped.
 */
export function reads(type: string, fields: Record<string, unknown>): Record<string, unknown> {
  const spec = (schema.records as Record<string, Record<string, FieldSpec>>)[type];
  if (!spec) throw new Error(`no record type ${type}`);
  return { type, ...readStruct(spec, fields) };
}

function readStruct(spec: Record<string, FieldSpec>, v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(spec)) {
    const f = typeof raw === 'string' ? { type: raw } : raw;
    const x = v[k];
    out[k] = x === undefined || x === null ? structuredClone(f.default ?? null) : readType(f.type, x);
  }
  return out;
}

function readType(type: string, x: unknown): unknown {
  const t = types[type];
  if (t?.fields) return readStruct(t.fields, x as Record<string, unknown>);
  if (t?.union) {
    const tag = (x as Record<string, unknown>)[t.union] as string;
    return { [t.union]: tag, ...readStruct(t.variants![tag]!, x as Record<string, unknown>) };
  }
  return x;
}

/** A valid record's frame and the answer: the record as `reads` gives it. */
export function record(type: string, entries: Entry[]): { bytes: Uint8Array; reads: Record<string, unknown> } {
  const all: Entry[] = [['type', str(type), type], ...entries];
  return { bytes: frame(map(all.map(([k, w]) => [k, w]))), reads: reads(type, Object.fromEntries(all.map(([k, , v]) => [k, v]))) };
}

/** The bytes and value of a boxed error with these fields (defaults for the others). */
export function box(fields: { type?: string; message?: string; src?: [string, string]; more?: Entry[] } = {}): [W, Record<string, unknown>] {
  const [srcW, src] = uid(...(fields.src ?? ['leaf', 'u-leaf']));
  const entries: Entry[] = [
    ['boxedType', str(fields.type ?? 'ValueError'), fields.type ?? 'ValueError'],
    ['message', str(fields.message ?? 'bad value'), fields.message ?? 'bad value'],
    ['srcUid', srcW, src],
    ...(fields.more ?? []),
  ];
  return [map(entries.map(([k, w]) => [k, w])), readType('BoxedError', Object.fromEntries(entries.map(([k, , v]) => [k, v]))) as Record<string, unknown>];
}

/** A box whose `cause` chain is `n` boxes deep below it. */
export function causeChain(n: number): [W, Record<string, unknown>] {
  let cur = box({ message: `level ${n}` });
  for (let i = n - 1; i >= 0; i--) cur = box({ message: `level ${i}`, more: [['cause', cur[0], cur[1]]] });
  return cur;
}

/** The entry of a small unsigned integer field written as fixint. */
export function u(key: string, v: number): Entry {
  return [key, int(v), v];
}
