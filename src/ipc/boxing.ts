// Boxing errors for the wire: any value thrown in this process becomes a
// `BoxedError` (type, message, stack, msgpack-safe own fields, its cause chain), and
// a box received from another actor is relayed with the relayer appended, cut to the
// nesting a receiver accepts (protocol/schema.json `maxBoxDepth`).
import type { BoxedError, Uid } from './messages.ts';
import { PROTOCOL_LIMITS } from './schema.ts';

/** How many causes below an error `boxLocalError` boxes (protocol/schema.json `maxCauseDepth`). */
export const MAX_CAUSE_DEPTH: number = PROTOCOL_LIMITS.maxCauseDepth;
const MAX_BOX_DEPTH = PROTOCOL_LIMITS.maxBoxDepth;

/**
 * Box any value thrown in this process for an `Error` record (the actor layer's
 * `boxError` adds relaying: an error that came from another actor keeps its origin).
 * Own enumerable fields of the error
 * that msgpack can carry (e.g. `code`, `errno`) go into `extra`. The `cause` chain
 * is boxed down to {@link MAX_CAUSE_DEPTH} causes below the error boxed at `depth` 0.
 */
export function boxLocalError(err: unknown, srcUid: Uid, opts: { canceller?: Uid | null } = {}, depth = 0): BoxedError {
  const e = err instanceof Error ? err : null;
  const extra: Record<string, unknown> = {};
  if (e) {
    for (const [k, v] of Object.entries(e)) {
      if (k === 'cause' || k === 'stack' || k === 'message' || k === 'name') continue;
      if (isPlain(v, 0)) extra[k] = v;
    }
  }
  const cause = e && 'cause' in e && e.cause !== undefined && depth < MAX_CAUSE_DEPTH ? boxLocalError(e.cause, srcUid, {}, depth + 1) : null;
  return {
    boxedType: e ? (e.name && e.name !== 'Error' ? e.name : e.constructor?.name || 'Error') : typeof err,
    message: e ? e.message : safeString(err),
    stack: e?.stack ?? '',
    srcUid,
    relayPath: [],
    canceller: opts.canceller ?? null,
    relayed: null,
    cause,
    extra,
  };
}

/**
 * The box an actor sends when it passes on an error it received as `box`: the
 * origin kept (type, message, stack, `srcUid`, cause), `relayer` appended to
 * `relayPath`, and the received box in `relayed`. Every relay nests one box deeper;
 * where that would pass the limit a receiver enforces (`maxBoxDepth`), the deepest
 * boxes of the received one are cut off, so the result is always accepted.
 */
export function relayBox(box: BoxedError, relayer: Uid): BoxedError {
  const inner = fitBox(box, MAX_BOX_DEPTH - 1, new Map());
  return { ...inner, relayPath: [...inner.relayPath, relayer], relayed: inner };
}

// `box` with its `relayed`/`cause` nesting cut to `budget` levels (the box itself if it fits)
function fitBox(box: BoxedError, budget: number, depths: Map<BoxedError, number>): BoxedError {
  if (boxDepth(box, depths) <= budget) return box;
  if (budget === 0) return { ...box, relayed: null, cause: null };
  return {
    ...box,
    relayed: box.relayed && fitBox(box.relayed, budget - 1, depths),
    cause: box.cause && fitBox(box.cause, budget - 1, depths),
  };
}

// how many levels of boxes nest below `box` (relayed boxes share their causes: memoised)
function boxDepth(box: BoxedError, depths: Map<BoxedError, number>): number {
  let d = depths.get(box);
  if (d === undefined) {
    d = Math.max(box.relayed ? 1 + boxDepth(box.relayed, depths) : 0, box.cause ? 1 + boxDepth(box.cause, depths) : 0);
    depths.set(box, d);
  }
  return d;
}

function isPlain(v: unknown, depth: number): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return true;
  if (depth > 4) return false;
  if (Array.isArray(v)) return v.every((x) => isPlain(x, depth + 1));
  if (v instanceof Uint8Array) return true;
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.values(v as object).every((x) => isPlain(x, depth + 1));
  }
  return false;
}

function safeString(x: unknown): string {
  try {
    return String(x);
  } catch {
    return Object.prototype.toString.call(x);
  }
}
