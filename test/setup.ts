// aws-local-stepfunctions calls Promise.withResolvers, which Node 20 lacks.
import '#core/polyfills.ts';

import { afterAll } from 'vitest';

// The in-process CLI helper's databases (test/helpers/cli-in-process.ts), closed after each file
// that opened them, also when the worker keeps the helper's module loaded for the next file.
afterAll(async () => {
  await (globalThis as { closeCliDatabasesAfterFile?: () => Promise<void> }).closeCliDatabasesAfterFile?.();
});
