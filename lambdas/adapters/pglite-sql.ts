/**
 * The `Sql` port on PGlite (PostgreSQL in WASM): the local runtime and the tests.
 *
 * Parameters. SQL names parameters `:name`; they are rewritten to `$1..$n` here (the RDS Data
 * API takes `:name` natively, so the same text runs on both). Casts (`::uuid`), `:=`, string
 * literals, quoted identifiers, dollar-quoted bodies and comments are left alone. A name used
 * twice binds the same `$n`. A name the SQL references but `params` lacks (or holds
 * `undefined`) is an error naming it; `null` binds SQL NULL; unreferenced params are ignored.
 *
 * Values are sent as the Data API sends them, with the types it gives them (`paramType`), so SQL
 * that works here works there:
 * - a string as varchar, an integer as bigint, another number as double precision, a boolean as
 *   boolean, `Date` as an ISO-8601 timestamp: the SQL casts `:id::uuid`, `:day::date`, `:n::int`
 *   wherever PostgreSQL would otherwise have to infer the type;
 * - arrays and objects as JSON text typed json: the SQL casts `:doc::jsonb`.
 *
 * text[] convention. A JSON array string does not cast to `text[]` (and on the Data API an
 * array arrives typed `json`), so SQL never writes `:tags::text[]`. It unpacks the JSON instead,
 * which `textArray('tags')` spells out:
 *
 *     INSERT INTO icp (search_keywords) VALUES (ARRAY(SELECT e FROM jsonb_array_elements_text(:tags::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n))
 *
 * That yields `{}` for `[]` and also for NULL, so nullable text[] columns need a CASE.
 *
 * Rows come back JSON-shaped (see `SqlRow`): timestamptz/timestamp as ISO-8601 UTC strings
 * (`timestamp` without zone is read as UTC), date as `YYYY-MM-DD`, int8 and numeric as JS
 * numbers (beyond 2^53 precision is lost), json/jsonb parsed, uuid and text[] as PGlite gives
 * them (strings, string arrays); arrays of those types are converted element-wise.
 *
 * One PGlite instance serialises all work: inside `transaction(fn)` use only the `tx` passed to
 * `fn`; querying the outer `PgliteSql` there waits for the transaction and so deadlocks.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { messages, PGlite, types, type Transaction } from '@electric-sql/pglite';
import { missingParameters, rewriteParameters, statementHead, statementRefused, unbindable } from '#core/db/sql-text.ts';
import type { Sql, SqlParams, SqlResult, SqlRow, SqlValue } from '#core/ports.ts';
import { copyFolder } from './copy-folder.ts';

export { textArray } from '#core/db/sql-text.ts';

/** A Postgres error with its SQLSTATE and constraint kept, message prefixed with the statement. */
export class SqlError extends Error {
  /** SQLSTATE, e.g. `23505` unique violation, `23514` check violation. */
  readonly code: string | undefined;
  readonly constraint: string | undefined;
  readonly detail: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  constructor(statement: string, error: PgErrorLike) {
    const head = statementHead(statement);
    // `detail` stays a property: it quotes row values (emails), and messages end up in logs.
    super(`${head}: ${error.message}`, { cause: error });
    this.name = 'SqlError';
    this.code = error.code;
    this.constraint = error.constraint;
    this.detail = error.detail;
    this.table = error.table;
    this.column = error.column;
  }
}

interface PgErrorLike {
  message: string;
  code?: string;
  constraint?: string;
  detail?: string;
  table?: string;
  column?: string;
}

/** Either the database or an open transaction on it: both run extended-protocol queries. */
type Runner = Pick<Transaction, 'query'>;

/** Rewrites `:name` parameters to `$n`; exported for tests and tools. */
export function toPositional(text: string): { text: string; names: string[] } {
  return rewriteParameters(text, (_name, position) => `$${position}`);
}

