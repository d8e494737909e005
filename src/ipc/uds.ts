// Unix domain sockets: the default transport between actors on one host. Socket
// files live in a private per-user runtime directory and are removed on close (and
// at process exit, for listeners still open then). node:fs is taken with
// process.getBuiltinModule: an ESM import of it builds a facade that also loads
// fs/promises, streams and readline, ~5 ms at every child actor's start-up.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suspend } from '../core/index.ts';
import { ignoring } from '../core/ignore.ts';
import { TransportError } from './errors.ts';
import { Listener } from './listener.ts';
import { ioError, StreamTransport } from './stream-transport.ts';
import type { TransportOptions } from './transport.ts';

const { mkdirSync, readdirSync, statSync, unlinkSync } = process.getBuiltinModule('node:fs');

/**
 * 8 random hex digits for a socket file name (unique next to the pid; the name is
 * no secret: the directory is the user's own). Not node:crypto, which costs ~8 ms
 * to load in every child actor that listens.
 */
function randomHex8(): string {
  return Math.floor(Math.random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
}

/** Longest socket path the kernel takes (sun_path is 108 bytes on Linux, NUL included). */
const MAX_PATH = 107;

/**
 * The per-user directory for socket files: `$XDG_RUNTIME_DIR/furrow` when that is
 * set, else `<tmpdir>/furrow-<uid>`. Made with mode 0700; refused if it belongs to
 * another user.
 */
export function runtimeDir(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  const uid = process.getuid?.() ?? 0;
  const dir = xdg ? join(xdg, 'furrow') : join(tmpdir(), `furrow-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (process.getuid && st.uid !== uid) throw new Error(`${dir} belongs to uid ${st.uid}, not to this user (${uid})`);
  return dir;
}

const openFiles = new Set<string>();
let exitHook = false;

function unlinkQuiet(path: string): void {
  openFiles.delete(path);
  ignoring('the file is already gone (another cleanup got there first)', () => unlinkSync(path));
}

/** The pid in a socket file name made by {@link listenUds} (`<name>-<pid>-<8 hex>.sock`); undefined for other names. */
export function pidOfSocketName(file: string): number | undefined {
  const m = /-(\d+)-[0-9a-f]{8}\.sock$/.exec(file);
  return m ? Number(m[1]) : undefined;
}

/** Whether a process with this pid exists (a zombie counts: its pid is not free yet). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Remove the socket files in {@link runtimeDir} left by processes that are gone (an
 * actor killed with SIGKILL cannot remove its own). Only names this module (or the
 * Python side, which names them the same way) made are touched, and only when no
 * process has that pid: a pid reused by another process keeps its file until that
 * one is gone too. Returns the paths removed.
 */
export function removeStaleSockets(dir: string = runtimeDir()): string[] {
  const removed: string[] = [];
  for (const file of readdirSync(dir)) {
    const pid = pidOfSocketName(file);
    if (pid === undefined || pidExists(pid)) continue;
    const path = join(dir, file);
    unlinkQuiet(path);
    removed.push(path);
  }
  return removed;
}

/** `net.Server` with the step `listen()` takes once it knows it is no cluster worker. */
type ServerWithListen2 = Server & { _listen2?: (path: string, port: number, addressType: number, backlog: number) => void; _pipeName?: string };

/**
 * Start `server` listening on the socket file `path`. `server.listen()` loads
 * node:cluster first (and with it child_process and dgram: ~3 ms at every child
 * actor's start-up) to ask whether a cluster primary should own the socket; then,
 * in any process that is not a cluster worker, it calls `_listen2`, as here. An
 * actor's socket is its own in every process (a root in a cluster worker must not
 * share its path through the primary). `_listen2` has kept its name and arguments
 * since Node 0.x because wrappers patch it; where it is missing, `listen()` it is.
 * Errors and `'listening'` come as events either way.
 */
function listenOnPath(server: ServerWithListen2, path: string): void {
  if (typeof server._listen2 !== 'function') return void server.listen(path);
  server._pipeName = path;
  server._listen2(path, -1, -1, 511);
}

/**
 * Listen on a Unix domain socket. With no `path`, a fresh file named after `name`
 * is made in {@link runtimeDir}. The file is removed when the listener closes.
 */
export async function listenUds(opts: TransportOptions & { path?: string; name?: string } = {}): Promise<Listener> {
  const path = opts.path ?? join(runtimeDir(), `${(opts.name ?? 'actor').replace(/[^\w.-]/g, '_').slice(0, 24)}-${process.pid}-${randomHex8()}.sock`);
  if (Buffer.byteLength(path) > MAX_PATH) throw new TransportError('io', `socket path longer than ${MAX_PATH} bytes: ${path}`);
  const server = createServer();
  await suspend<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
    listenOnPath(server, path);
  });
  openFiles.add(path);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const p of openFiles) unlinkQuiet(p);
    });
  }
  const wrap = (s: Socket) => new StreamTransport('uds', `uds:${path}`, { readable: s, writable: s }, opts);
  return new Listener(server, { kind: 'uds', path }, wrap, () => unlinkQuiet(path));
}

/** Connect to a Unix domain socket. A checkpoint; fails with `TransportError` (code `'io'`). */
export async function connectUds(path: string, opts: TransportOptions = {}): Promise<StreamTransport> {
  const s = await connectSocket(() => createConnection(path), `uds:${path}`);
  return new StreamTransport('uds', `uds:${path}`, { readable: s, writable: s }, opts);
}

/** @internal Connect a socket as a checkpoint; on cancel the attempt is destroyed. */
export function connectSocket(make: () => Socket, where: string): Promise<Socket> {
  return suspend<Socket>((resolve, reject) => {
    const s = make();
    const onError = (e: Error) => reject(ioError(`connect ${where}`, e));
    s.once('error', onError);
    s.once('connect', () => {
      s.off('error', onError);
      resolve(s);
    });
    return () => s.destroy();
  });
}
