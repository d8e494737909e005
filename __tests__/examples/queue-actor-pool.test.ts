// Runs examples/queue-actor-pool.ts as a real child process: its output, exit code,
// and that no actor outlived it (stdout only closes once every process holding it,
// the actors too, has exited).
import { runExample } from './run-example.ts';

test('queue-actor-pool: CPU-bound jobs over a pool, a long job cancelled inside its actor', async () => {
  const { code, stdout, stderr } = await runExample('queue-actor-pool.ts');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  // the actor's own line comes through its own pipe, relayed with its name in front:
  // its place among the root's lines may vary
  const all = stdout.trim().split('\n');
  const isActorLine = (l: string): boolean => /^\[pool-\d+\] long job cancelled/.test(l);
  const fromActor = all.filter(isActorLine);
  expect(fromActor).toHaveLength(1);
  expect(fromActor[0]).toMatch(/^\[pool-\d+\] long job cancelled in its actor \(pid \d+\) at \d+: its finally ran there$/);
  const lines = all.filter((l) => !isActorLine(l));
  expect(lines.slice(0, 2)).toEqual(['long job: rejected (the long job is no longer needed)', 'actors replaced: 0']);
  expect(lines[2]).toMatch(/^primes below 2000000: 148933 \(8 slices over \d+ actors\)$/);
  expect(lines[3]).toMatch(/^all \d+ actors exited: nothing left running$/);
  expect(lines).toHaveLength(4);
});
