// Runs the Python-side unit tests (stdlib unittest) with the system Python, as the
// README's test command does: python3 -m unittest discover -s tests -t . in bridges/asyncio/python.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { PY } from './helpers.ts';

test('furrow_asyncio unit tests pass (python3 -m unittest discover)', async () => {
  const cwd = fileURLToPath(new URL('../../../bridges/asyncio/python/', import.meta.url));
  const child = spawn(PY, ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`python unittest failed (exit ${code}):\n${out}`);
  expect(out).toMatch(/Ran \d+ tests[\s\S]*OK/);
}, 120_000); // ~17 s on an idle 2-core machine; the default 30 s ran out beside three busy loops
