import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // Load graphql-js as Node and the Apollo packages do (CommonJS index.js),
  // not vite's "module" build: one copy, as in production.
  resolve: { alias: { graphql: require.resolve('graphql') } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // test files share a worker's loaded modules (each file still starts its own stacks on
    // fresh databases): loading the graph's modules anew for every file was a third of the
    // suite's time (PostgreSQL stage 469 s isolated, 322 s not, same 630 tests)
    isolate: false,
    reporters: ['default'],
  },
});
