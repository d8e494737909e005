// The registrar: the root actor's table of actor names to uids and addresses.
// Actors register when they start and are removed when they unregister, when the
// connection they registered over ends, or when a lookup finds them unreachable.
import { Event } from '../core/index.ts';
import type { Address, Connection, Uid } from '../ipc/index.ts';

/** One registered actor. */
export interface RegistryEntry {
  name: string;
  uid: Uid;
  addr: Address;
}

/** The registrar's table (lives in the root actor). */
export class Registrar {
  #entries = new Map<string, { entry: RegistryEntry; conn: Connection | null }>();
  #changed = new Event();

  /** Add (or replace) the entry of actor `uid`; it goes when `conn` ends (if given). */
  register(uid: Uid, addr: Address, conn: Connection | null): void {
    this.#entries.set(uid[1], { entry: { name: uid[0], uid, addr }, conn });
    this.#bump();
  }

  /** Remove the entry of the actor with this uuid; false if there was none. */
  unregister(uuid: string): boolean {
    const had = this.#entries.delete(uuid);
    if (had) this.#bump();
    return had;
  }

  /** Remove every entry registered over `conn` (it ended). */
  dropConnection(conn: Connection): void {
    let any = false;
    for (const [uuid, e] of this.#entries) {
      if (e.conn === conn) {
        this.#entries.delete(uuid);
        any = true;
      }
    }
    if (any) this.#bump();
  }

  /** Every entry with this name, oldest first. */
  find(name: string): RegistryEntry[] {
    return [...this.#entries.values()].filter((e) => e.entry.name === name).map((e) => e.entry);
  }

  /** Every entry. */
  list(): RegistryEntry[] {
    return [...this.#entries.values()].map((e) => e.entry);
  }

  /** Wait until an actor named `name` is registered; returns its entries. A checkpoint. */
  async waitFor(name: string): Promise<RegistryEntry[]> {
    for (;;) {
      const found = this.find(name);
      if (found.length) return found;
      await this.#changed.wait();
    }
  }

  #bump(): void {
    const e = this.#changed;
    this.#changed = new Event();
    e.set();
  }
}
