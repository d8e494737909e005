// The two spawn backends built into furrow, registered by the entry files that
// need them (the package's main entry and a child actor's runtime), not as a side
// effect of importing some index.
import { registerSpawnBackend } from './backend.ts';
import { forkBackend } from './fork.ts';
import { threadBackend } from './thread.ts';

/** Register the 'fork' (child process) and 'thread' (worker thread) backends. */
export function registerBuiltinBackends(): void {
  registerSpawnBackend('fork', forkBackend);
  registerSpawnBackend('thread', threadBackend);
}
