// Runs examples/queue-crawl.ts as a real child process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('a p-queue crawl cancelled half way leaves nothing running', () => {
  const file = fileURLToPath(new URL('../../examples/queue-crawl.ts', import.meta.url));
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--conditions=furrow-source', file], { encoding: 'utf8', timeout: 20_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const [first, ...rest] = r.stdout.trim().split('\n');
  expect(first).toMatch(/^crawled 1[0-2] of 40 pages, then cancelled$/); // a job finishing in the same tick may land
  expect(rest).toEqual([
    'jobs waiting: 0, jobs running: 0',
    'requests still open on the server: 0',
    'server closed; nothing left running',
  ]);
  expect(Date.now() - t0).toBeLessThan(10_000); // the 10 s slow pages were aborted, not waited for
});
