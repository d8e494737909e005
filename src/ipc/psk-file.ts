// The pre-shared key on disk: one line `<identity>:<key in hex>`, in a file only its
// owner may read. `furrow key` writes one; every host of a cluster gets a copy. The
// agent hands the file's path (never the key) to the actors it starts. node:fs is
// taken with process.getBuiltinModule, as in uds.ts: this module is in every child's
// runtime, and an ESM import of node:fs builds a facade that loads fs/promises and
// readline with it (~2.4 ms of each child's start-up).
import { MIN_PSK_BYTES, type PskCredential } from './tls-psk.ts';

/** The environment variable naming the key file. */
export const PSK_FILE_ENV = 'FURROW_PSK_FILE';

/** A fresh credential: `identity` and 32 random bytes. */
export function newPskCredential(identity = 'furrow'): PskCredential {
  return { identity, key: process.getBuiltinModule('node:crypto').randomBytes(MIN_PSK_BYTES) };
}

/** The line a key file holds for `cred`. */
export function formatPskFile(cred: PskCredential): string {
  return `${cred.identity}:${Buffer.from(cred.key).toString('hex')}\n`;
}

/**
 * Read the credential in `path` (default: the file `FURROW_PSK_FILE` names). Throws a
 * `TypeError` saying what is wrong: no file named, unreadable, readable by others
 * (mode not 0600 or stricter), or not one `<identity>:<hex>` line with a long enough key.
 */
export function readPskFile(path: string | undefined = process.env[PSK_FILE_ENV]): PskCredential {
  if (!path) throw new TypeError(`no key file: pass one, or set ${PSK_FILE_ENV} (make one with \`furrow key > file && chmod 600 file\`)`);
  const { readFileSync, statSync } = process.getBuiltinModule('node:fs');
  let text: string;
  try {
    if ((statSync(path).mode & 0o077) !== 0) throw new TypeError(`key file ${path} may be read by others: chmod 600 it`);
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if (err instanceof TypeError) throw err;
    throw new TypeError(`cannot read key file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const m = /^([^:\s]{1,128}):([0-9a-fA-F]+)$/.exec(text);
  if (!m || m[2]!.length % 2 !== 0 || m[2]!.length / 2 < MIN_PSK_BYTES) {
    throw new TypeError(`key file ${path} must hold one line '<identity>:<key in hex, at least ${MIN_PSK_BYTES} bytes>'`);
  }
  return { identity: m[1]!, key: Buffer.from(m[2]!, 'hex') };
}
