// furrow's logger: one line per event on stderr, naming the actor (name, short
// uuid, pid) and the task, at a level (error, warn, info, debug) or in a detail
// area (cancel, transport). The setting comes from `FURROW_LOG` or
// `configureLog`, and child actors inherit it. A call for a kind that is off
// returns after one property read: its arguments are never formatted.
//
//   00:21:03.123 info      root[3f2a9c1e:4242] {main} spawned actor 'w1' (fork, pid 4250, uid 7bd0a2c4)
//
// node:util's debuglog was not used: it has sections but no levels, its own line
// prefix (`SECTION PID:`), and reads NODE_DEBUG only once per section.
import { onIgnoredError } from './ignore.ts';
import { DEFAULT_LOG_SPEC, LOG_LEVELS, formatLogSpec, parseLogSpec, type LogKind, type LogSetting } from './log-config.ts';
import { scopeStorage } from './scope.ts';

/** Who is logging: the actor this process (or thread) runs. */
export interface LogIdentity {
  name: string;
  uuid: string;
  pid: number;
}

/** Where lines go: stderr, or (tests, tools) anything that takes a string. */
export type LogSink = (line: string) => void;

/** The logger: one method per kind, and `enabled(kind)` for guarding costly arguments. */
export interface Logger {
  error(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  /** detail about cancellation: who cancelled what, and when it was acknowledged */
  cancel(message: string, ...args: unknown[]): void;
  /** detail about links: connections opened and closed, handshakes */
  transport(message: string, ...args: unknown[]): void;
  /** Whether lines of `kind` are written now. */
  enabled(kind: LogKind): boolean;
}

/** The width the kind column is padded to (the longest kind, `transport`). */
const KIND_WIDTH = 9;

const on: Record<LogKind, boolean> = { error: false, warn: false, info: false, debug: false, cancel: false, transport: false };
let setting: LogSetting = parseLogSpec(DEFAULT_LOG_SPEC);
let identity: LogIdentity | undefined;
let sink: LogSink = (line) => void process.stderr.write(line);
let unhookIgnored: (() => void) | undefined;
/** why FURROW_LOG was not taken, told with the first line or when the actor starts, unless `configureLog` came first (a child actor's setting is its parent's) */
let envProblem: string | undefined;

/**
 * Set what is logged, from a spec (`'debug'`, `'warn'`, `'cancel,transport'`,
 * `'off'`; see `parseLogSpec`). Throws a `TypeError` for a bad spec, changing
 * nothing. Child actors started afterwards inherit the setting.
 */
export function configureLog(spec: string): void {
  apply(parseLogSpec(spec));
  envProblem = undefined;
}

/** The current setting as a spec (what child actors are given). */
export function logSpec(): string {
  return formatLogSpec(setting);
}

/** @internal Name the actor this process or thread runs, for every later line. */
export function setLogIdentity(id: LogIdentity | undefined): void {
  identity = id;
  tellEnvProblem();
}

function tellEnvProblem(): void {
  const problem = envProblem;
  envProblem = undefined;
  if (problem !== undefined) log.warn('FURROW_LOG ignored: %s', problem);
}

/** @internal Send lines to `to` instead of stderr (returns the previous sink). */
export function setLogSink(to: LogSink): LogSink {
  const was = sink;
  sink = to;
  return was;
}

function apply(s: LogSetting): void {
  setting = s;
  const rank = s.level === 'off' ? -1 : LOG_LEVELS.indexOf(s.level);
  LOG_LEVELS.forEach((l, i) => (on[l] = i <= rank));
  on.cancel = s.areas.has('cancel');
  on.transport = s.areas.has('transport');
  // errors dropped on purpose (ignore.ts) are told at debug level
  if (on.debug && !unhookIgnored) unhookIgnored = onIgnoredError((reason, err) => write('debug', 'ignored %s (%s)', [summary(err), reason]));
  else if (!on.debug && unhookIgnored) {
    unhookIgnored();
    unhookIgnored = undefined;
  }
}

/** An error in one line: `Name: message` (a stack belongs in an error line, not in a debug note). */
function summary(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** The task the running code belongs to: the nearest labelled cancel scope, else `main`. */
function currentTask(): string {
  for (let s = scopeStorage.getStore(); s; s = s.parent) if (s.label !== undefined) return s.label;
  return 'main';
}

/** `name[uuid8:pid]` of the logging actor (`-` before the process is an actor). */
export function actorTag(id: LogIdentity | undefined = identity): string {
  return id ? `${id.name}[${id.uuid.slice(0, 8)}:${id.pid}]` : `-[--------:${process.pid}]`;
}

/** One log line, newline included (the shape the Python side writes too). */
export function formatLogLine(time: Date, kind: LogKind, tag: string, task: string, text: string): string {
  const hms = time.toISOString().slice(11, 23);
  return `${hms} ${kind.padEnd(KIND_WIDTH)} ${tag} {${task}} ${text}\n`;
}

function write(kind: LogKind, message: string, args: unknown[]): void {
  if (envProblem !== undefined) tellEnvProblem();
  // node:util is taken when a line is written: an `import` of it loads every lazy part of it (~40 modules) at each actor's start-up
  const text = process.getBuiltinModule('node:util').formatWithOptions({ colors: false, breakLength: Infinity }, message, ...args);
  sink(formatLogLine(new Date(), kind, actorTag(), currentTask(), text));
}

/** furrow's logger (see the module comment). */
export const log: Logger = {
  error: (m, ...a) => void (on.error && write('error', m, a)),
  warn: (m, ...a) => void (on.warn && write('warn', m, a)),
  info: (m, ...a) => void (on.info && write('info', m, a)),
  debug: (m, ...a) => void (on.debug && write('debug', m, a)),
  cancel: (m, ...a) => void (on.cancel && write('cancel', m, a)),
  transport: (m, ...a) => void (on.transport && write('transport', m, a)),
  enabled: (kind) => on[kind],
};

function fromEnvironment(): void {
  const spec = process.env.FURROW_LOG;
  try {
    apply(parseLogSpec(spec ?? DEFAULT_LOG_SPEC));
  } catch (err) {
    // a bad variable must not stop the program: keep the default, and say so once
    apply(parseLogSpec(DEFAULT_LOG_SPEC));
    envProblem = (err as Error).message;
  }
}

fromEnvironment();
