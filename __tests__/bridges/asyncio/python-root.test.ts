// A Python program as the root of a furrow tree (furrow_asyncio.open_actor_nursery),
// run as a real /usr/bin/python3 process with a real Node child (furrow's child-main)
// and a real Python child: calls both ways of the language line, a JavaScript error
// arriving in Python with its JavaScript stack, an asyncio timeout reaching the Node
// function's finally, a child killed from outside failing the block as an
// ExceptionGroup, and the Python root SIGKILLed with nothing left behind.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FIXTURES, PY, expectAllGone } from './helpers.ts';
import { waitAllGone } from '../../actor/helpers.ts';

const PACKAGE_PARENT = fileURLToPath(new URL('../../../bridges/asyncio/python', import.meta.url));
const SCRIPT = join(FIXTURES, 'py_root.py');
let scratch: string;
beforeEach(() => (scratch = mkdtempSync(join(tmpdir(), 'furrow-pyroot-'))));
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** Start the Python root on `scenario`; its JSON lines come out one by one. */
function pythonRoot(scenario: string) {
  const child = spawn(PY, [SCRIPT, scenario, process.execPath, scratch], {
    cwd: FIXTURES,
    env: { ...process.env, PYTHONPATH: PACKAGE_PARENT },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d)); // a Ctrl-C prints Python's KeyboardInterrupt traceback there
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, any>> => JSON.parse(((await lines.next()).value as string) ?? 'null');
  return { child, next, stderr: () => stderr };
}

test('a Python root calls a Node actor and a Python actor; a JS error arrives with its JS stack; a timeout reaches the Node finally; the tree registers with the root', async () => {
  const { child, next } = pythonRoot('basic');
  const { pids } = await next();
  expect(await next()).toEqual({ sum: 5, echo: 'hi' });
  const err = await next();
  expect(err).toMatchObject({ error: 'TypeError', stack: true });
  expect(err.message).toMatch(/^TypeError: from JavaScript \[raised in actor 'js'\]/);
  expect(await next()).toEqual({ timeout: true, note: 'finally ran' });
  // a stream with a credit window of 16 from a Node context to the Python root
  expect(await next()).toEqual({ first: 'counting', streamed: 5000, in_order: true });
  expect(await next()).toEqual({ found: true, missing: true });
  const { grand, grand_pid } = await next(); // a grandchild, started by the Node actor, found by name at the root
  expect(grand).toBe(42);
  expect(pids).not.toContain(grand_pid);
  expect(await next()).toEqual({ root_call: 42 }); // the Node actor called a function of the Python root
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
  expectAllGone([...pids, grand_pid]);
});

test('a child killed from outside fails the Python block as an ExceptionGroup, and the other child is torn down', async () => {
  const { child, next } = pythonRoot('died');
  const { pids } = await next();
  expect(await next()).toEqual({ group: ["ActorDiedError: actor 'js' died unexpectedly (killed by signal 9)"] });
  await once(child, 'exit');
  expectAllGone(pids);
});

test('the Python root SIGKILLed: its Node and Python children are gone within the orphan bound', async () => {
  const { child, next } = pythonRoot('orphan');
  const { pids } = await next();
  expect(await next()).toEqual({ ready: true });
  child.kill('SIGKILL');
  await once(child, 'exit');
  expect(await waitAllGone(pids, 10_000)).toBeLessThan(10_000);
});

test('Ctrl-C (SIGINT) at the Python root tears the whole tree down before the root exits', async () => {
  const { child, next } = pythonRoot('sigint');
  const { pids } = await next();
  expect(await next()).toEqual({ ready: true });
  child.kill('SIGINT');
  const [code, signal] = await once(child, 'exit');
  expect([code, signal]).not.toEqual([0, null]); // asyncio.run re-raises the KeyboardInterrupt
  expectAllGone(pids); // gone by the time the root has exited, not later
});

test("the Python root's log setting reaches its Node and Python children: each logs its cancel, named, at info", async () => {
  const { child, next, stderr } = pythonRoot('log');
  const { pids } = await next();
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
  const lines = stderr().split('\n');
  expect(lines.some((l) => / info +py-root\[[0-9a-f]{8}:\d+\] .*spawned actor 'js' \(node, pid \d+/.test(l))).toBe(true);
  for (const name of ['js', 'py']) {
    expect(lines.some((l) => new RegExp(`info +${name}\\[[0-9a-f]{8}:\\d+\\] .*actor cancelled by 'py-root'`).test(l))).toBe(true);
  }
  expectAllGone(pids);
});
