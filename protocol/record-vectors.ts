// Test vectors of the records themselves: every record type valid (with only its
// required fields, and with every field), then, derived from protocol/schema.json,
// every required field missing or nil and every field of the wrong type, which a
// peer must refuse as a malformed frame naming the field.
import schema from './schema.json' with { type: 'json' };
import { arr, bin, bool, float, frame, hex, int, map, nil, raw, str, type W } from './msgpack-writer.ts';
import { box, pld, reads, u, uid, type Entry, type Vector } from './vector-kit.ts';

const [rootW, root] = uid('root', 'u-root');
const [fullBoxW, fullBox] = (() => {
  const [relayedW, relayed] = box({ type: 'KeyError', message: 'k', src: ['leaf', 'u-leaf'] });
  const [causeW, cause] = box({ type: 'OSError', message: 'io', more: [['extra', map([['errno', int(5)]]), { errno: 5 }]] });
  const [midW, mid] = uid('mid', 'u-mid');
  return box({
    more: [
      ['stack', str('Traceback (most recent call last): ...'), 'Traceback (most recent call last): ...'],
      ['relayPath', arr([midW, rootW]), [mid, root]],
      ['canceller', rootW, root],
      ['relayed', relayedW, relayed],
      ['cause', causeW, cause],
      ['extra', map([['code', str('E_BAD')], ['list', arr([int(1), str('two')])]]), { code: 'E_BAD', list: [1, 'two'] }],
    ],
  });
})();
const [minBoxW, minBox] = box({ type: 'TypeError', message: 'no' });

/** Every record type: a minimal and a full valid instance (`name`, fields). */
export const VALID_RECORDS: [string, string, Entry[]][] = [
  ['Aid', 'Aid', [['name', str('child'), 'child'], ['uuid', str('u-child'), 'u-child'], u('pid', 4242), ['runtime', str('python'), 'python'], u('version', 1)]],
  ['SpawnSpec', 'SpawnSpec, required fields only', [['name', str('c'), 'c'], ['parent', rootW, root], ['enableModules', arr([]), []], ['debugMode', bool(false), false]]],
  [
    'SpawnSpec',
    'SpawnSpec, every field',
    [
      ['name', str('child'), 'child'],
      ['parent', rootW, root],
      ['parentAddr', map([['kind', str('uds')], ['path', str('/run/furrow/root.sock')]]), { kind: 'uds', path: '/run/furrow/root.sock' }],
      ['registryAddr', map([['kind', str('tcp')], ['host', str('127.0.0.1')], ['port', int(65535)]]), { kind: 'tcp', host: '127.0.0.1', port: 65535 }],
      ['enableModules', arr([str('./mod.ts'), str('pkg.mod')]), ['./mod.ts', 'pkg.mod']],
      ['debugMode', bool(true), true],
      ['runtimeVars', map([['graceMs', int(2000)], ['nested', map([['a', arr([nil])]])]]), { graceMs: 2000, nested: { a: [null] } }],
    ],
  ],
  ['Start', 'Start', [u('cid', 1), ['ns', str('./mod.ts'), './mod.ts'], ['func', str('add'), 'add'], pld(arr([int(1), int(2)]), [1, 2])]],
  ...(['asyncfunc', 'asyncgen', 'context'].map((f) => ['StartAck', `StartAck ${f}`, [u('cid', 1), ['functype', str(f), f]]]) as [string, string, Entry[]][]),
  ['Started', 'Started', [u('cid', 2), pld(str('ready'), 'ready')]],
  ['Yield', 'Yield', [u('cid', 3), pld(map([['i', int(1)]]), { i: 1 })]],
  ['Stop', 'Stop', [u('cid', 3)]],
  ['Return', 'Return, cid 2^32-1', [['cid', int(0xffff_ffff), 0xffff_ffff], pld(nil, null)]],
  ['Error', 'Error with a minimal box', [u('cid', 5), ['error', minBoxW, minBox]]],
  ['Error', 'Error with every box field (relayed, cause, extra)', [u('cid', 5), ['error', fullBoxW, fullBox]]],
  ['Error', 'Error, cid nil: the connection fails', [['cid', nil, null], ['error', minBoxW, minBox]]],
  ['Error', 'Error, cid absent: the connection fails', [['error', minBoxW, minBox]]],
  ['Cancel', 'Cancel with a reason', [u('cid', 7), ['canceller', rootW, root], ['reason', str('user asked'), 'user asked']]],
  ['Cancel', 'Cancel, reason nil', [u('cid', 7), ['canceller', rootW, root], ['reason', nil, null]]],
  ['Cancel', 'Cancel, reason absent', [u('cid', 7), ['canceller', rootW, root]]],
  ['CancelAck', 'CancelAck', [u('cid', 7), ['ok', bool(false), false]]],
  ['Credit', 'Credit of 1', [u('cid', 9), u('n', 1)]],
  ['Ping', 'Ping', [u('seq', 0)]],
  ['Pong', 'Pong', [['seq', int(0xffff_ffff), 0xffff_ffff]]],
];

