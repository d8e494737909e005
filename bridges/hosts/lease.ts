// Leases: how a host agent knows that the parent of its actors is still there when
// the network between them may fail silently. A parent with actors on other hosts
// publishes its lease on NATS every second; an agent that has not seen it for
// `LEASE_TIMEOUT_MS` (the parent's host vanished, the link was cut, or the agent
// itself lost NATS) stops that parent's actors: SIGTERM, then SIGKILL. This works
// even when an actor's own event loop is stuck and its link heartbeat cannot run.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { subjects } from './nats.ts';

/** How often a parent publishes its lease (ms). */
export const LEASE_EVERY_MS = 1000;
/** How long an agent waits for a lease before it stops that parent's actors (ms). */
export const LEASE_TIMEOUT_MS = 5000;

/** Publish `parentUuid`'s lease until the returned function is called. */
export function publishLease(nc: NatsConnection, parentUuid: string): () => void {
  const subject = subjects.lease(parentUuid);
  const beat = (): void => {
    if (!nc.isClosed()) nc.publish(subject);
  };
  beat();
  const timer = setInterval(beat, LEASE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

interface Held {
  sub: Subscription;
  lastSeen: number;
  children: Set<string>;
  lapsed: boolean;
}

/**
 * The agent's side: which parents' leases it watches, for which of its actors.
 * `lapse(uuids)` is called once per parent whose lease ran out.
 */
export class LeaseWatch {
  #nc: NatsConnection;
  #held = new Map<string, Held>();
  #timer: NodeJS.Timeout;

  constructor(nc: NatsConnection, lapse: (parentUuid: string, children: string[]) => void, timeoutMs = LEASE_TIMEOUT_MS) {
    this.#nc = nc;
    this.#timer = setInterval(() => {
      const now = Date.now();
      for (const [parent, h] of this.#held) {
        if (!h.lapsed && now - h.lastSeen > timeoutMs) {
          h.lapsed = true;
          lapse(parent, [...h.children]);
        }
      }
    }, 250);
  }

  /** Watch `parentUuid`'s lease on behalf of actor `child` (its clock starts now). */
  hold(parentUuid: string, child: string): void {
    let h = this.#held.get(parentUuid);
    if (!h) {
      const held: Held = { sub: null as unknown as Subscription, lastSeen: Date.now(), children: new Set(), lapsed: false };
      held.sub = this.#nc.subscribe(subjects.lease(parentUuid), {
        callback: () => {
          held.lastSeen = Date.now();
        },
      });
      this.#held.set(parentUuid, held);
      h = held;
    }
    h.children.add(child);
  }

  /** Actor `child` exited: stop watching its parent's lease if it was the last. */
  release(parentUuid: string, child: string): void {
    const h = this.#held.get(parentUuid);
    if (!h) return;
    h.children.delete(child);
    if (h.children.size === 0) {
      h.sub.unsubscribe();
      this.#held.delete(parentUuid);
    }
  }

  /** Stop every watch. */
  close(): void {
    clearInterval(this.#timer);
    for (const h of this.#held.values()) h.sub.unsubscribe();
    this.#held.clear();
  }
}
