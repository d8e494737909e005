// Shared helpers of the furrow/asyncio tests: the interpreter, the fixture
// directory, Python actor options, and the "nothing left alive" check.
import { fileURLToPath } from 'node:url';
import type { StartActorOptions } from 'furrow';
import '../../../bridges/asyncio/index.ts';

/** The system Python 3.11 with Debian's python3-msgpack. */
export const PY = '/usr/bin/python3';
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Options of a Python actor serving the fixture module(s). */
export function pyActor(modules: string[] = ['fx_basic'], extra: Record<string, unknown> = {}): StartActorOptions {
  return { backend: 'python', enableModules: modules, backendOptions: { python: PY, cwd: FIXTURES, ...extra } };
}

/** True if a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Assert that none of these processes is alive (each must already have been reaped). */
export function expectAllGone(pids: Iterable<number>): void {
  const left = [...pids].filter(alive);
  if (left.length) throw new Error(`processes still alive: ${left.join(', ')}`);
}

/** Wait until `pid` is gone, checking every 20 ms, up to `ms`; returns how long it took. Safety net, not synchronisation. */
export async function waitGone(pid: number, ms: number): Promise<number> {
  const t0 = Date.now();
  while (alive(pid)) {
    if (Date.now() - t0 > ms) throw new Error(`process ${pid} still alive after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
}
