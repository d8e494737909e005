// killTree: a process and everything below it, listed before any of it dies.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { descendants, killTree } from '../../src/actor/spawn/kill-tree.ts';
import { waitAllGone } from './helpers.ts';

test('descendants() lists children and grandchildren; killTree() kills them all', async () => {
  // sh -> (sh -> sleep), sleep: two levels below the shell we start
  const sh = spawn('sh', ['-c', '(sleep 300 & wait) & sleep 300 & echo ready; wait'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(sh.stdout!, 'data');
  let below: number[];
  // the inner shell may not have forked its sleep yet: wait for the event, not a fixed time
  while ((below = descendants(sh.pid!)).length < 3) await new Promise((r) => setTimeout(r, 5));
  expect(below).toHaveLength(3);
  expect(below).not.toContain(sh.pid);
  const exited = once(sh, 'exit');
  killTree(sh.pid!);
  expect(await exited).toEqual([null, 'SIGKILL']);
  await waitAllGone(below);
  expect(descendants(sh.pid!)).toEqual([]);
});
