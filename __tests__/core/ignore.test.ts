// ignore / ignoring: a dropped error is dropped on purpose, and listeners hear of it.
import { ignore, ignoring, onIgnoredError } from '../../src/core/ignore.ts';

test('ignoring returns the value, or undefined when fn throws; listeners get reason and error', async () => {
  const heard: [string, unknown][] = [];
  const off = onIgnoredError((reason, error) => heard.push([reason, error]));
  const boom = new Error('boom');
  expect(ignoring('never throws', () => 7)).toBe(7);
  expect(ignoring('throws on purpose', () => { throw boom; })).toBeUndefined();
  await expect(Promise.reject(boom).catch(ignore('rejects on purpose'))).resolves.toBeUndefined();
  off();
  ignoring('after unsubscribe', () => { throw boom; });
  expect(heard).toEqual([['throws on purpose', boom], ['rejects on purpose', boom]]);
});
