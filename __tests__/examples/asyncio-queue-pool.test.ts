// Runs examples/asyncio-queue-pool.ts as a real child process: its output, exit code,
// and that none of the Python workers it started is left.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isAlive } from '../../examples/lib/processes.ts';

test('asyncio-queue-pool: jobs from a task queue dispatched to idle Python workers, all exit', async () => {
  const file = fileURLToPath(new URL('../../examples/asyncio-queue-pool.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=furrow-source', file, '3', '12'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
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
