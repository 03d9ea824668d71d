/**
 * Databases for tests. Creating a PGlite database runs initdb (seconds), so the run builds one
 * migrated template and one onboarded template once (test/global-setup.ts). Loading a copy of a
 * template still costs about 0.6 s and 0.9 CPU-seconds (PGlite unpacks its file bundle and the
 * tarball into a fresh in-memory file system and starts the backend), and the suite asks for a
 * database several hundred times. So each worker keeps the databases its tests have closed and
 * hands them out again reset to the template: every row deleted and the template's rows put
 * back (about 0.07 s). A database whose schema a test changed (any table, column, constraint,
 * function, trigger or type that differs from the template's) is closed instead of reused.
 * Outside the global setup (a script importing this), each worker builds its own templates on
 * first use. Callers close what they get; a closed database refuses queries as PGlite does.
 */
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PgliteSql } from '#adapters/pglite-sql.ts';
import { migrate } from '#core/db/migrate.ts';
import type { Sql, SqlParams, SqlResult, SqlRow } from '#core/ports.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { openPglite, pgTemplates, templateBlob } from './pg-templates.ts';

/** The sample onboarding file the local demo uses. */
export const SAMPLE_ONBOARDING = path.resolve(import.meta.dirname, '../../local/data/sample-onboarding.yaml');

// Templates are cached per worker; a failed build is forgotten so the next call retries.
let migratedTemplate: Promise<Blob | File> | undefined;
let onboardedTemplate: Promise<{ dump: Blob | File; workspaceId: string }> | undefined;

