// The entry a child actor runs (a child process or a worker thread). It turns on
// the module compile cache before anything else is loaded, then starts the
// runtime in child.ts.
import module from 'node:module';

module.enableCompileCache?.();
const { childMain } = await import('./child.ts');
await childMain();
