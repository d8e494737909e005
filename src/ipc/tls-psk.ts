// Authenticated TCP between hosts: TLS 1.2 with a pre-shared key (PSK). Both sides prove
// they hold the same key during the TLS handshake (mutual authentication, no
// certificates), and every frame after it is encrypted. A peer with a wrong or missing
// key never gets a single frame through: the handshake fails and the socket is closed.
import { createConnection as createTcp, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { suspend } from '../core/index.ts';
import { TransportError } from './errors.ts';
import type { Listener } from './listener.ts';
import { StreamTransport } from './stream-transport.ts';
import { listenTcpSockets } from './tcp.ts';
import type { TransportOptions } from './transport.ts';

/** The one cipher suite offered: PSK key exchange, AES-256-GCM (authenticated encryption). */
const PSK_CIPHERS = 'PSK-AES256-GCM-SHA384';
/**
 * How frames are batched on a TLS link: a batch leaves at one TLS record's worth of
 * plaintext (the largest record TLS allows; on a Unix socket 64 KiB writes are
 * better), and its frames go to the socket as they are, since the TLS socket copies a
 * writev into one buffer before encrypting it. A stream of 1 KiB messages between
 * two hosts: the sender's CPU per message 1.35 -> 0.9 us (docs/multihost.md).
 */
const TLS_BATCHING = { batchBytes: 16 * 1024, copyBatches: false } as const;
/** Shortest key accepted: 32 bytes (256 bits) of secret. */
export const MIN_PSK_BYTES = 32;

/** What both ends of an authenticated link share. */
export interface PskCredential {
  /** a name for the key (sent in clear during the handshake; not a secret) */
  identity: string;
  /** the secret, at least `MIN_PSK_BYTES` bytes */
  key: Uint8Array;
}

function checkCredential(cred: PskCredential): void {
  if (typeof cred?.identity !== 'string' || cred.identity.length === 0 || cred.identity.length > 128) {
    throw new TypeError('PSK identity must be a non-empty string of at most 128 characters');
  }
  if (!(cred.key instanceof Uint8Array) || cred.key.byteLength < MIN_PSK_BYTES) {
    throw new TypeError(`PSK key must be a Uint8Array of at least ${MIN_PSK_BYTES} bytes`);
  }
}

/**
 * node:tls (and crypto under it) is loaded on first use: this module is in the IPC
 * entry, and an actor that never links to another host should not pay for it at start.
 */
const loadTls = (): Promise<typeof import('node:tls')> => import('node:tls');

/**
 * Listen for authenticated links. `host` defaults to `127.0.0.1`; give the host's
 * address to accept other hosts. A peer whose key differs is dropped in the handshake
 * and never reaches `accept()` with a usable frame.
 */
export async function listenTlsPsk(cred: PskCredential, opts: TransportOptions & { host?: string; port?: number } = {}): Promise<Listener> {
  checkCredential(cred);
  const key = Buffer.from(cred.key);
  const { TLSSocket } = await loadTls();
  return listenTcpSockets(opts, (raw: Socket) => {
    const s = new TLSSocket(raw, {
      isServer: true,
      ciphers: PSK_CIPHERS,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      pskCallback: (_sock: TLSSocket, identity: string) => (identity === cred.identity ? key : null),
    } as ConstructorParameters<typeof TLSSocket>[1]);
    return new StreamTransport('tcp', `tls-psk:${raw.remoteAddress}:${raw.remotePort}`, { readable: s, writable: s }, { ...opts, ...TLS_BATCHING });
  });
}

/**
 * Connect an authenticated link. A checkpoint; resolves once the TLS-PSK handshake has
 * proved both sides hold the key. Fails with `TransportError` code `'handshake'` if the
 * peer refuses the key (or speaks no TLS-PSK), `'io'` if it cannot be reached.
 */
export async function connectTlsPsk(host: string, port: number, cred: PskCredential, opts: TransportOptions = {}): Promise<StreamTransport> {
  checkCredential(cred);
  const where = `tls-psk:${host}:${port}`;
  const { connect: connectTls } = await loadTls();
  const s = await suspend<TLSSocket>((resolve, reject) => {
    let reachedPeer = false;
    const raw = createTcp({ host, port, noDelay: true });
    raw.once('connect', () => (reachedPeer = true));
    const tls = connectTls({
      socket: raw,
      ciphers: PSK_CIPHERS,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      checkServerIdentity: () => undefined, // the PSK authenticates the server; there is no certificate
      pskCallback: () => ({ identity: cred.identity, psk: Buffer.from(cred.key) }),
    });
    const onError = (e: Error) => {
      tls.destroy();
      reject(
        reachedPeer
          ? new TransportError('handshake', `${where}: TLS-PSK handshake failed (wrong or missing key on one side?): ${e.message}`, { cause: e })
          : new TransportError('io', `connect ${where}: ${e.message}`, { cause: e }),
      );
    };
    tls.once('error', onError);
    tls.once('close', () => onError(new Error('peer closed the connection during the handshake')));
    tls.once('secureConnect', () => {
      tls.off('error', onError);
      tls.removeAllListeners('close');
      resolve(tls);
    });
    return () => tls.destroy();
  });
  return new StreamTransport('tcp', where, { readable: s, writable: s }, { ...opts, ...TLS_BATCHING });
}
