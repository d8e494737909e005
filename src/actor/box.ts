// Boxing errors for the wire and rebuilding them on the other side. A box keeps
// the error's type name, message, stack, own serialisable fields, cause chain and
// (for groups) its members; an error that arrived from elsewhere is relayed with
// its origin kept and this actor appended to its relay path. Error classes
// registered with `registerErrorClass` are rebuilt as themselves.
import { Cancelled } from '../core/index.ts';
import { boxLocalError, MAX_CAUSE_DEPTH, relayBox, type BoxedError, type Uid } from '../ipc/index.ts';
import { ContextCancelled, RemoteActorError } from './errors.ts';

type ErrorClass = abstract new (...args: never[]) => Error;

const registered = new Map<string, ErrorClass>();

/** Where a rebuilt error came from (kept on registered classes rebuilt as themselves). */
const REMOTE = Symbol.for('furrow.remoteBox');

/**
 * Register an error class so that, when an error of this class crosses an actor
 * boundary, it is rebuilt on the other side as an instance of the same class (with
 * its message, serialisable fields and cause) instead of a `RemoteActorError`.
 * Register it in a module both sides import (e.g. the enabled module itself).
 */
export function registerErrorClass(cls: ErrorClass, name: string = cls.name): void {
  registered.set(name, cls);
}

/** The box an error was rebuilt from, if it came from another actor. */
export function remoteBoxOf(err: unknown): BoxedError | undefined {
  if (err instanceof RemoteActorError) return err.box;
  if (err !== null && typeof err === 'object') return (err as { [REMOTE]?: BoxedError })[REMOTE];
  return undefined;
}

/**
 * Box `err` raised (or relayed) in actor `self`. An error rebuilt from a box is
 * relayed: its origin is kept and `self` is appended to `relayPath`.
 */
export function boxError(err: unknown, self: Uid, depth = 0): BoxedError {
  const remote = remoteBoxOf(err);
  if (remote) return relayBox(remote, self);
  const box = boxLocalError(err, self, {}, depth);
  if (err instanceof AggregateError && depth < MAX_CAUSE_DEPTH) {
    box.extra = { ...box.extra, errors: err.errors.map((e) => boxError(e, self, depth + 1)) };
  }
  if (err instanceof Error && err.cause !== undefined && box.cause && depth < MAX_CAUSE_DEPTH) box.cause = boxError(err.cause, self, depth + 1);
  return box;
}

/** Box a cancellation of work in `self`, requested by `canceller`. */
export function boxCancelled(self: Uid, canceller: Uid, reason: unknown): BoxedError {
  const why = reason instanceof Cancelled ? reason.message : reason === undefined ? 'cancelled' : String(reason);
  return {
    boxedType: 'ContextCancelled',
    message: `cancelled by actor '${canceller[0]}' (${why})`,
    stack: '',
    srcUid: self,
    relayPath: [],
    canceller,
    relayed: null,
    cause: null,
    extra: {},
  };
}

/** Rebuild an error from its box. */
export function unboxError(box: BoxedError): Error {
  if (box.boxedType === 'ContextCancelled') return new ContextCancelled(box);
  const cause = box.cause ? unboxError(box.cause) : undefined;
  const cls = registered.get(box.boxedType);
  if (cls) {
    const e = Object.create(cls.prototype) as Error;
    Object.assign(e, box.extra);
    Object.defineProperty(e, 'message', { value: box.message, writable: true, configurable: true });
    if (cause !== undefined) Object.defineProperty(e, 'cause', { value: cause, writable: true, configurable: true });
    Object.defineProperty(e, 'stack', {
      value: `${box.boxedType}: ${box.message} [raised in actor '${box.srcUid[0]}']\n--- remote stack ---\n${box.stack}`,
      writable: true,
      configurable: true,
    });
    Object.defineProperty(e, REMOTE, { value: box });
    return e;
  }
  const members = Array.isArray(box.extra.errors) ? (box.extra.errors as BoxedError[]).map(unboxError) : [];
  return new RemoteActorError(box, members, cause);
}
