// Seeing a running tree from outside: SIGUSR1 at the root prints it to stderr and
// to <runtime dir>/tree-<pid>.txt; `furrow tree` (bin/furrow.ts) attaches by pid or
// socket path, draws it, redraws it with --watch, and refuses what it must. A real
// root process with a fork, a thread and a Python child; none is left behind.
import { execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runtimeDir } from '../../src/ipc/index.ts';
import { socketsOfPid, treeDumpPath, type TreeNode } from '../../src/index.ts';
import { waitAllGone } from './helpers.ts';
import { CLI, startObservedRoot, type ObservedRoot } from './observe-helpers.ts';

const run = promisify(execFile);

/** Run `furrow ...args`; resolves with its output and status (never rejects). */
async function furrow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--conditions=furrow-source', CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let r: ObservedRoot;
beforeAll(async () => {
  r = await startObservedRoot({ FURROW_LOG: 'warn' }, true);
});
afterAll(async () => {
  await r.stop();
  rmSync(treeDumpPath(r.root), { force: true });
  await waitAllGone([r.root, ...r.pids]);
});

/** The lines a drawing of the fixture's tree must hold (the Python task may take a moment to start). */
function expectFixtureDrawing(text: string): void {
  const [worker, , py] = r.pids;
  const lines = text.split('\n');
  expect(lines[0]).toMatch(new RegExp(`^root \\[[0-9a-f]{8}\\] pid ${r.root} root on \\S+ running$`));
  expect(lines[1]).toMatch(/^│ · context basic\.ts:pingPong opener with worker, stream open [\d.]+ m?s$/);
  expect(text).toMatch(new RegExp(`^├─ worker \\[[0-9a-f]{8}\\] pid ${worker} fork running\\n│    · task basic\\.ts:hang `, 'm'));
  expect(text).toMatch(/^│ {4}· context basic\.ts:pingPong callee with root, stream open /m);
  expect(text).toMatch(new RegExp(`^├─ helper \\[[0-9a-f]{8}\\] pid ${r.root} thread running\\n│    · task basic\\.ts:hang `, 'm'));
  expect(text).toMatch(new RegExp(`^└─ py \\[[0-9a-f]{8}\\] pid ${py} python running$`, 'm'));
}

/** Ask until the Python child's task shows (its call may still be on its way when the pids are printed). */
async function pythonTaskRunning(): Promise<void> {
  for (let i = 0; ; i++) {
    const { stdout } = await furrow('tree', String(r.root), '--json');
    const t = JSON.parse(stdout) as TreeNode;
    if (t.children.find((c) => c.name === 'py')?.tasks.length) return;
    if (i > 100) throw new Error(`the Python task never showed:\n${stdout}`);
  }
}

test('kill -USR1 <root pid> prints the whole tree to stderr and to the file the docs name', async () => {
  await pythonTaskRunning();
  const file = treeDumpPath(r.root);
  expect(file).toBe(join(runtimeDir(), `tree-${r.root}.txt`));
  rmSync(file, { force: true });
  process.kill(r.root, 'SIGUSR1');
  const err = await r.waitStderr(/└─ py .*\n {5}· task fx_basic:sleep_forever .*\n/);
  const dump = err.slice(err.indexOf('furrow tree of'));
  expect(dump.split('\n')[0]).toBe(`furrow tree of 'root' (pid ${r.root}, also in ${file}):`);
  expectFixtureDrawing(dump.slice(dump.indexOf('\n') + 1));
  // the file holds the same drawing (stderr is not a terminal here: no colours either way)
  const saved = readFileSync(file, 'utf8');
  expectFixtureDrawing(saved);
  expect(saved.replace(/[\d.]+ m?s/g, 'T')).toBe(dump.slice(dump.indexOf('\n') + 1).replace(/[\d.]+ m?s/g, 'T'));
  // the root goes on running
  expect((await furrow('tree', String(r.root))).code).toBe(0);
});

test('furrow tree <pid> draws the tree; by socket path it asks that actor; --json gives the data', async () => {
  await pythonTaskRunning();
  const byPid = await furrow('tree', String(r.root));
  expect(byPid.code).toBe(0);
  expect(byPid.stderr).toBe('');
  expectFixtureDrawing(byPid.stdout);
  expect(byPid.stdout).toMatch(/└─ py .*\n {5}· task fx_basic:sleep_forever [\d.]+ m?s \(for root\)\n$/);
  // the worker's own socket: its subtree only
  const workerSocket = socketsOfPid(r.pids[0]!)[0]!;
  const bySocket = await furrow('tree', workerSocket);
  expect(bySocket.code).toBe(0);
  expect(bySocket.stdout).toMatch(new RegExp(`^worker \\[[0-9a-f]{8}\\] pid ${r.pids[0]} fork running\\n {2}· task basic\\.ts:hang`));
  const json = JSON.parse((await furrow('tree', String(r.root), '--json')).stdout) as TreeNode;
  expect(json.children.map((c) => c.name)).toEqual(['worker', 'helper', 'py']);
});

test('furrow tree --watch redraws the tree until stopped', async () => {
  const watcher = spawn(process.execPath, ['--conditions=furrow-source', CLI, 'tree', String(r.root), '--watch=100'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve) => {
    watcher.stdout.on('data', (d) => {
      out += d;
      if (out.split('\x1b[H\x1b[2J').length > 3) resolve();
    });
  });
  const exited = new Promise((resolve) => watcher.on('exit', resolve));
  watcher.kill('SIGINT');
  await exited;
  const frames = out.split('\x1b[H\x1b[2J').slice(1);
  expect(frames.length).toBeGreaterThanOrEqual(3);
  for (const frame of frames.slice(0, 3)) {
    expect(frame).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d furrow tree ${r.root} \\(every 100 ms, Ctrl-C to stop\\)\\nroot \\[`));
    expect(frame).toContain('├─ worker [');
  }
});

test('furrow tree refuses clearly: no actor there, not a pid, a socket of another user, bad options', async () => {
  const none = await furrow('tree', '999999');
  expect(none).toMatchObject({ code: 1, stdout: '' });
  expect(none.stderr).toBe(`furrow: no furrow actor listens in process 999999 (no socket of that pid in ${runtimeDir()})\n`);
  const word = await furrow('tree', 'root');
  expect(word.code).toBe(2);
  expect(word.stderr).toMatch(/^furrow: 'root' is neither a pid nor a socket path\nusage: furrow tree/);
  const missing = await furrow('tree', '/nonexistent/x.sock');
  expect(missing).toMatchObject({ code: 1, stderr: 'furrow: no socket file at /nonexistent/x.sock\n' });
  const watch = await furrow('tree', String(r.root), '--watch=5');
  expect(watch).toMatchObject({ code: 2, stderr: "furrow: --watch wants a period of at least 50 ms (got '5')\n" });
  expect((await furrow('frobnicate')).stderr).toMatch(/^furrow: unknown command 'frobnicate'\n/);
  // a socket that belongs to someone else is not touched (making one takes root, as the suite runs here)
  if (process.getuid!() !== 0) return;
  const path = join(runtimeDir(), `other-user-${process.pid}.sock`);
  const server = createServer().listen(path);
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    chownSync(path, 65534, 65534);
    const theirs = await furrow('tree', path);
    expect(theirs).toMatchObject({ code: 1, stderr: `furrow: ${path} belongs to uid 65534, not to this user (${process.getuid!()}): furrow tree attaches to your own processes only\n` });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  expect(existsSync(path)).toBe(false);
});
