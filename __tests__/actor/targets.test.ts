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

test('a parsed target is remembered, except a relative path, which follows the working directory', () => {
  const first = parseTarget('/srv/jobs.ts:crunch');
  expect(parseTarget('/srv/jobs.ts:crunch')).toBe(first); // the same object: not parsed again
  expect(Object.isFrozen(first)).toBe(true);
  const here = process.cwd();
  try {
    process.chdir('/tmp');
    expect(parseTarget('./jobs.ts:crunch').ns).toBe('file:///tmp/jobs.ts');
    process.chdir('/');
    expect(parseTarget('./jobs.ts:crunch').ns).toBe('file:///jobs.ts');
  } finally {
    process.chdir(here);
  }
});
