// What the npm tarball carries of the Python side: the furrow_asyncio package (so
// `furrow/asyncio` works with no pip step), its pyproject.toml and py.typed, and the
// protocol schema it reads; not the Python tests.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

test('the npm tarball ships the Python package and the schema, not the Python tests', () => {
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as [{ files: { path: string }[] }];
  const files = pack.files.map((f) => f.path);
  const python = files.filter((f) => f.startsWith('bridges/asyncio/python/'));
  expect(python).toEqual(expect.arrayContaining(['bridges/asyncio/python/furrow_asyncio/__init__.py', 'bridges/asyncio/python/furrow_asyncio/py.typed', 'bridges/asyncio/python/pyproject.toml']));
  expect(python.filter((f) => f.includes('/tests/') || f.includes('__pycache__'))).toEqual([]);
  expect(files).toContain('protocol/schema.json');
});
