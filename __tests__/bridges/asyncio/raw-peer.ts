// A raw client of an actor's Unix socket for the asyncio tests: frames written and read
// by hand (4-byte big-endian length + msgpack, docs/protocol.md section 1), so a test
// can send what furrow's own connection never would, and watch what the actor answers.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { pack, unpack } from 'msgpackr';

/** One length-prefixed frame holding `record`. */
export function frame(record: unknown): Buffer {
  const body = pack(record);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** An `Aid` record of a made-up Node peer (protocol.md section 4); a fixed `uuid` fixes its cid parity. */
export function aid(name = 'raw-peer', uuid: string = randomUUID()): Record<string, unknown> {
  return { type: 'Aid', name, uuid, pid: process.pid, runtime: 'node', version: 1 };
}

/** A uuid below any random one: a peer with it opens dialogs with odd cids (protocol.md section 4). */
export const SMALLEST_UUID = '00000000-0000-0000-0000-000000000000';

/** A raw connection: write bytes and frames, read whole records, see when the actor closes it. */
export class RawPeer {
  readonly socket: Socket;
  /** resolves once the actor ended the connection (EOF or reset) */
  readonly ended: Promise<void>;
  #buf = Buffer.alloc(0);
  #records: Record<string, unknown>[] = [];
  #wake: (() => void) | null = null;
  #done = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, chunk]);
      while (this.#buf.length >= 4 && this.#buf.length >= 4 + this.#buf.readUInt32BE(0)) {
        const n = this.#buf.readUInt32BE(0);
        this.#records.push(unpack(this.#buf.subarray(4, 4 + n)) as Record<string, unknown>);
        this.#buf = this.#buf.subarray(4 + n);
      }
      this.#wake?.();
    });
    this.ended = new Promise((resolve) => {
      const end = () => {
        this.#done = true;
        this.#wake?.();
        resolve();
      };
      socket.once('close', end);
      socket.on('error', end); // a reset is an end too: the test looks at when, not how
    });
  }

  /** Connect to the socket file `path`. */
  static async connect(path: string): Promise<RawPeer> {
    const socket = createConnection(path);
    const peer = new RawPeer(socket);
    await Promise.race([once(socket, 'connect'), peer.ended.then(() => Promise.reject(new Error(`connection to ${path} failed`)))]);
    return peer;
  }

  /** Write raw bytes. */
  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Write one record as a frame. */
  send(record: unknown): void {
    this.socket.write(frame(record));
  }

  /** The next record received (throws if the connection ends first). */
  async next(): Promise<Record<string, unknown>> {
    for (;;) {
      const r = this.#records.shift();
      if (r) return r;
      if (this.#done) throw new Error('the actor closed the connection');
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Do the handshake: send an `Aid`, return the actor's. */
  async handshake(name?: string, uuid?: string): Promise<Record<string, unknown>> {
    this.send(aid(name, uuid));
    const first = await this.next();
    if (first.type !== 'Aid') throw new Error(`expected the actor's Aid, got ${String(first.type)}`);
    return first;
  }

  /** Close our side and wait until the socket is closed. */
  async close(): Promise<void> {
    this.socket.end();
    await this.ended;
  }
}
