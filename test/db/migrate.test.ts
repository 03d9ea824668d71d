import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { loadMigrations, migrate, splitStatements } from '#core/db/migrate.ts';
import { emptyDb, freshDb } from '#test/helpers/db.ts';

const open: PgliteSql[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});
async function db(): Promise<PgliteSql> {
  const d = await freshDb();
  open.push(d);
  return d;
}

describe('splitStatements', () => {
  it('splits at top-level semicolons only', () => {
    const text = `
      -- a comment; with a semicolon and the seller's apostrophe
      CREATE TABLE a (x text DEFAULT 'semi;colon', "odd;name" int); /* block; comment /* nested; */ still; */
      INSERT INTO a VALUES ('it''s; fine', 1);
      CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;
      CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT 'x;$$;y' $body$;
      SELECT E'back\\'slash; quote';
      -- trailing comment only;
    `;
    const statements = splitStatements(text);
    expect(statements).toHaveLength(5);
    expect(statements[0]).toMatch(/^-- a comment; with a semicolon.*\n\s*CREATE TABLE a \(x text DEFAULT 'semi;colon', "odd;name" int\)$/s);
    expect(statements[1]).toMatch(/^\/\* block; comment \/\* nested; \*\/ still; \*\/\s*INSERT INTO a VALUES \('it''s; fine', 1\)$/);
    expect(statements[2]).toBe('CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$');
    expect(statements[3]).toBe("CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT 'x;$$;y' $body$");
    expect(statements[4]).toBe("SELECT E'back\\'slash; quote'");
  });

  it('returns nothing for blank or comment-only text and keeps a last statement without semicolon', () => {
    expect(splitStatements('')).toEqual([]);
    expect(splitStatements('  -- only a comment\n/* and; another */ ;;')).toEqual([]);
    expect(splitStatements('SELECT 1; SELECT $1')).toEqual(['SELECT 1', 'SELECT $1']);
  });

  it('splits the real migrations into statements PGlite accepts one at a time', async () => {
    const migrations = await loadMigrations();
    expect(migrations.map((m) => m.file).slice(0, 2)).toEqual(['0001_onboarding.sql', '0002_pipeline.sql']);
    for (const m of migrations) {
      for (const s of splitStatements(m.text)) expect(s).not.toMatch(/;\s*$/);
    }
  });
});

describe('migrate', () => {
  it('applies every migration to a new database, then nothing on a re-run', async () => {
    const sql = await emptyDb();
    open.push(sql);
    const files = (await loadMigrations()).map((m) => m.file);
    const first = await migrate(sql);
    expect(first).toEqual({ applied: files, skipped: [] });
    const second = await migrate(sql);
    expect(second).toEqual({ applied: [], skipped: files });
    const recorded = await sql.query('SELECT version, name, checksum, applied_at FROM schema_migration ORDER BY version');
    expect(recorded.rows.slice(0, 2).map((r) => [r.version, r.name])).toEqual([
      ['0001', 'onboarding'],
      ['0002', 'pipeline'],
    ]);
    expect(recorded.rows).toHaveLength(files.length);
    expect(recorded.rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof recorded.rows[0].applied_at).toBe('string');
  });

  it('refuses a migration whose file changed after it was applied, naming it', async () => {
    const sql = await db();
    const files = [{ name: '0099_extra.sql', text: 'CREATE TABLE extra (id int);' }];
    expect(await migrate(sql, { files })).toEqual({ applied: ['0099_extra.sql'], skipped: [] });
    const changed = [{ name: '0099_extra.sql', text: 'CREATE TABLE extra (id bigint);' }];
    await expect(migrate(sql, { files: changed })).rejects.toThrow(/0099_extra\.sql was changed after it was applied/);
    // Line endings alone are not a change.
    expect(await migrate(sql, { files: [{ name: '0099_extra.sql', text: 'CREATE TABLE extra (id int);'.replace(/\n/g, '\r\n') }] })).toEqual({
      applied: [],
      skipped: ['0099_extra.sql'],
    });
  });

  it('rolls back a failing file entirely and records nothing for it', async () => {
    const sql = await db();
    const files = [{ name: '0100_bad.sql', text: 'CREATE TABLE half (id int);\nSELECT * FROM missing_table;' }];
    await expect(migrate(sql, { files })).rejects.toThrow(/0100_bad\.sql, statement 2: SELECT \* FROM missing_table: relation "missing_table" does not exist/);
    const table = await sql.query("SELECT to_regclass('half') AS t");
    expect(table.rows[0].t).toBeNull();
    const rec = await sql.query("SELECT count(*) AS n FROM schema_migration WHERE version = '0100'");
    expect(rec.rows[0].n).toBe(0);
  });

  it('rejects badly named or duplicate-version files', async () => {
    const sql = await db();
    await expect(migrate(sql, { files: [{ name: 'extra.sql', text: 'SELECT 1' }] })).rejects.toThrow(/does not match NNNN_name\.sql/);
    await expect(
      migrate(sql, {
        files: [
          { name: '0200_a.sql', text: 'SELECT 1' },
          { name: '0200_b.sql', text: 'SELECT 2' },
        ],
      }),
    ).rejects.toThrow(/share version 0200/);
  });
});

