// How the Node side answers a test vector of protocol/vectors.json: the bytes go
// through the FrameDecoder (in one chunk, or in chunks of `chunk` bytes), each frame
// through decodeFrame (codec and validator), each payload through decodePayload; the
// records read and the error the connection would fail with come back in the
// vectors' canonical form (protocol/make-vectors.ts).
import { decodeFrame, decodePayload, DEFAULT_MAX_FRAME_BYTES, FrameDecoder, MsgTypeError, TransportError } from '../../src/ipc/index.ts';
import type { Vector } from '../../protocol/vector-kit.ts';

/** A peer's answer to a vector. */
export interface Answer {
  records: unknown[];
  error?: { code: string; message: string };
}

/** A decoded value in the canonical form: bin as `{$bin}`, bigint as `{$int}`, undefined as null. */
export function canonical(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof Uint8Array) return { $bin: Buffer.from(v).toString('hex') };
  if (typeof v === 'bigint') return { $int: v.toString() };
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canonical(x)]));
  return v;
}

function canonicalRecord(m: Record<string, unknown>): unknown {
  const out = canonical(m) as Record<string, unknown>;
  if (m.pld instanceof Uint8Array) {
    let value: unknown;
    try {
      value = canonical(decodePayload(m.pld));
    } catch (e) {
      if (!(e instanceof MsgTypeError)) throw e;
      value = { $error: 'MsgTypeError' };
    }
    out.pld = { ...(out.pld as object), $payload: value };
  }
  return out;
}

/** Read the vector's bytes as a connection would, and say what came of it. */
export function answer(v: Vector, chunk = Infinity): Answer {
  const bytes = Buffer.from(v.hex, 'hex');
  const records: unknown[] = [];
  const decoder = new FrameDecoder(v.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, (body) => records.push(canonicalRecord(decodeFrame(body) as never)));
  try {
    for (let at = 0; at < bytes.length; at += Math.min(chunk, bytes.length)) decoder.push(bytes.subarray(at, at + chunk));
  } catch (e) {
    if (!(e instanceof TransportError)) throw e;
    return { records, error: { code: e.code, message: e.message } };
  }
  if (decoder.partial) return { records, error: { code: 'dropped', message: 'the stream ended in the middle of a frame' } };
  return { records };
}
