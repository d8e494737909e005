// Shared resources (tractor's trionics): `maybeOpenResource` lets many tasks share
// one resource by key (the first user opens it, the last user closes it and waits
// for the close), and `gatherResources` opens several resources concurrently and
// closes them all when the body is done.
import { openNursery } from './nursery.ts';
import { Event } from './sync.ts';

/** An opened resource: its value and how to close it. */
export interface Resource<T> {
  value: T;
  close?: () => Promise<void> | void;
}

/** Opens a resource. */
export type ResourceFactory<T> = () => Promise<Resource<T>> | Resource<T>;

interface Entry {
  users: number;
  ready: Event;
  opened?: Resource<unknown>;
  failure?: { err: unknown };
}

const cache = new Map<unknown, Entry>();

/**
 * Use the resource cached under `key`, opening it with `factory` if no task holds it
 * yet. `body(value, cacheHit)` runs with it; when the last user's body ends, the
 * resource is closed, and that user's call returns only after the close.
 */
export async function maybeOpenResource<T, R>(
  key: unknown,
  factory: ResourceFactory<T>,
  body: (value: T, cacheHit: boolean) => Promise<R> | R,
): Promise<R> {
  let entry = cache.get(key);
  const cacheHit = entry !== undefined;
  if (entry === undefined) {
    const fresh: Entry = { users: 0, ready: new Event() };
    cache.set(key, (entry = fresh));
    void (async () => {
      try {
        fresh.opened = await factory();
      } catch (err) {
        fresh.failure = { err };
        cache.delete(key);
      } finally {
        fresh.ready.set();
      }
    })();
  }
  entry.users++;
  try {
    await entry.ready.wait();
    if (entry.failure) throw entry.failure.err;
    return await body(entry.opened!.value as T, cacheHit);
  } finally {
    if (--entry.users === 0 && entry.opened) {
      cache.delete(key);
      await entry.opened.close?.();
    }
  }
}

/**
 * Open every resource concurrently, run `body` with their values (in the order of
 * `factories`), then close them all concurrently. If one fails to open, the ones
 * already open are closed and the error is thrown.
 */
export async function gatherResources<T extends readonly unknown[], R>(
  factories: { readonly [K in keyof T]: ResourceFactory<T[K]> },
  body: (values: T) => Promise<R> | R,
): Promise<R> {
  const opened: (Resource<unknown> | undefined)[] = new Array(factories.length);
  const closeAll = () =>
    openNursery((n) => {
      for (const r of opened) if (r?.close) n.startSoon(async () => r.close!());
    });
  try {
    await openNursery((n) => {
      factories.forEach((f, i) => n.startSoon(async () => void (opened[i] = await f())));
    });
  } catch (err) {
    await closeAll();
    throw err;
  }
  try {
    return await body(opened.map((r) => r!.value) as unknown as T);
  } finally {
    await closeAll();
  }
}