describe('schema constraints', () => {
  async function seeded() {
    const sql = await db();
    const ws = randomUUID();
    const run = randomUUID();
    const company = randomUUID();
    const lead = randomUUID();
    await sql.query("INSERT INTO workspace (id, slug, name) VALUES (:ws::uuid, 'acme', 'Acme')", { ws });
    await sql.query(
      "INSERT INTO run (id, workspace_id, trigger, llm_provider, lead_source) VALUES (:run::uuid, :ws::uuid, 'manual', 'offline-heuristic', 'fixture')",
      { run, ws },
    );
    await sql.query(
      "INSERT INTO lead_company (id, workspace_id, domain, name, website) VALUES (:company::uuid, :ws::uuid, 'example.com', 'Example', 'https://example.com')",
      { company, ws },
    );
    await sql.query(
      "INSERT INTO lead (id, workspace_id, company_id, email, name) VALUES (:lead::uuid, :ws::uuid, :company::uuid, 'jane@example.com', 'Jane')",
      { lead, ws, company },
    );
    return { sql, ws, run, company, lead };
  }

  it('rejects a duplicate lead email in the same workspace', async () => {
    const { sql, ws, company } = await seeded();
    const err = await sql
      .query(
        "INSERT INTO lead (id, workspace_id, company_id, email, name) VALUES (:id::uuid, :ws::uuid, :company::uuid, 'jane@example.com', 'Jane Again')",
        { id: randomUUID(), ws, company },
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '23505', constraint: 'lead_workspace_id_email_key' });
  });

  it('rejects a fit score above 100', async () => {
    const { sql, run, lead } = await seeded();
    const err = await sql
      .query(
        `INSERT INTO research (id, lead_id, run_id, idempotency_key, status, llm_provider, model, prompt_version, fit_score, summary, findings)
         VALUES (:id::uuid, :lead::uuid, :run::uuid, 'k1', 'researched', 'offline-heuristic', 'none', 'v1', 101, 's', '{}'::jsonb)`,
        { id: randomUUID(), lead, run },
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '23514', constraint: 'research_fit_score_check' });
  });

  it('rejects a tone formality of 1.5', async () => {
    const { sql, ws } = await seeded();
    const err = await sql
      .query("INSERT INTO tone_of_voice (workspace_id, formality, warmth, directness, call_to_action) VALUES (:ws::uuid, 1.5, 0.5, 0.5, 'Chat?')", { ws })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '23514', constraint: 'tone_of_voice_formality_check' });
  });

  it('rejects a failed run_lead without a reason, accepts it with one', async () => {
    const { sql, run, lead } = await seeded();
    const err = await sql
      .query("INSERT INTO run_lead (run_id, lead_id, is_new, status) VALUES (:run::uuid, :lead::uuid, true, 'failed')", { run, lead })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '23514', constraint: 'run_lead_check' });
    const ok = await sql.query("INSERT INTO run_lead (run_id, lead_id, is_new, status, reason) VALUES (:run::uuid, :lead::uuid, true, 'failed', 'Unreachable')", {
      run,
      lead,
    });
    expect(ok.rowCount).toBe(1);
  });

  it('deletes a workspace with everything under it', async () => {
    const { sql, ws } = await seeded();
    await sql.query('DELETE FROM workspace WHERE id = :ws::uuid', { ws });
    const left = await sql.query('SELECT (SELECT count(*) FROM lead) + (SELECT count(*) FROM run) + (SELECT count(*) FROM lead_company) AS n');
    expect(left.rows[0].n).toBe(0);
  });
});
