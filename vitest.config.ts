import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Limits for a hung test, not speed targets: a fresh PGlite with every migration takes 5 s
    // on an idle 2-core machine and over 30 s on a loaded one, and a timed-out test leaves its
    // loopback server mid-request for the tests after it. Speed is measured under bench/.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    setupFiles: ['test/setup.ts'],
    // PGlite templates built once for the run, and the CLI bundle checked against the sources.
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // vitest's default is one worker per core less one: a single worker on 2 cores. Most suites
    // wait on child processes, loopback servers and PGlite I/O, so two workers share the cores well.
    maxWorkers: 2,
  },
});
