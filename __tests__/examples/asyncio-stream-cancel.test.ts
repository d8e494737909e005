// Runs examples/asyncio-stream-cancel.ts as a real child process: its output, exit
// code, and that the Python worker it started is gone.
import { runExample } from './run-example.ts';
import { isAlive } from '../../examples/lib/processes.ts';

test('asyncio-stream-cancel: a Python worker streams, is cancelled mid-stream, its finally prints, nothing left', async () => {
  const { code, stdout, stderr } = await runExample('asyncio-stream-cancel.ts');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const all = stdout.trim().split('\n');
  // the worker's lines are relayed from its own pipe: their place among the root's lines may vary, not their order
  const fromPython = all.filter((l) => l.startsWith('[worker] '));
  expect(fromPython).toHaveLength(2);
  expect(fromPython[0]).toMatch(/^\[worker\] python: cancelled after sending [56] results$/);
  expect(fromPython[1]).toBe('[worker] python: finally ran, cleaning up');
  const lines = all.filter((l) => !l.startsWith('[worker] '));
  expect(lines.slice(0, 2)).toEqual([
    'received 0 1 4 9 16: enough, cancelling the Python task',
    'openContext returned undefined (our own cancel is absorbed)',
  ]);
  const m = /^the python worker \(pid (\d+)\) exited: nothing left running$/.exec(lines[2] ?? '');
  expect(m).not.toBeNull();
  expect(isAlive(Number(m![1]))).toBe(false);
  expect(lines).toHaveLength(3);
});
