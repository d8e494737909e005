// Runs examples/rxjs-streams.ts as a real child process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('an RxJS stream consumed with cancellation, and one produced by furrow', () => {
  const file = fileURLToPath(new URL('../../examples/rxjs-streams.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--conditions=furrow-source', file], { encoding: 'utf8', timeout: 20_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout.trim().split('\n')).toEqual([
    'consumed several squares, starting 0,1,4',
    'RxJS teardown ran on cancel: true',
    'produced: T-10 T-9 T-8',
    "producer's finally ran after take(3): true",
  ]);
});
