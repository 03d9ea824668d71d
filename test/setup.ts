// aws-local-stepfunctions calls Promise.withResolvers, which Node 20 lacks.
import '#core/polyfills.ts';

import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';

// Property tests draw the same cases on every run, so a run fails or passes as the code does, not
// as the dice fall; a failure prints its seed and path to replay. `FC_SEED=<n>` draws other cases
// (`FC_SEED=random`, fast-check's own random seed each run) when hunting for new counterexamples.
const fcSeed = process.env.FC_SEED ?? '20261203';
if (fcSeed !== 'random') {
  if (!/^-?\d+$/.test(fcSeed)) throw new Error(`FC_SEED must be an integer or "random", not ${JSON.stringify(fcSeed)}`);
  fc.configureGlobal({ seed: Number(fcSeed) });
}

// The in-process CLI helper's databases (test/helpers/cli-in-process.ts), closed after each file
// that opened them, also when the worker keeps the helper's module loaded for the next file.
afterAll(async () => {
  await (globalThis as { closeCliDatabasesAfterFile?: () => Promise<void> }).closeCliDatabasesAfterFile?.();
});

// `PROSPECTOR_TEST_PROBE=<file.jsonl>`: a line per test file with its wall, worker CPU and
// children's CPU time (test/helpers/file-probe.ts; `bench/suite-files.ts` reads them back).
const probeOut = process.env.PROSPECTOR_TEST_PROBE;
if (probeOut) {
  const { startFileProbe } = await import('./helpers/file-probe.ts');
  const done = startFileProbe(probeOut, join(import.meta.dirname, '..'));
  afterAll(() => done(expect.getState().testPath));
}
