/**
 * PROSPECTOR_HOME folders for tests. A first command on an empty home runs initdb and every
 * migration (seconds, and far longer on a loaded machine); `migratedHome()` starts the home with a
 * copy of the run's migrated database folder instead, as if a first command had run. Tests of
 * the first run itself (test/e2e/cli.test.ts, test/cli/bundle.test.ts) keep empty homes.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFolder } from '#adapters/copy-folder.ts';
import { pgTemplates } from './pg-templates.ts';

/** A new temporary home (named `prefix…` under the OS temp folder) holding a migrated, empty database. */
export async function migratedHome(prefix: string): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), prefix));
  const template = pgTemplates()?.homeDb;
  if (template) copyFolder(template, join(home, 'db'));
  return home;
}
