// The 'fork' backend: a Node child process running child-main.ts with the
// parent's execArgv (so a user's loader comes along), the compile cache on, and
// stdio shared with the parent. The child connects back to the parent's socket.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHILD_MAIN, type ChildExit, type SpawnBackend, type SpawnRequest, type SpawnedChild } from './backend.ts';

/** Flags a child must not inherit (a debugger port cannot be shared). */
const SKIP = /^--(inspect|inspect-brk|inspect-port|debug-port|eval|print)\b|^-[ep]$/;

/** The parent's `execArgv`, minus flags that only make sense once per process tree. */
export function inheritedExecArgv(): string[] {
  return process.execArgv.filter((a) => !SKIP.test(a));
}

/** Environment for a Node child: the compile cache on (TypeScript children start as fast as JavaScript ones). */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, NODE_COMPILE_CACHE: env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'furrow-compile-cache') };
}

export const forkBackend: SpawnBackend = {
  runtime: 'node',
  spawn(req: SpawnRequest): SpawnedChild {
    const boot = JSON.stringify({ name: req.name, uuid: req.uuid, parentAddr: req.parentAddr });
    // node:child_process is loaded on first use (not at every child actor's start-up)
    const child = process.getBuiltinModule('node:child_process').spawn(process.execPath, [...req.execArgv, CHILD_MAIN, boot], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: req.env,
    });
    const exited = new Promise<ChildExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: child.exitCode ?? -1, signal: null }));
    });
    if (child.pid === undefined) throw new Error(`could not start actor '${req.name}' (${process.execPath})`);
    return {
      pid: child.pid,
      exited,
      kill(signal) {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
    };
  },
};
