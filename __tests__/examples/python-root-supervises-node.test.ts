// Runs examples/python/root_supervises_node.py as a real Python process: a Python root
// fans prime counting out over a pool of Node actors; the count is right and no Node
// actor is left when it ends.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { isAlive } from '../../examples/lib/processes.ts';

const SCRIPT = fileURLToPath(new URL('../../examples/python/root_supervises_node.py', import.meta.url));

test('root_supervises_node.py: a Python root runs CPU jobs on a pool of Node actors, all torn down', async () => {
  const { stdout, stderr } = await promisify(execFile)('/usr/bin/python3', [SCRIPT, '2', '200000'], {
    env: { ...process.env, FURROW_NODE: process.execPath },
  });
  expect(stderr).toBe('');
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('17984 primes below 200000, in 8 jobs over 2 Node actors');
  const m = /^2 Node actors \(pids (\d+) (\d+)\), 0 left running$/.exec(lines[1] ?? '');
  expect(m).not.toBeNull();
  for (const pid of m!.slice(1).map(Number)) expect(isAlive(pid)).toBe(false);
  expect(lines).toHaveLength(2);
});
