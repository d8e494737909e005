// The root's terminal session for paused actors: one REPL at a time across the
// whole tree, in the order the actors paused (a fair lock), driven through each
// actor's V8 inspector (inspector-client.ts). The session steps out of `pause()` into
// the caller's frame, shows where it stopped, and reads commands from the root's
// terminal: an expression is evaluated in the paused frame, `n`/`s`/`o` step over,
// into and out, `bt` shows the stack, `c` lets the actor go on. Ctrl-C while the REPL
// is up goes to the REPL (the terminal is in raw mode): it does not tear the tree down.
// With no terminal at the root (stdin not a TTY) it says where the actor stopped and
// lets it go on: a pause never hangs a tree that nobody watches.
import { createInterface, type Interface } from 'node:readline';
import { inspect } from 'node:util';
import { Lock } from '../../core/index.ts';
import { InspectorClient, type CallFrame, type RemoteObject } from './inspector-client.ts';
import type { PauseRequest } from './relay.ts';

const HELP = `commands: <expression> evaluate in the paused frame | n next line | s step into | o step out | bt stack | c continue | h help`;

/** Whose turn it is at the terminal. */
const turn = new Lock();

/** Run the REPL for `req` when it is its turn; resolves once the actor was let go. */
export function debugSession(req: PauseRequest): Promise<void> {
  return turn.run(() => repl(req));
}

async function repl(req: PauseRequest): Promise<void> {
  const out = process.stdout;
  const client = await InspectorClient.connect(req.url);
  let rl: Interface | undefined;
  try {
    await client.call('Debugger.enable');
    let paused = client.nextPause();
    await client.call('Runtime.runIfWaitingForDebugger');
    let frames = await paused; // at the `debugger` statement in pause()
    if (frames) {
      paused = client.nextPause();
      await client.call('Debugger.stepOut');
      frames = await paused; // in the caller
    }
    if (!frames) return;
    const who = `actor '${req.name}' [${req.uuid.slice(0, 8)}] (pid ${req.pid})`;
    if (!process.stdin.isTTY) {
      // nobody at a terminal to type: say where it stopped, and let it go on
      out.write(`\n-- paused in ${who}\n${await where(client, frames[0]!)}\n-- no terminal at the root (stdin is not a TTY): ${req.name} goes on\n`);
      return;
    }
    out.write(`\n-- paused in ${who}\n${await where(client, frames[0]!)}\n${HELP}\n`);
    rl = createInterface({ input: process.stdin, output: out, terminal: true });
    rl.on('SIGINT', () => {
      out.write('\n(Ctrl-C is the REPL\'s while an actor is paused: type c to let it go on)\n');
      rl!.prompt();
    });
    const lines = rl[Symbol.asyncIterator]();
    rl.setPrompt(`(furrow ${req.name}) `);
    for (;;) {
      rl.prompt();
      const next = await lines.next();
      const line = next.done ? 'c' : String(next.value).trim();
      if (client.closed) break;
      if (line === 'c' || line === 'continue') break;
      if (line === '') continue;
      if (line === 'h' || line === 'help') out.write(`${HELP}\n`);
      else if (line === 'bt') out.write(await backtrace(client, frames));
      else if (['n', 'next', 's', 'step', 'o', 'out'].includes(line)) {
        const method = line.startsWith('n') ? 'Debugger.stepOver' : line.startsWith('s') ? 'Debugger.stepInto' : 'Debugger.stepOut';
        paused = client.nextPause();
        await client.call(method);
        frames = await paused;
        if (!frames) break;
        out.write(`${await where(client, frames[0]!)}\n`);
      } else out.write(`${await evaluate(client, frames[0]!, line)}\n`);
    }
    out.write(`-- ${who} goes on\n`);
  } finally {
    rl?.close();
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
  return frames.map((f, i) => `#${i} ${f.functionName || '(anonymous)'} ${client.fileOf(f)}:${f.location.lineNumber + 1}\n`).join('');
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
