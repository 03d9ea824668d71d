import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clusterCacheDir, PgliteSql, SqlError, textArray, toPositional } from '#adapters/pglite-sql.ts';
import type { Sql } from '#core/ports.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';
import { dataApiSqlOn } from '#test/helpers/data-api-runtime.ts';
import { emptyDb, freshDb } from '#test/helpers/db.ts';

describe('toPositional', () => {
  it('numbers names in order of first use and reuses the number for a repeated name', () => {
    expect(toPositional('SELECT :a, :b, :a')).toEqual({ text: 'SELECT $1, $2, $1', names: ['a', 'b'] });
  });

  it('leaves casts, :=, strings, identifiers, comments and dollar quotes alone', () => {
    const sql = `SELECT :id::uuid, x := 1, ':no', E'\\':no', "col:no", $$ :no $$, $t$ :no $t$ -- :no
      /* :no /* :no */ */ , arr[1:2], :yes_2`;
    const { text, names } = toPositional(sql);
    expect(names).toEqual(['id', 'yes_2']);
    expect(text).toBe(sql.replace(':id::uuid', '$1::uuid').replace(':yes_2', '$2'));
  });
});

/**
 * SQL that runs in every local test must run on Aurora too. The Data API types each value it binds
 * (a string varchar, an integer bigint, a Date timestamp, an object json), while PostgreSQL infers
 * an untyped parameter from where it is used; so PgliteSql binds as the Data API does, and the
 * same statements fail, or pass, on both. What they read back must be the same too: PGlite's
 * parsers on one side, the Data API's typed records decoded by DataApiSql on the other.
 */
