// Runs every bench/*.bench.ts in its own Node process, one after another, so that
// no bench warms or pollutes the heap of the next. `npm run bench [filter]`.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && f.includes(filter)).sort();
let failed = 0;
for (const file of files) {
  const r = spawnSync(process.execPath, ['--conditions=furrow-source', '--expose-gc', dir + file], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
