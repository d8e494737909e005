// The cluster registry on NATS: every actor of a tree that joined a cluster answers
// for itself. Registering subscribes to the subjects of its name (and of "all"), and
// a lookup asks NATS who answers: the replies are the live entries. Nothing is stored,
// so there is no registrar to lose (the root's death takes only its own entry) and no
// stale entry to expire: an actor that stopped has unsubscribed, and one whose host
// went silent cannot answer. The price: a lookup waits for replies to stop coming
// (`STALL_MS` after the last), and an actor whose event loop is blocked does not answer.
import { suspend, type Actor, type RegistryBackend, type RegistryEntry } from 'furrow';
import { connectTlsPsk, readPskFile, type Address, type PskCredential } from 'furrow/spawn';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { hostListener } from './listener.ts';
import { connectNats, encodeJson } from './nats.ts';

/** How long a lookup waits for one more reply after the last (ms). */
export const STALL_MS = 50;
/** How long a lookup waits for a first reply when someone subscribed but is silent (ms). */
export const LOOKUP_MAX_MS = 1000;

/** What a cluster registry needs; children are given the same (their environment wins, see below). */
export interface ClusterSettings {
  /** NATS server URLs */
  nats: string[];
  /** the address this host is reached at */
  hostAddr?: string;
  /** the key file */
  keyFile?: string;
}

/** A NATS subject token for any actor name (names may hold dots, spaces, wildcards). */
const token = (name: string): string => Buffer.from(name, 'utf8').toString('base64url') || '_';
const subjects = {
  name: (name: string) => `furrow.registry.name.${token(name)}`,
  all: 'furrow.registry.all',
  up: (name: string) => `furrow.registry.up.${token(name)}`,
};

/** The registry of a cluster (one per process). */
export class NatsRegistry implements RegistryBackend {
  readonly module = 'furrow/hosts';
  readonly settings: ClusterSettings;
  #nc: Promise<NatsConnection> | undefined;
  #cred: PskCredential | undefined;

  constructor(settings: ClusterSettings) {
    this.settings = settings;
  }

  #connection(): Promise<NatsConnection> {
    if (!this.#nc) {
      const nc = connectNats(this.settings.nats, `furrow-registry-${process.pid}`);
      this.#nc = nc;
      nc.catch(() => (this.#nc = undefined));
    }
    return this.#nc;
  }

  async register(actor: Actor): Promise<void> {
    const addr = await hostListener(actor, this.settings.hostAddr, this.settings.keyFile);
    const nc = await this.#connection();
    const entry = encodeJson({ name: actor.name, uid: actor.uid, addr } satisfies RegistryEntry);
    const answer = { callback: (err: Error | null, msg: { respond(d: Uint8Array): boolean }) => void (err || msg.respond(entry)) };
    const subs: Subscription[] = [nc.subscribe(subjects.name(actor.name), answer), nc.subscribe(subjects.all, answer)];
    // the server has our subscriptions before anyone hears that we are up
    await nc.flush();
    nc.publish(subjects.up(actor.name));
    actor.atStop(() => {
      for (const s of subs) s.unsubscribe();
      const closing = this.#nc;
      this.#nc = undefined;
      void closing?.then((c) => c.close());
    });
  }

  find(name: string): Promise<RegistryEntry[]> {
    return this.#ask(subjects.name(name));
  }

  list(): Promise<RegistryEntry[]> {
    return this.#ask(subjects.all);
  }

  async waitFor(name: string): Promise<RegistryEntry[]> {
    const nc = await this.#connection();
    for (;;) {
      // listen for its announcement first, then look: an actor up in between is seen either way
      const up = nc.subscribe(subjects.up(name), { max: 1 });
      try {
        await nc.flush();
        const found = await this.find(name);
        if (found.length) return found;
        await suspend<void>((resolve) => {
          void (async () => {
            for await (const _ of up) return resolve();
          })();
          return () => up.unsubscribe();
        });
      } finally {
        up.unsubscribe();
      }
    }
  }

  async dial(addr: Address) {
    if (addr.kind !== 'tcp') throw new Error(`the cluster registry dials TLS-PSK addresses only (got ${addr.kind})`);
    this.#cred ??= readPskFile(this.settings.keyFile);
    return connectTlsPsk(addr.host, addr.port, this.#cred);
  }

  /** Ask every actor on `subject`; the live ones answer. */
  async #ask(subject: string): Promise<RegistryEntry[]> {
    const nc = await this.#connection();
    const out: RegistryEntry[] = [];
    try {
      const replies = await nc.requestMany(subject, undefined, { strategy: 'stall', stall: STALL_MS, maxWait: LOOKUP_MAX_MS });
      for await (const m of replies) out.push(m.json<RegistryEntry>());
    } catch (err) {
      // nobody subscribed: no such actor
      if ((err as Error).name !== 'NoResponders') throw err;
    }
    return out;
  }
}
