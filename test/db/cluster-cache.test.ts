/**
 * New local databases start as a copy of a cached empty cluster instead of running initdb
 * (PgliteSql.open with `clusterCache`): the first new database makes the cache entry, the next
 * ones copy it (same cluster: the same system identifier initdb drew), an existing database is
 * never replaced, and a damaged or unwritable cache never stops a database from opening.
 */
import { cp, mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_CACHE_KEEP_UNUSED_MS, clusterCacheDir, clusterCacheKey, PgliteSql } from '#adapters/pglite-sql.ts';
import { migrate } from '#core/db/migrate.ts';

let root: string;
/** The system identifier of the cluster the first test caches. */
let cachedId: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'prospector-cluster-cache-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Opens `dataDir` (in a home folder that exists, as PROSPECTOR_HOME does) with the cache `cache`, runs `fn` on it, closes it. */
async function withDb<T>(dataDir: string, cache: string, fn: (sql: PgliteSql) => Promise<T>): Promise<T> {
  await mkdir(path.dirname(dataDir), { recursive: true });
  const sql = await PgliteSql.open({ dataDir, clusterCache: cache });
  try {
    return await fn(sql);
  } finally {
    await sql.close();
  }
}
const walSegmentSize = (dataDir: string, cache: string) =>
  withDb(dataDir, cache, async (sql) => (await sql.query<{ wal_segment_size: string }>('SHOW wal_segment_size')).rows[0].wal_segment_size);