describe('bound values have the types the Data API gives them, on PGlite too', () => {
  let fake: FakeDataApi;
  const backends: Record<string, Sql> = {};
  beforeAll(async () => {
    fake = await FakeDataApi.start();
    backends.pglite = await emptyDb();
    backends['data-api'] = dataApiSqlOn(fake);
    for (const sql of Object.values(backends)) await sql.query('CREATE TABLE typed (id uuid PRIMARY KEY, day date, doc jsonb, n int)');
  }, 60_000);
  afterAll(async () => {
    await backends.pglite?.close();
    await fake?.close();
  });

  it.each(['pglite', 'data-api'])('%s: each kind of value arrives with the same type', async (backend) => {
    const r = await backends[backend].query(
      'SELECT pg_typeof(:s)::text AS s, pg_typeof(:i)::text AS i, pg_typeof(:f)::text AS f, pg_typeof(:b)::text AS b, pg_typeof(:d)::text AS d, pg_typeof(:o)::text AS o, pg_typeof(:a)::text AS a',
      { s: 'x', i: 7, f: 1.5, b: true, d: new Date('2026-12-07T10:00:00Z'), o: { k: 1 }, a: ['x'] },
    );
    expect(r.rows[0]).toEqual({ s: 'character varying', i: 'bigint', f: 'double precision', b: 'boolean', d: 'timestamp without time zone', o: 'json', a: 'json' });
  });

  it('reads every kind of column back as the same JSON-shaped value on both', async () => {
    const columns: Record<string, string> = {
      uuid: "'6f1c2b1e-8a43-4c1e-9a57-2d3f4e5a6b7c'::uuid", text: "'it''s'::text", varchar: "'v'::varchar(5)", bpchar: "'c'::char(3)",
      int2: '2::int2', int4: '4::int4', int8: '9007199254740991::int8', numeric: '12.345678::numeric(12, 6)', float4: '1.5::float4', float8: '2.25::float8',
      bool: 'true', date: "'2026-12-14'::date", timestamp: "'2026-12-07 10:11:12.345'::timestamp", timestamptz: "'2026-12-07 10:11:12.345+02'::timestamptz",
      json: `'{"a": [1, "x", null]}'::json`, jsonb: `'{"b": {"c": true}}'::jsonb`, jsonbArray: "'[]'::jsonb", jsonbString: `'"s"'::jsonb`,
      textArray: `ARRAY['x', 'y, z', 'q"d', NULL]::text[]`, emptyArray: "'{}'::text[]", int4Array: 'ARRAY[1, 2]', int8Array: 'ARRAY[1, 2]::int8[]',
      uuidArray: "ARRAY['6f1c2b1e-8a43-4c1e-9a57-2d3f4e5a6b7c']::uuid[]", timestamptzArray: "ARRAY['2026-12-07 10:11:12+00']::timestamptz[]",
      numericArray: 'ARRAY[1.5]::numeric[]', boolArray: 'ARRAY[true, false]', nested: 'ARRAY[ARRAY[1, 2], ARRAY[3, 4]]',
      nullText: 'NULL::text', nullInt: 'NULL::int', nullArray: 'NULL::text[]', nullJsonb: 'NULL::jsonb',
      interval: "'3 days'::interval", count: 'count(*)', sum: 'sum(1)', avg: 'avg(2)',
    };
    const select = `SELECT ${Object.entries(columns).map(([name, expression]) => `${expression} AS "${name}"`).join(', ')}`;
    const [local, cloud] = await Promise.all([backends.pglite.query(select), backends['data-api'].query(select)]);
    expect(local.rows).toEqual(cloud.rows);
    expect(local.rows[0]).toMatchObject({
      int8: 9007199254740991, numeric: 12.345678, date: '2026-12-14', timestamp: '2026-12-07T10:11:12.345Z', timestamptz: '2026-12-07T08:11:12.345Z',
      jsonb: { b: { c: true } }, textArray: ['x', 'y, z', 'q"d', null], int8Array: [1, 2], count: 1, nullJsonb: null,
    });
  });

  it('words a failed statement the same on both, its row values kept out of the message', async () => {
    const failures = [];
    for (const sql of Object.values(backends)) {
      await sql.query('CREATE TABLE person (email text PRIMARY KEY)');
      await sql.query('INSERT INTO person VALUES (:email)', { email: 'jane.doe@acme.example' });
      failures.push(await sql.query('INSERT INTO person VALUES (:email)', { email: 'jane.doe@acme.example' }).catch((error: unknown) => error));
    }
    for (const failure of failures) {
      expect(failure).toMatchObject({
        name: 'SqlError',
        code: '23505',
        message: 'INSERT INTO person VALUES (:email): duplicate key value violates unique constraint "person_pkey"',
        detail: 'Key (email)=(jane.doe@acme.example) already exists.',
      });
    }
  });

  it.each(['pglite', 'data-api'])('%s: a statement over 65,536 characters is refused', async (backend) => {
    const padded = (n: number) => `SELECT 1 AS one /*${'x'.repeat(n - 'SELECT 1 AS one /**/'.length)}*/`;
    expect((await backends[backend].query(padded(65_536))).rows).toEqual([{ one: 1 }]);
    await expect(backends[backend].query(padded(65_537))).rejects.toThrow(/65,?536/);
  });

  it.each(['pglite', 'data-api'])('%s: a number SQL cannot hold and an invalid Date are refused, naming the parameter', async (backend) => {
    const sql = backends[backend];
    await expect(sql.query('SELECT :score::float8 AS s', { score: Number.NaN })).rejects.toThrow(/:score is NaN, which SQL cannot hold/);
    await expect(sql.query('SELECT :score::float8 AS s', { score: Number.POSITIVE_INFINITY })).rejects.toThrow(/:score is Infinity, which SQL cannot hold/);
    await expect(sql.query('SELECT :at::timestamptz AS at', { at: new Date('not a date') })).rejects.toThrow(/:at is an invalid Date/);
  });

  it.each(['pglite', 'data-api'])('%s: a parameter the SQL forgets to cast is refused, and passes with its cast', async (backend) => {
    const sql = backends[backend];
    const id = '6f1c2b1e-8a43-4c1e-9a57-2d3f4e5a6b7c';
    await expect(sql.query('INSERT INTO typed (id) VALUES (:id)', { id })).rejects.toMatchObject({ code: '42804' });
    await expect(sql.query('SELECT 1 FROM typed WHERE id = :id', { id })).rejects.toMatchObject({ code: '42883' });
    await expect(sql.query('INSERT INTO typed (id, day) VALUES (gen_random_uuid(), :day)', { day: '2026-12-14' })).rejects.toMatchObject({ code: '42804' });
    await expect(sql.query('INSERT INTO typed (id, doc) VALUES (gen_random_uuid(), :doc)', { doc: '{"k":1}' })).rejects.toMatchObject({ code: '42804' });
    await expect(sql.query('SELECT make_interval(days => :n) AS i', { n: 3 })).rejects.toMatchObject({ code: '42883' });
    await sql.query('INSERT INTO typed (id, day, doc, n) VALUES (:id::uuid, :day::date, :doc::jsonb, :n)', { id, day: '2026-12-14', doc: '{"k":1}', n: 3 });
    const r = await sql.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day, n, make_interval(days => :n::int)::text AS i FROM typed WHERE id = :id::uuid`, { id, n: 3 });
    expect(r.rows).toEqual([{ day: '2026-12-14', n: 3, i: '3 days' }]);
  });
});

describe('PgliteSql', () => {
  let sql: PgliteSql;
  beforeAll(async () => {
    sql = await freshDb();
    await sql.query(
      `CREATE TABLE sample (
         id uuid PRIMARY KEY, at timestamptz, local_at timestamp, day date, big int8, amount numeric(12, 6),
         doc jsonb, tags text[], n int, ok boolean, note text
       )`,
    );
  });
  afterAll(async () => {
    await sql.close();
  });

  it('binds a repeated name once and returns JSON-shaped rows', async () => {
    const r = await sql.query('SELECT :n::int + :n::int AS twice, :s AS s, :b::boolean AS b, :nothing::text AS nothing', {
      n: 21,
      s: 'x',
      b: true,
      nothing: null,
    });
    expect(r.rows).toEqual([{ twice: 42, s: 'x', b: true, nothing: null }]);
    expect(r.rowCount).toBe(1);
  });

  it('names every missing parameter; undefined counts as missing', async () => {
    await expect(sql.query('SELECT :a, :b, :c', { a: 1, b: undefined })).rejects.toThrow(/missing SQL parameters :b, :c/);
    await expect(sql.query('SELECT :only')).rejects.toThrow(/missing SQL parameter :only/);
    // refused as DataApiSql refuses it: the same error, the statement's head first
    await expect(sql.query('SELECT :only')).rejects.toMatchObject({ name: 'DatabaseError', message: 'SELECT :only: missing SQL parameter :only' });
  });

  it('converts timestamptz, timestamp, date, int8, numeric, jsonb, text[] and uuid', async () => {
    const id = '6f1c2b1e-8a43-4c1e-9a57-2d3f4e5a6b7c';
    const at = new Date('2025-03-04T05:06:07.891Z');
    const insert = await sql.query(
      `INSERT INTO sample (id, at, local_at, day, big, amount, doc, tags, n, ok, note)
       VALUES (:id::uuid, :at, '2025-01-02 03:04:05', '2025-01-02', 9007199254740991, 12.345678, :doc::jsonb, ${textArray('tags')},
               7, false, :note)`,
      { id, at, doc: { a: [1, 'two', null], nested: { ok: true } }, tags: ['x', 'y, z', 'quote"d', 'back\\slash'], note: "it's" },
    );
    expect(insert.rowCount).toBe(1);
    expect(insert.rows).toEqual([]);
    const r = await sql.query('SELECT * FROM sample WHERE id = :id::uuid', { id });
    expect(r.rows).toEqual([
      {
        id,
        at: '2025-03-04T05:06:07.891Z',
        local_at: '2025-01-02T03:04:05.000Z',
        day: '2025-01-02',
        big: 9007199254740991,
        amount: 12.345678,
        doc: { a: [1, 'two', null], nested: { ok: true } },
        tags: ['x', 'y, z', 'quote"d', 'back\\slash'],
        n: 7,
        ok: false,
        note: "it's",
      },
    ]);
    const agg = await sql.query(
      "SELECT count(*) AS c, sum(amount) AS s, ARRAY[now(), now()] AS times, ARRAY[1::int8, 2::int8] AS bigs, '[]'::jsonb AS empty FROM sample",
    );
    expect(agg.rows[0].c).toBe(1);
    expect(agg.rows[0].s).toBe(12.345678);
    expect(agg.rows[0].times).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), expect.any(String)]);
    expect(agg.rows[0].bigs).toEqual([1, 2]);
    expect(agg.rows[0].empty).toEqual([]);
  });

  it('binds an empty array as an empty text[] and a JSON array as jsonb', async () => {
    const r = await sql.query(`SELECT ${textArray('tags')} AS tags, :doc::jsonb AS doc`, { tags: [], doc: [] });
    expect(r.rows[0]).toEqual({ tags: [], doc: [] });
  });

  it('reports affected rows for writes and returned rows for reads', async () => {
    await sql.query("INSERT INTO sample (id, note) VALUES (gen_random_uuid(), 'a'), (gen_random_uuid(), 'b')");
    const update = await sql.query("UPDATE sample SET n = 1 WHERE note IN ('a', 'b')");
    expect(update).toEqual({ rows: [], rowCount: 2 });
    const returning = await sql.query("DELETE FROM sample WHERE note IN ('a', 'b') RETURNING note");
    expect(returning.rowCount).toBe(2);
    expect(returning.rows.map((r) => r.note).sort()).toEqual(['a', 'b']);
    const none = await sql.query('SELECT 1 AS x WHERE false');
    expect(none.rowCount).toBe(0);
  });

  it('keeps SQLSTATE and constraint on errors and prefixes the statement', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    await sql.query("INSERT INTO sample (id, note) VALUES (:id::uuid, 'first')", { id });
    const err = await sql.query("INSERT INTO sample (id, note) VALUES (:id::uuid, 'second')", { id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect(err).toMatchObject({ code: '23505', constraint: 'sample_pkey' });
    expect((err as Error).message).toMatch(/^INSERT INTO sample \(id, note\) VALUES \(:id::uuid, 'second'\): duplicate key value/);
    const syntax = await sql.query('SELEKT 1').catch((e: unknown) => e);
    expect(syntax).toMatchObject({ code: '42601' });
  });

  it('commits a transaction that resolves', async () => {
    const result = await sql.transaction(async (tx) => {
      await tx.query("INSERT INTO sample (id, note) VALUES (gen_random_uuid(), 'committed')");
      // A nested transaction joins the outer one.
      return tx.transaction(async (inner) => (await inner.query("SELECT count(*) AS c FROM sample WHERE note = 'committed'")).rows[0].c);
    });
    expect(result).toBe(1);
    const r = await sql.query("SELECT count(*) AS c FROM sample WHERE note = 'committed'");
    expect(r.rows[0].c).toBe(1);
  });

  it('rolls back a transaction that throws, including after a failed statement', async () => {
    await expect(
      sql.transaction(async (tx) => {
        await tx.query("INSERT INTO sample (id, note) VALUES (gen_random_uuid(), 'rolled back')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(
      sql.transaction(async (tx) => {
        await tx.query("INSERT INTO sample (id, note) VALUES (gen_random_uuid(), 'rolled back')");
        await tx.query('SELECT 1/0');
      }),
    ).rejects.toMatchObject({ code: '22012' });
    const r = await sql.query("SELECT count(*) AS c FROM sample WHERE note = 'rolled back'");
    expect(r.rows[0].c).toBe(0);
    // The connection is usable afterwards.
    expect((await sql.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('refuses to commit a transaction whose statement failed even if fn swallowed the error', async () => {
    const err = await sql
      .transaction(async (tx) => {
        await tx.query("INSERT INTO sample (id, note) VALUES (gen_random_uuid(), 'swallowed')");
        await tx.query('SELECT 1/0').catch(() => undefined);
        return 'done';
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect(err).toMatchObject({ code: '25P02' });
    expect((await sql.query("SELECT count(*) AS c FROM sample WHERE note = 'swallowed'")).rows[0].c).toBe(0);
  });

  it('refuses a statement of a transaction while another runs, as the Data API does, and rolls back', async () => {
    const attempt = sql.transaction(async (tx) => {
      const first = tx.query("INSERT INTO sample (id, note) VALUES (gen_random_uuid(), 'together')");
      const second = tx.query("INSERT INTO sample (id, note) VALUES (gen_random_uuid(), 'together')").catch((e: unknown) => e);
      await first;
      throw await second;
    });
    await expect(attempt).rejects.toThrow(/Transaction is still running a query/);
    expect((await sql.query("SELECT count(*) AS c FROM sample WHERE note = 'together'")).rows[0].c).toBe(0);
    // One after another, as every step writes, is fine.
    await sql.transaction(async (tx) => {
      await tx.query("INSERT INTO sample (id, note) VALUES (gen_random_uuid(), 'in turn')");
      await tx.query("INSERT INTO sample (id, note) VALUES (gen_random_uuid(), 'in turn')");
    });
    expect((await sql.query("SELECT count(*) AS c FROM sample WHERE note = 'in turn'")).rows[0].c).toBe(2);
  });

  it('persists to a data directory and refuses to open it twice at once', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'prospector-pglite-'));
    try {
      // A new folder starts as a copy of the run's cached empty cluster, as the CLI's does.
      const first = await PgliteSql.open({ dataDir: dir, clusterCache: clusterCacheDir() });
      try {
        await first.query('CREATE TABLE kept (v text)');
        await first.query("INSERT INTO kept VALUES ('still here')");
        await expect(PgliteSql.open({ dataDir: path.join(dir, '.') })).rejects.toThrow(/already open in this process/);
      } finally {
        await first.close();
      }
      const reopened = await PgliteSql.open({ dataDir: dir });
      try {
        expect((await reopened.query('SELECT v FROM kept')).rows).toEqual([{ v: 'still here' }]);
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('closes idempotently', async () => {
    const other = await emptyDb();
    await other.close();
    await other.close();
    expect(other.db.closed).toBe(true);
  });
});
