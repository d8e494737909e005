// The built package (dist/, bundled by esbuild) spawns actors that run the bundle's
// own child entry, and a user module importing `furrow` by name shares the child's
// runtime: currentActor() and context functions work there; the bridge bundles use
// that same copy too. Without one shared copy a process would hold two runtimes and
// a user's module (or a bridge) would see neither the actor nor its scopes.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expectAllGone, fixture } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build:js'], { cwd: ROOT, stdio: 'inherit' });
}, 60_000);

test('the bundled build: fork and thread actors and the bridges share one runtime with user modules, and a Python actor starts', async () => {
  const child = spawn(process.execPath, [fixture('dist-main.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
  const out = JSON.parse(stdout) as Record<string, any>;
  expect(out.root).toMatch(/\/dist\/index\.js$/);
  expect(out.fork.who).toEqual({ name: 'fork', entry: expect.stringMatching(/\/dist\/child-main\.js$/) });
  expect(out.fork.greeting).toBe('hello test from fork');
  expect(out.thread.who.name).toBe('thread');
  expect(out.thread.greeting).toBe('hello test from thread');
  expect(out.thread.pid).toBe(child.pid);
  expect(out.bridge).toBe('cancelled by the scope');
  expect(out.python.sum).toBe(6);
  expectAllGone([child.pid!, out.fork.pid, out.python.pid]);
}, 60_000);
