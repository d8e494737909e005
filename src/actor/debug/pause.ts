// `pause()`: stop here, in a child actor, and hand the user a REPL in the root's
// terminal, in the caller's frame. The waiting for the REPL is stop.ts's; the
// `debugger` statement below is where the root's REPL finds the actor stopped, and
// from where it steps out to the caller (session.ts).
import { currentActor } from '../runtime.ts';
import { waitForTheRepl } from './stop.ts';

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
  if (!process.getBuiltinModule('node:worker_threads').isMainThread) throw new Error(`pause() in thread actor '${actor.name}': only process actors can be paused (start it with the fork backend to debug it)`);
  waitForTheRepl(actor);
  // eslint-disable-next-line no-debugger -- the point of this function: the root's REPL stops the actor here
  debugger;
  // the inspector stays open until the REPL lets the actor go on: it closes it then
  return Promise.resolve();
}
