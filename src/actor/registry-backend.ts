// A registry other than the root's registrar, for trees that span hosts (furrow/hosts
// installs one on NATS). With a backend installed, this process's actor registers
// there, discovery (`findActor`, `waitForActor`, `getRegistry`) asks it, and addresses
// it hands out are dialled through it. Child actors install the same backend: their
// SpawnSpec names the module to import and the settings to pass it, so that a whole
// tree shares one registry. Without one, the root's registrar serves (registry.ts).
import type { Address, Transport } from '../ipc/index.ts';
import type { Actor } from './runtime.ts';
import type { RegistryEntry } from './registry.ts';

/** A registry shared beyond one host. */
export interface RegistryBackend {
  /** the module a child imports to install this backend; it exports `installRegistryBackend(settings)` */
  readonly module: string;
  /** what that function is given in each child */
  readonly settings: unknown;
  /** Publish `actor` (the backend chooses the address others reach it at); it goes when the actor stops. */
  register(actor: Actor): Promise<void>;
  /** Every live actor named `name`. */
  find(name: string): Promise<RegistryEntry[]>;
  /** Every live actor. */
  list(): Promise<RegistryEntry[]>;
  /** Wait until an actor named `name` is live; its entries. A checkpoint. */
  waitFor(name: string): Promise<RegistryEntry[]>;
  /** A transport to an address this registry handed out. */
  dial(addr: Address): Promise<Transport>;
}

/** What a child is told to import to install its parent's backend. */
export interface RegistryBackendRef {
  module: string;
  settings: unknown;
}

let installed: RegistryBackend | undefined;

/** Use `backend` for this process's actors (and, through their SpawnSpec, their children's). */
export function useRegistryBackend(backend: RegistryBackend): void {
  installed = backend;
}

/** @internal The backend installed in this process, if any. */
export function registryBackend(): RegistryBackend | undefined {
  return installed;
}

/** @internal The reference a child's SpawnSpec carries, if a backend is installed. */
export function registryBackendRef(): RegistryBackendRef | undefined {
  return installed && { module: installed.module, settings: installed.settings };
}

/** @internal In a child: install the backend its parent named (import the module, call its installer). */
export async function installRegistryBackendFrom(ref: RegistryBackendRef): Promise<void> {
  const mod = (await import(ref.module)) as { installRegistryBackend?: (settings: unknown) => void };
  if (typeof mod.installRegistryBackend !== 'function') throw new Error(`registry module '${ref.module}' exports no installRegistryBackend()`);
  mod.installRegistryBackend(ref.settings);
}