/** A table made, a row written and read back: the database works (only the second home of the first case is migrated, for its size). */
const writesAndReads = async (sql: PgliteSql) => {
  await sql.query('CREATE TABLE probe (note text NOT NULL)');
  await sql.query(`INSERT INTO probe (note) VALUES ('kept')`);
  return (await sql.query<{ note: string }>('SELECT note FROM probe')).rows[0].note;
};
const systemId = async (sql: PgliteSql) => (await sql.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()')).rows[0].id;

describe('the cluster cache', () => {
  it('is PROSPECTOR_CACHE_DIR, else under XDG_CACHE_HOME, else ~/.cache; `off` turns it off', () => {
    expect(clusterCacheDir({ PROSPECTOR_CACHE_DIR: 'rel/cache', XDG_CACHE_HOME: '/x' })).toBe(path.resolve('rel/cache'));
    expect(clusterCacheDir({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/prospector');
    expect(clusterCacheDir({})).toMatch(/[/\\]\.cache[/\\]prospector$/);
    expect(clusterCacheDir({ PROSPECTOR_CACHE_DIR: 'off' })).toBeUndefined();
  });

  it('is made by the first new database and copied by the next; an existing database keeps its data', async () => {
    const cache = path.join(root, 'cache');
    const first = path.join(root, 'home-1', 'db');
    cachedId = await withDb(first, cache, async (sql) => {
      expect(await writesAndReads(sql)).toBe('kept');
      return systemId(sql);
    });
    // One entry, named for the PGlite version, and nothing half-built left beside it.
    expect(await readdir(cache)).toEqual([await clusterCacheKey()]);
    expect(await clusterCacheKey()).toMatch(/^pglite-\d+\.\d+\.\d+-[0-9a-f]{8}$/);

    const second = path.join(root, 'home-2', 'db');
    const secondId = await withDb(second, cache, async (sql) => {
      // a copy of the empty cluster, not of the first home's database
      expect((await sql.query('SELECT to_regclass(\'probe\') AS probe')).rows).toEqual([{ probe: null }]);
      await migrate(sql);
      // Only the database PGlite connects to: initdb's templates are not copied into every home.
      expect((await sql.query('SELECT datname FROM pg_database')).rows).toEqual([{ datname: 'postgres' }]);
      return systemId(sql);
    });
    expect(secondId).toBe(cachedId);
    // WAL in 1 MB segments (PGLITE_INITDB_PARAMS): a new home is not 16 MB of zeroed WAL.
    const wal = await readdir(path.join(second, 'pg_wal'), { withFileTypes: true });
    const segments = await Promise.all(wal.filter((entry) => entry.isFile()).map(async (entry) => (await stat(path.join(second, 'pg_wal', entry.name))).size));
    for (const size of segments) expect(size).toBe(1024 * 1024);
    expect(await walSegmentSize(second, cache)).toBe('1MB');
    // and a checkpoint every 2 MB of WAL (PGLITE_WAL_PARAMS): the migrated home keeps two
    // segments, not seven renamed ahead for reuse
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.length).toBeLessThanOrEqual(2);
    // The whole migrated home: one database's files (about 680, 14 MB), not three (1,279, 33 MB).
    const files = (await readdir(second, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    const bytes = (await Promise.all(files.map(async (entry) => (await stat(path.join(entry.parentPath, entry.name))).size))).reduce((a, b) => a + b, 0);
    expect(files.length).toBeLessThan(800);
    expect(bytes).toBeLessThan(16 * 1024 * 1024);

    // Reopened, the first database is the one it was, not a copy of the empty cluster.
    await withDb(first, cache, async (sql) => expect((await sql.query('SELECT note FROM probe')).rows).toEqual([{ note: 'kept' }]));
  });

  it('takes away the entries of other versions unused for 30 days and half-built ones left by a stopped process, and nothing else', async () => {
    const cache = path.join(root, 'cache');
    const current = await clusterCacheKey();
    const day = 24 * 3600_000;
    /** A folder in the cache, last changed `ago` milliseconds before now. */
    const entry = async (name: string, ago: number) => {
      await mkdir(path.join(cache, name, 'base'), { recursive: true });
      await writeFile(path.join(cache, name, 'PG_VERSION'), '17\n');
      const at = (Date.now() - ago) / 1000;
      await utimes(path.join(cache, name), at, at);
    };
    await entry('pglite-0.4.0-0badc0de', CLUSTER_CACHE_KEEP_UNUSED_MS + day); // an old version, unused since
    await entry('pglite-0.5.0-feedf00d', 5 * day); // another checkout's version, used this week
    await entry('.building-stopped', 2 * 3600_000); // a process stopped while making an entry
    await entry('.building-now', 0); // a process making one right now
    await entry('notes', 400 * day); // not a name the cache makes
    // The current entry itself, last copied long ago: used now, so it stays and is marked used.
    const at = (Date.now() - 90 * day) / 1000;
    await utimes(path.join(cache, current), at, at);

    await withDb(path.join(root, 'home-3', 'db'), cache, async (sql) => expect(await writesAndReads(sql)).toBe('kept'));
    expect((await readdir(cache)).sort()).toEqual(['.building-now', 'notes', 'pglite-0.5.0-feedf00d', current].sort());
    expect(Date.now() - (await stat(path.join(cache, current))).mtimeMs).toBeLessThan(day);
  });

  it('a damaged entry falls back to initdb and is removed; an unwritable cache is done without', async () => {
    // The entry the test above made, with its cluster's control file gone.
    const cache = path.join(root, 'damaged');
    const entry = path.join(cache, await clusterCacheKey());
    await cp(path.join(root, 'cache', await clusterCacheKey()), entry, { recursive: true });
    await rm(path.join(entry, 'global'), { recursive: true });

    const fresh = await withDb(path.join(root, 'after-damage', 'db'), cache, async (sql) => {
      expect(await writesAndReads(sql)).toBe('kept');
      // initdb's own cluster, with the one database a cluster from the cache has.
      expect((await sql.query('SELECT datname FROM pg_database')).rows).toEqual([{ datname: 'postgres' }]);
      return systemId(sql);
    });
    expect(fresh).not.toBe(cachedId);
    expect(await readdir(cache)).toEqual([]);

    // A cache folder that cannot be made (a file stands in its way): initdb, as without a cache.
    const blocked = path.join(root, 'a-file');
    await writeFile(blocked, 'not a folder');
    await withDb(path.join(root, 'no-cache', 'db'), path.join(blocked, 'cache'), async (sql) => {
      expect(await writesAndReads(sql)).toBe('kept');
      expect((await sql.query('SELECT datname FROM pg_database')).rows).toEqual([{ datname: 'postgres' }]);
    });
  });
});
