// The handshake's first frame (our `Aid`), encoded by hand: a child actor sends it
// the moment it starts, before it loads the codec and the runtime, so the parent
// answers the handshake and sends the SpawnSpec while the child is still importing.
// No import here beyond the protocol version: this module is loaded first thing in
// every child. The bytes are plain msgpack (a fixmap of strings and uints), which
// any peer's decoder reads like the codec's own output.
import { PROTOCOL_VERSION } from './messages.ts';

/** The `Aid` fields a hand-encoded hello carries (`pid`, `runtime` and `version` are filled in). */
export interface HelloAid {
  name: string;
  uuid: string;
}

function str(out: number[], s: string): void {
  const b = Buffer.from(s, 'utf8');
  const n = b.length;
  if (n < 32) out.push(0xa0 | n);
  else if (n < 0x100) out.push(0xd9, n);
  else if (n < 0x10000) out.push(0xda, n >>> 8, n & 0xff);
  else out.push(0xdb, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  for (let i = 0; i < n; i++) out.push(b[i]!);
}

function uint(out: number[], v: number): void {
  if (v < 0x80) out.push(v);
  else out.push(0xce, v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/**
 * The whole frame (4-byte length prefix included) of the `Aid` record a
 * `Connection` opened with `aidSent: true` would have sent itself.
 */
export function encodeHelloFrame(aid: HelloAid, pid: number = process.pid): Uint8Array {
  const out: number[] = [0, 0, 0, 0, 0x86];
  str(out, 'type');
  str(out, 'Aid');
  str(out, 'name');
  str(out, aid.name);
  str(out, 'uuid');
  str(out, aid.uuid);
  str(out, 'pid');
  uint(out, pid >>> 0);
  str(out, 'runtime');
  str(out, 'node');
  str(out, 'version');
  uint(out, PROTOCOL_VERSION);
  const n = out.length - 4;
  out[0] = n >>> 24;
  out[1] = (n >>> 16) & 0xff;
  out[2] = (n >>> 8) & 0xff;
  out[3] = n & 0xff;
  return Uint8Array.from(out);
}
