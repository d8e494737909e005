// A Python actor's socket file: in the private runtime directory Node actors use
// (0700, refused if another user owns it), made 0600, removed at exit, and the files
// dead actors left behind are removed when the next actor starts listening.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { openActorNursery } from 'furrow';
import { runtimeDir } from '../../../src/ipc/uds.ts';
import { PY, expectAllGone, pyActor } from './helpers.ts';

/** A runtime directory of this test's own ($XDG_RUNTIME_DIR/furrow), so other tests' files do not interfere. */
function privateXdg(): { env: NodeJS.ProcessEnv; dir: string } {
  const xdg = mkdtempSync(join(tmpdir(), 'furrow-xdg-'));
  return { env: { ...process.env, XDG_RUNTIME_DIR: xdg }, dir: join(xdg, 'furrow') };
}

/** Leave a socket file at `path` that nobody listens on (bound by a process that then exited). */
function abandonedSocket(path: string): void {
  execFileSync(PY, ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path]);
}

const mode = (path: string): number => statSync(path).mode & 0o777;

test("the socket is in Node's private runtime directory (0700), is 0600, and is gone after the actor exits", async () => {
  const pids: number[] = [];
  let path = '';
  await openActorNursery(async (an) => {
    const p = await an.startActor('private', pyActor());
    pids.push(p.pid);
    path = (p.addr as { path: string }).path;
    expect(dirname(path)).toBe(runtimeDir());
    expect(mode(dirname(path))).toBe(0o700);
    expect(statSync(dirname(path)).uid).toBe(process.getuid!());
    expect(statSync(path).isSocket()).toBe(true);
    expect(mode(path)).toBe(0o600);
    expect(basename(path)).toMatch(new RegExp(`^private-${p.pid}-[0-9a-f]{8}\\.sock$`));
  });
  expect(existsSync(path)).toBe(false);
  expectAllGone(pids);
});

test('a runtime directory of ours that others may enter is narrowed to 0700; one of another user is refused', async () => {
  const { env, dir } = privateXdg();
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  await openActorNursery(async (an) => {
    const p = await an.startActor('narrowed', { ...pyActor(), env });
    expect(dirname((p.addr as { path: string }).path)).toBe(dir);
    expect(mode(dir)).toBe(0o700);
  });
  chownSync(dir, 4242, 4242);
  const before = new Set(readdirSync(dir));
  const err = await openActorNursery(async (an) => an.startActor('refused', { ...pyActor(), env })).catch((e) => e);
  expect(String((err as Error).message)).toMatch(new RegExp(`${dir} belongs to uid 4242, not to this user`));
  expect(readdirSync(dir).filter((f) => !before.has(f))).toEqual([]);
});

test('socket files of dead actors are removed at start; a live listener and a live owner keep theirs', async () => {
  const { env, dir } = privateXdg();
  const pids: number[] = [];
  // a Python actor SIGKILLed: its file stays behind
  let killedPath = '';
  await openActorNursery(async (an) => {
    const p = await an.startActor('killed', { ...pyActor(), env });
    pids.push(p.pid);
    killedPath = (p.addr as { path: string }).path;
    await p.kill();
  });
  expect(existsSync(killedPath)).toBe(true);
  // a pid that was reused: a live process that started after the file was made
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  const reusedPath = join(dir, `reused-${sleeper.pid}-abcdef12.sock`);
  abandonedSocket(reusedPath);
  const aMinuteAgo = Date.now() / 1000 - 60;
  utimesSync(reusedPath, aMinuteAgo, aMinuteAgo);
  // a file whose pid has no process, but someone listens on it: kept
  const listening = join(dir, 'listening-4194304-abcdef12.sock');
  const server = createServer().listen(listening);
  await once(server, 'listening');
  // a file of a live owner that started before it (this process): kept, though nobody listens
  const ours = join(dir, `ours-${process.pid}-abcdef12.sock`);
  abandonedSocket(ours);
  // a file that is no socket: kept
  const plain = join(dir, 'plain-4194304-abcdef12.sock');
  writeFileSync(plain, 'not a socket');
  try {
    await openActorNursery(async (an) => {
      const p = await an.startActor('cleaner', { ...pyActor(), env });
      pids.push(p.pid);
      expect(existsSync(killedPath)).toBe(false);
      expect(existsSync(reusedPath)).toBe(false);
      expect([listening, ours, plain].filter((f) => !existsSync(f))).toEqual([]);
    });
  } finally {
    server.close();
    sleeper.kill('SIGKILL');
    await once(sleeper, 'exit');
  }
  expectAllGone(pids);
});
