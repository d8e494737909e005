// Runs every bench/*.bench.ts in its own Node process, one after another, so that
// no bench warms or pollutes the heap of the next. `npm run bench [filter]`. A
// `*.dist.bench.ts` runs without the furrow-source condition: `furrow` is then the
// bundled build in dist/, which the npm script builds first.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && f.includes(filter)).sort();
let failed = 0;
for (const file of files) {
  const source = file.endsWith('.dist.bench.ts') ? [] : ['--conditions=furrow-source'];
  const r = spawnSync(process.execPath, [...source, '--expose-gc', dir + file], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
