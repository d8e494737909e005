// The root's terminal sessions: one REPL at a time across the whole tree, in the order
// they were asked for (a fair lock). For a paused actor (pause.ts) the REPL drives its
// V8 inspector (inspector-client.ts): it steps out of `pause()` into the caller's
// frame (or stays in the crash frame, post-mortem), shows where it stopped, and reads
// commands from the root's terminal: an expression is evaluated in the paused frame,
// `n`/`s`/`o` step over, into and out, `bt` shows the stack, `c` lets the actor go on.
// Ctrl-C while a REPL is up goes to the REPL (the terminal is in raw mode): it does not
// tear the tree down. With no terminal at the root (stdin not a TTY) a session says
// where things stopped and goes on: a pause never hangs a tree that nobody watches.
import { createInterface } from 'node:readline';
import { inspect } from 'node:util';
import { Lock } from '../../core/index.ts';
import { InspectorClient, type CallFrame, type RemoteObject } from './inspector-client.ts';
import type { PauseRequest } from './relay.ts';

const HELP = `commands: <expression> evaluate in the paused frame | n next line | s step into | o step out | bt stack | c continue | h help`;

/** Whose turn it is at the terminal. */
const turn = new Lock();

/** Run `fn` when it is its turn at the root's terminal (one session at a time, first come first served). */
export function atTheTerminal<T>(fn: () => Promise<T>): Promise<T> {
  return turn.run(fn);
}

/**
 * Read commands at the root's terminal until `c` (or the end of input): each other
 * line goes to `handle`, whose answer is printed. False at once if there is no terminal.
 */
export async function readCommands(prompt: string, handle: (line: string) => Promise<string | null>): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const out = process.stdout;
  const rl = createInterface({ input: process.stdin, output: out, terminal: true });
  rl.on('SIGINT', () => {
    out.write("\n(Ctrl-C is the REPL's while it is up: type c to go on)\n");
    rl.prompt();
  });
  rl.setPrompt(prompt);
  try {
    const lines = rl[Symbol.asyncIterator]();
    for (;;) {
      rl.prompt();
      const next = await lines.next();
      const line = next.done ? 'c' : String(next.value).trim();
      if (line === 'c' || line === 'continue') return true;
      if (line === '') continue;
      const answer = line === 'h' || line === 'help' ? HELP : await handle(line);
      if (answer === null) return true;
      out.write(`${answer}\n`);
    }
  } finally {
    rl.close();
  }
}

/** Run the REPL for a paused actor when it is its turn; resolves once the actor was let go. */
export function debugSession(req: PauseRequest): Promise<void> {
  return atTheTerminal(async () => (req.kind === 'pdb' ? (await import('./pdb-session.ts')).pdbSession(req) : repl(req)));
}

async function repl(req: PauseRequest): Promise<void> {
  const out = process.stdout;
  const client = await InspectorClient.connect(req.url!);
  try {
    await client.call('Debugger.enable');
    let paused = client.nextPause();
    await client.call('Runtime.runIfWaitingForDebugger');
    let frames = await paused; // at the `debugger` statement in pause() or crashPause()
    if (frames && !req.crash) {
      paused = client.nextPause();
      await client.call('Debugger.stepOut');
      frames = await paused; // in the caller
    }
    if (!frames) return;
    const who = `actor '${req.name}' [${req.uuid.slice(0, 8)}] (pid ${req.pid})`;
    const what = req.crash ? `-- crashed in ${who}, task ${req.crash.task}: \`error\` is the error\n${req.crash.error}` : `-- paused in ${who}\n${await where(client, frames[0]!)}`;
    out.write(`\n${what}\n`);
    const step: Record<string, string> = { n: 'Debugger.stepOver', next: 'Debugger.stepOver', s: 'Debugger.stepInto', step: 'Debugger.stepInto', o: 'Debugger.stepOut', out: 'Debugger.stepOut' };
    const typed = await readCommands(`(furrow ${req.name}) `, async (line) => {
      if (line === 'bt') return backtrace(client, frames!);
      const method = step[line];
      if (method) {
        paused = client.nextPause();
        await client.call(method);
        frames = await paused;
        return frames ? where(client, frames[0]!) : null;
      }
      return evaluate(client, frames![0]!, line);
    });
    out.write(typed ? `-- ${who} goes on\n` : `-- no terminal at the root (stdin is not a TTY): ${req.name} goes on\n`);
  } finally {
    // let it run, then have it close its inspector (which ends this connection)
    client.notify('Debugger.resume');
    client.notify('Runtime.evaluate', { expression: "process.getBuiltinModule('node:inspector').close()" });
  }
}

/** `file:line` and the line itself, with its neighbours. */
async function where(client: InspectorClient, frame: CallFrame): Promise<string> {
  const line = frame.location.lineNumber;
  const src = await client.sourceOf(frame).catch(() => [] as string[]);
  const shown = [];
  for (let i = Math.max(0, line - 1); i <= Math.min(src.length - 1, line + 1); i++) shown.push(`${i === line ? '>' : ' '} ${String(i + 1).padStart(4)} | ${src[i]}`);
  return `at ${frame.functionName || '(anonymous)'} (${client.fileOf(frame)}:${line + 1})\n${shown.join('\n')}`;
}

async function backtrace(client: InspectorClient, frames: CallFrame[]): Promise<string> {
  return frames.map((f, i) => `#${i} ${f.functionName || '(anonymous)'} ${client.fileOf(f)}:${f.location.lineNumber + 1}`).join('\n');
}

/** Evaluate `expression` in `frame`: its value as `util.inspect` shows it, or the exception. */
async function evaluate(client: InspectorClient, frame: CallFrame, expression: string): Promise<string> {
  try {
    const r = (await client.call('Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression, returnByValue: true })) as {
      result: RemoteObject;
      exceptionDetails?: { exception?: RemoteObject; text: string };
    };
    if (r.exceptionDetails) return `! ${r.exceptionDetails.exception?.description?.split('\n')[0] ?? r.exceptionDetails.text}`;
    const v = r.result;
    if (v.unserializableValue !== undefined) return v.unserializableValue;
    if (v.type === 'undefined') return 'undefined';
    if ('value' in v) return inspect(v.value, { colors: false, depth: 4 });
    return v.description ?? v.type;
  } catch (err) {
    return `! ${(err as Error).message}`;
  }
}
