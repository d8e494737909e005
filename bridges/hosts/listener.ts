// Each actor's listener for other hosts: TLS-PSK on this host's address, opened on
// first use (a remote child to link back, or a cluster registry entry to hand out)
// and served by the actor like its Unix socket, until the actor stops.
import type { Actor } from 'furrow';
import { listenTlsPsk, readPskFile, type Address } from 'furrow/spawn';

/** The environment variable with this host's address, the one other hosts reach it at. */
export const HOST_ADDR_ENV = 'FURROW_HOST_ADDR';

const listeners = new WeakMap<Actor, Promise<Address & { kind: 'tcp' }>>();

/**
 * The TLS-PSK address `actor` is reached at from other hosts (listening at `hostAddr`,
 * default `FURROW_HOST_ADDR`, with the key in `keyFile`, default `FURROW_PSK_FILE`).
 */
export function hostListener(actor: Actor, hostAddr?: string, keyFile?: string): Promise<Address & { kind: 'tcp' }> {
  let addr = listeners.get(actor);
  if (!addr) {
    const host = hostAddr ?? process.env[HOST_ADDR_ENV];
    if (!host) throw new TypeError(`actors on other hosts reach this one at its address: set ${HOST_ADDR_ENV} or pass it (listenHost / hostAddr)`);
    const cred = readPskFile(keyFile);
    addr = listenTlsPsk(cred, { host }).then((l) => {
      actor.acceptFrom(l);
      return l.address as Address & { kind: 'tcp' };
    });
    listeners.set(actor, addr);
    addr.catch(() => listeners.delete(actor));
  }
  return addr;
}
