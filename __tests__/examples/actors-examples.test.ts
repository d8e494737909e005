// Runs each actor example as a real child process: checks its output and exit
// code, and that it left no process behind (its stdout only closes when every
// process that inherited it, i.e. every actor, has exited).
import { runExample } from './run-example.ts';

test('actors-pitch: an actor per core, the root crashes, the whole tree is reaped', async () => {
  const r = await runExample('actors-pitch.ts');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^spawned \d+ actors, one per core$/);
  expect(lines).toContain('every actor is beating; now the root crashes on purpose');
  expect(lines).toContain('root crashed: the root failed on purpose');
  expect(lines.at(-1)).toMatch(/^all \d+ actors were reaped: no process left$/);
});

test('actors-streaming: a bidirectional stream', async () => {
  const r = await runExample('actors-streaming.ts');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout.trim().split('\n')).toEqual([
    'actor says: ready to shout',
    '1: STRUCTURED!',
    '2: CONCURRENCY!',
    '3: ACROSS!',
    '4: PROCESSES!',
    'the actor shouted 4 words',
  ]);
});

test('actors-discovery: actors find each other by name', async () => {
  const r = await runExample('actors-discovery.ts');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout.trim().split('\n')).toEqual(['client read back: hello from the client', 'registered: client, root, store']);
});

test('actors-parallel: CPU-bound work over the cores, same answer, speedup printed', async () => {
  const r = await runExample('actors-parallel.ts', ['400000']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^primes below 400000: 33860 \(root alone, \d+ ms\)$/);
  expect(lines[1]).toMatch(/^primes below 400000: 33860 \(\d+ actors, \d+ ms\)$/);
  expect(lines[2]).toMatch(/^speedup: \d+\.\d\dx on \d+ cores$/);
});

test('debug-pause: with no terminal at the root, a pause shows where the actor stopped and lets it go on', async () => {
  const r = await runExample('debug-pause.ts');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/-- paused in actor 'summer' \[[0-9a-f]{8}\] \(pid \d+\)\nat sumUp \(.*debug-pause\.ts:15\)/);
  expect(r.stdout).toMatch(/no terminal at the root \(stdin is not a TTY\): summer goes on\nthe sum is 21\n$/);
});
