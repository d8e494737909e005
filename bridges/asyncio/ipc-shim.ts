// TEMPORARY: the pieces of the IPC layer this bridge needs that `furrow`'s public
// entry does not export yet (the pipe transport, the output relay and the fd
// numbers). Once `src/index.ts` exports them, import them from 'furrow' instead and
// delete this file: it is the only place in bridges/asyncio that reaches into src/.
export { StreamTransport, relayLines, CHILD_READ_FD, CHILD_WRITE_FD } from '../../src/ipc/index.ts';
