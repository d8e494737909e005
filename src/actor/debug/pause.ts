// `pause()`: stop here, in a child actor, and hand the user a REPL in the root's
// terminal. The actor opens its V8 inspector, tells its parent where it is with one
// line on stderr (written synchronously: the caller's frame must still be on the stack
// when the REPL starts, so nothing here may await), and blocks in
// `inspector.waitForDebugger()`. Its parent's relay of that stderr picks the line up
// and passes the request to the root (relay.ts), which attaches when it is this
// actor's turn at the terminal (session.ts) and releases it; the `debugger` statement
// below then stops the actor, and the REPL steps out to the caller.
import { isMainThread } from 'node:worker_threads';
import { currentActor } from '../runtime.ts';
import { PAUSE_MARK, type PauseRequest } from './relay.ts';

/**
 * Stop the calling task of this actor and open a REPL in the root's terminal:
 * evaluate expressions in the caller's frame, step (`n`, `s`, `o`), continue (`c`).
 * One REPL at a time across the tree: a second actor that pauses waits its turn. The
 * whole actor (its event loop) is stopped meanwhile; its parent does not count it
 * dead. Works in fork actors; it throws in the root and in thread actors, which have
 * no terminal of their own to be driven from (use `node --inspect` there).
 *
 * It is synchronous (the caller's frame must stay on the stack); `await pause()`
 * works too.
 *
 * @example
 * ```ts
 * import { pause } from 'furrow';
 *
 * export async function crunch(n: number): Promise<number> {
 *   const half = n / 2;
 *   await pause(); // the root's terminal: `(furrow w) half` prints 21
 *   return half;
 * }
 * ```
 */
export function pause(): Promise<void> {
  const actor = currentActor();
  if (actor.isRoot) throw new Error('pause() in the root actor: there is no one above it to drive the REPL (run the root under `node --inspect` instead)');
  if (!isMainThread) throw new Error(`pause() in thread actor '${actor.name}': only process actors can be paused (start it with the fork backend to debug it)`);
  const inspector = process.getBuiltinModule('node:inspector');
  if (!inspector.url()) inspector.open(0, '127.0.0.1', false);
  const req: PauseRequest = { url: inspector.url()!, name: actor.name, uuid: actor.uuid, pid: process.pid };
  process.getBuiltinModule('node:fs').writeSync(2, `${PAUSE_MARK}${JSON.stringify(req)}\n`);
  inspector.waitForDebugger();
  // eslint-disable-next-line no-debugger -- the point of this function: the root's REPL stops the actor here
  debugger;
  // the inspector stays open until the REPL lets the actor go on: it closes it then
  return Promise.resolve();
}
