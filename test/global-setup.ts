/**
 * Runs once per `vitest run`, before any test file, in the main vitest process (each project
 * calls it; the second call shares the first one's templates).
 *
 * - Builds the PGlite database templates once for the whole run instead of once per test file:
 *   an empty cluster (what initdb leaves: the loopback Data API starts from it and migrates
 *   through the Data API), the same migrated, and migrated with the sample onboarding imported.
 *   Each is a `dumpDataDir()` tarball in a temporary folder that `inject('pgTemplates')` names;
 *   test/helpers/db.ts and test/fakes/fake-data-api.ts load copies of them; test/helpers/home.ts
 *   copies a migrated database folder into a new PROSPECTOR_HOME. initdb alone takes seconds on
 *   2 cores, and 30 s and more when the machine is loaded.
 * - Makes sure the CLI bundle (.build/cli, what `npm ci` builds) matches the sources, so that the
 *   tests that spawn `prospector` start it without the TypeScript loader, as a user's install
 *   does. After an edit it is rebuilt here (about a second) rather than each child compiling
 *   the sources through tsx.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_START_PARAMS, PgliteSql } from '#adapters/pglite-sql.ts';
import { migrate } from '#core/db/migrate.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { PgTemplates } from './helpers/pg-templates.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplates: PgTemplates;
  }
}

const SAMPLE_ONBOARDING = join(import.meta.dirname, '..', 'local', 'data', 'sample-onboarding.yaml');

async function save(dir: string, name: string, dump: Blob): Promise<string> {
  const file = join(dir, `${name}.tar`);
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  return file;
}

async function buildTemplates(dir: string): Promise<PgTemplates> {
  const cluster = await PGlite.create({ startParams: [...PGLITE_START_PARAMS] });
  const empty = await save(dir, 'empty', await cluster.dumpDataDir('none'));
  const db = new PgliteSql(cluster);
  try {
    await migrate(db);
    const migrated = await save(dir, 'migrated', await db.dump());
    const { workspaceId } = await importOnboarding(db, await loadOnboardingFile(SAMPLE_ONBOARDING));
    const onboarded = await save(dir, 'onboarded', await db.dump());
    // A home's database folder as the CLI leaves it after its first command (migrated, on disk).
    const homeDb = join(dir, 'home-db');
    const onDisk = await PGlite.create({ startParams: [...PGLITE_START_PARAMS], dataDir: homeDb, loadDataDir: new Blob([await readFile(migrated)]) });
    await onDisk.close();
    return { empty, migrated, onboarded, onboardedWorkspaceId: workspaceId, homeDb };
  } finally {
    await db.close();
  }
}

async function freshCliBundle(): Promise<void> {
  // Plain JavaScript modules without types (they run before any loader).
  // @ts-expect-error: no declaration file
  const { freshBundle } = (await import('../local/bin/fresh-bundle.mjs')) as { freshBundle: () => { entry?: string; stale?: string } };
  if (freshBundle().entry) return;
  // @ts-expect-error: no declaration file
  const { buildCli } = (await import('../local/bin/build-cli.mjs')) as { buildCli: () => Promise<unknown> };
  try {
    await buildCli();
  } catch (error) {
    // As in `npm ci`: without a bundle the bin runs the sources through tsx, slower but the same.
    process.stderr.write(`warning: could not build the CLI bundle, CLI tests run the sources through tsx: ${(error as Error).message}\n`);
  }
}

/** Both vitest projects run this setup in the one main process: the templates are built once and removed after the last. */
const shared = globalThis as { prospectorTemplates?: { ready: Promise<{ dir: string; templates: PgTemplates }>; users: number } };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  shared.prospectorTemplates ??= {
    users: 0,
    ready: (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'prospector-pg-templates-'));
      const [templates] = await Promise.all([buildTemplates(dir), freshCliBundle()]);
      return { dir, templates };
    })(),
  };
  const entry = shared.prospectorTemplates;
  entry.users += 1;
  const { dir, templates } = await entry.ready;
  project.provide('pgTemplates', templates);
  return async () => {
    entry.users -= 1;
    if (entry.users > 0) return;
    shared.prospectorTemplates = undefined;
    await rm(dir, { recursive: true, force: true });
  };
}
