// Memory channels with trio's semantics: a send end and a receive end sharing a
// bounded buffer (0 = rendezvous), backpressure on a full buffer, `clone()` for many
// producers or consumers, and clean ends: when every send handle is closed the
// receivers drain the buffer and then see `EndOfChannel`; when every receive handle
// is closed the senders get `BrokenResourceError`.
import { suspend, throwIfCancelled } from './checkpoints.ts';
import { Deque } from './deque.ts';
import { BrokenResourceError, ClosedResourceError, EndOfChannel, WouldBlock } from './errors.ts';

interface SendWaiter<T> {
  value: T;
  handle: MemorySendChannel<T>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface ReceiveWaiter<T> {
  handle: MemoryReceiveChannel<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

class ChannelState<T> {
  buffer = new Deque<T>();
  senders = new Deque<SendWaiter<T>>();
  receivers = new Deque<ReceiveWaiter<T>>();
  openSend = 1;
  openReceive = 1;
  readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
  }
}

/** Statistics of a channel, as trio's `statistics()`. */
export interface ChannelStatistics {
  currentBufferUsed: number;
  maxBufferSize: number;
  openSendChannels: number;
  openReceiveChannels: number;
  tasksWaitingSend: number;
  tasksWaitingReceive: number;
}

function statistics(s: ChannelState<unknown>): ChannelStatistics {
  return {
    currentBufferUsed: s.buffer.length,
    maxBufferSize: s.capacity,
    openSendChannels: s.openSend,
    openReceiveChannels: s.openReceive,
    tasksWaitingSend: s.senders.length,
    tasksWaitingReceive: s.receivers.length,
  };
}

/** The send end of a memory channel. */
export class MemorySendChannel<T> {
  #state: ChannelState<T>;
  #closed = false;

  /** @internal Use {@link openChannel} or `clone()`. */
  constructor(state: ChannelState<T>) {
    this.#state = state;
  }

  /** Send `value`, waiting while the buffer is full. A checkpoint. */
  async send(value: T): Promise<void> {
    throwIfCancelled();
    if (this.#trySend(value)) return;
    const s = this.#state;
    await suspend<void>((resolve, reject) => {
      const w: SendWaiter<T> = { value, handle: this, resolve, reject };
      s.senders.push(w);
      return () => s.senders.remove(w);
    });
  }

  /** Send without waiting; throws {@link WouldBlock} when the buffer is full. */
  sendNowait(value: T): void {
    if (!this.#trySend(value)) throw new WouldBlock('channel buffer is full');
  }

  /** Another handle to the same send end; the channel ends when every handle is closed. */
  clone(): MemorySendChannel<T> {
    this.#checkOpen();
    this.#state.openSend++;
    return new MemorySendChannel(this.#state);
  }

  /** Close this handle. When the last send handle closes, receivers drain and then end. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const s = this.#state;
    for (const w of s.senders.drain()) {
      if (w.handle === this) w.reject(new ClosedResourceError('send channel was closed while sending'));
      else s.senders.push(w);
    }
    if (--s.openSend === 0) {
      for (const r of s.receivers.drain()) r.reject(new EndOfChannel('every send end is closed'));
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Buffer and waiter counts. */
  statistics(): ChannelStatistics {
    return statistics(this.#state as ChannelState<unknown>);
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedResourceError('this send channel handle is closed');
  }

  #trySend(value: T): boolean {
    this.#checkOpen();
    const s = this.#state;
    if (s.openReceive === 0) throw new BrokenResourceError('every receive end of the channel is closed');
    const receiver = s.receivers.shift();
    if (receiver !== undefined) {
      receiver.resolve(value);
      return true;
    }
    if (s.buffer.length < s.capacity) {
      s.buffer.push(value);
      return true;
    }
    return false;
  }
}

/** The receive end of a memory channel; `for await` reads until the channel ends. */
export class MemoryReceiveChannel<T> implements AsyncIterable<T> {
  #state: ChannelState<T>;
  #closed = false;

  /** @internal Use {@link openChannel} or `clone()`. */
  constructor(state: ChannelState<T>) {
    this.#state = state;
  }

  /** Receive the next value, waiting while there is none. A checkpoint. Throws {@link EndOfChannel} at the end. */
  async receive(): Promise<T> {
    throwIfCancelled();
    const s = this.#state;
    if (this.#canReceive()) return this.#take();
    return suspend<T>((resolve, reject) => {
      const w: ReceiveWaiter<T> = { handle: this, resolve, reject };
      s.receivers.push(w);
      return () => s.receivers.remove(w);
    });
  }

  /** Receive without waiting; throws {@link WouldBlock} when nothing is ready. */
  receiveNowait(): T {
    if (this.#canReceive()) return this.#take();
    throw new WouldBlock('channel is empty');
  }

  /** Another handle to the same receive end. */
  clone(): MemoryReceiveChannel<T> {
    if (this.#closed) throw new ClosedResourceError('this receive channel handle is closed');
    this.#state.openReceive++;
    return new MemoryReceiveChannel(this.#state);
  }

  /** Close this handle. When the last receive handle closes, buffered values are dropped and senders break. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const s = this.#state;
    for (const w of s.receivers.drain()) {
      if (w.handle === this) w.reject(new ClosedResourceError('receive channel was closed while receiving'));
      else s.receivers.push(w);
    }
    if (--s.openReceive === 0) {
      s.buffer.drain();
      for (const w of s.senders.drain()) w.reject(new BrokenResourceError('every receive end of the channel is closed'));
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Buffer and waiter counts. */
  statistics(): ChannelStatistics {
    return statistics(this.#state as ChannelState<unknown>);
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async () => {
        try {
          return { value: await this.receive(), done: false };
        } catch (err) {
          if (err instanceof EndOfChannel) return { value: undefined, done: true };
          throw err;
        }
      },
      return: async () => ({ value: undefined, done: true }),
    };
  }

  /** True when a value (or the end) is ready without waiting; throws on a closed handle. */
  #canReceive(): boolean {
    if (this.#closed) throw new ClosedResourceError('this receive channel handle is closed');
    const s = this.#state;
    return s.buffer.length > 0 || s.senders.length > 0 || s.openSend === 0;
  }

  #take(): T {
    const s = this.#state;
    if (s.buffer.length > 0) {
      const value = s.buffer.shift()!;
      const sender = s.senders.shift();
      if (sender !== undefined) {
        s.buffer.push(sender.value);
        sender.resolve();
      }
      return value;
    }
    const sender = s.senders.shift();
    if (sender !== undefined) {
      sender.resolve();
      return sender.value;
    }
    throw new EndOfChannel('every send end is closed');
  }
}

/**
 * Open a memory channel holding up to `bufferSize` values (0: every send waits for
 * a receive). Returns `[send, receive]`.
 */
export function openChannel<T>(bufferSize = 0): [MemorySendChannel<T>, MemoryReceiveChannel<T>] {
  if (!(bufferSize >= 0)) throw new RangeError(`bufferSize must be a number >= 0 (got ${bufferSize})`);
  const state = new ChannelState<T>(bufferSize);
  return [new MemorySendChannel(state), new MemoryReceiveChannel(state)];
}
