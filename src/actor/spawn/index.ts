// What a spawn backend written outside the actor layer needs (the Python bridge is
// one): the backend contract and its registry, and the tree killer.
export { registerSpawnBackend, getSpawnBackend, type SpawnBackend, type SpawnRequest, type SpawnedChild, type ChildExit } from './backend.ts';
export { killTree } from './kill-tree.ts';
