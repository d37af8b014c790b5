import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql ships CommonJS (`main`) and ESM (`module`) builds. Node, and so Yoga and Pothos,
    // load the CommonJS one; Vite would pick the ESM one for our sources, and two copies of
    // graphql break `instanceof GraphQLError`. Resolve it as Node does.
    alias: { graphql: 'graphql/index.js' },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Each file makes its own database (test/support/database.ts); argon2 and a first PGlite
    // start are slow on a shared 2-core machine, hence the generous limits.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The console is built once, before every file (test/console reads it).
    globalSetup: ['test/support/buildConsole.ts'],
    // No connection reused between requests (the reason is in the file).
    setupFiles: ['test/support/connections.ts'],
  },
});
