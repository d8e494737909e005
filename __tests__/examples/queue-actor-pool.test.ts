// Runs examples/queue-actor-pool.ts as a real child process: its output, exit code,
// and that no actor outlived it (stdout only closes once every process holding it,
// the actors too, has exited).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('queue-actor-pool: CPU-bound jobs over a pool, a long job cancelled inside its actor', async () => {
  const file = fileURLToPath(new URL('../../examples/queue-actor-pool.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=furrow-source', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(0);
  // the actor's own line comes through its own pipe: its place among the root's lines may vary
  const all = stdout.trim().split('\n');
  const fromActor = all.filter((l) => l.startsWith('long job cancelled'));
  expect(fromActor).toHaveLength(1);
  expect(fromActor[0]).toMatch(/^long job cancelled in its actor \(pid \d+\) at \d+: its finally ran there$/);
  const lines = all.filter((l) => !l.startsWith('long job cancelled'));
  expect(lines.slice(0, 2)).toEqual(['long job: rejected (the long job is no longer needed)', 'actors replaced: 0']);
  expect(lines[2]).toMatch(/^primes below 2000000: 148933 \(8 slices over \d+ actors\)$/);
  expect(lines[3]).toMatch(/^all \d+ actors exited: nothing left running$/);
  expect(lines).toHaveLength(4);
});
