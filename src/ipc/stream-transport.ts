// A Transport over Node byte streams (a UDS/TCP socket, or a pair of pipe ends):
// frames are split with FrameDecoder on the way in, and coalesced on the way out
// (every frame queued before the next tick goes out in one write).
import type { Readable, Writable } from 'node:stream';
import { TransportError } from './errors.ts';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder } from './framing.ts';
import { WriteBatcher } from './write-batcher.ts';
import type { Transport, TransportKind, TransportOptions, TransportSink } from './transport.ts';

/**
 * Write at once (without waiting for the tick) when this many bytes are queued, and
 * copy small frames together into buffers of about this size. A transport may pick
 * its own (`batchBytes`): TLS links write one record's worth (tls-psk.ts).
 */
const BATCH_BYTES = 64 * 1024;

/** Frames at least this large are written as they are (never copied). */
const BIG_FRAME = 16 * 1024;

/** How a StreamTransport is set up, beyond the options every transport takes. */
export interface StreamTransportOptions extends TransportOptions {
  /** called once after the transport is finished (e.g. to unlink a socket file) */
  onEnd?: () => void;
  /** queued bytes that send a batch at once, without waiting for the tick (default 64 KiB) */
  batchBytes?: number;
  /**
   * Copy a batch's small frames together before writing (default true), so that a
   * socket's writev carries a few large pieces. A TLS socket copies the pieces of a
   * writev into one buffer itself before it encrypts them; there the frames go as
   * they are (false), and a copy in JavaScript (with its garbage) is saved.
   */
  copyBatches?: boolean;
}

/** How long a frame may take to arrive once its first byte did (ms; docs/ipc.md, Liveness and limits). */
export const FRAME_DEADLINE_MS = 10_000;
/**
 * A deadline check that runs this much later than planned means this process's
 * loop was held up, and the rest of the frame may be waiting unread in the socket:
 * the frame gets a new period instead of the blame.
 */
const HELD_UP_MS = 1000;

const DROPPED_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED']);

