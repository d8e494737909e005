// Logging across a real tree (a fork, a thread and a Python child under a root
// process): the line shape, what `info` tells, the detail areas, the setting
// from FURROW_LOG or the `log` option reaching every child, fork output relayed
// with the actor's name, and no process left behind.
import { openActorNursery } from '../../src/index.ts';
import { caught, waitAllGone } from './helpers.ts';
import { startObservedRoot } from './observe-helpers.ts';

/** `HH:MM:SS.mmm kind name[uuid8:pid] {task} text`, as src/core/log.ts and furrow_asyncio/log.py write it. */
const LINE = (kind: string, name: string, pid: number, task: string, text: string): RegExp =>
  new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ${kind.padEnd(9)} ${name}\\[[0-9a-f]{8}:${pid}\\] \\{${task}\\} ${text}`, 'm');

test('at info: spawns, cancels with their canceller and exits with their reason, from every actor, child lines prefixed with their name', async () => {
  const r = await startObservedRoot({ FURROW_LOG: 'info' }, true);
  const [worker, , py] = r.pids;
  const root = r.root;
  const end = await r.stop();
  expect(end.signal).toBe('SIGINT');
  const err = r.stderr();
  expect(err).toMatch(LINE('info', 'root', root, 'main', `spawned actor 'worker' \\(fork, pid ${worker}, uid [0-9a-f]{8}\\)`));
  expect(err).toMatch(LINE('info', 'root', root, 'main', `spawned actor 'helper' \\(thread, pid ${root}, uid [0-9a-f]{8}\\)`));
  expect(err).toMatch(LINE('info', 'root', root, 'main', `spawned actor 'py' \\(python, pid ${py}, uid [0-9a-f]{8}\\)`));
  expect(err).toMatch(LINE('info', 'root', root, 'main', 'SIGINT: cancelling the whole tree'));
  // each child says who cancelled it; its lines come relayed with its name (fork, thread and Python alike)
  expect(err).toMatch(new RegExp(`^\\[worker\\] ${LINE('info', 'worker', worker!, '[^}]+', "actor cancelled by 'root' \\[[0-9a-f]{8}\\]").source.slice(1)}`, 'm'));
  expect(err).toMatch(new RegExp(`^\\[py\\] ${LINE('info', 'py', py!, '[^}]+', "actor cancelled by 'root' \\[[0-9a-f]{8}\\]").source.slice(1)}`, 'm'));
  expect(err).toMatch(new RegExp(`^\\[helper\\] ${LINE('info', 'helper', root, '[^}]+', "actor cancelled by 'root'").source.slice(1)}`, 'm'));
  for (const [name, pid] of [['worker', worker], ['helper', root], ['py', py]] as const) {
    expect(err).toMatch(LINE('info', 'root', root, 'main', `actor '${name}' \\(pid ${pid}\\) exited: code 0, after its cancel`));
  }
  // nothing more detailed than info
  expect(err).not.toMatch(/ (debug|cancel|transport) /);
  await waitAllGone([root, worker!, py!]);
});

test('FURROW_LOG=cancel,transport adds those areas in every actor, and no debug lines', async () => {
  const r = await startObservedRoot({ FURROW_LOG: 'cancel,transport' }, true);
  const [worker, , py] = r.pids;
  await r.stop();
  const err = r.stderr();
  expect(err).toMatch(LINE('transport', 'root', r.root, 'runtime', "child link to 'worker' open"));
  expect(err).toMatch(LINE('transport', 'root', r.root, 'runtime', "child link to 'py' open \\(pipe:py"));
  expect(err).toMatch(new RegExp(`^\\[worker\\] .*transport worker\\[[0-9a-f]{8}:${worker}\\] \\{runtime\\} parent link to 'root' open`, 'm'));
  // the task a cancel reaches is named, with its canceller: Node fork, thread and Python alike
  expect(err).toMatch(new RegExp(`^\\[worker\\] .*cancel    worker\\[[0-9a-f]{8}:${worker}\\] \\{[^}]+\\} task file:.*basic\\.ts:hang cancelled by 'root'`, 'm'));
  expect(err).toMatch(new RegExp(`^\\[helper\\] .*cancel    helper\\[[0-9a-f]{8}:${r.root}\\] \\{[^}]+\\} task file:.*basic\\.ts:hang cancelled by 'root'`, 'm'));
  expect(err).toMatch(new RegExp(`^\\[py\\] .*cancel    py\\[[0-9a-f]{8}:${py}\\] \\{fx_basic:sleep_forever\\} task fx_basic:sleep_forever cancelled by 'root'`, 'm'));
  expect(err).toMatch(/ info {6}root\[/);
  expect(err).not.toMatch(/ debug /);
  await waitAllGone([r.root, worker!, py!]);
});

test('FURROW_LOG=warn hides the info lines of every actor', async () => {
  const r = await startObservedRoot({ FURROW_LOG: 'warn' }, true);
  await r.stop();
  expect(r.stderr()).toBe('');
  await waitAllGone([r.root, ...r.pids]);
});

test('the log option wins over FURROW_LOG and reaches the children through their SpawnSpec', async () => {
  // FURROW_LOG (inherited by every child through its environment) says warn; the
  // option says cancel: the children's cancel lines appear only if the option reached them
  const r = await startObservedRoot({ FURROW_LOG: 'warn', OBSERVE_LOG_OPTION: 'cancel' }, true);
  const [worker, , py] = r.pids;
  await r.stop();
  const err = r.stderr();
  expect(err).toMatch(new RegExp(`^\\[worker\\] .*cancel    worker\\[[0-9a-f]{8}:${worker}\\]`, 'm'));
  expect(err).toMatch(new RegExp(`^\\[helper\\] .*cancel    helper\\[[0-9a-f]{8}:${r.root}\\]`, 'm'));
  expect(err).toMatch(new RegExp(`^\\[py\\] .*cancel    py\\[[0-9a-f]{8}:${py}\\]`, 'm'));
  expect(err).toMatch(/ info {6}root\[.*spawned actor 'worker'/);
  await waitAllGone([r.root, worker!, py!]);
});

test('a bad FURROW_LOG is reported once and the default (info) is used; the children take their parent’s setting and stay quiet about it', async () => {
  const r = await startObservedRoot({ FURROW_LOG: 'verbose' }, true);
  await r.stop();
  const err = r.stderr();
  expect(err).toMatch(/warn {6}root\[[0-9a-f]{8}:\d+\] \{main\} FURROW_LOG ignored: unknown log level or area 'verbose' in 'verbose' \(valid: error, warn, info, debug, cancel, transport, all, off\)/);
  expect(err).toMatch(/ info {6}root\[.*spawned actor 'py'/);
  // the children were handed the parent's (valid) setting: they do not complain again
  expect(err.match(/FURROW_LOG ignored/g)).toHaveLength(1);
  await waitAllGone([r.root, ...r.pids]);
});

test('a bad log option fails openActorNursery with a TypeError before anything starts', async () => {
  const err = await caught(openActorNursery(async () => 'never', { log: 'debug,loud' }));
  expect(err).toBeInstanceOf(TypeError);
  expect(err.message).toBe("unknown log level or area 'loud' in 'debug,loud' (valid: error, warn, info, debug, cancel, transport, all, off)");
});