/** Converts one bound value the way the Data API adapter does. */
function bindValue(value: SqlValue): string | number | boolean | null {
  if (value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

/**
 * The type a bound value is sent with, as the Data API adapter binds it (data-api-sql.ts) and the
 * Data API types it: a string as `varchar` (its `stringValue`), a `Date` as `timestamp` (a
 * `stringValue` with typeHint TIMESTAMP), an array or object as `json` (typeHint JSON), a boolean
 * as `bool`, a safe integer as `int8` (`longValue`) and any other number as `float8`
 * (`doubleValue`); NULL is left for the server to infer, as the Data API's `isNull` is. So SQL that
 * leans on PostgreSQL inferring a parameter's type fails here as it fails on Aurora: a string
 * compared with or inserted into a uuid column without `::uuid`, a number handed to something that
 * wants `integer` (`make_interval(days => :n)`) without `::int`.
 */
function paramType(value: SqlValue): number {
  if (value === null) return 0;
  if (value instanceof Date) return PARAM_OID.timestamp;
  switch (typeof value) {
    case 'string':
      return PARAM_OID.varchar;
    case 'boolean':
      return PARAM_OID.bool;
    case 'number':
      return Number.isSafeInteger(value) ? PARAM_OID.int8 : PARAM_OID.float8;
    case 'object':
      return PARAM_OID.json;
    default:
      return 0;
  }
}

const PARAM_OID = { bool: 16, int8: 20, json: 114, float8: 701, varchar: 1043, timestamp: 1114 } as const;

function timestamptzToIso(x: string): string {
  if (x === 'infinity' || x === '-infinity') return x;
  // Postgres prints `2024-01-02 03:04:05.123456+00` (or `+05:30`); Date wants `T` and `+00:00`.
  const iso = x.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? x : d.toISOString();
}

function timestampToIso(x: string): string {
  if (x === 'infinity' || x === '-infinity') return x;
  const d = new Date(`${x.replace(' ', 'T')}Z`);
  return Number.isNaN(d.getTime()) ? x : d.toISOString();
}

const toNumber = (x: string): number => Number(x);
const identity = (x: string): string => x;

const OID = {
  int8: 20,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  int8Array: 1016,
  numericArray: 1231,
  dateArray: 1182,
  timestampArray: 1115,
  timestamptzArray: 1185,
} as const;

/**
 * The parsers `PgliteSql` installs on the instance it wraps (one created elsewhere too). PGlite's
 * own array parsers look element parsers up on the instance, so the array types are listed too.
 * They go on the instance rather than with each query: given per-query parsers, PGlite copies
 * its whole table (318 entries) into a new object for every query it parses the result of
 * (`parseResults` in @electric-sql/pglite 0.5), about 0.15 ms a query, as much again as a
 * simple query costs.
 */
const PARSERS: Record<number, (x: string) => unknown> = {
  [OID.int8]: toNumber,
  [OID.numeric]: toNumber,
  [OID.date]: identity,
  [OID.timestamp]: timestampToIso,
  [OID.timestamptz]: timestamptzToIso,
  [OID.int8Array]: (x) => types.arrayParser(x, toNumber, OID.int8Array),
  [OID.numericArray]: (x) => types.arrayParser(x, toNumber, OID.numericArray),
  [OID.dateArray]: (x) => types.arrayParser(x, identity, OID.dateArray),
  [OID.timestampArray]: (x) => types.arrayParser(x, timestampToIso, OID.timestampArray),
  [OID.timestamptzArray]: (x) => types.arrayParser(x, timestamptzToIso, OID.timestamptzArray),
};

const WRITE_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY']);

/** The Data API's limit on a statement's text, kept here so SQL that passes locally fits there. */
const MAX_SQL_CHARS = 65_536;

async function run<R extends object>(runner: Runner, text: string, params: SqlParams | undefined): Promise<SqlResult<R>> {
  const { text: positional, names } = toPositional(text);
  // ExecuteStatement's `sql` is at most 65,536 characters (API_ExecuteStatement, Length
  // Constraints); PostgreSQL takes far longer text, so a statement built to grow would pass here.
  if (text.length > MAX_SQL_CHARS) {
    throw statementRefused(text, `the statement is ${text.length} characters, over the Data API's ${MAX_SQL_CHARS}`);
  }
  const missing = missingParameters(names, params);
  if (missing) throw statementRefused(text, missing);
  const given = names.map((name) => params![name] as SqlValue);
  // Refused as the Data API adapter refuses them (toSqlParameter), in the same words.
  given.forEach((value, i) => {
    const refused = unbindable(names[i], value);
    if (refused) throw statementRefused(text, refused);
  });
  const values = given.map(bindValue);
  try {
    const result = await runner.query<R>(positional, values, { paramTypes: given.map(paramType) });
    const rowCount = result.command && WRITE_COMMANDS.has(result.command) ? (result.affectedRows ?? result.rows.length) : result.rows.length;
    return { rows: result.rows as R[], rowCount };
  } catch (error) {
    throw error instanceof messages.DatabaseError ? new SqlError(text, error) : error;
  }
}

/**
 * The `Sql` port bound to one open PGlite transaction. It runs one statement at a time and refuses
 * a second while the first is running, as the Data API refuses a call naming a transaction that is
 * still running an earlier one (DatabaseErrorException "Transaction is still running a query",
 * Aurora's Data API troubleshooting page); PGlite would queue it, so code that starts statements
 * of one transaction together would pass here and fail on Aurora.
 */
class PgliteTx implements Sql {
  #running = false;

  constructor(private readonly tx: Transaction) {}

  async query<R extends object = SqlRow>(text: string, params?: SqlParams): Promise<SqlResult<R>> {
    if (this.#running) {
      throw new SqlError(text, { message: 'Transaction is still running a query: a transaction runs one statement at a time, as on the Data API' });
    }
    this.#running = true;
    try {
      return await run<R>(this.tx, text, params);
    } finally {
      this.#running = false;
    }
  }

  /** Already in a transaction: `fn` simply joins it. */
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return fn(this);
  }

  /** The connection belongs to the outer `PgliteSql`. */
  async close(): Promise<void> {}
}

/**
 * A checkpoint every 2 MB of WAL, at initdb and at run time. At a checkpoint PostgreSQL renames
 * old segments ahead of the insert position for reuse, as many as its estimate of the distance
 * between checkpoints asks for, capped by `max_wal_size`: with the default (1 GB) a migrated home
 * kept seven 1 MB segments of which only the first held WAL, a quarter of every home and of every
 * copy of one. With 2 MB it keeps two. `prospector start` on a new home (34 leads researched and
 * drafted), three runs each, alternating: the database 20.6 MB → 15.4 MB, 16.3–17.3 user-seconds
 * either way; `npm run bench -- --only pipeline --leads 300`, three pairs: 47.7–49.9 CPU-seconds
 * before, 45.6–49.0 after (CommitResearch 75–108 ms a lead before, 92–106 after). Both params
 * lists carry it: a cluster made without it would keep initdb's segments until WAL used them up.
 */
const PGLITE_WAL_PARAMS = ['-c', 'max_wal_size=2MB'] as const;

/**
 * PGlite's start parameters with a 16 MB buffer pool instead of the 128 MB initdb writes into
 * postgresql.conf. PGlite runs one backend in one WASM memory, and setting up 128 MB of shared
 * buffers is most of what opening a database costs: measured on a migrated home, opening took
 * 1.3 CPU-seconds (0.97 s) at 128 MB and 0.85 (0.56 s) at 16 MB; 4 MB and 1 MB saved little
 * more. A local database holds a few thousand leads' rows, and a page that falls out of the
 * pool is read back from the operating system's cache. bench/ measures whole runs either way.
 */
export const PGLITE_START_PARAMS: readonly string[] = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB', ...PGLITE_WAL_PARAMS];

/**
 * initdb's parameters for a new local database: WAL in 1 MB segments instead of 16 MB. initdb
 * writes a whole first segment, so a new database was a third WAL of zeros that every copy of it
 * carried (a new home from the cluster cache, a dump, a load): a migrated database dumps to
 * 34.4 MB instead of 43.9, and an in-memory load from that dump takes 0.44 CPU-seconds instead of
 * 0.65 (test/helpers/pg-templates.ts). A local database writes a few MB of WAL between
 * checkpoints; the segment size only changes how often a file is switched.
 */
export const PGLITE_INITDB_PARAMS: readonly string[] = ['--wal-segsize=1', ...PGLITE_WAL_PARAMS];

/**
 * What a new cluster keeps of initdb's three databases: only `postgres`, the one PGlite connects
 * to. `template0` and `template1` exist for CREATE DATABASE, which a local database never runs,
 * and each is another 300 files and 7 MB that every copy of a cluster carried (a new home from
 * the cluster cache, a dump, a load). Dropped wherever initdb makes an on-disk cluster: the
 * cluster cache's entry, and a new database folder made without the cache
 * (`PROSPECTOR_CACHE_DIR=off`, or a damaged cache). A migrated home went from 1,279 files and
 * 33 MB to 679 and 19 MB, its dump from 34.4 MB to 19.2, a copy of it from 97 to 69
 * CPU-milliseconds and a load of that dump into memory from 0.65 CPU-seconds to 0.35 (ten copies
 * and five loads of each, one process, one sitting).
 */
export const PGLITE_DROPPED_DATABASES: readonly string[] = ['template0', 'template1'];

/** Drops `PGLITE_DROPPED_DATABASES` from a cluster initdb has just made. */
async function dropUnusedDatabases(db: PGlite): Promise<void> {
  // A template database cannot be dropped until it is no longer marked as one, and DROP DATABASE
  // runs on its own, outside any transaction block; it removes the database's files at once.
  for (const name of PGLITE_DROPPED_DATABASES) {
    await db.exec(`ALTER DATABASE ${name} IS_TEMPLATE false`);
    await db.exec(`DROP DATABASE ${name}`);
  }
}

/**
 * The folder that keeps an empty cluster for new local databases: `PROSPECTOR_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/prospector`, else `~/.cache/prospector`; undefined (no cache) when
 * `PROSPECTOR_CACHE_DIR` is `off`. Read from the process environment, as the cache belongs to
 * the machine, not to one home.
 */
export function clusterCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const own = env.PROSPECTOR_CACHE_DIR?.trim();
  if (own === 'off') return undefined;
  if (own) return path.resolve(own);
  const base = env.XDG_CACHE_HOME?.trim() || path.join(homedir(), '.cache');
  return path.join(base, 'prospector');
}

