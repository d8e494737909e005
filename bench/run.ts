// Runs every bench/*.bench.ts in its own Node process, one after another, so that
// no bench warms or pollutes the heap of the next. `npm run bench [filter]`. A
// `*.dist.bench.ts` runs as a user's process runs the published package: no
// furrow-source condition (`furrow` is the bundled build in dist/, which the npm
// script builds first) and no other flag, not even --expose-gc: its children
// inherit the parent's flags, and V8 flags such as --expose-gc make Node compile
// its built-in modules afresh in every process (~8 ms per child here).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && f.includes(filter)).sort();
let failed = 0;
for (const file of files) {
  const flags = file.endsWith('.dist.bench.ts') ? [] : ['--conditions=furrow-source', '--expose-gc'];
  const r = spawnSync(process.execPath, [...flags, dir + file], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
