// Runs examples/core-channel-pipeline.ts as a user would and checks what it prints.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const example = fileURLToPath(new URL('../../examples/core-channel-pipeline.ts', import.meta.url));

test('the channel pipeline example squares every number and stops cleanly at its deadline', async () => {
  const { stdout } = await run(process.execPath, ['--conditions=furrow-source', example], { timeout: 30_000 });
  expect(stdout).toContain('squares: 1 4 9 16 25 36 49 64 81 100 121 144');
  expect(stdout).toContain('cancelled at its deadline, every stage stopped');
});