function migratedDump(): Promise<Blob | File> {
  const built = pgTemplates();
  if (built) return templateBlob(built.migrated);
  migratedTemplate ??= (async () => {
    const db = new PgliteSql(await openPglite());
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

function onboardedDump(): Promise<{ dump: Blob | File; workspaceId: string }> {
  const built = pgTemplates();
  if (built) onboardedTemplate ??= templateBlob(built.onboarded).then((dump) => ({ dump, workspaceId: built.onboardedWorkspaceId }));
  onboardedTemplate ??= (async () => {
    const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
    const db = new PgliteSql(await openPglite(await migratedDump()));
    try {
      const { workspaceId } = await importOnboarding(db, onboarding);
      return { dump: await db.dump(), workspaceId };
    } finally {
      await db.close();
    }
  })();
  onboardedTemplate.catch(() => (onboardedTemplate = undefined));
  return onboardedTemplate;
}

/** What a template holds, read once from a database just loaded from it. */
interface Seed {
  /** Every user table, quoted, emptied at each reset. */
  tables: string[];
  /** The tables with rows in the template, and those rows as one JSON array each. */
  rows: { table: string; json: string }[];
  /** Sequences and where the template left them. */
  sequences: { name: string; value: number; called: boolean }[];
  /** A digest of the schema; a database that no longer matches it is not reused. */
  schema: string;
}

// User objects have oids from FirstNormalObjectId (16384); what initdb made stays below. Sums
// rather than a string of every row: the check runs at every reset and must stay cheap.
const SCHEMA_DIGEST = `
  SELECT concat_ws('/',
    (SELECT count(*) || ':' || coalesce(sum(oid::int8 * relnatts), 0) || ':' || coalesce(sum(relchecks), 0) FROM pg_class WHERE oid >= 16384),
    (SELECT count(*) || ':' || coalesce(sum(atttypid::int8 * attnum), 0) || ':' || count(*) FILTER (WHERE attnotnull) || ':' || count(*) FILTER (WHERE atthasdef)
       FROM pg_attribute WHERE attrelid >= 16384 AND NOT attisdropped),
    (SELECT count(*) || ':' || coalesce(sum(oid::int8), 0) FROM pg_proc WHERE oid >= 16384),
    (SELECT count(*) || ':' || coalesce(sum(oid::int8), 0) || ':' || count(*) FILTER (WHERE tgenabled <> 'O') FROM pg_trigger WHERE oid >= 16384),
    (SELECT count(*) || ':' || coalesce(sum(oid::int8), 0) FROM pg_constraint WHERE oid >= 16384),
    (SELECT count(*) || ':' || coalesce(sum(oid::int8), 0) FROM pg_type WHERE oid >= 16384),
    (SELECT count(*) FROM pg_namespace WHERE oid >= 16384)
  ) AS digest`;

async function readSeed(db: PGlite): Promise<Seed> {
  const tables = await db.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1`,
  );
  const rows: Seed['rows'] = [];
  for (const { name } of tables.rows) {
    const all = await db.query<{ json: string | null }>(`SELECT jsonb_agg(to_jsonb(t))::text AS json FROM ${name} t`);
    const json = all.rows[0]?.json;
    if (json) rows.push({ table: name, json });
  }
  const sequences = await db.query<{ name: string; value: number | null; start: number }>(
    `SELECT format('%I.%I', schemaname, sequencename) AS name, last_value::float8 AS value, start_value::float8 AS start FROM pg_sequences`,
  );
  const digest = await db.query<{ digest: string }>(SCHEMA_DIGEST);
  return {
    tables: tables.rows.map((row) => row.name),
    rows,
    sequences: sequences.rows.map((row) => ({ name: row.name, value: row.value ?? row.start, called: row.value !== null })),
    schema: digest.rows[0].digest,
  };
}

/** Puts a database back to its template's rows; false if its schema has changed since. */
async function reset(db: PGlite, seed: Seed): Promise<boolean> {
  const digest = await db.query<{ digest: string }>(SCHEMA_DIGEST);
  if (digest.rows[0]?.digest !== seed.schema) return false;
  await db.transaction(async (tx) => {
    // Triggers and foreign keys are off while rows go and the template's own come back.
    // DELETE, not TRUNCATE: on PGlite's in-memory file system TRUNCATE takes 40 times longer.
    await tx.exec(`SET LOCAL session_replication_role = replica; ${seed.tables.map((table) => `DELETE FROM ${table};`).join(' ')}`);
    for (const { table, json } of seed.rows) {
      await tx.query(`INSERT INTO ${table} OVERRIDING SYSTEM VALUE SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`, [json]);
    }
    for (const { name, value, called } of seed.sequences) {
      await tx.query(`SELECT setval($1::regclass, $2::bigint, $3)`, [name, value, called]);
    }
  });
  return true;
}

type Template = 'migrated' | 'onboarded';

/** Databases closed by this worker's tests, ready to reset, a few per template. */
const pools: Record<Template, { free: PGlite[]; seed?: Promise<Seed> }> = { migrated: { free: [] }, onboarded: { free: [] } };
const KEEP = 3;

async function lease(template: Template): Promise<PgliteSql> {
  const pool = pools[template];
  const db = pool.free.pop() ?? (await openPglite(template === 'migrated' ? await migratedDump() : (await onboardedDump()).dump));
  if (!pool.seed) {
    pool.seed = readSeed(db);
    pool.seed.catch(() => (pool.seed = undefined));
  }
  await pool.seed;
  return new LeasedSql(db, () => giveBack(template, db));
}

async function giveBack(template: Template, db: PGlite): Promise<void> {
  const pool = pools[template];
  try {
    const seed = await pool.seed;
    if (seed && !db.closed && pool.free.length < KEEP && (await reset(db, seed))) {
      pool.free.push(db);
      return;
    }
  } catch {
    // A database that cannot be reset is closed below like any other.
  }
  if (!db.closed) await db.close();
}

/** A database lent from the pool: `close()` gives it back, after which it refuses work. */
class LeasedSql extends PgliteSql {
  #giveBack: (() => Promise<void>) | undefined;

  constructor(db: PGlite, giveBack: () => Promise<void>) {
    super(db);
    this.#giveBack = giveBack;
  }

  #open(): void {
    if (!this.#giveBack) throw new Error('PGlite is closed');
  }

  override async query<R extends object = SqlRow>(text: string, params?: SqlParams): Promise<SqlResult<R>> {
    this.#open();
    return super.query<R>(text, params);
  }

  override async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    this.#open();
    return super.transaction(fn);
  }

  override async dump(): Promise<Blob | File> {
    this.#open();
    return super.dump();
  }

  override async close(): Promise<void> {
    const giveBack = this.#giveBack;
    this.#giveBack = undefined;
    if (giveBack) await giveBack();
  }
}

/**
 * A new in-memory database as initdb leaves it, loaded from the run's empty template instead of
 * running initdb (seconds): for migrating from nothing and for the adapter's own behaviour.
 * Never reused; the caller closes it.
 */
export async function emptyDb(): Promise<PgliteSql> {
  const built = pgTemplates();
  return new PgliteSql(await openPglite(built ? await templateBlob(built.empty) : undefined));
}

/** A migrated, empty in-memory database. */
export async function freshDb(): Promise<PgliteSql> {
  return lease('migrated');
}

/** A migrated in-memory database with the sample onboarding imported. */
export async function onboardedDb(): Promise<{ db: PgliteSql; workspaceId: string }> {
  const [db, { workspaceId }] = await Promise.all([lease('onboarded'), onboardedDump()]);
  return { db, workspaceId };
}
