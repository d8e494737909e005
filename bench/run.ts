// Runs every bench/*.bench.ts in its own Node process, one after another, so that
// no bench warms or pollutes the heap of the next. `npm run bench [filter]`.
// `npm run bench -- --runs 5 [filter]` runs each bench 5 times in fresh processes
// and then prints, per row, the median ratio over the runs, the lowest and highest,
// and in how many runs the row met its target (a published figure is that line, not
// the best run). A `*.dist.bench.ts` runs as a user's process runs the published
// package: no furrow-source condition (`furrow` is the bundled build in dist/, which
// the npm script builds first) and no other flag, not even --expose-gc: its children
// inherit the parent's flags, and V8 flags such as --expose-gc make Node compile its
// built-in modules afresh in every process (~8 ms per child here).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, type Row } from './lib.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 1;
if (!Number.isInteger(runs) || runs < 1) throw new TypeError(`--runs wants a whole number of runs, at least 1 (got ${args[runsAt + 1] ?? 'nothing'})`);
const filter = args[0] ?? '';
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && f.includes(filter)).sort();
if (files.length === 0) throw new Error(`no bench matches '${filter}' (benches: ${readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).join(', ')})`);

const outDir = mkdtempSync(join(tmpdir(), 'furrow-bench-runs-'));
const load = loadavg()[0]!.toFixed(2);
let failed = 0;
for (let run = 1; run <= runs; run++) {
  if (runs > 1) console.log(`\n## run ${run} of ${runs}`);
  for (const file of files) {
    const flags = file.endsWith('.dist.bench.ts') ? [] : ['--conditions=furrow-source', '--expose-gc'];
    const env = { ...process.env, FURROW_BENCH_OUT: join(outDir, `${run}.jsonl`) };
    const r = spawnSync(process.execPath, [...flags, dir + file], { stdio: 'inherit', env });
    if (r.status !== 0) failed++;
  }
}
if (runs > 1) summarise();
rmSync(outDir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);

/** Per row over all runs: the median ratio, its range, and how many runs met the target. */
function summarise(): void {
  const byRow = new Map<string, Row[]>();
  for (let run = 1; run <= runs; run++) {
    const file = join(outDir, `${run}.jsonl`);
    if (!existsSync(file)) continue; // a run whose benches all failed wrote nothing: its rows count as not met
    for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const row = JSON.parse(line) as Row & { title: string };
      const key = `${row.title} | ${row.name}`;
      byRow.set(key, [...(byRow.get(key) ?? []), row]);
    }
  }
  console.log(`\n## ${runs} runs, ${new Date().toISOString().slice(0, 10)}, load average ${load} at start (Node ${process.version})\n`);
  console.log('| bench | case | median ratio | lowest-highest | target | runs met |');
  console.log('| --- | --- | ---: | ---: | --- | ---: |');
  for (const [key, rows] of byRow) {
    const [title, name] = key.split(' | ');
    const compared = rows.filter((r) => r.baselineUs);
    const met = rows.filter((r) => r.ok).length;
    const target = rows[0]!.target ?? '';
    if (compared.length === 0) {
      // an absolute row: its median, with the note (e.g. a rate) of the run that gave it
      const us = median(rows.map((r) => r.us));
      const note = rows.reduce((a, b) => (Math.abs(b.us - us) < Math.abs(a.us - us) ? b : a)).note;
      console.log(`| ${title} | ${name}${note ? ` (${note})` : ''} | ${us.toFixed(3)} (median, in the row's unit) | | ${target} | ${target ? `${met} of ${runs}` : ''} |`);
      continue;
    }
    const share = compared[0]!.share;
    const vs = compared[0]!.versus ?? 'raw';
    const ratios = compared.map((r) => (share ? r.baselineUs! / r.us : r.us / r.baselineUs!));
    const fmt = (x: number): string => (share ? `${Math.round(x * 100)}% of ${vs}` : `${x.toFixed(2)}x ${vs}`);
    console.log(`| ${title} | ${name} | ${fmt(median(ratios))} | ${fmt(Math.min(...ratios))} - ${fmt(Math.max(...ratios))} | ${target} | ${target ? `${met} of ${runs}` : ''} |`);
  }
}
