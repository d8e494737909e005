// Which furrow_asyncio a Python actor runs: a copy installed in the interpreter's own
// site-packages wins over the one shipped in the npm package, which is the fallback.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openActorNursery } from 'furrow';
import { PYTHON_PACKAGE_DIR } from 'furrow/asyncio';
import { PY, expectAllGone, pyActor } from './helpers.ts';

let venv: string;
beforeAll(() => {
  venv = mkdtempSync(join(tmpdir(), 'furrow-venv-'));
  // a virtualenv that sees the system's msgpack, with a copy of the package "installed" in its site-packages
  execFileSync(PY, ['-m', 'venv', '--without-pip', '--system-site-packages', venv]);
  const site = execFileSync(join(venv, 'bin', 'python'), ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { encoding: 'utf8' }).trim();
  cpSync(join(PYTHON_PACKAGE_DIR, 'furrow_asyncio'), join(site, 'furrow_asyncio'), { recursive: true, dereference: true });
}, 60_000);
afterAll(() => rmSync(venv, { recursive: true, force: true }));

test('an installed furrow_asyncio is used first; the copy in the npm package otherwise', async () => {
  const pids: number[] = [];
  const files = await openActorNursery(async (an) => {
    const installed = await an.startActor('installed', { ...pyActor(), python: join(venv, 'bin', 'python') });
    const shipped = await an.startActor('shipped', pyActor());
    pids.push(installed.pid, shipped.pid);
    return [await installed.run('fx_basic:package_file'), await shipped.run('fx_basic:package_file')] as string[];
  });
  expect(files![0]).toMatch(new RegExp(`^${venv}/lib/python3[.0-9]*/site-packages/furrow_asyncio/__init__.py$`));
  expect(files![1]).toBe(join(PYTHON_PACKAGE_DIR, 'furrow_asyncio', '__init__.py'));
  expectAllGone(pids);
});
