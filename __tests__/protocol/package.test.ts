// The npm package carries protocol/schema.json where the Python package inside it
// finds it: packed with `npm pack`, unpacked in a temporary directory, and imported
// by a real Python from there (the repository is not on its path).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PY } from '../bridges/asyncio/helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('the packed npm package ships the schema and its Python package reads it from there', () => {
  const dir = mkdtempSync(join(tmpdir(), 'furrow-pack-'));
  try {
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], root)) as { filename: string; files: { path: string }[] }[];
    const files = packed!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['protocol/schema.json', 'protocol/vectors.json', 'bridges/asyncio/python/furrow_asyncio/schema.py']));
    // the vectors' generator and writer are not part of the package
    expect(files.filter((f) => f.startsWith('protocol/'))).toEqual(['protocol/schema.json', 'protocol/vectors.json']);
    run('tar', ['-xzf', packed!.filename, '-C', dir], dir);
    const py = join(dir, 'package', 'bridges', 'asyncio', 'python');
    const out = run(PY, ['-c', 'import furrow_asyncio.messages as m, furrow_asyncio.schema as s; print(s.SCHEMA_PATHS[1]); print(m.validate_record({"type": "Credit", "cid": 1, "n": 2})["n"])'], py);
    const [found, n] = out.trim().split('\n');
    expect(resolve(found!)).toBe(join(dir, 'package', 'protocol', 'schema.json'));
    expect(n).toBe('2');
    // without the file, the import fails saying where it looked
    rmSync(join(dir, 'package', 'protocol'), { recursive: true });
    const r = spawnSync(PY, ['-c', 'import furrow_asyncio.messages'], { cwd: py, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/the protocol schema \(protocol\/schema\.json\) is missing; looked in: .*package\/protocol\/schema\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