/** A value of the wrong type for a field of each type. */
const WRONG: Record<string, W> = {
  str: int(1),
  u32: str('1'),
  bool: int(1),
  bin: str('x'),
  map: arr([]),
  Uid: arr([str('only-name')]),
  '[str]': arr([int(1)]),
  '[Uid]': arr([str('a')]),
  FuncType: str('sync'),
  Address: int(1),
  BoxedError: str('x'),
};

type Spec = string | { type: string; optional?: boolean };

function field(spec: Spec): { type: string; optional: boolean } {
  return typeof spec === 'string' ? { type: spec, optional: false } : { type: spec.type, optional: spec.optional === true };
}

function frameOf(type: string, entries: [string, W][]): string {
  return hex(frame(map([['type', str(type)], ...entries])));
}

/**
 * Every field of every record type (in its fullest valid instance), and every field of
 * a boxed error (in an `Error` record): absent, nil, and of the wrong type.
 */
export function fieldVectors(): Vector[] {
  const out: Vector[] = [];
  const full = new Map<string, Entry[]>();
  for (const [type, , entries] of VALID_RECORDS) if ((full.get(type)?.length ?? 0) < entries.length) full.set(type, entries);
  for (const [type, fields] of Object.entries(schema.records as Record<string, Record<string, Spec>>)) {
    out.push(...eachField(type, fields, full.get(type)!, (entries) => ({ bytes: entries, reads: reads(type, Object.fromEntries(entries.map(([k, , v]) => [k, v]))) }), ''));
  }
  const boxFields = schema.types.BoxedError.fields as Record<string, Spec>;
  const [, , boxEntries] = VALID_RECORDS.find(([, name]) => name.startsWith('Error with every box field'))!;
  const inner = (boxEntries.find(([k]) => k === 'error')![2] ?? {}) as Record<string, unknown>;
  const innerEntries = boxEntriesOf(inner);
  out.push(
    ...eachField('Error', boxFields, innerEntries, (entries) => {
      const boxW = map(entries.map(([k, w]) => [k, w]));
      const value = Object.fromEntries(entries.map(([k, , v]) => [k, v]));
      return { bytes: [['cid', int(5), 5], ['error', boxW, value]], reads: reads('Error', { cid: 5, error: value }) };
    }, 'error.'),
  );
  return out;
}

// the entries of the full box again, as Entry triples (bytes written back from the value)
function boxEntriesOf(value: Record<string, unknown>): Entry[] {
  return Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, writeValue(v), v]);
}

function writeValue(v: unknown): W {
  if (v === null) return nil;
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number') return int(v);
  if (typeof v === 'boolean') return bool(v);
  if (Array.isArray(v)) return arr(v.map(writeValue));
  return map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, writeValue(x)]));
}

type Build = (entries: Entry[]) => { bytes: Entry[]; reads: Record<string, unknown> };

function eachField(type: string, fields: Record<string, Spec>, entries: Entry[], build: Build, prefix: string): Vector[] {
  const out: Vector[] = [];
  for (const [key, raw] of Object.entries(fields)) {
    const f = field(raw);
    const without = entries.filter(([k]) => k !== key);
    const missing = { records: [], error: { code: 'malformed' as const, mentions: `'${prefix}${key}' is missing` } };
    const frameFrom = (es: Entry[]) => hex(frame(map([['type', str(type)], ...build(es).bytes.map(([k, w]): [string, W] => [k, w])])));
    out.push({ name: `${type}: '${prefix}${key}' absent`, hex: frameFrom(without), expect: f.optional ? { records: [build(without).reads] } : missing });
    out.push({ name: `${type}: '${prefix}${key}' nil`, hex: frameFrom([...without, [key, nil, null]]), expect: f.optional ? { records: [build(without).reads] } : missing });
    out.push({
      name: `${type}: '${prefix}${key}' of the wrong type`,
      hex: frameFrom([...without, [key, WRONG[f.type]!, null]]),
      expect: { records: [], error: { code: 'malformed', mentions: `'${prefix}${key}` } },
    });
  }
  return out;
}

