import type { Config } from 'jest';

// ts-jest transpiles only (tsconfig has isolatedModules); `npm run typecheck` does the type checking.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/scenarios'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 60_000,
  setupFiles: ['<rootDir>/test/support/env.ts'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  // Child processes (function runtimes, CLIs) are spread over both cores.
  maxWorkers: 2,
};
export default config;
