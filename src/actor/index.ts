// The actor layer's public surface: actor nurseries, portals, contexts, streams,
// discovery and the errors. What a spawn backend written elsewhere needs is in
// spawn.ts (the `furrow/spawn` subpath).

export { openActorNursery, ActorNursery, type ActorNurseryOptions } from './actor-nursery.ts';
export { Portal, RUNTIME_NS, type OpenContextOptions } from './portal.ts';
export { Context } from './context.ts';
export { MsgStream, type StreamOptions } from './stream.ts';
export { context, isContextFn, normalizeModule, type ContextFn } from './modules.ts';
export { currentActor, Actor } from './runtime.ts';
export { pause } from './debug/pause.ts';
export { registerErrorClass, boxError, unboxError } from './box.ts';
export { ModuleNotEnabledError } from './rpc.ts';
export { RemoteActorError, ContextCancelled, StreamOverrun, ActorDiedError, ActorKilledError, RemoteCancelIgnoredError, TransportError, MsgTypeError } from './errors.ts';
export type { StartActorOptions, BaseStartActorOptions, SpawnBackendOptions } from './spawn/spawn.ts';
export type { TeardownOptions, TeardownOutcome } from './teardown.ts';
export type { RootOptions } from './root.ts';
export type { RegistryEntry } from './registry.ts';
export { findActor, waitForActor, getRegistry } from './discovery.ts';
export { useRegistryBackend, type RegistryBackend, type RegistryBackendRef } from './registry-backend.ts';
export { tree, DEFAULT_TREE_BUDGET_MS, type TreeNode, type TreeTask, type TreeContext, type TreeOptions, type ActorState } from './tree.ts';
export { renderTree, formatDuration, type RenderTreeOptions } from './tree-render.ts';
export { fetchTree, socketsOfPid, type AttachTarget } from './tree-attach.ts';
export { treeDumpPath } from './tree-dump.ts';
export { openSupervisor, Supervisor } from './supervisor/supervisor.ts';
export { RestartIntensityError } from './supervisor/intensity.ts';
export type { SupervisorSpec, ChildSpec, ActorChildSpec, TaskChildSpec, RestartType, Strategy, Backoff, SupervisorEvent, ExitReason, ChildStatus } from './supervisor/spec.ts';
