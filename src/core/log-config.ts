// What furrow logs: a level (error, warn, info, debug) and detail areas (cancel,
// transport), read from a spec such as `debug` or `cancel,transport` (the
// `FURROW_LOG` environment variable, or `configureLog`). Parsing only: log.ts
// holds the current setting and writes the lines.

/** The levels, most severe first. A level shows itself and every level before it. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
/** The detail areas: each adds its own lines (debug-like detail about one subject). */
export const LOG_AREAS = ['cancel', 'transport'] as const;

/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** A detail area. */
export type LogArea = (typeof LOG_AREAS)[number];
/** What a line is: a level, or an area for detail lines. */
export type LogKind = LogLevel | LogArea;

/** A parsed log setting. */
export interface LogSetting {
  /** the most detailed level shown, or `'off'` for nothing at all */
  level: LogLevel | 'off';
  /** the detail areas shown (all of them at `debug`) */
  areas: ReadonlySet<LogArea>;
}

/** The setting when nothing is set: `info` (spawns, exits, cancels, restarts), no detail areas. */
export const DEFAULT_LOG_SPEC = 'info';

/**
 * Parse a log spec: comma-separated tokens, each a level (`error`, `warn`,
 * `info`, `debug`), an area (`cancel`, `transport`), `all` (debug and every
 * area) or `off`. Areas add to the level, which stays `info` unless one is named;
 * `debug` turns every area on. Case and blanks are ignored; an empty spec is the
 * default. Throws a `TypeError` naming the bad token and the valid ones.
 */
export function parseLogSpec(spec: string): LogSetting {
  let level: LogLevel | 'off' | undefined;
  const areas = new Set<LogArea>();
  const tokens = spec
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  if (tokens.length === 0) return parseLogSpec(DEFAULT_LOG_SPEC);
  for (const t of tokens) {
    if ((LOG_LEVELS as readonly string[]).includes(t) || t === 'off') {
      if (level !== undefined && level !== t) throw new TypeError(`log spec '${spec}' names two levels ('${level}' and '${t}'): name one`);
      level = t as LogLevel | 'off';
    } else if ((LOG_AREAS as readonly string[]).includes(t)) areas.add(t as LogArea);
    else if (t === 'all') {
      level = 'debug';
    } else {
      throw new TypeError(`unknown log level or area '${t}' in '${spec}' (valid: ${[...LOG_LEVELS, ...LOG_AREAS, 'all', 'off'].join(', ')})`);
    }
  }
  level ??= areas.size > 0 ? 'info' : (DEFAULT_LOG_SPEC as LogLevel);
  if (level === 'debug') for (const a of LOG_AREAS) areas.add(a);
  if (level === 'off') areas.clear();
  return { level, areas };
}

/** The spec that parses back to `s` (handed down to child actors). */
export function formatLogSpec(s: LogSetting): string {
  if (s.level === 'debug' || s.level === 'off') return s.level;
  return [s.level, ...s.areas].join(',');
}
