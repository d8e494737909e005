// The `furrow` entry point: the core (scopes, nurseries, channels) and, as they
// land, the actor runtime.
export * from './core/index.ts';
export * from './actor/index.ts';
// Pieces of the IPC layer for spawn backends written outside the core (the Python
// bridge): the frame transport over a pair of streams, the line relay for a child's
// output, and the fd numbers a child reads (3) and writes (4) frames on.
export { StreamTransport, relayLines, CHILD_READ_FD, CHILD_WRITE_FD } from './ipc/index.ts';
