/**
 * Schema migrations: `sql/NNNN_name.sql`, applied in order and recorded in `schema_migration`.
 *
 * Files are split into single statements here because the RDS Data API runs one statement per
 * call. Each file runs in one transaction together with its `schema_migration` row, so a file is
 * either wholly applied and recorded or not at all. The checksum (SHA-256 of the text with
 * line endings normalised) guards against editing a file after it was applied: write a new
 * migration instead. Statements that cannot run inside a transaction (`CREATE INDEX
 * CONCURRENTLY`) and `BEGIN ATOMIC` function bodies are not supported; use `$$` bodies.
 * Statements go through `Sql.query`, so a bare `:name` outside strings, comments and `$$`
 * bodies would be taken for a parameter (as the Data API would too).
 *
 * The default folder is found relative to this source file; a bundled Lambda has no `sql/`
 * beside it and passes `files` (or `dir`) instead.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Sql } from '../ports.ts';
import { skipNonCode } from './sql-text.ts';
import { ProspectorError } from '../errors.ts';

/** One migration file. */
export interface Migration {
  /** `0001` */
  version: string;
  /** `onboarding` */
  name: string;
  /** `0001_onboarding.sql` */
  file: string;
  text: string;
  checksum: string;
}

const FILE_PATTERN = /^(\d{4})_([A-Za-z0-9_-]+)\.sql$/;

/** The repository's `sql/` folder. */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(
  import.meta.dirname ?? path.dirname(fileURLToPath(import.meta.url)),
  '../../../sql',
);

/** SHA-256 hex of a migration's text, independent of CRLF/LF checkouts. */
export function checksum(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex');
}

/** Turns `{ name: '0001_x.sql', text }` entries into sorted migrations; rejects bad or duplicate names. */
export function toMigrations(files: { name: string; text: string }[]): Migration[] {
  const migrations: Migration[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const m = FILE_PATTERN.exec(f.name);
    if (!m) throw new ProspectorError(`migration file name "${f.name}" does not match NNNN_name.sql`);
    const [, version, name] = m;
    const other = seen.get(version);
    if (other) throw new ProspectorError(`migrations "${other}" and "${f.name}" share version ${version}`);
    seen.set(version, f.name);
    migrations.push({ version, name, file: f.name, text: f.text, checksum: checksum(f.text) });
  }
  return migrations.sort((a, b) => a.version.localeCompare(b.version));
}

/** Reads every `NNNN_name.sql` in `dir` (other files are ignored), sorted by version. */
export async function loadMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => FILE_PATTERN.test(n));
  const files = await Promise.all(names.map(async (name) => ({ name, text: await readFile(path.join(dir, name), 'utf8') })));
  return toMigrations(files);
}

// Advisory lock key serialising migrators: any constant will do; this is "pros" in ASCII.
const MIGRATION_LOCK = 0x70726f73;

function changedError(m: Migration, recorded: string): ProspectorError {
  return new ProspectorError(
    `migration ${m.file} was changed after it was applied (checksum ${recorded.slice(0, 12)}… now ${m.checksum.slice(0, 12)}…); add a new migration instead`,
  );
}

/** Applies pending migrations from `options.files` or `options.dir` (default: repo `sql/`). */
export async function migrate(
  sql: Sql,
  options: { dir?: string; files?: { name: string; text: string }[] } = {},
): Promise<{ applied: string[]; skipped: string[] }> {
  const migrations = options.files ? toMigrations(options.files) : await loadMigrations(options.dir);
  await sql.query(
    `CREATE TABLE IF NOT EXISTS schema_migration (
       version    text PRIMARY KEY,
       name       text NOT NULL,
       checksum   text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const done = new Map<string, { name: string; checksum: string }>();
  const recorded = await sql.query<{ version: string; name: string; checksum: string }>(
    'SELECT version, name, checksum FROM schema_migration',
  );
  for (const r of recorded.rows) done.set(r.version, r);

  // Refuse before applying anything: a changed file means the schema is not what the files say.
  for (const m of migrations) {
    const prior = done.get(m.version);
    if (prior && prior.checksum !== m.checksum) throw changedError(m, prior.checksum);
  }

  const applied: string[] = [];
  const skipped: string[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) {
      skipped.push(m.file);
      continue;
    }
    const statements = splitStatements(m.text);
    const outcome = await sql.transaction(async (tx) => {
      // Two deployments migrating at once: the second waits here, then sees the record.
      await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      const again = await tx.query<{ checksum: string }>('SELECT checksum FROM schema_migration WHERE version = :version', {
        version: m.version,
      });
      if (again.rows[0]) {
        if (again.rows[0].checksum !== m.checksum) throw changedError(m, again.rows[0].checksum);
        return 'skipped' as const;
      }
      for (const [i, statement] of statements.entries()) {
        try {
          await tx.query(statement);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          throw new ProspectorError(`migration ${m.file}, statement ${i + 1}: ${message}`, { cause: error });
        }
      }
      await tx.query(
        'INSERT INTO schema_migration (version, name, checksum) VALUES (:version, :name, :checksum)',
        { version: m.version, name: m.name, checksum: m.checksum },
      );
      return 'applied' as const;
    });
    (outcome === 'applied' ? applied : skipped).push(m.file);
  }
  return { applied, skipped };
}

/**
 * Splits SQL text into statements at top-level semicolons, ignoring those inside `--` and
 * nested `/* *\/` comments, '...' and E'...' strings, "..." identifiers and `$tag$` bodies.
 * Statements are trimmed and have no trailing semicolon; comment-only pieces are dropped.
 */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let hasCode = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ';') {
      if (hasCode) statements.push(text.slice(start, i).trim());
      hasCode = false;
      start = ++i;
      continue;
    }
    const past = skipNonCode(text, i);
    if (past !== i) {
      // a comment is not code; a string, identifier or $$ body is
      if (!(c === '-' || c === '/')) hasCode = true;
      i = past;
      continue;
    }
    if (!/\s/.test(c)) hasCode = true;
    i++;
  }
  if (hasCode) statements.push(text.slice(start).trim());
  return statements;
}