/** A transport over a duplex stream, or a readable and a writable stream. */
export class StreamTransport implements Transport {
  readonly kind: TransportKind;
  readonly description: string;
  readonly heartbeatByDefault = true;
  #in: Readable;
  #out: Writable;
  #decoder: FrameDecoder;
  #sink: TransportSink | null = null;
  #batchBytes: number;
  #copyBatches: boolean;
  #batcher: WriteBatcher;
  #closed = false;
  #ending = false;
  #reported = false;
  #pendingError: TransportError | null = null;
  #drainWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #onEnd: (() => void) | null;
  #same: boolean;
  #frameDeadlineMs: number;
  /** frames completed so far (a new one may have begun since the last chunk) */
  #framesIn = 0;
  /** when the first byte of the frame now being read came (0: between frames) */
  #partialSince = 0;
  #frameTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * @param kind what it is, for errors and `description`
   * @param streams the stream(s): `{ duplex }` or `{ readable, writable }`
   * @param opts limits, batching, and `onEnd`
   */
  constructor(
    kind: TransportKind,
    description: string,
    streams: { readable: Readable; writable: Writable },
    opts: StreamTransportOptions = {},
  ) {
    this.kind = kind;
    this.description = description;
    this.#in = streams.readable;
    this.#out = streams.writable;
    this.#same = (streams.readable as unknown) === streams.writable;
    this.#onEnd = opts.onEnd ?? null;
    this.#batchBytes = opts.batchBytes ?? BATCH_BYTES;
    this.#copyBatches = opts.copyBatches ?? true;
    this.#batcher = new WriteBatcher((frames, bytes) => this.#emit(frames, bytes), this.#batchBytes);
    this.#frameDeadlineMs = opts.frameDeadlineMs ?? FRAME_DEADLINE_MS;
    this.#decoder = new FrameDecoder(opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, (body) => {
      this.#framesIn++;
      this.#sink?.frame(body);
    });
    const onError = (err: NodeJS.ErrnoException) => this.#fail(ioError(this.description, err));
    this.#in.on('error', onError);
    if (!this.#same) this.#out.on('error', onError);
    this.#in.on('close', () => this.#streamClosed());
    if (!this.#same) this.#out.on('close', () => this.#streamClosed());
    this.#out.on('drain', () => this.#wakeDrain(null));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get needsDrain(): boolean {
    return this.#out.writableNeedDrain;
  }

  attach(sink: TransportSink): void {
    if (this.#sink) throw new Error('transport already attached');
    this.#sink = sink;
    if (this.#pendingError || this.#closed) {
      this.#report(this.#pendingError);
      return;
    }
    this.#in.on('data', (chunk: Buffer) => {
      if (this.#closed) return;
      const before = this.#framesIn;
      try {
        this.#decoder.push(chunk);
      } catch (e) {
        this.#fail(e as TransportError);
        return;
      }
      if (!this.#decoder.partial) this.#partialSince = 0;
      else if (this.#partialSince === 0 || this.#framesIn !== before) this.#frameBegan();
    });
    this.#in.on('end', () => {
      if (this.#decoder.partial) this.#fail(new TransportError('dropped', `${this.description}: stream ended in the middle of a frame`));
      else this.#finish(null);
    });
  }

  /** A frame began and is not complete yet: it has `frameDeadlineMs` (one timer, re-armed lazily). */
  #frameBegan(): void {
    this.#partialSince = performance.now();
    this.#frameTimer ??= setTimeout(this.#checkFrame, this.#frameDeadlineMs).unref();
  }

  #checkFrame = (planned = this.#partialSince + this.#frameDeadlineMs): void => {
    this.#frameTimer = null;
    if (this.#closed || this.#partialSince === 0) return;
    const now = performance.now();
    if (now - planned > HELD_UP_MS) this.#partialSince = now; // our loop was held up, not the peer
    const due = this.#partialSince + this.#frameDeadlineMs;
    if (now < due) {
      this.#frameTimer = setTimeout(() => this.#checkFrame(due), due - now).unref();
      return;
    }
    this.#fail(new TransportError('timeout', `${this.description}: a frame was not complete ${this.#frameDeadlineMs / 1000} s after its first byte`));
  };

  write(frame: Uint8Array): void {
    if (this.#closed || this.#ending) throw new TransportError('closed', `${this.description}: transport is closed`);
    this.#batcher.push(frame);
  }

  /** One batch out, in one writev: small frames copied together (unless `copyBatches` is off), large ones as they are. */
  #emit(q: Uint8Array[], total: number): void {
    if (this.#closed) return;
    const out = this.#out;
    if (q.length === 1) {
      out.write(q[0]);
      return;
    }
    if (!this.#copyBatches) {
      out.cork();
      for (const f of q) out.write(f);
      out.uncork();
      return;
    }
    const chunk = this.#batchBytes;
    if (total <= chunk) {
      out.write(Buffer.concat(q, total));
      return;
    }
    // small frames are copied together into chunks of about `chunk` bytes; large ones
    // go as they are; all of it leaves in one writev
    out.cork();
    let from = 0;
    let bytes = 0;
    for (let i = 0; i < q.length; i++) {
      const f = q[i]!;
      if (f.length >= BIG_FRAME) {
        if (i > from) out.write(i - from === 1 ? q[from] : Buffer.concat(q.slice(from, i), bytes));
        out.write(f);
        from = i + 1;
        bytes = 0;
        continue;
      }
      bytes += f.length;
      if (bytes >= chunk) {
        out.write(Buffer.concat(q.slice(from, i + 1), bytes));
        from = i + 1;
        bytes = 0;
      }
    }
    if (from < q.length) out.write(q.length - from === 1 ? q[from] : Buffer.concat(q.slice(from), bytes));
    out.uncork();
  }

  drain(): Promise<void> {
    if (this.#closed) return Promise.reject(new TransportError('closed', `${this.description}: transport is closed`));
    if (!this.needsDrain) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  close(): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    this.#batcher.flush();
    this.#out.end();
    if (!this.#same) this.#in.destroy();
    // a peer that never reads must not keep us open forever
    const t = setTimeout(() => this.#in.destroy(), 2000);
    t.unref();
    this.#finish(null);
  }

  destroy(error?: TransportError): void {
    this.#fail(error ?? new TransportError('closed', `${this.description}: transport destroyed`));
  }

  #fail(error: TransportError): void {
    if (this.#closed) return;
    this.#batcher.clear();
    this.#in.destroy();
    if (!this.#same) this.#out.destroy();
    this.#finish(error);
  }

  #streamClosed(): void {
    if (!this.#closed) {
      this.#finish(this.#decoder.partial ? new TransportError('dropped', `${this.description}: closed in the middle of a frame`) : null);
    }
  }

  #finish(error: TransportError | null): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#frameTimer) clearTimeout(this.#frameTimer);
    if (!error && !this.#same) {
      // a pipe pair: end ours and let go of theirs, so no handle keeps the process up
      this.#out.end();
      this.#in.destroy();
    }
    this.#pendingError = error;
    this.#wakeDrain(error ?? new TransportError('closed', `${this.description}: transport is closed`));
    if (this.#sink) this.#report(error);
    const onEnd = this.#onEnd;
    this.#onEnd = null;
    onEnd?.();
  }

  #report(error: TransportError | null): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#sink!.closed(error);
  }

  #wakeDrain(error: Error | null): void {
    const ws = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of ws) {
      if (error) w.reject(error);
      else w.resolve();
    }
  }
}

/** Map an OS error on a stream to a TransportError. */
export function ioError(where: string, err: NodeJS.ErrnoException): TransportError {
  if (err instanceof TransportError) return err;
  const code = err.code && DROPPED_CODES.has(err.code) ? 'dropped' : 'io';
  return new TransportError(code, `${where}: ${err.message}`, { cause: err });
}
