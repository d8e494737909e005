// Pipes on extra file descriptors, for child processes (Python children above
// all): the parent writes frames to the child's fd 3 and reads the child's fd 4.
// The child's stdout and stderr stay ordinary output (a stray print() can never
// corrupt a frame) and are relayed to the parent's, each line prefixed.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { StreamTransport } from './stream-transport.ts';
import type { TransportOptions } from './transport.ts';

/** The child's fd it reads frames from. */
export const CHILD_READ_FD = 3;
/** The child's fd it writes frames to. */
export const CHILD_WRITE_FD = 4;

/** Options of {@link spawnWithPipes}. */
export interface SpawnWithPipesOptions extends TransportOptions {
  /** the actor name used to prefix relayed output (default: the command) */
  name?: string;
  /** relay the child's stdout/stderr to ours with a `[name] ` prefix (default true); false leaves them as `child.stdout`/`child.stderr` pipes */
  relayOutput?: boolean;
  /** passed to `child_process.spawn` (`stdio` is set here) */
  spawnOptions?: Omit<SpawnOptions, 'stdio'>;
}

/**
 * Spawn a child with frame pipes on its fds 3 (in) and 4 (out). Returns the child
 * and the parent's end as a Transport.
 */
export function spawnWithPipes(command: string, args: readonly string[], opts: SpawnWithPipesOptions = {}): { child: ChildProcess; transport: StreamTransport } {
  // node:child_process is loaded on first use (not at every child actor's start-up)
  const child = process.getBuiltinModule('node:child_process').spawn(command, args, { ...opts.spawnOptions, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
  const toChild = child.stdio[CHILD_READ_FD] as Writable;
  const fromChild = child.stdio[CHILD_WRITE_FD] as Readable;
  const name = opts.name ?? command;
  if (opts.relayOutput !== false) {
    relayLines(child.stdout!, `[${name}] `, process.stdout);
    relayLines(child.stderr!, `[${name}] `, process.stderr);
  }
  const transport = new StreamTransport('pipe', `pipe:${name}[${child.pid}]`, { readable: fromChild, writable: toChild }, opts);
  return { child, transport };
}

/** In a child spawned by {@link spawnWithPipes}: the transport to the parent over fds 3 and 4. */
export function parentPipeTransport(opts: TransportOptions = {}): StreamTransport {
  const readable = new Socket({ fd: CHILD_READ_FD, readable: true, writable: false });
  const writable = new Socket({ fd: CHILD_WRITE_FD, readable: false, writable: true });
  return new StreamTransport('pipe', `pipe:parent[${process.ppid}]`, { readable, writable }, opts);
}

/**
 * Copy `from` to `to` line by line, each line prefixed (e.g. `[worker-1] `). A last
 * line without a newline is written when `from` ends. `take`, if given, sees each
 * line first and keeps it from being copied by returning true.
 */
export function relayLines(from: Readable, prefix: string, to: Writable, take?: (line: string) => boolean): void {
  let rest = '';
  from.setEncoding('utf8');
  from.on('data', (chunk: string) => {
    let lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    if (take) lines = lines.filter((l) => !take(l));
    if (lines.length) to.write(lines.map((l) => prefix + l + '\n').join(''));
  });
  from.on('end', () => {
    if (rest) to.write(prefix + rest + '\n');
    rest = '';
  });
}
