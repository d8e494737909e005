// `'module:function'` targets: the last colon separates; any non-empty module part is
// a module (a plain-letters name such as 'worker' is a valid Python module).
import { parseTarget } from '../../src/actor/modules.ts';

test("parseTarget accepts a module part of plain letters ('worker:fn')", () => {
  expect(parseTarget('worker:fn')).toEqual({ ns: 'worker', func: 'fn' });
  expect(parseTarget('pkg.mod:fn')).toEqual({ ns: 'pkg.mod', func: 'fn' });
  expect(parseTarget('file:///a/b.ts:fn')).toEqual({ ns: 'file:///a/b.ts', func: 'fn' });
});

test('parseTarget rejects a target without a module or a function', () => {
  for (const bad of ['fn', ':fn', 'mod:']) expect(() => parseTarget(bad)).toThrow(/is not a 'module:function' name/);
});
