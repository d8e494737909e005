// The errors of the actor layer: a remote error rebuilt on this side
// (RemoteActorError), a context cancelled by someone (ContextCancelled), a stream
// whose receiver overflowed (StreamOverrun), a child that died on its own
// (ActorDiedError), and the IPC errors re-exported so users import one place.
import { CancelIgnoredError } from '../core/index.ts';
import type { BoxedError, Uid } from '../ipc/index.ts';

export { TransportError, MsgTypeError } from '../ipc/index.ts';

/**
 * An error raised in another actor, rebuilt here from its box. `boxedType` is the
 * original class name, `message` the original message, `remoteStack` the stack
 * text where it was raised, `srcUid` the actor that raised it and `relayPath` the
 * actors it passed through on its way here (nearest the source first). The
 * error's own serialisable fields are in `extra` (and copied onto the error), its
 * `cause` chain is rebuilt, and a boxed group (`ErrorGroup`, `AggregateError`)
 * keeps its members in `errors`.
 */
export class RemoteActorError extends Error {
  override name = 'RemoteActorError';
  /** the class name of the error at its source, e.g. `TypeError` */
  readonly boxedType: string;
  /** the stack (or traceback) text where the error was raised */
  readonly remoteStack: string;
  /** the actor where the error was raised: `[name, uuid]` */
  readonly srcUid: Uid;
  /** the actors that relayed it, nearest the source first */
  readonly relayPath: Uid[];
  /** the error's other serialisable fields */
  readonly extra: Record<string, unknown>;
  /** members of a boxed error group, rebuilt (empty otherwise) */
  readonly errors: unknown[];
  /** the box this error was rebuilt from (what is sent on when it is relayed) */
  readonly box: BoxedError;

  constructor(box: BoxedError, errors: unknown[] = [], cause?: unknown) {
    super(box.message, cause === undefined ? undefined : { cause });
    this.box = box;
    this.boxedType = box.boxedType;
    this.remoteStack = box.stack;
    this.srcUid = box.srcUid;
    this.relayPath = box.relayPath;
    this.extra = box.extra;
    this.errors = errors;
    // kept, but not enumerated: the stack below already shows the remote stack once, and
    // printing the error (util.inspect) would otherwise repeat it for the box and each relay
    Object.defineProperties(this, { box: { enumerable: false }, remoteStack: { enumerable: false } });
    for (const [k, v] of Object.entries(box.extra)) {
      if (k !== 'errors' && !(k in this)) (this as Record<string, unknown>)[k] = v;
    }
    const via = box.relayPath.length ? ` via ${box.relayPath.map((u) => u[0]).join(' > ')}` : '';
    this.stack = `${this.name}: ${box.boxedType}: ${box.message} [raised in actor '${box.srcUid[0]}'${via}]\n` +
      `--- remote stack ---\n${box.stack || '(none)'}\n--- local stack ---\n${(this.stack ?? '').split('\n').slice(1).join('\n')}`;
  }

  override toString(): string {
    return `${this.name}: ${this.boxedType}: ${this.message} [in actor '${this.srcUid[0]}']`;
  }
}

/**
 * A context (or RPC task) was cancelled on the remote side. `canceller` is the
 * actor that asked for it: the opener itself (then the opener absorbs it), the
 * callee (it cancelled itself), or a third actor (e.g. via `cancelActor`).
 */
export class ContextCancelled extends RemoteActorError {
  override name = 'ContextCancelled';
  /** the actor that requested the cancellation */
  readonly canceller: Uid | null;
  constructor(box: BoxedError) {
    super(box);
    this.canceller = box.canceller;
  }
}

/**
 * A stream's receiver got more messages than its buffer holds. Only possible with
 * `allowOverruns` (the credit window makes it impossible otherwise): the stream
 * fails rather than dropping anything.
 */
export class StreamOverrun extends Error {
  override name = 'StreamOverrun';
}

/** A child actor exited (or its connection dropped) without being asked to. */
export class ActorDiedError extends Error {
  override name = 'ActorDiedError';
  /** the actor's uid */
  readonly uid: Uid;
  /** exit code, if it exited */
  readonly exitCode: number | null;
  /** the signal that ended it, if any */
  readonly signal: string | null;
  constructor(uid: Uid, exitCode: number | null, signal: string | null, detail = '') {
    super(`actor '${uid[0]}' died unexpectedly (${signal ? `signal ${signal}` : `exit code ${exitCode}`})${detail ? `: ${detail}` : ''}`);
    this.uid = uid;
    this.exitCode = exitCode;
    this.signal = signal;
  }
}

/**
 * A child actor did not finish within its grace period after a cancel request
 * (it ignored or swallowed the cancel, or blocked its event loop) and was killed
 * with a signal. Raised by its actor nursery: its cleanup (`finally` blocks) may
 * not have run.
 */
export class ActorKilledError extends ActorDiedError {
  override name = 'ActorKilledError';
  /** the grace period it was given (ms) */
  readonly graceMs: number;
  constructor(uid: Uid, exitCode: number | null, signal: string | null, graceMs: number, killedWith: 'SIGTERM' | 'SIGKILL') {
    super(uid, exitCode, signal);
    this.graceMs = graceMs;
    this.message = `actor '${uid[0]}' did not finish within the ${graceMs} ms grace period after cancel; killed with ${killedWith}`;
  }
}

/**
 * A cancelled (or failed) `Portal.run` asked its callee to stop, and the callee
 * neither answered nor went away within `waitMs` (the portal's `cancelWaitMs`):
 * the remote call may still be running, its `finally` not run. Thrown by `run`
 * instead of the `Cancelled` that interrupted it (which is its `cause`), as trio
 * lets an error replace a cancellation. A `CancelIgnoredError` (the nursery's
 * error for local tasks that ignore a cancel), with `tasks` = `[target]`. Kill the
 * actor (`portal.kill()`) or cancel it (`portal.cancelActor()`) to be sure. An
 * actor nursery that reports the kill of that actor (`ActorKilledError`) drops
 * this error, which says the same.
 */
export class RemoteCancelIgnoredError extends CancelIgnoredError {
  override name = 'RemoteCancelIgnoredError';
  /** the callee actor's uid */
  readonly uid: Uid;
  /** the remote function, `'module:function'` */
  readonly target: string;
  /** how long the caller waited for the callee to stop (ms) */
  readonly waitMs: number;
  constructor(uid: Uid, target: string, waitMs: number, cause: unknown) {
    super([target], waitMs);
    this.message = `${target} in actor '${uid[0]}' did not stop within ${waitMs} ms of being cancelled: it may still be running`;
    this.cause = cause;
    this.uid = uid;
    this.target = target;
    this.waitMs = waitMs;
  }
}
