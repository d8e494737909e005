// Accepting side of the socket transports: a Listener wraps a net.Server, hands
// each accepted socket out as a Transport (via a callback or `accept()`), and
// cleans up after itself on close.
import type { Server, Socket } from 'node:net';
import { TransportError } from './errors.ts';
import { Inbox } from './inbox.ts';
import type { Address } from './messages.ts';
import type { Transport } from './transport.ts';

/** A bound, listening endpoint. */
export class Listener {
  /** where peers connect (`path` for UDS; the real port for TCP) */
  readonly address: Address;
  /** if set, each accepted transport goes here instead of the `accept()` queue */
  onTransport: ((t: Transport) => void) | null = null;
  #server: Server;
  #accepted = new Inbox<Transport>();
  #closed = false;
  #cleanup: () => void;
  #sockets = new Set<Socket>();

  /** @internal made by `listenUds` / `listenTcp` */
  constructor(server: Server, address: Address, wrap: (s: Socket) => Transport, cleanup: () => void) {
    this.#server = server;
    this.address = address;
    this.#cleanup = cleanup;
    server.on('connection', (s: Socket) => {
      if (this.#closed) {
        s.destroy();
        return;
      }
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
      const t = wrap(s);
      if (this.onTransport) this.onTransport(t);
      else this.#accepted.push(t);
    });
  }

  /** Wait for the next peer. A checkpoint; throws `TransportError` once the listener is closed. */
  accept(): Promise<Transport> {
    return this.#accepted.take();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Transport> {
    for (;;) {
      try {
        yield await this.accept();
      } catch (e) {
        if (this.#closed && e instanceof TransportError) return;
        throw e;
      }
    }
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Stop listening and remove what it made (the socket file for UDS). Accepted
   * connections are left open unless `{ dropConnections: true }`. Resolves when the
   * server is closed.
   */
  close(opts: { dropConnections?: boolean } = {}): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const t of this.#accepted.drain()) t.destroy();
      this.#accepted.end(() => new TransportError('closed', 'listener is closed'));
      if (opts.dropConnections) for (const s of this.#sockets) s.destroy();
    }
    return new Promise<void>((resolve) => {
      if (!this.#server.listening) {
        this.#cleanup();
        resolve();
        return;
      }
      this.#server.close(() => {
        this.#cleanup();
        resolve();
      });
      // the file goes now, not when the last accepted socket ends
      this.#cleanup();
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
