// Helpers of the observability tests: start the observe-root fixture as a real
// process (a fork, a thread and optionally a Python child), wait for its pids,
// watch its stderr, and end it (stdin closed: an orderly Ctrl-C-like teardown).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fixture } from './helpers.ts';

export const CLI = fileURLToPath(new URL('../../bin/furrow.ts', import.meta.url));

/** A running observe-root fixture. */
export interface ObservedRoot {
  proc: ChildProcess;
  /** the root's pid, and its children's (the thread child's is the root's) */
  root: number;
  pids: number[];
  /** everything written to stderr so far */
  stderr(): string;
  /** resolves once stderr contains `text` (rejects after `ms`, a safety net) */
  waitStderr(text: string | RegExp, ms?: number): Promise<string>;
  /** close stdin (the fixture then interrupts itself) and wait for its exit */
  stop(): Promise<{ code: number | null; signal: string | null }>;
}

/** Start the fixture with `env` added to ours; `python` adds a Python child. */
export async function startObservedRoot(env: Record<string, string>, python = false): Promise<ObservedRoot> {
  const proc = spawn(process.execPath, ['--conditions=furrow-source', fixture('observe-root.ts'), ...(python ? ['python'] : [])], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  const watchers = new Set<() => void>();
  proc.stdout!.on('data', (d) => ((out += d), watchers.forEach((w) => w())));
  proc.stderr!.on('data', (d) => ((err += d), watchers.forEach((w) => w())));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const until = (test: () => boolean, what: string, ms: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!test()) return;
        watchers.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => (watchers.delete(check), reject(new Error(`${what} not seen within ${ms} ms; stderr:\n${err}`))), ms);
      watchers.add(check);
      void exited.then(() => setImmediate(() => watchers.has(check) && (watchers.delete(check), clearTimeout(timer), reject(new Error(`the root exited before ${what}; stderr:\n${err}`)))));
      check();
    });
  await until(() => out.includes('\n'), 'the pids line', 20_000);
  const { root, pids } = JSON.parse(out.slice(0, out.indexOf('\n'))) as { root: number; pids: number[] };
  return {
    proc,
    root,
    pids,
    stderr: () => err,
    async waitStderr(text, ms = 10_000) {
      const has = (): boolean => (typeof text === 'string' ? err.includes(text) : text.test(err));
      await until(has, String(text), ms);
      return err;
    },
    async stop() {
      proc.stdin!.end();
      return exited;
    },
  };
}
