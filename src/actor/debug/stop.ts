// An actor stopping for the root's REPL: it opens its V8 inspector, asks the root for
// the REPL with one marked line on its stderr (written synchronously: the frame to be
// inspected must still be on the stack, so nothing here may await), and blocks until
// the root has attached (relay.ts, session.ts). Used by `pause()` and, post-mortem, by
// the RPC server when a task of a debug-mode actor fails (`crashPause`).
import type { Actor } from '../runtime.ts';
import { PAUSE_MARK, type PauseRequest } from './relay.ts';

/**
 * @internal Post-mortem (`debugMode`): a task of this actor failed with `error`; stop
 * in this frame, where `error` is in scope, before the error is boxed for the caller.
 * Nothing happens in the root (its own crash REPL opens when an error arrives there)
 * or in a thread actor.
 */
export function crashPause(actor: Actor, error: unknown, task: string): void {
  if (actor.isRoot || !process.getBuiltinModule('node:worker_threads').isMainThread) return;
  waitForTheRepl(actor, { task, error: error instanceof Error ? (error.stack ?? String(error)) : String(error) });
  // eslint-disable-next-line no-debugger -- the crash REPL stops the actor here, with `error` in scope
  debugger;
}

/** @internal Open the inspector, ask the root for the REPL (one synchronous line on stderr), and wait for it. */
export function waitForTheRepl(actor: Actor, crash?: PauseRequest['crash']): void {
  const inspector = process.getBuiltinModule('node:inspector');
  if (!inspector.url()) inspector.open(0, '127.0.0.1', false);
  const req: PauseRequest = { url: inspector.url()!, name: actor.name, uuid: actor.uuid, pid: process.pid, crash };
  process.getBuiltinModule('node:fs').writeSync(2, `${PAUSE_MARK}${JSON.stringify(req)}\n`);
  inspector.waitForDebugger();
}
