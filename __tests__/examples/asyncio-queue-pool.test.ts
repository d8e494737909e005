// Runs examples/asyncio-queue-pool.ts as a real child process: its output, exit code,
// and that none of the Python workers it started is left.
import { runExample } from './run-example.ts';
import { isAlive } from '../../examples/lib/processes.ts';

test('asyncio-queue-pool: jobs from a task queue dispatched to idle Python workers, all exit', async () => {
  const { code, stdout, stderr } = await runExample('asyncio-queue-pool.ts', ['3', '12']);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const lines = stdout.trim().split('\n');
  expect(lines.slice(0, 3)).toEqual([
    '12 jobs done in order: yes',
    'first digest: 0781b7c2c8c2',
    // concurrency 3 over 3 workers, 12 jobs: each worker is idle again after its first job
    '3 of 3 python workers took jobs (12 in all)',
  ]);
  const m = /^all 3 python workers \(pids (\d+) (\d+) (\d+)\) exited: nothing left running$/.exec(lines[3] ?? '');
  expect(m).not.toBeNull();
  for (const pid of m!.slice(1).map(Number)) expect(isAlive(pid)).toBe(false);
  expect(lines).toHaveLength(4);
});
