// The built package (dist/, bundled by esbuild) spawns actors that run the bundle's
// own child entry, and a user module importing `furrow` by name shares the child's
// runtime: currentActor() and context functions work there; the bridge bundles use
// that same copy too, and so does a module from outside the package. Without one
// shared copy a process would hold two runtimes and a user's module (or a bridge)
// would see neither the actor nor its scopes.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUNDLE_ENTRIES } from '../../src/actor/resolve-self.ts';
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
  // a child's modules get the child's own build of furrow, wherever they live
  expect(out.fork.outside).toBe('fork');
  expect(out.thread.outside).toBe('thread');
  expect(out.bridge).toBe('cancelled by the scope');
  expect(out.python.sum).toBe(6);
  expectAllGone([child.pid!, out.fork.pid, out.python.pid]);
}, 60_000);

test("a child's own resolution of furrow names every entry point of package.json", () => {
  const exportsMap = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')).exports as Record<string, { default: string }>;
  const fromPackage = Object.entries(exportsMap).map(([key, target]) => [key === '.' ? 'furrow' : `furrow/${key.slice(2)}`, target.default.replace(/^\.\/dist\//, '')]);
  expect([...BUNDLE_ENTRIES]).toEqual(fromPackage);
});
