// Checks that a decoded frame is one of the protocol's records with the right field
// types. Anything else is a protocol error (TransportError 'malformed'): it never
// reaches user code as data. Unknown extra fields are ignored (forward compatible).
import { TransportError } from './errors.ts';
import type { Address, BoxedError, Msg, Uid } from './messages.ts';

const MAX_U32 = 0xffff_ffff;
/** how deep `relayed` / `cause` chains may nest before the frame is refused */
const MAX_BOX_DEPTH = 64;

class Invalid extends Error {}

function fail(what: string): never {
  throw new Invalid(what);
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') fail(`field '${k}' must be a string`);
  return v;
}

function optStr(o: Record<string, unknown>, k: string): string | null {
  const v = o[k];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail(`field '${k}' must be a string or nil`);
  return v;
}

function u32(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_U32) {
    fail(`field '${k}' must be an integer in 0..2^32-1`);
  }
  return v;
}

function bool(o: Record<string, unknown>, k: string): boolean {
  const v = o[k];
  if (typeof v !== 'boolean') fail(`field '${k}' must be a boolean`);
  return v;
}

function bin(o: Record<string, unknown>, k: string): Uint8Array {
  const v = o[k];
  if (!(v instanceof Uint8Array)) fail(`field '${k}' must be msgpack bin`);
  return v;
}

function uidOf(v: unknown, k: string): Uid {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') {
    fail(`field '${k}' must be a [name, uuid] pair of strings`);
  }
  return v as Uid;
}

function optUid(o: Record<string, unknown>, k: string): Uid | null {
  const v = o[k];
  return v === undefined || v === null ? null : uidOf(v, k);
}

function map(o: Record<string, unknown>, k: string, optional = false): Record<string, unknown> {
  const v = o[k];
  if (optional && (v === undefined || v === null)) return {};
  if (!isObj(v)) fail(`field '${k}' must be a map`);
  return v;
}

function address(o: Record<string, unknown>, k: string): Address | null {
  const v = o[k];
  if (v === undefined || v === null) return null;
  if (!isObj(v)) fail(`field '${k}' must be an address map or nil`);
  if (v.kind === 'uds') return { kind: 'uds', path: str(v, 'path') };
  if (v.kind === 'tcp') {
    const port = u32(v, 'port');
    if (port > 65535) fail(`field '${k}.port' must be a TCP port`);
    return { kind: 'tcp', host: str(v, 'host'), port };
  }
  fail(`field '${k}.kind' must be 'uds' or 'tcp'`);
}

function boxed(v: unknown, k: string, depth: number): BoxedError {
  if (depth > MAX_BOX_DEPTH) fail(`field '${k}' nests deeper than ${MAX_BOX_DEPTH}`);
  if (!isObj(v)) fail(`field '${k}' must be a boxed-error map`);
  const relayPath = v.relayPath ?? [];
  if (!Array.isArray(relayPath)) fail(`field '${k}.relayPath' must be an array`);
  return {
    boxedType: str(v, 'boxedType'),
    message: str(v, 'message'),
    stack: optStr(v, 'stack') ?? '',
    srcUid: uidOf(v.srcUid, `${k}.srcUid`),
    relayPath: relayPath.map((u, i) => uidOf(u, `${k}.relayPath[${i}]`)),
    canceller: optUid(v, 'canceller'),
    relayed: v.relayed == null ? null : boxed(v.relayed, `${k}.relayed`, depth + 1),
    cause: v.cause == null ? null : boxed(v.cause, `${k}.cause`, depth + 1),
    extra: map(v, 'extra', true),
  };
}

function check(o: Record<string, unknown>): Msg {
  switch (o.type) {
    case 'Started':
    case 'Yield':
    case 'Return':
      return { type: o.type, cid: u32(o, 'cid'), pld: bin(o, 'pld') };
    case 'Stop':
      return { type: 'Stop', cid: u32(o, 'cid') };
    case 'Credit': {
      const n = u32(o, 'n');
      if (n === 0) fail(`field 'n' must be at least 1`);
      return { type: 'Credit', cid: u32(o, 'cid'), n };
    }
    case 'Ping':
    case 'Pong':
      return { type: o.type, seq: u32(o, 'seq') };
    case 'Start':
      return { type: 'Start', cid: u32(o, 'cid'), ns: str(o, 'ns'), func: str(o, 'func'), pld: bin(o, 'pld') };
    case 'StartAck': {
      const f = o.functype;
      if (f !== 'asyncfunc' && f !== 'asyncgen' && f !== 'context') {
        fail(`field 'functype' must be 'asyncfunc', 'asyncgen' or 'context'`);
      }
      return { type: 'StartAck', cid: u32(o, 'cid'), functype: f };
    }
    case 'Error':
      return { type: 'Error', cid: o.cid == null ? null : u32(o, 'cid'), error: boxed(o.error, 'error', 0) };
    case 'Cancel':
      return { type: 'Cancel', cid: u32(o, 'cid'), canceller: uidOf(o.canceller, 'canceller'), reason: optStr(o, 'reason') };
    case 'CancelAck':
      return { type: 'CancelAck', cid: u32(o, 'cid'), ok: bool(o, 'ok') };
    case 'Aid':
      return { type: 'Aid', name: str(o, 'name'), uuid: str(o, 'uuid'), pid: u32(o, 'pid'), runtime: str(o, 'runtime'), version: u32(o, 'version') };
    case 'SpawnSpec': {
      const mods = o.enableModules;
      if (!Array.isArray(mods) || !mods.every((m) => typeof m === 'string')) {
        fail(`field 'enableModules' must be an array of strings`);
      }
      return {
        type: 'SpawnSpec',
        name: str(o, 'name'),
        parent: uidOf(o.parent, 'parent'),
        parentAddr: address(o, 'parentAddr'),
        registryAddr: address(o, 'registryAddr'),
        enableModules: mods as string[],
        debugMode: bool(o, 'debugMode'),
        runtimeVars: map(o, 'runtimeVars', true),
      };
    }
    default:
      if (typeof o.type === 'string') fail(`unknown record type '${o.type.slice(0, 40)}'`);
      fail(`frame has no string 'type' field`);
  }
}

/**
 * Check a decoded frame and return it as a typed record (a fresh object holding only
 * the known fields). Throws `TransportError` (code `'malformed'`) saying what is wrong.
 */
export function validateMsg(x: unknown): Msg {
  if (!isObj(x)) throw new TransportError('malformed', `malformed frame: the body must be a msgpack map, got ${describe(x)}`);
  try {
    return check(x);
  } catch (e) {
    if (e instanceof Invalid) {
      const t = typeof x.type === 'string' ? `'${x.type.slice(0, 40)}' ` : '';
      throw new TransportError('malformed', `malformed ${t}record: ${e.message}`);
    }
    throw e;
  }
}

/** Check a boxed error (e.g. one built by hand) the same way frames are checked. */
export function validateBoxedError(x: unknown): BoxedError {
  try {
    return boxed(x, 'error', 0);
  } catch (e) {
    if (e instanceof Invalid) throw new TransportError('malformed', `malformed boxed error: ${e.message}`);
    throw e;
  }
}

function describe(x: unknown): string {
  if (x === null) return 'nil';
  if (Array.isArray(x)) return 'an array';
  if (x instanceof Uint8Array) return 'bin';
  return typeof x;
}
