/**
 * Databases for tests. Creating a PGlite database runs initdb (seconds), so each test worker
 * builds one migrated template once, dumps it, and every `freshDb()` loads a copy of the dump
 * (a few hundred milliseconds). Callers close what they get.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PgliteSql } from '#adapters/pglite-sql.ts';
import { migrate } from '#core/db/migrate.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';

/** The sample onboarding file the local demo uses. */
export const SAMPLE_ONBOARDING = path.resolve(import.meta.dirname, '../../local/data/sample-onboarding.yaml');

// Templates are cached per worker; a failed build is forgotten so the next call retries.
let engine: Promise<{ pgliteWasmModule: WebAssembly.Module; fsBundle: Blob } | undefined> | undefined;
let migratedTemplate: Promise<Blob | File> | undefined;
let onboardedTemplate: Promise<{ dump: Blob | File; workspaceId: string }> | undefined;

/**
 * PGlite compiles its WASM module and unpacks its file bundle on every open; doing that once per
 * worker takes about a quarter off each open. Falls back to the defaults if the files move.
 */
function compiledEngine(): Promise<{ pgliteWasmModule: WebAssembly.Module; fsBundle: Blob } | undefined> {
  engine ??= (async () => {
    try {
      const dist = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
      const [wasm, data] = await Promise.all([readFile(path.join(dist, 'pglite.wasm')), readFile(path.join(dist, 'pglite.data'))]);
      return { pgliteWasmModule: await WebAssembly.compile(wasm), fsBundle: new Blob([data]) };
    } catch {
      return undefined;
    }
  })();
  return engine;
}

async function openDb(loadDataDir?: Blob | File): Promise<PgliteSql> {
  const cached = await compiledEngine();
  if (!cached) return PgliteSql.open({ loadDataDir });
  return new PgliteSql(await PGlite.create({ ...cached, ...(loadDataDir ? { loadDataDir } : {}) }));
}

function migratedDump(): Promise<Blob | File> {
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
