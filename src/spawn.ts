// The `furrow/spawn` entry point: what a spawn backend written outside the core
// needs (the Python bridge is one). The backend contract and its registry, the
// tree killer, the frame transport over a pair of streams, the line relay for a
// child's output, and the fd numbers a child reads (3) and writes (4) frames on.
// Users who only open nurseries and actors never need it.
export * from './actor/spawn/index.ts';
export { StreamTransport, type StreamTransportOptions, TransportError, relayLines, frame, CHILD_READ_FD, CHILD_WRITE_FD, type Transport } from './ipc/index.ts';
// for backends whose children may pause (their stderr carries the request to the root's REPL)
export { pauseLineTaker } from './actor/debug/relay.ts';
// for backends that start actors on other hosts (furrow/hosts)
export { listenTlsPsk, connectTlsPsk, readPskFile, newPskCredential, formatPskFile, PSK_FILE_ENV, MIN_PSK_BYTES, type PskCredential, type Address } from './ipc/index.ts';
