/** The migration custom resource's onEvent handler, through DataApiSql on the loopback Data API. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DataApiSql } from '#adapters/data-api-sql.ts';
import { loadMigrations, migrate, type Migration } from '#core/db/migrate.ts';
import { makeHandler, schemaChecksum, schemaVersion } from '#handlers/migrate.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';

const TARGET = {
  resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:prospector',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prospector-db-AbCdEf',
  database: 'prospector',
};

describe('migrate custom resource', () => {
  let fake: FakeDataApi;
  let migrations: Migration[];
  let onEvent: ReturnType<typeof makeHandler>;

  beforeAll(async () => {
    fake = await FakeDataApi.start();
    migrations = await loadMigrations();
  });
  afterAll(async () => {
    await fake.close();
  });
  const props = () => ({ ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider', Checksum: schemaChecksum(migrations), Version: schemaVersion(migrations) });
  /** A handler over the fake's database, emptied first. */
  const onEmptyDatabase = async () => {
    await fake.reset();
    onEvent = makeHandler({ sql: () => new DataApiSql({ ...TARGET, client: fake.client() }) });
  };
  // The stack before an update knew every migration but the latest.
  const before = () => {
    const older = migrations.slice(0, -1);
    return { ServiceToken: props().ServiceToken, Checksum: schemaChecksum(older), Version: schemaVersion(older) };
  };

  // One Create for the three cases that read its schema (applying every migration through the
  // Data API is the costly part); none of them writes to it.
  describe('Create, then what an update does to the schema it made', () => {
    let created: Awaited<ReturnType<typeof onEvent>>;
    beforeAll(async () => {
      await onEmptyDatabase();
      created = await onEvent({ RequestType: 'Create', ResourceProperties: props() });
    });

    it('applies every migration on Create and names the resource after the latest version', async () => {
      expect(created.PhysicalResourceId).toBe(migrations.at(-1)!.version);
      expect(created.Data?.Applied.split(',')).toEqual(migrations.map((m) => m.file));
      const tables = await fake.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('schema_migration', 'run', 'research')`);
      expect(tables.rows[0].n).toBe(3);
    });

    it('applies nothing on an Update with no new migration', async () => {
      const result = await onEvent({ RequestType: 'Update', PhysicalResourceId: schemaVersion(migrations), ResourceProperties: props() });

      expect(result).toMatchObject({ PhysicalResourceId: schemaVersion(migrations), Data: { Applied: 'none' } });
    });

    it('rolling back a failed stack update that had already migrated is a no-op: the schema stays ahead', async () => {
      // the function still runs the new bundle
      const requestsBefore = fake.requests.length;

      const result = await onEvent({ RequestType: 'Update', PhysicalResourceId: schemaVersion(migrations), ResourceProperties: before(), OldResourceProperties: props() });

      expect(result).toEqual({ PhysicalResourceId: schemaVersion(migrations), Data: { Version: schemaVersion(migrations), Applied: 'none', Checksum: schemaChecksum(migrations) } });
      // Only reads: no transaction, no DDL.
      const calls = fake.requests.slice(requestsBefore);
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((r) => r.operation === 'Execute' && /^\s*SELECT/i.test(String(r.body.sql)))).toBe(true);
    });
  });

  describe('on an empty database', () => {
    beforeEach(onEmptyDatabase);

    it('leaves the database alone on Delete', async () => {
      const result = await onEvent({ RequestType: 'Delete', PhysicalResourceId: '0001', ResourceProperties: props() });

      expect(result).toEqual({ PhysicalResourceId: '0001' });
      expect(fake.requests).toHaveLength(0);
    });

    it('refuses to create the schema when the bundle holds other migrations than the stack was built with', async () => {
      const stale = { ...props(), Checksum: 'f'.repeat(64) };

      await expect(onEvent({ RequestType: 'Create', ResourceProperties: stale })).rejects.toThrow(/not the ones the stack was synthesized with/);
      expect(fake.requests).toHaveLength(0);
    });

    it('refuses an Update whose properties match neither the bundle nor the database, applying nothing', async () => {
      const stale = { ...props(), Checksum: 'f'.repeat(64) };

      await expect(onEvent({ RequestType: 'Update', PhysicalResourceId: '0001', ResourceProperties: stale, OldResourceProperties: { ...stale, Checksum: 'e'.repeat(64) } })).rejects.toThrow(/holds neither/);
      const tables = await fake.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
      expect(tables.rows[0].n).toBe(0);
    });

    it('rolling back a failed stack update that had not migrated is a no-op: the database keeps the old schema', async () => {
      const sql = new DataApiSql({ ...TARGET, client: fake.client() });
      await migrate(sql, { files: migrations.slice(0, -1).map((m) => ({ name: m.file, text: m.text })) });
      await sql.close();

      const result = await onEvent({ RequestType: 'Update', PhysicalResourceId: before().Version, ResourceProperties: before(), OldResourceProperties: props() });

      expect(result).toMatchObject({ PhysicalResourceId: before().Version, Data: { Applied: 'none', Checksum: before().Checksum } });
      const latest = await fake.db.query<{ version: string }>(`SELECT max(version) AS version FROM schema_migration`);
      expect(latest.rows[0].version).toBe(before().Version);
    });

    it('rejects an event that is not a custom resource event', async () => {
      await expect(onEvent({ RequestType: 'Upsert' })).rejects.toMatchObject({ name: 'ValidationError' });
    });
  });
});
