// The Python guide's snippets run (docs/python.md): every ```python block named by
// `<!-- file: x.py -->` is written out, every one named by `<!-- run: x.py -->` is run
// with /usr/bin/python3 in that directory (the package on PYTHONPATH, the pinned Node as
// FURROW_NODE), and its output must equal the ```text block after it. Every ```python
// block of the guide is one or the other.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GUIDE = readFileSync(join(ROOT, 'docs/python.md'), 'utf8');

interface Block {
  kind: 'file' | 'run';
  name: string;
  code: string;
  expected?: string;
}

/** The guide's python blocks, each with its role, and the text block that follows a run. */
function blocks(markdown: string): Block[] {
  const re = /(?:<!-- (file|run): (\S+) -->\n)?```python\n([\s\S]*?)```\n(?:\n```text\n([\s\S]*?)```)?/g;
  return [...markdown.matchAll(re)].map((m) => {
    if (!m[1]) throw new Error(`a python block of docs/python.md is neither a file nor a run:\n${m[3]}`);
    return { kind: m[1] as Block['kind'], name: m[2]!, code: m[3]!, expected: m[4] };
  });
}

test('every python snippet of the guide is a named file or a run, and every run has its expected output', () => {
  const all = blocks(GUIDE);
  expect(all.filter((b) => b.kind === 'run').length).toBeGreaterThanOrEqual(4);
  for (const b of all.filter((b) => b.kind === 'run')) expect(b.expected).toBeDefined();
});

test('the guide runs: each run snippet prints what the guide says', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'furrow-guide-'));
  try {
    const all = blocks(GUIDE);
    for (const b of all) writeFileSync(join(dir, b.name), b.code);
    for (const b of all.filter((x) => x.kind === 'run')) {
      const { stdout } = await promisify(execFile)('/usr/bin/python3', [b.name], {
        cwd: dir,
        env: { ...process.env, PYTHONPATH: join(ROOT, 'bridges/asyncio/python'), FURROW_NODE: process.execPath },
      });
      expect(`${b.name}:\n${stdout}`).toBe(`${b.name}:\n${b.expected}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
