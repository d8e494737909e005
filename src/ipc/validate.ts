// Checks that a decoded frame is one of the protocol's records with the right field
// types. Anything else is a protocol error (TransportError 'malformed'): it never
// reaches user code as data. Unknown extra fields are ignored (forward compatible).
// The records are those of protocol/schema.json, written out here as code: a check
// built from the JSON at load time took 2.7x as long per record (docs/protocol.md,
// "One schema"), so __tests__/protocol/schema-conformance.test.ts holds this file to
// the JSON instead, field by field. The limits are read from the JSON.
import { TransportError } from './errors.ts';
import type { Address, BoxedError, Msg, Uid } from './messages.ts';
import { PROTOCOL_LIMITS } from './schema.ts';

const MAX_U32 = 0xffff_ffff;
/** how deep `relayed` / `cause` chains may nest before the frame is refused */
const MAX_BOX_DEPTH = PROTOCOL_LIMITS.maxBoxDepth;

class Invalid extends Error {}

/** Fail on field `k` of `o` (shown as `at`): missing, or not `what`. */
function fail(o: Record<string, unknown>, k: string, what: string, at: string = k): never {
  throw new Invalid(o[k] == null ? `field '${at}' is missing` : `field '${at}' ${what}`);
}

/**
 * A msgpack map as msgpackr decodes it: a plain object. Not an array, bin, or an
 * object an extension type or the byte 0xc1 decodes to (a Date, msgpackr's marker).
 */
function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}

function str(o: Record<string, unknown>, k: string, at?: string): string {
  const v = o[k];
  if (typeof v !== 'string') fail(o, k, 'must be a string', at);
  return v;
}

function optStr(o: Record<string, unknown>, k: string, at?: string): string | null {
  const v = o[k];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail(o, k, 'must be a string or nil', at);
  return v;
}

// A float holding an integer (3.0) is accepted: msgpackr reads it as the integer,
// and the Python side accepts it the same way.
function u32(o: Record<string, unknown>, k: string, at?: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_U32) fail(o, k, 'must be an integer in 0..2^32-1', at);
  return v;
}

function bool(o: Record<string, unknown>, k: string): boolean {
  const v = o[k];
  if (typeof v !== 'boolean') fail(o, k, 'must be a boolean');
  return v;
}

function bin(o: Record<string, unknown>, k: string): Uint8Array {
  const v = o[k];
  if (!(v instanceof Uint8Array)) fail(o, k, 'must be msgpack bin');
  return v;
}

function isUid(v: unknown): v is Uid {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string';
}

function uid(o: Record<string, unknown>, k: string, at?: string): Uid {
  const v = o[k];
  if (!isUid(v)) fail(o, k, 'must be a [name, uuid] pair of strings', at);
  return v;
}

function optUid(o: Record<string, unknown>, k: string, at?: string): Uid | null {
  return o[k] == null ? null : uid(o, k, at);
}

function optMap(o: Record<string, unknown>, k: string, at?: string): Record<string, unknown> {
  const v = o[k];
  if (v === undefined || v === null) return {};
  if (!isObj(v)) fail(o, k, 'must be a map or nil', at);
  return v;
}

function address(o: Record<string, unknown>, k: string): Address | null {
  const v = o[k];
  if (v === undefined || v === null) return null;
  if (!isObj(v)) fail(o, k, 'must be an address map or nil');
  if (v.kind === 'uds') return { kind: 'uds', path: str(v, 'path', `${k}.path`) };
  if (v.kind === 'tcp') {
    const port = u32(v, 'port', `${k}.port`);
    if (port > 65535) fail(v, 'port', 'must be a TCP port (at most 65535)', `${k}.port`);
    return { kind: 'tcp', host: str(v, 'host', `${k}.host`), port };
  }
  fail(v, 'kind', `must be 'uds' or 'tcp'`, `${k}.kind`);
}

function boxed(o: Record<string, unknown>, k: string, at: string, depth: number): BoxedError {
  const v = o[k];
  if (depth > MAX_BOX_DEPTH) fail(o, k, `nests deeper than ${MAX_BOX_DEPTH} boxes`, at);
  if (!isObj(v)) fail(o, k, 'must be a boxed-error map', at);
  const relayPath = v.relayPath ?? [];
  if (!Array.isArray(relayPath)) fail(v, 'relayPath', 'must be an array of [name, uuid] pairs or nil', `${at}.relayPath`);
  for (let i = 0; i < relayPath.length; i++) {
    if (!isUid(relayPath[i])) throw new Invalid(`field '${at}.relayPath[${i}]' must be a [name, uuid] pair of strings`);
  }
  return {
    boxedType: str(v, 'boxedType', `${at}.boxedType`),
    message: str(v, 'message', `${at}.message`),
    stack: optStr(v, 'stack', `${at}.stack`) ?? '',
    srcUid: uid(v, 'srcUid', `${at}.srcUid`),
    relayPath: relayPath as Uid[],
    canceller: optUid(v, 'canceller', `${at}.canceller`),
    relayed: v.relayed == null ? null : boxed(v, 'relayed', `${at}.relayed`, depth + 1),
    cause: v.cause == null ? null : boxed(v, 'cause', `${at}.cause`, depth + 1),
    extra: optMap(v, 'extra', `${at}.extra`),
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
      if (n === 0) fail(o, 'n', 'must be at least 1');
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
        fail(o, 'functype', `must be 'asyncfunc', 'asyncgen' or 'context'`);
      }
      return { type: 'StartAck', cid: u32(o, 'cid'), functype: f };
    }
    case 'Error':
      return { type: 'Error', cid: o.cid == null ? null : u32(o, 'cid'), error: boxed(o, 'error', 'error', 0) };
    case 'Cancel':
      return { type: 'Cancel', cid: u32(o, 'cid'), canceller: uid(o, 'canceller'), reason: optStr(o, 'reason') };
    case 'CancelAck':
      return { type: 'CancelAck', cid: u32(o, 'cid'), ok: bool(o, 'ok') };
    case 'Aid':
      return { type: 'Aid', name: str(o, 'name'), uuid: str(o, 'uuid'), pid: u32(o, 'pid'), runtime: str(o, 'runtime'), version: u32(o, 'version') };
    case 'SpawnSpec': {
      const mods = o.enableModules;
      if (!Array.isArray(mods) || !mods.every((m) => typeof m === 'string')) {
        fail(o, 'enableModules', 'must be an array of strings');
      }
      return {
        type: 'SpawnSpec',
        name: str(o, 'name'),
        parent: uid(o, 'parent'),
        parentAddr: address(o, 'parentAddr'),
        registryAddr: address(o, 'registryAddr'),
        enableModules: mods as string[],
        debugMode: bool(o, 'debugMode'),
        runtimeVars: optMap(o, 'runtimeVars'),
      };
    }
    default:
      if (typeof o.type === 'string') throw new Invalid(`unknown record type '${o.type.slice(0, 40)}'`);
      throw new Invalid(`frame has no string 'type' field`);
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
    return boxed({ error: x }, 'error', 'error', 0);
  } catch (e) {
    if (e instanceof Invalid) throw new TransportError('malformed', `malformed boxed error: ${e.message}`);
    throw e;
  }
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return 'nil';
  if (Array.isArray(x)) return 'an array';
  if (x instanceof Uint8Array) return 'bin';
  return typeof x;
}
