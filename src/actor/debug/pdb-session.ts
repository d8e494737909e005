// The root's terminal session for a paused Python actor: its pdb waits on a Unix
// socket (furrow_asyncio/debug.py); the root connects when it is the actor's turn and
// passes the terminal's lines to pdb and pdb's output (prompts included) back. The
// session ends when pdb lets the actor go on (`c`, `q`) and closes the socket. With no
// terminal at the root, it sends `c` at once. Post-mortem, pdb opens on the failed
// task's traceback (its frames and locals are all there, unlike a JavaScript crash).
import { createInterface } from 'node:readline';
import type { PauseRequest } from './relay.ts';

/** Drive a Python actor's pdb from the root's terminal until it lets the actor go on. */
export async function pdbSession(req: PauseRequest): Promise<void> {
  const out = process.stdout;
  const who = `actor '${req.name}' [${req.uuid.slice(0, 8)}] (pid ${req.pid}, pdb)`;
  const sock = process.getBuiltinModule('node:net').createConnection(req.path!);
  const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  sock.on('error', () => sock.destroy());
  out.write(req.crash ? `\n-- crashed in ${who}, task ${req.crash.task} (post-mortem: the traceback's frames)\n${req.crash.error}` : `\n-- paused in ${who}\n`);
  if (!process.stdin.isTTY) {
    sock.end('c\n');
    await closed;
    out.write(`-- no terminal at the root (stdin is not a TTY): ${req.name} goes on\n`);
    return;
  }
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => out.write(d));
  const rl = createInterface({ input: process.stdin, output: out, terminal: true });
  rl.on('line', (line) => sock.write(`${line}\n`));
  rl.on('SIGINT', () => out.write("\n(Ctrl-C is the REPL's while it is up: type c to go on)\n"));
  rl.on('close', () => sock.end());
  await closed;
  rl.close();
  out.write(`-- ${who} goes on\n`);
}
