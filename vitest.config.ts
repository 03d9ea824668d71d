import { readdirSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Suites that leave nothing behind in the process share their workers' module graph
 * (`isolate: false`): no `process.env` writes, no `vi.mock`/`vi.stubEnv`/`vi.spyOn`, no process
 * listeners left. Each worker then imports the sources, aws-cdk-lib and the CLI once and compiles
 * PGlite's WebAssembly once instead of once a file. Measured one way and the other on the same
 * machine: the first 98 such files took 636 → 442 CPU-seconds; the whole local runs and CDK
 * syntheses that joined next, 425 → 306 (237 → 178 s). The CLI suites qualify too: the in-process
 * helper (test/helpers/cli-in-process.ts) puts back the environment, argv and exit code after each
 * command and fails a command that leaves a process listener behind; suites that start child
 * processes change nothing in this one.
 * A suite that does change process state belongs in the isolated project: add it to ISOLATED
 * (or leave it out of SHARED_DIRS and SHARED_FILES); it gets a fresh process a file (today the
 * composition suite alone, which mocks modules).
 */
const SHARED_DIRS = new Set(['adapters', 'budget', 'clean', 'db', 'handlers', 'harness', 'hostile', 'intent', 'knowledge', 'leads', 'llm', 'logs', 'net', 'outreach', 'pipeline', 'replies', 'report', 'research', 'sending', 'watch', 'web']);
const SHARED_ROOT = /^(statemachine.*|onboarding|sample-web|report|report-calibration|replay)\.test\.ts$/;

/** Suites elsewhere that qualify as well: whole local runs, CDK synthesis, the CLI. */
const SHARED_FILES = new Set([
  'test/cdk/grants.test.ts',
  'test/cdk/variants.test.ts',
  'test/cdk/replies.test.ts',
  'test/cdk/sending.test.ts',
  'test/cdk/stacks.test.ts',
  'test/cdk/watch.test.ts',
  'test/cdk/web-app.test.ts',
  'test/crash/redrive.test.ts',
  'test/e2e/data-api-large-leads-file.test.ts',
  'test/e2e/drafting.test.ts',
  'test/e2e/eval-drafts.test.ts',
  'test/e2e/eval-replies.test.ts',
  'test/e2e/eval.test.ts',
  'test/e2e/groq-429-envelope.test.ts',
  'test/e2e/groq-batch-run.test.ts',
  'test/e2e/groq-daily-limit.test.ts',
  'test/e2e/groq-faults.test.ts',
  'test/e2e/groq-today.test.ts',
  'test/e2e/local-run.test.ts',
  'test/e2e/onboard-data-api.test.ts',
  'test/e2e/step-ports.test.ts',
  // The CLI in-process (test/helpers/cli-in-process.ts puts back the environment, argv and exit
  // code after each command and fails a command that leaves a process listener behind), and the
  // suites that only start child processes.
  'test/cli/bundle.test.ts',
  'test/cli/doctor.test.ts',
  'test/cli/drafts.test.ts',
  'test/cli/fact-sources.test.ts',
  'test/cli/in-process.test.ts',
  'test/cli/inspect.test.ts',
  'test/cli/interval.test.ts',
  'test/cli/lake-failed-leads.test.ts',
  'test/cli/leads-file.test.ts',
  'test/cli/lock.test.ts',
  'test/cli/outbox.test.ts',
  'test/cli/outcome.test.ts',
  'test/cli/progress.test.ts',
  'test/cli/reused-research.test.ts',
  'test/cli/send.test.ts',
  'test/cli/show-lead-sequences.test.ts',
  'test/crash/kill-restart.test.ts',
  'test/e2e/cli-operator.test.ts',
  'test/e2e/cli.test.ts',
  'test/intent/two-runs.test.ts',
  'test/report.test.ts',
  // The benchmark harness at tiny sizes: the command once as a child, the rest through its own
  // runBenchmarks in this process, which sets nothing process-wide (each bench's entry is guarded).
  'test/bench.test.ts',
]);

/** In the directories above, the suites that change process state or run the CLI's entry. */
const ISOLATED = new Set([
  'test/adapters/composition.test.ts', // vi.mock
]);

/** Every test file, in exactly one of the two projects (a new directory is isolated until listed). */
const testFiles = (readdirSync(fileURLToPath(new URL('test', import.meta.url)), { recursive: true }) as string[])
  .map((file) => `test/${file.split(sep).join('/')}`)
  .filter((file) => file.endsWith('.test.ts'));
const isShared = (file: string) => {
  if (ISOLATED.has(file)) return false;
  if (SHARED_FILES.has(file)) return true;
  const parts = file.split('/');
  return parts.length === 2 ? SHARED_ROOT.test(parts[1]) : SHARED_DIRS.has(parts[1]);
};

export default defineConfig({
  test: {
    // Limits for a hung test, not speed targets: a fresh PGlite with every migration takes 5 s
    // on an idle 2-core machine and over 30 s on a loaded one, and a timed-out test leaves its
    // loopback server mid-request for the tests after it. Speed is measured under bench/.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    setupFiles: ['test/setup.ts'],
    // PGlite templates built once for the run, and the CLI bundle checked against the sources.
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // PGlite's WebAssembly compiled by V8's baseline compiler only, as the CLI does
    // (local/bin/v8-flags.mjs): the workers stop optimising PostgreSQL's hot functions on
    // background threads that compete with the other worker for the two cores. The PGlite-heavy
    // directories (sending, replies, outreach, db), alternating in one sitting: 105.8-116.8
    // CPU-seconds over six runs with it (112 on average), 110.5-138.0 over four without (121).
    execArgv: ['--liftoff-only'],
    // vitest's default is one worker per core less one: a single worker on 2 cores. Most suites
    // wait on child processes, loopback servers and PGlite I/O, so two workers share the cores well.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'shared', include: testFiles.filter(isShared), isolate: false } },
      { extends: true, test: { name: 'isolated', include: testFiles.filter((file) => !isShared(file)) } },
    ],
  },
});