/** How the cache names its entries (`clusterCacheKey`) and the folders it builds them in (`makeCluster`). */
const ENTRY_PREFIX = 'pglite-';
const BUILDING_PREFIX = '.building-';

/**
 * The cached cluster's folder name: PGlite's version, its start and initdb parameters and the
 * databases dropped from initdb's cluster, what the cached cluster depends on here. A new PGlite
 * makes a new entry; old ones go once unused for 30 days (`pruneClusterCache`).
 */
export async function clusterCacheKey(): Promise<string> {
  const packageDir = path.dirname(path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')));
  const { version } = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const params = createHash('sha256').update(JSON.stringify([PGLITE_START_PARAMS, PGLITE_INITDB_PARAMS, PGLITE_DROPPED_DATABASES])).digest('hex').slice(0, 8);
  return `${ENTRY_PREFIX}${version}-${params}`;
}

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/**
 * How long an entry of the cluster cache, or a half-built one, stays unused before a new database
 * removes it. Each PGlite version (and each change of the parameters the key covers) makes a new
 * entry of 10 to 15 MB beside the old ones, and nothing else would ever take those away; an
 * entry used within the window stays, so two checkouts on different versions do not undo each
 * other's. A half-built entry is left an hour: another process may be making it now.
 */
export const CLUSTER_CACHE_KEEP_UNUSED_MS = 30 * 24 * 3600_000;
const CLUSTER_CACHE_KEEP_BUILDING_MS = 3600_000;

/**
 * Marks `cluster` as used now (its folder's times; nothing inside it changes) and removes the
 * other entries of `cache` unused for longer than `CLUSTER_CACHE_KEEP_UNUSED_MS`, and half-built
 * ones older than an hour (a process that stopped while making one). Only names this code makes
 * are touched (`pglite-*`, `.building-*`); a cache that cannot be read or changed is left as it is.
 */
export async function pruneClusterCache(cache: string, cluster: string, now = Date.now()): Promise<void> {
  const seconds = now / 1000;
  await utimes(cluster, seconds, seconds).catch(() => undefined);
  let names: string[];
  try {
    names = await readdir(cache);
  } catch {
    return;
  }
  const current = path.basename(cluster);
  for (const name of names) {
    const keepMs = name.startsWith(ENTRY_PREFIX) ? CLUSTER_CACHE_KEEP_UNUSED_MS : name.startsWith(BUILDING_PREFIX) ? CLUSTER_CACHE_KEEP_BUILDING_MS : undefined;
    if (keepMs === undefined || name === current) continue;
    const entry = path.join(cache, name);
    const used = await stat(entry).then(
      (s) => s.mtimeMs,
      () => now,
    );
    if (now - used > keepMs) await rm(entry, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * A new database as a copy of the cached empty cluster. PGlite runs initdb inside its
 * WebAssembly module on every new data directory, which was most of a first command on a new
 * home (bench/startup.ts: `prospector runs` there, 4.9 s with initdb, 2.2 s from a copy of a
 * closed cluster; 5.5 and 2.2 CPU-seconds). The cluster is made once per cache
 * in a folder of its own, closed, and renamed into place, so a reader only ever sees a whole
 * cluster and two processes making it at once both succeed. Copying from a damaged cache fails
 * over to initdb in `dir` (undefined is returned: the caller creates the database as before)
 * after removing what was copied; the cache entry is made afresh by the next new database.
 * Each copy marks its entry used and takes away entries long unused (`pruneClusterCache`).
 */
async function fromClusterCache(cache: string, dir: string, create: () => Promise<PGlite>): Promise<PGlite | undefined> {
  let cluster: string;
  try {
    cluster = path.join(cache, await clusterCacheKey());
    if (!(await isCluster(cluster))) await makeCluster(cache, cluster);
    copyFolder(cluster, dir);
    await pruneClusterCache(cache, cluster);
  } catch {
    // No cache to be had (read-only, full, PGlite moved): initdb as without one.
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
  try {
    return await create();
  } catch {
    await rm(dir, { recursive: true, force: true });
    await rm(cluster, { recursive: true, force: true }).catch(() => undefined);
    return undefined;
  }
}

const isCluster = async (dir: string): Promise<boolean> =>
  readFile(path.join(dir, 'PG_VERSION'), 'utf8').then(
    (v) => v.trim().length > 0,
    () => false,
  );

async function makeCluster(cache: string, cluster: string): Promise<void> {
  const building = path.join(cache, `${BUILDING_PREFIX}${randomUUID()}`);
  try {
    await mkdir(cache, { recursive: true });
    const db = await PGlite.create({ startParams: [...PGLITE_START_PARAMS], initDbStartParams: [...PGLITE_INITDB_PARAMS], dataDir: building });
    try {
      await dropUnusedDatabases(db);
    } finally {
      await db.close();
    }
    await rename(building, cluster);
  } catch (error) {
    // Another process put its cluster in place first: use that one.
    if (!(await isCluster(cluster))) throw error;
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

/** The `Sql` port on a PGlite database. */
export class PgliteSql implements Sql {
  /** Data directories open in this process: PGlite supports one connection per directory. */
  static readonly #openDirs = new Set<string>();
  readonly db: PGlite;
  #closed = false;
  #dataDir: string | undefined;

  /** Wraps an existing PGlite instance, installing the port's type parsers on it; `close()` closes it. */
  constructor(db: PGlite) {
    this.db = db;
    Object.assign(db.parsers, PARSERS);
  }

  /**
   * Opens a database: in memory when `dataDir` is undefined, or seeded from a `dumpDataDir()`
   * tarball. With `clusterCache` (a folder, see `clusterCacheDir`), a `dataDir` that does not
   * exist yet or is empty starts as a copy of the empty cluster cached there instead of running
   * initdb (which makes it there first when the cache lacks it).
   */
  static async open(options: { dataDir?: string; loadDataDir?: Blob | File; clusterCache?: string } = {}): Promise<PgliteSql> {
    const dir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
    if (dir !== undefined) {
      if (PgliteSql.#openDirs.has(dir)) throw new Error(`PGlite data directory ${dir} is already open in this process`);
      PgliteSql.#openDirs.add(dir);
    }
    try {
      const create = () =>
        PGlite.create({
          startParams: [...PGLITE_START_PARAMS],
          initDbStartParams: [...PGLITE_INITDB_PARAMS],
          ...(dir !== undefined ? { dataDir: dir } : {}),
          ...(options.loadDataDir !== undefined ? { loadDataDir: options.loadDataDir } : {}),
        });
      const isNew = dir !== undefined && options.loadDataDir === undefined && (await isEmptyDir(dir));
      let db = isNew && options.clusterCache !== undefined ? await fromClusterCache(options.clusterCache, dir!, create) : undefined;
      if (db === undefined) {
        db = await create();
        // initdb ran in a new folder: keep the one database, as a cluster from the cache does.
        if (isNew) {
          try {
            await dropUnusedDatabases(db);
          } catch (error) {
            await db.close();
            throw error;
          }
        }
      }
      const sql = new PgliteSql(db);
      sql.#dataDir = dir;
      return sql;
    } catch (error) {
      if (dir !== undefined) PgliteSql.#openDirs.delete(dir);
      throw error;
    }
  }

  /** Runs one statement with named `:params`. */
  async query<R extends object = SqlRow>(text: string, params?: SqlParams): Promise<SqlResult<R>> {
    return run<R>(this.db, text, params);
  }

  /** Runs `fn` in one transaction: commit if it resolves, roll back if it throws. */
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction((tx) => fn(new PgliteTx(tx)));
    } catch (error) {
      // Statement errors arrive already wrapped; what is left is BEGIN/COMMIT itself failing.
      throw error instanceof messages.DatabaseError ? new SqlError('COMMIT', error) : error;
    }
  }

  /** A tarball of the data directory (uncompressed: it loads faster), for `open({ loadDataDir })`. */
  async dump(): Promise<Blob | File> {
    return this.db.dumpDataDir('none');
  }

  /** Closes the database. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (!this.db.closed) await this.db.close();
    } finally {
      if (this.#dataDir !== undefined) PgliteSql.#openDirs.delete(this.#dataDir);
    }
  }
}
