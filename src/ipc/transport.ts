// The one small interface every transport implements (UDS, TCP, pipes,
// MessagePort): whole frames out, frame bodies in, and one report of the end.
import type { TransportError } from './errors.ts';

export type TransportKind = 'uds' | 'tcp' | 'pipe' | 'port';

/** Where a transport delivers what it reads. Set once with `Transport.attach`. */
export interface TransportSink {
  /** One frame body (prefix removed), not yet decoded. */
  frame(body: Uint8Array): void;
  /**
   * The transport is finished: called exactly once. `null` when the stream ended
   * cleanly (our `close()`, or the peer closed between frames); otherwise what broke.
   */
  closed(error: TransportError | null): void;
}

/** Options every transport takes. */
export interface TransportOptions {
  /** refuse frames whose body is larger than this (default 64 MiB) */
  maxFrameBytes?: number;
  /**
   * A frame must be complete this long after its first byte arrived, or the
   * transport fails with code `'timeout'` (default 10 000 ms; a slowloris peer
   * cannot hold a connection by dribbling bytes). Byte streams only.
   */
  frameDeadlineMs?: number;
}

/** A bidirectional frame pipe to one peer. */
export interface Transport {
  readonly kind: TransportKind;
  /** human-readable endpoint, e.g. `uds:/run/user/1000/furrow/a.sock` */
  readonly description: string;
  /** whether a `Connection` over it runs a heartbeat unless told otherwise */
  readonly heartbeatByDefault: boolean;
  /** true once closed or failed */
  readonly closed: boolean;
  /** Start delivering frames to `sink`. Nothing is read before this. */
  attach(sink: TransportSink): void;
  /**
   * Queue one whole frame (4-byte prefix included). Frames queued in the same tick
   * go out in one write. Throws `TransportError('closed')` once the transport is closed.
   */
  write(frame: Uint8Array): void;
  /** True while the OS-level buffer is over its high-water mark. */
  readonly needsDrain: boolean;
  /** Resolves when writes may go on; rejects with `TransportError` if the transport ends first. */
  drain(): Promise<void>;
  /** Flush what is queued, then end the stream gracefully. */
  close(): void;
  /** End now, dropping anything queued; `error` is what the sink is told. */
  destroy(error?: TransportError): void;
}
