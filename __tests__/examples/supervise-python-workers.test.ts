// Runs examples/supervise-python-workers.ts as a real child process: the jobs finish
// through the workers' crashes, the supervisor gives up on the crash loop naming the
// child, and no worker process is left.
import { runExample } from './run-example.ts';
import { isAlive } from '../../examples/lib/processes.ts';

test('supervise-python-workers: crashed workers come back, jobs finish, a crash loop makes the supervisor give up, nothing left', async () => {
  const { code, stdout, stderr } = await runExample('supervise-python-workers.ts', []);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const lines = stdout.trim().split('\n');
  expect(lines.slice(0, 3)).toEqual([
    '30 jobs done, every result right: yes',
    '6 restarts so far (each worker crashed twice and came back)',
    "the supervisor gave up: child 'worker-0' crashed 5 times within the window",
  ]);
  const m = /^11 worker processes in all, 0 left running \(pids ([\d ]+)\)$/.exec(lines[3] ?? '');
  expect(m).not.toBeNull();
  const pids = m![1]!.split(' ').map(Number);
  expect(new Set(pids).size).toBe(11);
  for (const pid of pids) expect(isAlive(pid)).toBe(false);
  expect(lines).toHaveLength(4);
});
