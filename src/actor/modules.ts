// Enabled modules: how a function becomes callable in another actor. Module
// specifiers are normalised (absolute paths and relative ones, resolved against
// the cwd, become file URLs; file URLs stay; anything else, e.g. a bare package
// name or a Python module, is kept as it is). Loading a module records, for each
// exported function, its `(module, export name)` pair: that is how
// `Portal.run(fn)` names a function passed as a value.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from './context.ts';

/** Any function at all: only its identity is used. */
type AnyFunction = (...args: never[]) => unknown;

/** The mark `context()` puts on a function. */
const CONTEXT = Symbol.for('furrow.context');

/**
 * A function marked by {@link context}: called with a `Context` first. `S` is the
 * type of the value it passes to `ctx.started()`, which the opener's body gets.
 */
export type ContextFn<A extends unknown[] = any[], R = unknown, S = any> = ((ctx: Context<unknown, S>, ...args: A) => Promise<R>) & {
  readonly [CONTEXT]: true;
};

/**
 * Mark `fn` as a context function: opened from another actor with
 * `portal.openContext(fn, args, body)`, it gets a `Context` first (`started`,
 * `openStream`, `cancel`). Export the result from an enabled module. Annotate
 * `ctx` as `Context<unknown, S>` to type the value passed to `ctx.started()` and
 * received as `first` by the opener's body (otherwise it is `any`).
 */
export function context<A extends unknown[], R, S = any>(fn: (ctx: Context<unknown, S>, ...args: A) => Promise<R>): ContextFn<A, R, S> {
  Object.defineProperty(fn, CONTEXT, { value: true });
  return fn as ContextFn<A, R, S>;
}

/** True if `fn` was marked by {@link context}. */
export function isContextFn(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { [CONTEXT]?: boolean })[CONTEXT] === true;
}

/**
 * Normalise a module specifier: an absolute path or a relative one (`./`, `../`,
 * resolved against `process.cwd()`) becomes a `file:` URL; a `file:` URL stays;
 * anything else (a bare package name, a Python dotted module) is kept.
 */
export function normalizeModule(spec: string): string {
  if (spec.startsWith('file:')) return new URL(spec).href;
  if (isAbsolute(spec) || spec.startsWith('./') || spec.startsWith('../')) return pathToFileURL(resolve(spec)).href;
  return spec;
}

/** The `(module, export)` names of functions in loaded modules. */
const names = new WeakMap<AnyFunction, { ns: string; func: string }>();
/** The exported function names of each loaded module. */
const exported = new Map<string, Set<string>>();
/** Loaded modules by normalised specifier. */
const loaded = new Map<string, Promise<Record<string, unknown>>>();

/**
 * Import a normalised module (once per actor) and record the names of its exported
 * functions. Rejects with the module's own import error.
 */
export function loadModule(ns: string): Promise<Record<string, unknown>> {
  let p = loaded.get(ns);
  if (p === undefined) {
    p = (async () => {
      const mod = (await import(ns.startsWith('file:') ? fileURLToPath(ns) : ns)) as Record<string, unknown>;
      const funcs = new Set<string>();
      for (const [func, value] of Object.entries(mod)) {
        if (typeof value !== 'function') continue;
        funcs.add(func);
        const fn = value as AnyFunction;
        if (!names.has(fn)) names.set(fn, { ns, func });
      }
      exported.set(ns, funcs);
      return mod;
    })();
    loaded.set(ns, p);
    p.catch(() => loaded.delete(ns));
  }
  return p;
}

/** The `(module, export)` pair of a function exported by a loaded module, if any. */
export function nameOf(fn: AnyFunction): { ns: string; func: string } | undefined {
  return names.get(fn);
}

/** Whether the loaded module `ns` exports a function `func`; `undefined` if `ns` was not loaded here. */
export function isExported(ns: string, func: string): boolean | undefined {
  return exported.get(ns)?.has(func);
}

/**
 * Targets parsed before: a `'module:fn'` string called in a loop is parsed (and its
 * path turned into a URL) once, not on every call. Bounded, in case names are made
 * up on the fly.
 */
const parsedTargets = new Map<string, Readonly<{ ns: string; func: string }>>();
const MAX_PARSED_TARGETS = 1024;

/**
 * Parse `'module:fn'` (the last `:` separates, so `file:///a.ts:fn` works),
 * `'pkg.mod:fn'` or `'worker:fn'` (a module name of plain letters is a valid
 * Python module) into a normalised pair.
 */
export function parseTarget(target: string): Readonly<{ ns: string; func: string }> {
  const known = parsedTargets.get(target);
  if (known !== undefined) return known;
  const i = target.lastIndexOf(':');
  if (i <= 0 || i === target.length - 1) {
    throw new TypeError(`'${target}' is not a 'module:function' name`);
  }
  const spec = target.slice(0, i);
  const parsed = Object.freeze({ ns: normalizeModule(spec), func: target.slice(i + 1) });
  // a relative path depends on the working directory of the moment: never remembered
  if (!spec.startsWith('./') && !spec.startsWith('../')) {
    if (parsedTargets.size >= MAX_PARSED_TARGETS) parsedTargets.clear();
    parsedTargets.set(target, parsed);
  }
  return parsed;
}
