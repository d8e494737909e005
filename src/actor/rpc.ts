// The callee side of a dialog: find the function a `Start` names (only exports of
// enabled modules, or the runtime's own namespace), run it in its own cancel
// scope, and answer with `Return` or a boxed `Error`. A `Cancel` record cancels
// the task at once (the connection's reader hands it over directly); the answer is
// then a `ContextCancelled` naming whoever asked.
import { CancelScope, isCancelled, log, withCancelScope } from '../core/index.ts';
import type { BoxedError, Connection, Dialog, Uid } from '../ipc/index.ts';
import { MsgTypeError } from '../ipc/index.ts';
import { boxCancelled, boxError } from './box.ts';
import { Context } from './context.ts';
import { isContextFn } from './modules.ts';
import type { Actor } from './runtime.ts';
import { crashPause } from './debug/stop.ts';
import { ignore } from '../core/ignore.ts';

/** A running RPC task, as the actor tracks it (to cancel it with a canceller). */
export interface RpcTask {
  conn: Connection;
  /** what it runs: `module:function` */
  target: string;
  /** when it started (`performance.now()` ms) */
  startedAt: number;
  /** the dialog's channel id on `conn` */
  cid: number;
  /** cancel it on behalf of `canceller` */
  cancel(canceller: Uid, reason: string): void;
}

/** The error a `Start` for a function that cannot be called gets. */
export class ModuleNotEnabledError extends Error {
  override name = 'ModuleNotEnabledError';
}

/** Serve one dialog the peer opened on `conn`. Never throws. */
export async function serveDialog(actor: Actor, conn: Connection, dialog: Dialog): Promise<void> {
  let start;
  try {
    // the Start came with the dialog: taken at once, without a turn of the microtask queue
    start = dialog.receiveNow() ?? (await dialog.receive());
  } catch (err) {
    ignore('a dialog that ended before its Start carries no call')(err);
    dialog.close();
    return;
  }
  if (start.type !== 'Start') {
    dialog.close();
    return;
  }
  const self = actor.uid;
  const reply = (msg: { type: 'Return'; value: unknown } | { type: 'Error'; error: BoxedError }): void => {
    dialog.send(msg).catch((e) => {
      if (e instanceof MsgTypeError && msg.type === 'Return') dialog.send({ type: 'Error', error: boxError(e, self) }).catch(ignore('the opener is gone; it sees the dropped link, not this answer'));
    });
  };
  let fn: (...args: unknown[]) => unknown;
  try {
    fn = actor.resolve(start.ns, start.func, conn);
  } catch (err) {
    reply({ type: 'Error', error: boxError(err, self) });
    dialog.close();
    return;
  }
  const isCtx = isContextFn(fn);
  dialog.send({ type: 'StartAck', functype: isCtx ? 'context' : 'asyncfunc' }).catch(ignore('the opener is gone; the call runs on and its answer is dropped too'));
  const target = `${start.ns}:${start.func}`;
  const scope = new CancelScope();
  scope.label = target;
  let canceller: Uid | null = null;
  let reason = 'cancelled';
  const task: RpcTask = {
    conn,
    target,
    startedAt: performance.now(),
    cid: dialog.cid,
    cancel(by, why) {
      if (canceller === null) log.cancel("task %s cancelled by '%s' [%s]: %s", target, by[0], by[1].slice(0, 8), why);
      canceller ??= by;
      reason = why;
      scope.cancel(why);
    },
  };
  dialog.onCancel = (m) => task.cancel(m.canceller, m.reason ?? 'cancel requested');
  // a Cancel that came before onCancel was set (e.g. in the same read as the Start)
  // is in the buffer: the opener sends nothing else before it hears from us
  while (dialog.pending > 0) {
    const m = await dialog.receive().catch(ignore('a dialog that ended before its first answer has nothing more to cancel'));
    if (m === undefined) break;
    if (m.type === 'Cancel') task.cancel(m.canceller, m.reason ?? 'cancel requested');
  }
  const ctx = isCtx ? new Context('callee', dialog, self, conn.peerUid, target, scope) : undefined;
  actor._tasks.add(task);
  const args = start.value;
  try {
    const result = await withCancelScope(scope, () => (ctx ? fn(ctx, ...args) : fn(...args)));
    if (!scope.cancelledCaught) reply({ type: 'Return', value: result });
    else reply({ type: 'Error', error: ctx?.cancelledAnswer(canceller) ?? boxCancelled(self, canceller ?? conn.peerUid, reason) });
  } catch (err) {
    if (isCancelled(err)) reply({ type: 'Error', error: boxCancelled(self, actor.cancelledBy ?? self, actor.cancelReason ?? err) });
    else {
      // post-mortem: the crash REPL opens here, before the error is boxed
      if (actor.debugMode) crashPause(actor, err, target);
      reply({ type: 'Error', error: boxError(err, self) });
    }
  } finally {
    actor._tasks.delete(task);
    if (ctx) await ctx.finish();
    dialog.close();
  }
}
