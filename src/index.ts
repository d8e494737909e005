// The `furrow` entry point: the core (scopes, nurseries, channels) and the actor
// runtime, with the built-in spawn backends (fork, thread) registered. Spawn
// backend internals are in `furrow/spawn`.
import { registerBuiltinBackends } from './actor/spawn/builtin-backends.ts';

registerBuiltinBackends();

export * from './core/index.ts';
export * from './actor/index.ts';
