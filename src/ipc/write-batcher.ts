// Coalescing writes: frames queued in the same tick leave together, in one write
// (or at once when enough bytes are queued). Each transport decides how a batch
// goes out (a socket's writev, one transferred ArrayBuffer on a MessagePort); the
// queueing and the tick are the same for all, and live here.

/** How a transport sends one batch: the frames in order, and their total length. */
export type EmitBatch = (frames: Uint8Array[], bytes: number) => void;

/** Frames waiting for the end of the tick (or for `flushBytes`), sent as one batch. */
export class WriteBatcher {
  #queue: Uint8Array[] = [];
  #queued = 0;
  #scheduled = false;
  #emit: EmitBatch;
  #flushBytes: number;

  /** `flushBytes`: send at once, without waiting for the tick, once this many bytes are queued. */
  constructor(emit: EmitBatch, flushBytes = Infinity) {
    this.#emit = emit;
    this.#flushBytes = flushBytes;
  }

  /** Queue one frame. */
  push(frame: Uint8Array): void {
    this.#queue.push(frame);
    this.#queued += frame.length;
    if (this.#queued >= this.#flushBytes) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#onTick);
    }
  }

  /** Send what is queued now (nothing if empty). */
  flush(): void {
    const frames = this.#queue;
    if (frames.length === 0) return;
    const bytes = this.#queued;
    this.#queue = [];
    this.#queued = 0;
    this.#emit(frames, bytes);
  }

  /** Drop what is queued (the transport failed). */
  clear(): void {
    this.#queue = [];
    this.#queued = 0;
  }

  #onTick = (): void => {
    this.#scheduled = false;
    this.flush();
  };
}
