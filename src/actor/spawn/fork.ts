// The 'fork' backend: a Node child process running child-main.ts with the
// parent's execArgv (so a user's loader comes along) after a start-up V8 flag of
// our own. Its stdout and stderr are relayed by the parent, each line prefixed
// with the actor's name; a pause request on its stderr goes to the root's terminal
// instead (debug/relay.ts). The child connects back to the parent's socket; a SIGKILL
// takes the child's whole subtree.
import { relayLines } from '../../ipc/index.ts';
import { killTree } from './kill-tree.ts';
import { pauseLineTaker } from '../debug/relay.ts';
import { currentActor } from '../runtime.ts';

/** Pause requests on a fork child's stderr go toward the root's terminal (debug/relay.ts). */
const takePauseLines = pauseLineTaker(currentActor);
import { CHILD_MAIN, type ChildExit, type SpawnBackend, type SpawnRequest, type SpawnedChild } from './backend.ts';

/**
 * V8 flags a fork child starts with, ahead of `execArgv` (where a user's own value
 * wins, coming later). The young generation starts at 1 MiB by default, and a
 * child fills it while it loads the runtime: one scavenge, 2-5 ms (`--trace-gc`),
 * in the middle of every start-up. At 2 MiB the whole start-up fits; a child's RSS
 * stays within noise of the default (~56 MB after 200 calls, either way).
 */
const CHILD_V8_FLAGS = ['--min-semi-space-size=2'];

export const forkBackend: SpawnBackend = {
  runtime: 'node',
  spawn(req: SpawnRequest): SpawnedChild {
    const boot = JSON.stringify({ name: req.name, uuid: req.uuid, parentAddr: req.parentAddr });
    // node:child_process is loaded on first use (not at every child actor's start-up)
    const child = process.getBuiltinModule('node:child_process').spawn(process.execPath, [...CHILD_V8_FLAGS, ...req.execArgv, CHILD_MAIN, boot], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: req.env,
    });
    // its output, line by line with its name in front, as a Python child's
    relayLines(child.stdout!, `[${req.name}] `, process.stdout);
    relayLines(child.stderr!, `[${req.name}] `, process.stderr, takePauseLines);
    const exited = new Promise<ChildExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: child.exitCode ?? -1, signal: null }));
    });
    if (child.pid === undefined) throw new Error(`could not start actor '${req.name}' (${process.execPath})`);
    return {
      pid: child.pid,
      exited,
      kill(signal) {
        if (child.exitCode !== null || child.signalCode !== null) return;
        // a SIGKILL takes the subtree too: a child that never got to pass it on leaves no orphans
        if (signal === 'SIGKILL') killTree(child.pid!);
        else {
          child.kill(signal);
          // a stopped child takes a SIGTERM only once it runs again: let it handle it
          child.kill('SIGCONT');
        }
      },
    };
  },
};
