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
  beforeEach(async () => {
    await fake.reset();
    onEvent = makeHandler({ sql: () => new DataApiSql({ ...TARGET, client: fake.client() }) });
  });

  const props = () => ({ ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider', Checksum: schemaChecksum(migrations), Version: schemaVersion(migrations) });

  it('applies every migration on Create and names the resource after the latest version', async () => {
    const result = await onEvent({ RequestType: 'Create', ResourceProperties: props() });

    expect(result.PhysicalResourceId).toBe(migrations.at(-1)!.version);
    expect(result.Data?.Applied.split(',')).toEqual(migrations.map((m) => m.file));
    const tables = await fake.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('schema_migration', 'run', 'research')`);
    expect(tables.rows[0].n).toBe(3);
  });

  it('applies nothing on an Update with no new migration', async () => {
    await onEvent({ RequestType: 'Create', ResourceProperties: props() });

    const result = await onEvent({ RequestType: 'Update', PhysicalResourceId: schemaVersion(migrations), ResourceProperties: props() });

    expect(result).toMatchObject({ PhysicalResourceId: schemaVersion(migrations), Data: { Applied: 'none' } });
  });

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

  describe('rollback of a failed stack update (the function still runs the new bundle)', () => {
    // The stack before the update knew every migration but the latest.
    const before = () => {
      const older = migrations.slice(0, -1);
      return { ServiceToken: props().ServiceToken, Checksum: schemaChecksum(older), Version: schemaVersion(older) };
    };

    it('is a no-op when the failed update had already migrated: the schema stays ahead', async () => {
      await onEvent({ RequestType: 'Create', ResourceProperties: props() });
      const requestsBefore = fake.requests.length;

      const result = await onEvent({ RequestType: 'Update', PhysicalResourceId: schemaVersion(migrations), ResourceProperties: before(), OldResourceProperties: props() });

      expect(result).toEqual({ PhysicalResourceId: schemaVersion(migrations), Data: { Version: schemaVersion(migrations), Applied: 'none', Checksum: schemaChecksum(migrations) } });
      // Only reads: no transaction, no DDL.
      const calls = fake.requests.slice(requestsBefore);
      expect(calls.every((r) => r.operation === 'Execute' && /^\s*SELECT/i.test(String(r.body.sql)))).toBe(true);
    });

    it('is a no-op when the failed update had not migrated: the database keeps the old schema', async () => {
      const sql = new DataApiSql({ ...TARGET, client: fake.client() });
      await migrate(sql, { files: migrations.slice(0, -1).map((m) => ({ name: m.file, text: m.text })) });
      await sql.close();

      const result = await onEvent({ RequestType: 'Update', PhysicalResourceId: before().Version, ResourceProperties: before(), OldResourceProperties: props() });

      expect(result).toMatchObject({ PhysicalResourceId: before().Version, Data: { Applied: 'none', Checksum: before().Checksum } });
      const latest = await fake.db.query<{ version: string }>(`SELECT max(version) AS version FROM schema_migration`);
      expect(latest.rows[0].version).toBe(before().Version);
    });
  });

  it('rejects an event that is not a custom resource event', async () => {
    await expect(onEvent({ RequestType: 'Upsert' })).rejects.toMatchObject({ name: 'ValidationError' });
  });
});
