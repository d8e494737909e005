// How a pause request travels from a paused actor to the root. The actor writes one
// marked line on its stderr (pause.ts); the parent's fork backend relays that stderr
// and hands the marked line here instead of printing it. If this actor is the root,
// its terminal session takes the request (session.ts); otherwise it is passed up to
// the parent (`furrow:runtime:debugAttach`), hop by hop. Whatever fails on the way,
// the paused actor is let go (`release`), so that a pause never hangs an actor.
import { log } from '../../core/index.ts';
import { ignore } from '../../core/ignore.ts';
import { Portal, RUNTIME_NS } from '../portal.ts';
import type { Actor } from '../runtime.ts';

/** The start of the stderr line that carries a pause request. */
export const PAUSE_MARK = '\u001bfurrow-pause ';

/** Where a paused actor waits for the REPL. */
export interface PauseRequest {
  /** 'pdb': a Python actor's pdb, on the Unix socket `path`; else a Node actor's inspector at `url` */
  kind?: 'pdb';
  /** its V8 inspector's WebSocket URL (loopback: the actor is on this host) */
  url?: string;
  /** the Unix socket a Python actor's pdb waits on */
  path?: string;
  name: string;
  uuid: string;
  pid: number;
  /** post-mortem: the task that failed and its error's stack (the REPL stays in the crash frame) */
  crash?: { task: string; error: string };
}

/** Parse a marked stderr line; undefined for any other line. */
export function pauseRequestOf(line: string): PauseRequest | undefined {
  if (!line.startsWith(PAUSE_MARK)) return undefined;
  try {
    return JSON.parse(line.slice(PAUSE_MARK.length)) as PauseRequest;
  } catch {
    return undefined;
  }
}

/** Node's own lines when an actor opens or is attached to its inspector (pause.ts does both). */
const INSPECTOR_BANNER = /^(Debugger listening on ws:\/\/|For help, see: https:\/\/nodejs\.org|Debugger attached\.$|Waiting for the debugger to disconnect)/;

/**
 * For a fork backend's stderr relay: a pause request goes toward the root's terminal
 * instead of being printed, and Node's inspector banner is dropped (the REPL says
 * which actor paused). True for a line taken.
 */
export function pauseLineTaker(actor: () => Actor): (line: string) => boolean {
  return (line) => {
    const req = pauseRequestOf(line);
    if (req) {
      void forwardPause(actor(), req);
      return true;
    }
    return INSPECTOR_BANNER.test(line);
  };
}

/** Take `req` to the root's terminal (or up toward it); resolves when the session ended. */
export async function forwardPause(actor: Actor, req: PauseRequest): Promise<void> {
  try {
    if (actor.isRoot) {
      // the REPL is loaded the first time an actor pauses
      await (await import('./session.ts')).debugSession(req);
    } else if (actor.parentConn && !actor.parentConn.closed) {
      await new Portal(actor.parentConn).runFromNs(RUNTIME_NS, 'debugAttach', req);
    } else throw new Error('no parent to pass the pause to');
  } catch (err) {
    log.warn("pause() in actor '%s' could not reach the root's terminal (%s): it goes on", req.name, (err as Error).message);
    await release(req).catch(ignore('the paused actor is gone: nothing to let go'));
  }
}

/** Let a paused actor go on without a REPL: attach and tell it to run. */
export async function release(req: PauseRequest): Promise<void> {
  if (req.kind === 'pdb') {
    const sock = process.getBuiltinModule('node:net').createConnection(req.path!);
    sock.on('error', ignore('the paused actor is gone: nothing to let go'));
    sock.end('c\n');
    return;
  }
  const { InspectorClient } = await import('./inspector-client.ts');
  const client = await InspectorClient.connect(req.url!);
  client.notify('Runtime.runIfWaitingForDebugger');
  client.close();
}
