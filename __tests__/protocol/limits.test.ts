// The limits of protocol/schema.json on the Node side: one cause depth for every
// boxer, relays that stay within the box depth a receiver accepts, and the frame
// constants. The Python side checks the same (bridges/asyncio/python/tests/test_schema.py).
import { boxError as actorBoxError, unboxError } from '../../src/actor/box.ts';
import {
  boxLocalError,
  DEFAULT_MAX_FRAME_BYTES,
  MAX_CAUSE_DEPTH,
  PREFIX_BYTES,
  PROTOCOL_LIMITS,
  relayBox,
  validateBoxedError,
  type BoxedError,
} from '../../src/ipc/index.ts';

function depth(box: BoxedError | null): number {
  if (!box) return -1;
  return 1 + Math.max(depth(box.relayed), depth(box.cause));
}

/** An error with a `cause` chain `n` deep below it. */
function chain(n: number): Error {
  let e = new Error(`level ${n}`);
  for (let i = n - 1; i >= 0; i--) e = new Error(`level ${i}`, { cause: e });
  return e;
}

/** A box with `cause` boxes nested `n` deep. */
function boxChain(n: number): BoxedError {
  let b: BoxedError | null = null;
  for (let i = n; i >= 0; i--) {
    b = { boxedType: 'E', message: `level ${i}`, stack: '', srcUid: ['a', 'b'], relayPath: [], canceller: null, relayed: null, cause: b, extra: {} };
  }
  return b!;
}

test('the limits are the schema\'s', () => {
  expect(PROTOCOL_LIMITS).toEqual({ prefixBytes: 4, maxFrameBytes: 64 * 1024 * 1024, maxBoxDepth: 64, maxCauseDepth: 16 });
  expect([PREFIX_BYTES, DEFAULT_MAX_FRAME_BYTES, MAX_CAUSE_DEPTH]).toEqual([PROTOCOL_LIMITS.prefixBytes, PROTOCOL_LIMITS.maxFrameBytes, PROTOCOL_LIMITS.maxCauseDepth]);
});

test('every boxer boxes maxCauseDepth causes below an error', () => {
  expect(depth(boxLocalError(chain(30), ['n', 'u']))).toBe(PROTOCOL_LIMITS.maxCauseDepth);
  expect(depth(actorBoxError(chain(30), ['n', 'u']))).toBe(PROTOCOL_LIMITS.maxCauseDepth);
  expect(depth(actorBoxError(chain(3), ['n', 'u']))).toBe(3);
});

test('a relay of a box at the depth limit stays within it, cutting the deepest box', () => {
  const box = boxChain(PROTOCOL_LIMITS.maxBoxDepth);
  expect(depth(box)).toBe(PROTOCOL_LIMITS.maxBoxDepth);
  const relayed = relayBox(box, ['mid', 'm']);
  expect(depth(relayed)).toBe(PROTOCOL_LIMITS.maxBoxDepth);
  expect(validateBoxedError(relayed)).toBeTruthy();
  expect([relayed.message, relayed.relayPath, relayed.relayed!.cause!.message]).toEqual(['level 0', [['mid', 'm']], 'level 1']);
});

test('a box relayed a hundred times is still accepted, its origin kept', () => {
  let box = actorBoxError(chain(30), ['leaf', 'l']);
  for (let i = 0; i < 100; i++) {
    box = actorBoxError(unboxError(box), [`hop${i}`, `h${i}`]);
    expect(validateBoxedError(box)).toBeTruthy();
  }
  expect(depth(box)).toBeLessThanOrEqual(PROTOCOL_LIMITS.maxBoxDepth);
  expect([box.relayPath.length, box.srcUid, box.message]).toEqual([100, ['leaf', 'l'], 'level 0']);
});

test('a short relay keeps the received box as it is', () => {
  const box = boxLocalError(new TypeError('t'), ['leaf', 'l']);
  expect(relayBox(box, ['mid', 'm'])).toEqual({ ...box, relayPath: [['mid', 'm']], relayed: box });
  expect(relayBox(box, ['mid', 'm']).relayed).toBe(box);
});
