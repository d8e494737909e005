// MessagePort transport, for worker-thread actors. The same frames as on sockets:
// frames queued in one tick (write-batcher.ts) are copied into one ArrayBuffer sent
// with a single postMessage (cloned when small, transferred from TRANSFER_BYTES on).
// This keeps one codec and one frame cap for every transport (docs/ipc.md).
import type { MessagePort } from 'node:worker_threads';
import { TransportError } from './errors.ts';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder } from './framing.ts';
import type { Transport, TransportOptions, TransportSink } from './transport.ts';
import { WriteBatcher } from './write-batcher.ts';

/**
 * Batches from this size on are transferred; smaller ones are cloned. Handing a
 * buffer over (detach, a new ArrayBuffer around the same memory on the other side)
 * costs more than copying a few hundred bytes: a 64-byte round trip between two
 * threads takes ~0.3 us less per direction cloned, a 1 KiB one ~0.4 us less
 * transferred (docs/ipc.md).
 */
const TRANSFER_BYTES = 1024;

/** A Transport over a `MessagePort` (one end of a `MessageChannel`, or a worker's `parentPort`). */
export class PortTransport implements Transport {
  readonly kind = 'port' as const;
  readonly description: string;
  readonly heartbeatByDefault = false;
  readonly needsDrain = false;
  #port: MessagePort;
  #decoder: FrameDecoder;
  #sink: TransportSink | null = null;
  #batcher = new WriteBatcher((frames, bytes) => this.#post(frames, bytes));
  #closed = false;
  #error: TransportError | null = null;

  constructor(port: MessagePort, opts: TransportOptions & { description?: string } = {}) {
    this.#port = port;
    this.description = opts.description ?? 'port';
    this.#decoder = new FrameDecoder(opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, (b) => this.#sink?.frame(b));
    port.on('close', () => this.#finish(null));
  }

  get closed(): boolean {
    return this.#closed;
  }

  attach(sink: TransportSink): void {
    if (this.#sink) throw new Error('transport already attached');
    this.#sink = sink;
    if (this.#closed) {
      sink.closed(this.#error);
      return;
    }
    this.#port.on('message', (data: unknown) => {
      if (this.#closed) return;
      try {
        if (!(data instanceof ArrayBuffer)) throw new TransportError('malformed', `${this.description}: a message that is not an ArrayBuffer of frames`);
        this.#decoder.push(new Uint8Array(data));
      } catch (e) {
        this.destroy(e as TransportError);
      }
    });
  }

  write(frame: Uint8Array): void {
    if (this.#closed) throw new TransportError('closed', `${this.description}: transport is closed`);
    this.#batcher.push(frame);
  }

  /** One batch out: copied into one ArrayBuffer, sent with one postMessage (transferred when large). */
  #post(frames: Uint8Array[], bytes: number): void {
    if (this.#closed) return;
    const out = new Uint8Array(bytes);
    let at = 0;
    for (const f of frames) {
      out.set(f, at);
      at += f.length;
    }
    if (bytes < TRANSFER_BYTES) this.#port.postMessage(out.buffer);
    else this.#port.postMessage(out.buffer, [out.buffer]);
  }

  drain(): Promise<void> {
    return this.#closed ? Promise.reject(new TransportError('closed', `${this.description}: transport is closed`)) : Promise.resolve();
  }

  close(): void {
    if (this.#closed) return;
    this.#batcher.flush();
    this.#finish(null);
    this.#port.close();
  }

  destroy(error?: TransportError): void {
    if (this.#closed) return;
    this.#batcher.clear();
    this.#finish(error ?? new TransportError('closed', `${this.description}: transport destroyed`));
    this.#port.close();
  }

  #finish(error: TransportError | null): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    if (!error && this.#decoder.partial) this.#error = new TransportError('dropped', `${this.description}: closed in the middle of a frame`);
    this.#sink?.closed(this.#error);
  }
}
