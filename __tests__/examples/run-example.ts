// Runs one of the examples as a real child process, the way a user would, and
// collects its output. It resolves on 'close', which comes only once every process
// holding the example's stdout (its actors and workers too) has exited.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What an example printed and how it ended. */
export interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `examples/<name>` with Node (sources resolved through `furrow-source`) and `args`. */
export async function runExample(name: string, args: string[] = []): Promise<ExampleRun> {
  const file = fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));
  const child = spawn(process.execPath, ['--conditions=furrow-source', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}
