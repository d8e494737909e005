// A fork actor's output is a pipe its parent relays (with `[name] ` in front). When
// the parent is SIGKILLed, writes to that pipe fail (EPIPE): the orphan must drop
// them and still run its finally blocks, not crash. A real root process is killed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fixture, isAlive, waitAllGone } from './helpers.ts';

test("an orphan's writes to its dead parent's relay pipe are dropped: its finally runs to the end", async () => {
  const marker = join(mkdtempSync(join(tmpdir(), 'furrow-relay-')), 'marker');
  // at info the orphan also logs its own cancel: one more write to the broken pipe
  const root = spawn(process.execPath, ['--conditions=furrow-source', fixture('noisy-root.ts'), marker], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, FURROW_LOG: 'info' },
  });
  const [line] = (await once(createInterface({ input: root.stdout! }), 'line')) as [string];
  const { pids } = JSON.parse(line) as { root: number; pids: number[] };
  try {
    root.kill('SIGKILL');
    await waitAllGone(pids, 5000);
    expect(existsSync(marker) && readFileSync(marker, 'utf8')).toBe('finally ran');
  } finally {
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL'); // only after a failure
  }
});
