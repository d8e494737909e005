// Shared helpers of the furrow/asyncio tests: the interpreter, the fixture
// directory, Python actor options, and the "nothing left alive" check.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BaseStartActorOptions } from 'furrow';
import type { PythonActorOptions } from '../../../bridges/asyncio/index.ts';
import { descendants } from '../../../src/actor/spawn/kill-tree.ts';
import '../../../bridges/asyncio/index.ts';

/** The system Python 3.11 with Debian's python3-msgpack. */
export const PY = '/usr/bin/python3';
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Options of a Python actor. */
export type PyActorOptions = BaseStartActorOptions & PythonActorOptions & { backend: 'python' };

/** Options of a Python actor serving the fixture module(s), written as the issue does (top-level `python`, `cwd`). */
export function pyActor(modules: string[] = ['fx_basic'], extra: Record<string, unknown> = {}): PyActorOptions {
  return { backend: 'python', python: PY, cwd: FIXTURES, enableModules: modules, backendOptions: extra };
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

/**
 * True once `pid` has exited: gone (ESRCH), or a zombie. An orphan's zombie is
 * reaped by init, which here (a sandbox's pid 1) can take a second or more, so the
 * orphan test checks that the process exited, not when init reaped it.
 */
export function exited(pid: number): boolean {
  if (!alive(pid)) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Assert that none of these processes is alive (each must already have been reaped). */
export function expectAllGone(pids: Iterable<number>): void {
  const left = [...pids].filter(alive);
  if (left.length) throw new Error(`processes still alive: ${left.join(', ')}`);
}

/** The processes below this test process now (for {@link expectNoneLeftSince}). */
export function processesBelowUs(): Set<number> {
  return new Set(descendants(process.pid));
}

/**
 * Assert that every process started below this one since `before` was taken is gone:
 * for a spawn that failed, whose pid the test never saw.
 */
export function expectNoneLeftSince(before: Set<number>): void {
  const left = descendants(process.pid).filter((pid) => !before.has(pid));
  if (left.length) throw new Error(`processes still alive: ${left.join(', ')}`);
}

/** Wait until `pid` has exited (see {@link exited}), checking every 10 ms, up to `ms`; returns how long it took. */
export async function waitExited(pid: number, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!exited(pid)) {
    if (Date.now() - t0 > ms) throw new Error(`process ${pid} still alive after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - t0;
}

/** Wait until `pid` is gone for good (ESRCH: exited and reaped), checking every 10 ms, up to `ms`. */
export async function waitGone(pid: number, ms: number): Promise<void> {
  const t0 = Date.now();
  while (alive(pid)) {
    if (Date.now() - t0 > ms) throw new Error(`process ${pid} still alive after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
