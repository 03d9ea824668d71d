/**
 * The test databases (test/helpers/db.ts) are reused between tests, so a test must never see
 * what an earlier one left: rows, sequence values or schema changes.
 */
import { describe, expect, it } from 'vitest';
import { freshDb, onboardedDb } from '../helpers/db.ts';

const count = async (db: Awaited<ReturnType<typeof freshDb>>, table: string) =>
  (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;

describe('test databases handed out again', () => {
  it('come back with the template rows only, whatever the last holder wrote or deleted', async () => {
    const first = await onboardedDb();
    const icps = await count(first.db, 'icp');
    expect(icps).toBeGreaterThan(0);
    await first.db.query(`DELETE FROM icp`);
    await first.db.query(`INSERT INTO workspace (id, slug, name) VALUES (gen_random_uuid(), 'left-behind', 'Left behind')`);
    await first.db.close();

    const second = await onboardedDb();
    try {
      expect(second.workspaceId).toBe(first.workspaceId);
      expect(await count(second.db, 'icp')).toBe(icps);
      expect((await second.db.query<{ slug: string }>(`SELECT slug FROM workspace`)).rows.map((r) => r.slug)).not.toContain('left-behind');
    } finally {
      await second.db.close();
    }
    const empty = await freshDb();
    try {
      expect(await count(empty, 'workspace')).toBe(0);
    } finally {
      await empty.close();
    }
  });

  it('refuse work once closed, as a closed PGlite does', async () => {
    const db = await freshDb();
    await db.close();
    await expect(db.query('SELECT 1')).rejects.toThrow(/closed/);
    await db.close();
  });

  it('are not reused after a schema change', async () => {
    const changed = await freshDb();
    const raw = changed.db;
    await changed.query(`CREATE TABLE left_behind (id int)`);
    await changed.close();
    expect(raw.closed).toBe(true);
    const next = await freshDb();
    try {
      expect((await next.query(`SELECT to_regclass('left_behind') AS t`)).rows[0]).toEqual({ t: null });
    } finally {
      await next.close();
    }
  });
});
