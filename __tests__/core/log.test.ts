// The logger's own rules: the spec grammar, levels and areas, the line shape,
// the task a line names, and that a kind that is off never formats its arguments.
import { inspect } from 'node:util';
import { configureLog, log, logSpec, parseLogSpec, withCancelScope, CancelScope } from '../../src/index.ts';
import { setLogIdentity, setLogSink } from '../../src/core/log.ts';

let lines: string[] = [];
let restoreSink: ReturnType<typeof setLogSink>;
const before = logSpec();
beforeEach(() => {
  lines = [];
  restoreSink = setLogSink((l) => lines.push(l));
});
afterEach(() => {
  setLogSink(restoreSink);
  configureLog(before);
  setLogIdentity(undefined);
});

test('specs: a level, areas on top of info, debug turns every area on, off clears all', () => {
  expect(parseLogSpec('warn')).toEqual({ level: 'warn', areas: new Set() });
  expect(parseLogSpec('cancel, Transport')).toEqual({ level: 'info', areas: new Set(['cancel', 'transport']) });
  expect(parseLogSpec('debug')).toEqual({ level: 'debug', areas: new Set(['cancel', 'transport']) });
  expect(parseLogSpec('all')).toEqual({ level: 'debug', areas: new Set(['cancel', 'transport']) });
  expect(parseLogSpec('error,cancel')).toEqual({ level: 'error', areas: new Set(['cancel']) });
  expect(parseLogSpec('off')).toEqual({ level: 'off', areas: new Set() });
  expect(parseLogSpec(' ')).toEqual({ level: 'info', areas: new Set() });
});

test('bad specs are TypeErrors naming the token, and change nothing', () => {
  configureLog('warn,cancel');
  expect(() => configureLog('info,chatty')).toThrow(new TypeError("unknown log level or area 'chatty' in 'info,chatty' (valid: error, warn, info, debug, cancel, transport, all, off)"));
  expect(() => configureLog('warn,debug')).toThrow(new TypeError("log spec 'warn,debug' names two levels ('warn' and 'debug'): name one"));
  expect(logSpec()).toBe('warn,cancel');
});

test('each level shows itself and the levels above; areas only when named', () => {
  configureLog('warn,transport');
  log.error('e');
  log.warn('w');
  log.info('i');
  log.debug('d');
  log.cancel('c');
  log.transport('t');
  expect(lines.map((l) => l.split(' ').at(-1)!.trim())).toEqual(['e', 'w', 't']);
  expect([log.enabled('warn'), log.enabled('info'), log.enabled('transport'), log.enabled('cancel')]).toEqual([true, false, true, false]);
});

test('a line: UTC time, kind, actor name[uuid8:pid], {task}, the formatted text', async () => {
  configureLog('info');
  setLogIdentity({ name: 'w1', uuid: '7bd0a2c4-0000-4000-8000-000000000000', pid: 4250 });
  log.info('spawned %s in %d ms', 'x', 12);
  const scope = new CancelScope();
  scope.label = 'jobs.ts:crunch';
  await withCancelScope(scope, async () => {
    await withCancelScope({}, async () => log.warn('inside'));
  });
  expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} info {6}w1\[7bd0a2c4:4250\] \{main\} spawned x in 12 ms\n$/);
  // the task is the nearest labelled scope, also from a scope nested in it
  expect(lines[1]).toMatch(/ warn {6}w1\[7bd0a2c4:4250\] \{jobs\.ts:crunch\} inside\n$/);
});

test('a kind that is off does not format its arguments', () => {
  configureLog('info');
  let formatted = 0;
  const costly = { [inspect.custom]: () => (formatted++, 'costly') };
  log.debug('state %O', costly);
  log.transport('frame %O', costly);
  expect(formatted).toBe(0);
  expect(lines).toEqual([]);
  log.info('state %O', costly);
  expect(formatted).toBe(1);
  expect(lines[0]).toMatch(/ state costly\n$/);
});
