// How a user's module in a child actor finds `furrow`: straight to the entry points
// of the build this child runs, without Node's package-exports walk. That walk
// costs ~3 ms in a fresh child (finding and parsing package.json, reading the
// exports map, compiling the RegExp that vets its targets), and a child always
// wants the copy of furrow it is running, whatever copy the module's own folder
// would resolve to: one runtime per process.

/** `furrow` and its subpaths, by file name in the bundled build (package.json "exports"). */
export const BUNDLE_ENTRIES: ReadonlyMap<string, string> = new Map([
  ['furrow', 'index.js'],
  ['furrow/spawn', 'spawn.js'],
  ['furrow/promise', 'promise.js'],
  ['furrow/rxjs', 'rxjs.js'],
  ['furrow/queue', 'queue.js'],
  ['furrow/asyncio', 'asyncio.js'],
  ['furrow/hosts', 'hosts.js'],
]);

/**
 * In a child running the bundled build (`childMain` is the URL of its
 * `child-main.js`), resolve `furrow` and its subpaths to that build's files. A
 * child running the sources (the repository's own tests) keeps Node's resolution,
 * and so does a Node without `module.registerHooks` (before 22.15).
 */
export function resolveFurrowToThisBuild(childMain: string): void {
  if (!childMain.endsWith('.js')) return;
  process.getBuiltinModule('node:module').registerHooks?.({
    resolve(specifier, context, nextResolve) {
      const file = BUNDLE_ENTRIES.get(specifier);
      if (file === undefined) return nextResolve(specifier, context);
      return { url: new URL(file, childMain).href, format: 'module', shortCircuit: true };
    },
  });
}
