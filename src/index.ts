// The `furrow` entry point: the core (scopes, nurseries, channels) and, as they
// land, the actor runtime.
export * from './core/index.ts';
export * from './actor/index.ts';
