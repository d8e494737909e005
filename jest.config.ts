// Jest runs the TypeScript sources as ESM through ts-jest; Node's own type
// stripping runs them everywhere else (examples, child actors, benches).
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The bridges import furrow by its public name, as a user would.
    '^furrow$': '<rootDir>/src/index.ts',
    '^furrow/spawn$': '<rootDir>/src/spawn.ts',
    '^furrow/(promise|rxjs|queue|asyncio|hosts)$': '<rootDir>/bridges/$1/index.ts',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: { isolatedModules: true, esModuleInterop: true, module: 'esnext', moduleResolution: 'bundler', customConditions: ['furrow-source'], allowImportingTsExtensions: true, rewriteRelativeImportExtensions: true, verbatimModuleSyntax: false } }],
  },
  testTimeout: 30_000,
};

export default config;
