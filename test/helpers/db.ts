/**
 * Databases for tests. Creating a PGlite database runs initdb (seconds), so the run builds one
 * migrated template and one onboarded template once (test/global-setup.ts), and every
 * `freshDb()` / `onboardedDb()` loads a copy of that dump (a few hundred milliseconds). Outside
 * the global setup (a script importing this), each worker builds its own templates on first use.
 * Callers close what they get.
 */
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PgliteSql } from '#adapters/pglite-sql.ts';
import { migrate } from '#core/db/migrate.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { pgliteEngine, pgTemplates, templateBlob } from './pg-templates.ts';

/** The sample onboarding file the local demo uses. */
export const SAMPLE_ONBOARDING = path.resolve(import.meta.dirname, '../../local/data/sample-onboarding.yaml');

// Templates are cached per worker; a failed build is forgotten so the next call retries.
let migratedTemplate: Promise<Blob | File> | undefined;
let onboardedTemplate: Promise<{ dump: Blob | File; workspaceId: string }> | undefined;

async function openDb(loadDataDir?: Blob | File): Promise<PgliteSql> {
  const cached = await pgliteEngine();
  if (!cached) return PgliteSql.open({ loadDataDir });
  return new PgliteSql(await PGlite.create({ ...cached, ...(loadDataDir ? { loadDataDir } : {}) }));
}

function migratedDump(): Promise<Blob | File> {
  const built = pgTemplates();
  if (built) return templateBlob(built.migrated);
  migratedTemplate ??= (async () => {
    const db = await openDb();
    try {
      await migrate(db);
      return await db.dump();
    } finally {
      await db.close();
    }
  })();
  migratedTemplate.catch(() => (migratedTemplate = undefined));
  return migratedTemplate;
}

/** A migrated, empty in-memory database. */
export async function freshDb(): Promise<PgliteSql> {
  return openDb(await migratedDump());
}

/** A migrated in-memory database with the sample onboarding imported. */
export async function onboardedDb(): Promise<{ db: PgliteSql; workspaceId: string }> {
  const built = pgTemplates();
  if (built) onboardedTemplate ??= templateBlob(built.onboarded).then((dump) => ({ dump, workspaceId: built.onboardedWorkspaceId }));
  onboardedTemplate ??= (async () => {
    const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
    const db = await freshDb();
    try {
      const { workspaceId } = await importOnboarding(db, onboarding);
      return { dump: await db.dump(), workspaceId };
    } finally {
      await db.close();
    }
  })();
  onboardedTemplate.catch(() => (onboardedTemplate = undefined));
  const { dump, workspaceId } = await onboardedTemplate;
  return { db: await openDb(dump), workspaceId };
}
