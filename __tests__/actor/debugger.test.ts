// The multi-process debugger, driven through a real pseudo-terminal (Python's `pty`
// runs the root on one, as a user's terminal would): pause() in a fork actor (pdb in a
// Python actor) opens a
// REPL in the root's terminal that evaluates in the paused frame and steps; two actors
// pausing at once get their prompts one after the other; a paused actor outlives the
// frozen-peer bound; Ctrl-C at the REPL does not tear the tree down; pause() where it
// cannot work says why; post-mortem (`debugMode`) opens a crash REPL in the failing
// actor, then in the root. No process is left.
import { spawn, type ChildProcess } from 'node:child_process';
import { openActorNursery } from '../../src/index.ts';
import { FROZEN_PEER_MS } from '../../src/ipc/peer-liveness.ts';
import { caught, fixture, waitAllGone } from './helpers.ts';

const ROOT = fixture('debug-root.ts');
const PTY = 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)';

/** The root on a pseudo-terminal: what it printed so far, typing, and waiting for output. */
function onTerminal(...args: string[]): { child: ChildProcess; type(s: string): void; waitFor(re: RegExp, from?: number): Promise<number>; text(): string } {
  const child = spawn('/usr/bin/python3', ['-c', PTY, process.execPath, '--conditions=furrow-source', '--no-warnings', ROOT, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, FURROW_LOG: 'warn', TERM: 'dumb' },
  });
  let out = '';
  let waiters: (() => void)[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  const waitFor = (re: RegExp, from = 0): Promise<number> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = re.exec(out.slice(from));
        if (m) resolve(from + m.index + m[0].length);
        else if (child.exitCode !== null) reject(new Error(`the root exited before ${re}; it printed:\n${out}`));
        else waiters.push(check);
      };
      child.once('exit', () => {
        const w = waiters;
        waiters = [];
        w.forEach((f) => f());
      });
      check();
    });
  return { child, type: (s) => child.stdin!.write(s), waitFor, text: () => out };
}

const pidsOf = (text: string): number[] => /pids ([\d ]+)/.exec(text)![1]!.trim().split(' ').map(Number);

/** The root says `done`, exits 0, and leaves none of its children behind. */
async function endsCleanly(t: ReturnType<typeof onTerminal>, from = 0): Promise<void> {
  await t.waitFor(/done \d+/, from);
  await new Promise((r) => t.child.once('exit', r));
  expect(t.child.exitCode).toBe(0);
  await waitAllGone(pidsOf(t.text()));
}

/**
 * The root's crash REPL for an error from `actor`: it opens once the error arrives, shows
 * the boxed type, and on `c` the caller catches the error. `beforeGoOn` runs while the
 * REPL still holds the error (the caller has not seen it yet).
 */
async function rootCrashRepl(t: ReturnType<typeof onTerminal>, at: number, actor: string, message: string, boxedType: string, beforeGoOn = (): void => {}): Promise<void> {
  at = await t.waitFor(new RegExp(`-- crash arrived at the root from ${actor}: failing: RemoteActorError: ${message}`), at);
  at = await t.waitFor(/\(furrow root\) /, at);
  t.type('error.boxedType\r');
  at = await t.waitFor(new RegExp(`'${boxedType}'`), at);
  beforeGoOn();
  t.type('c\r');
  at = await t.waitFor(new RegExp(`caught RemoteActorError ${message}`), at);
  await endsCleanly(t, at);
}

test('pause() in a fork actor: the root\'s terminal gets a REPL in the caller\'s frame; it evaluates, steps, outlives the liveness bound, and lets the actor go on', async () => {
  const t = onTerminal('1');
  let at = await t.waitFor(/-- paused in actor 'w1'/);
  at = await t.waitFor(/\(furrow w1\) /, at);
  // stopped in crunch, on the line after the pause, with its locals in scope
  expect(t.text()).toMatch(/at crunch \(.*debug-work\.ts:8\)\r?\n.*\r?\n>\s+8 \|\s+const after = secret \+ 1;/);
  t.type('secret * 10\r');
  at = await t.waitFor(/420/, at);
  // a paused actor is not a dead one: past the frozen-peer bound, its parent still waits for it
  await new Promise((r) => setTimeout(r, FROZEN_PEER_MS + 1000));
  t.type('secret\r');
  at = await t.waitFor(/42/, at);
  t.type('n\r');
  at = await t.waitFor(/>\s+9 \|\s+return after;/, at);
  at = await t.waitFor(/\(furrow w1\) /, at);
  t.type('after\r');
  at = await t.waitFor(/43/, at);
  t.type('nosuchname\r');
  at = await t.waitFor(/! ReferenceError: nosuchname is not defined/, at);
  t.type('c\r');
  await t.waitFor(/result w1 43/, at);
  await endsCleanly(t);
});

