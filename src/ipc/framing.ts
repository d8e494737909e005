// Splits a byte stream into frames: a 4-byte big-endian length, then that many bytes
// of msgpack body. A length over the cap is refused as soon as the prefix is read,
// before any of the body is buffered.
import { PREFIX_BYTES, readU32 } from './codec.ts';
import { TransportError } from './errors.ts';
import { PROTOCOL_LIMITS } from './schema.ts';

/** The default cap on one frame's body: 64 MiB (protocol/schema.json `maxFrameBytes`). */
export const DEFAULT_MAX_FRAME_BYTES: number = PROTOCOL_LIMITS.maxFrameBytes;

/**
 * Incremental frame splitter. `push` each chunk as it arrives; `onFrame` is called
 * with every complete body (a view into the chunk when a frame lies within one
 * chunk, else one buffer the chunks were copied into once, when the last arrived).
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  #onFrame: (body: Uint8Array) => void;
  // a prefix split across chunks
  #head = new Uint8Array(PREFIX_BYTES);
  #headFill = 0;
  // the body being gathered (after its prefix was read): chunks are kept, not
  // copied, until it is complete, so an announced length allocates nothing
  #need = -1;
  #parts: Uint8Array[] = [];
  #have = 0;

  constructor(maxFrameBytes: number, onFrame: (body: Uint8Array) => void) {
    this.maxFrameBytes = maxFrameBytes;
    this.#onFrame = onFrame;
  }

  /** True when part of a frame has been read: an end of stream now truncates it. */
  get partial(): boolean {
    return this.#headFill > 0 || this.#need >= 0;
  }

  /** Feed bytes. Throws `TransportError` (`'oversized'` or `'malformed'`) on a bad prefix. */
  push(chunk: Uint8Array): void {
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (this.#need >= 0) {
        const take = Math.min(end - at, this.#need - this.#have);
        this.#parts.push(chunk.subarray(at, at + take));
        this.#have += take;
        at += take;
        if (this.#have === this.#need) {
          const body = Buffer.concat(this.#parts, this.#need);
          this.#parts = [];
          this.#need = -1;
          this.#have = 0;
          this.#onFrame(body);
        }
        continue;
      }
      let len: number;
      if (this.#headFill === 0 && end - at >= PREFIX_BYTES) {
        len = readU32(chunk, at);
        at += PREFIX_BYTES;
      } else {
        const take = Math.min(end - at, PREFIX_BYTES - this.#headFill);
        this.#head.set(chunk.subarray(at, at + take), this.#headFill);
        this.#headFill += take;
        at += take;
        if (this.#headFill < PREFIX_BYTES) return;
        this.#headFill = 0;
        len = readU32(this.#head, 0);
      }
      this.#check(len);
      if (end - at >= len) {
        // a plain Uint8Array view: cheaper to make than a Buffer slice
        const body = new Uint8Array(chunk.buffer, chunk.byteOffset + at, len);
        at += len;
        this.#onFrame(body);
      } else {
        this.#need = len;
        this.#have = 0;
      }
    }
  }

  #check(len: number): void {
    if (len > this.maxFrameBytes) {
      throw new TransportError('oversized', `frame of ${len} bytes refused: the cap is ${this.maxFrameBytes} bytes`);
    }
    if (len === 0) throw new TransportError('malformed', 'malformed frame: zero-length body');
  }
}

/**
 * Put the 4-byte big-endian length in front of a body (copying it). The codec's
 * `encodeFrame` writes frames with the prefix already in place; this is for tests
 * and peers that build bodies themselves.
 */
export function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(PREFIX_BYTES + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, PREFIX_BYTES);
  return out;
}
