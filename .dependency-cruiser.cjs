// The layer rule, checked by dependency-cruiser in CI: core <- ipc <- actor <- bridges.
// Each layer imports only from the layers below it, the bridges import furrow only
// through its public entry points (package subpaths), and nothing imports in a cycle.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'a type-only import cycle costs nothing at run time; any other cycle is an error',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'core-is-the-bottom',
      comment: 'src/core knows nothing of IPC, actors or bridges',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^(src/(ipc|actor)|bridges)/' },
    },
    {
      name: 'ipc-below-actor',
      comment: 'src/ipc builds on core only',
      severity: 'error',
      from: { path: '^src/ipc/' },
      to: { path: '^(src/actor|bridges)/' },
    },
    {
      name: 'actor-below-bridges',
      comment: 'src/actor builds on core and ipc only',
      severity: 'error',
      from: { path: '^src/actor/' },
      to: { path: '^bridges/' },
    },
    {
      name: 'bridges-use-public-entries',
      comment: "a bridge imports furrow by its package name ('furrow', 'furrow/spawn'), never a file inside src",
      severity: 'error',
      from: { path: '^bridges/' },
      to: { path: '^src/', pathNot: '^src/(index|spawn)\\.ts$' },
    },
    {
      name: 'bridges-stay-apart',
      comment: 'one bridge reaches another only through its package subpath',
      severity: 'error',
      from: { path: '^bridges/([^/]+)/' },
      to: { path: '^bridges/', pathNot: ['^bridges/$1/', '^bridges/[^/]+/index\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['furrow-source', 'import', 'types', 'default'],
      extensions: ['.ts', '.js'],
    },
  },
};