/** Wrong values of the right msgpack type, and wrong pieces inside structs. */
export function boundVectors(): Vector[] {
  const bad = (name: string, type: string, entries: [string, W][], mentions: string): Vector => ({
    name,
    hex: frameOf(type, entries),
    expect: { records: [], error: { code: 'malformed', mentions } },
  });
  const uds = (path: W): W => map([['kind', str('uds')], ['path', path]]);
  const errorWith = (more: Entry[]): [string, W][] => [['cid', int(1)], ['error', box({ more })[0]]];
  return [
    bad('a negative cid', 'Stop', [['cid', int(-1)]], "'cid'"),
    bad('a cid of 2^32', 'Stop', [['cid', int(2 ** 32)]], "'cid'"),
    bad('a cid that is not an integral float (3.5)', 'Stop', [['cid', float(3.5)]], "'cid'"),
    bad('Credit of 0', 'Credit', [['cid', int(1)], ['n', int(0)]], "'n'"),
    bad("a tcp port above 65535", 'SpawnSpec', [['name', str('c')], ['parent', rootW], ['enableModules', arr([])], ['debugMode', bool(false)], ['parentAddr', map([['kind', str('tcp')], ['host', str('h')], ['port', int(65536)]])]], "'parentAddr.port'"),
    bad('an address of an unknown kind', 'SpawnSpec', [['name', str('c')], ['parent', rootW], ['enableModules', arr([])], ['debugMode', bool(false)], ['registryAddr', map([['kind', str('ipx')]])]], "'registryAddr.kind'"),
    bad('a uds address without its path', 'SpawnSpec', [['name', str('c')], ['parent', rootW], ['enableModules', arr([])], ['debugMode', bool(false)], ['parentAddr', uds(nil)]], "'parentAddr.path' is missing"),
    bad('a Uid of three strings', 'Cancel', [['cid', int(1)], ['canceller', arr([str('a'), str('b'), str('c')])]], "'canceller'"),
    bad('a Uid of integers', 'Cancel', [['cid', int(1)], ['canceller', arr([int(1), int(2)])]], "'canceller'"),
    bad('a box without srcUid', 'Error', [['cid', int(1)], ['error', map([['boxedType', str('E')], ['message', str('m')]])]], "'error.srcUid' is missing"),
    bad('a box whose message is not a string', 'Error', [['cid', int(1)], ['error', map([['boxedType', str('E')], ['message', int(3)], ['srcUid', rootW]])]], "'error.message'"),
    bad('a relayPath that is not an array', 'Error', errorWith([['relayPath', str('root'), null]]), "'error.relayPath"),
    bad('a relayPath holding a bad Uid', 'Error', errorWith([['relayPath', arr([arr([str('a')])]), null]]), "'error.relayPath"),
    bad('box extra that is an array', 'Error', errorWith([['extra', arr([]), null]]), "'error.extra'"),
    bad('box extra that is a timestamp', 'Error', errorWith([['extra', raw('d6ff00000001'), null]]), "'error.extra'"),
    bad('box extra that is the byte 0xc1', 'Error', errorWith([['extra', raw('c1'), null]]), ''),
    bad('a cause that is not a map', 'Error', errorWith([['cause', arr([]), null]]), "'error.cause'"),
    bad('a relayed box without its message', 'Error', errorWith([['relayed', map([['boxedType', str('E')], ['srcUid', rootW]]), null]]), "'error.relayed.message' is missing"),
    bad('enableModules holding a number', 'SpawnSpec', [['name', str('c')], ['parent', rootW], ['enableModules', arr([str('a'), int(1)])], ['debugMode', bool(false)]], "'enableModules'"),
    bad('a pld that is a str', 'Yield', [['cid', int(1)], ['pld', str('x')]], "'pld'"),
    bad('a cid that is bin', 'Stop', [['cid', bin([3])]], "'cid'"),
  ];
}
