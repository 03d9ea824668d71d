import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    // vitest's default is one worker per core less one: a single worker on 2 cores. Most suites
    // wait on child processes, loopback servers and PGlite I/O, so two workers share the cores well.
    maxWorkers: 2,
  },
});