test('two actors pausing at once: one REPL at a time, in turn; Ctrl-C at the REPL does not tear the tree down', async () => {
  const t = onTerminal('2');
  let at = await t.waitFor(/-- paused in actor 'w(\d)'/);
  const first = /-- paused in actor 'w(\d)'/.exec(t.text())![1]!;
  const second = first === '1' ? '2' : '1';
  at = await t.waitFor(new RegExp(`\\(furrow w${first}\\) `), at);
  t.type('\x03');
  at = await t.waitFor(/Ctrl-C is the REPL's while it is up: type c to go on/, at);
  t.type('secret\r');
  at = await t.waitFor(first === '1' ? /42/ : /44/, at);
  // the second waits: nothing of it on the terminal until the first goes on
  expect(t.text()).not.toMatch(new RegExp(`paused in actor 'w${second}'`));
  t.type('c\r');
  at = await t.waitFor(new RegExp(`-- paused in actor 'w${second}'`), at);
  at = await t.waitFor(new RegExp(`\\(furrow w${second}\\) `), at);
  t.type('c\r');
  await endsCleanly(t, at);
  expect(t.text()).toMatch(/result w1 43/);
  expect(t.text()).toMatch(/result w2 45/);
});

test('post-mortem (debugMode): a crash REPL in the failing actor with the error in scope, then one in the root when the error arrives', async () => {
  const t = onTerminal('crash');
  let at = await t.waitFor(/-- crashed in actor 'w1' .*task .*debug-work\.ts:failing/);
  at = await t.waitFor(/TypeError: bad input 21/, at);
  at = await t.waitFor(/\(furrow w1\) /, at);
  t.type('error.message\r');
  at = await t.waitFor(/'bad input 21'/, at);
  // nothing has reached the root yet: its caller still waits
  expect(t.text()).not.toMatch(/caught/);
  t.type('c\r');
  await rootCrashRepl(t, at, 'w1', 'bad input 21', 'TypeError', () => expect(t.text()).not.toMatch(/caught/));
});

test('await pause() in a Python actor: pdb at the root\'s terminal, over the actor\'s socket; it prints, steps, and lets the actor go on', async () => {
  const t = onTerminal('python');
  let at = await t.waitFor(/-- paused in actor 'py' \[[0-9a-f]{8}\] \(pid \d+, pdb\)/);
  at = await t.waitFor(/fx_debug\.py\(9\)crunch\(\)\r?\n-> after = secret \+ 1/, at);
  at = await t.waitFor(/\(furrow py pdb\) /, at);
  t.type('p secret\r');
  at = await t.waitFor(/42/, at);
  t.type('n\r');
  at = await t.waitFor(/-> return after/, at);
  t.type('p after\r');
  at = await t.waitFor(/43/, at);
  t.type('c\r');
  await t.waitFor(/result py 43/, at);
  await endsCleanly(t, at);
});

test('post-mortem in a Python actor: pdb on the failed task\'s traceback with its locals, then the root\'s crash REPL', async () => {
  const t = onTerminal('pycrash');
  let at = await t.waitFor(/-- crashed in actor 'py' .*task fx_debug:failing \(post-mortem/);
  at = await t.waitFor(/ValueError: bad input 42/, at);
  at = await t.waitFor(/\(furrow py pdb\) /, at);
  t.type('p doubled\r');
  at = await t.waitFor(/42/, at);
  expect(t.text()).not.toMatch(/caught/);
  t.type('c\r');
  await rootCrashRepl(t, at, 'py', 'bad input 42', 'ValueError');
});

test('pause() in the root, or in a thread actor, throws saying why', async () => {
  await openActorNursery(async (an) => {
    const { pauseHere } = await import('./fixtures/debug-work.ts');
    expect((await caught((async () => pauseHere())())).message).toMatch(/pause\(\) in the root actor/);
    const th = await an.startActor('th', { backend: 'thread', enableModules: [fixture('debug-work.ts')] });
    expect((await caught(th.run(pauseHere))).message).toMatch(/pause\(\) in thread actor 'th'/);
  });
});
