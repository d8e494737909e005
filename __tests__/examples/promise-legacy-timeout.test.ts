// Runs examples/promise-legacy-timeout.ts as a real child process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('legacy fetch code runs under a nursery with a timeout', () => {
  const file = fileURLToPath(new URL('../../examples/promise-legacy-timeout.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--conditions=furrow-source', file], { encoding: 'utf8', timeout: 20_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout.trim().split('\n')).toEqual([
    '/a: hello from /a',
    '/fast: hello from /fast',
    '/slow: timed out',
    "slow requests closed by the server's view: 1",
  ]);
});
