/**
 * DataApiSql against a loopback Data API (test/fakes/fake-data-api.ts) driven by the real
 * RDSDataClient, compared with PgliteSql running the same SQL.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import {
  DataApiSql,
  decodeRecords,
  parameterNames,
  splitServerMessage,
  toSqlParameter,
  translateError,
} from '#adapters/data-api-sql.ts';
import { migrate } from '#core/db/migrate.ts';
import { importOnboarding, loadOnboardingFile, loadSellerContext } from '#core/onboarding/import.ts';
import type { Sql } from '#core/ports.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';
import { freshDb, SAMPLE_ONBOARDING } from '#test/helpers/db.ts';

const TARGET = {
  resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:prospector',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prospector-db-AbCdEf',
  database: 'prospector',
};

/** Deterministic ids, so rows written through both adapters can be compared whole. */
function sequentialIds(prefix = '00000000-0000-4000-8000-'): () => string {
  let n = 0;
  return () => `${prefix}${String(++n).padStart(12, '0')}`;
}

const ID = {
  workspace: '11111111-1111-4111-8111-111111111111',
  run: '22222222-2222-4222-8222-222222222222',
  company: '33333333-3333-4333-8333-333333333333',
  lead: '44444444-4444-4444-8444-444444444444',
  snapshot: '55555555-5555-4555-8555-555555555555',
  research: '66666666-6666-4666-8666-666666666666',
  fact1: '77777777-7777-4777-8777-777777777771',
  fact2: '77777777-7777-4777-8777-777777777772',
};
const AT = new Date('2026-11-20T08:30:15.123Z');

/** The repository's writes for one researched lead, as the pipeline makes them. */
async function writeResearchedLead(sql: Sql): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query('INSERT INTO workspace (id, slug, name) VALUES (:id::uuid, :slug, :name)', { id: ID.workspace, slug: 'acme', name: 'Acme' });
    await tx.query(
      `INSERT INTO run (id, workspace_id, trigger, llm_provider, lead_source, started_at)
       VALUES (:id::uuid, :workspaceId::uuid, :trigger, :provider, :source, :startedAt::timestamptz)`,
      { id: ID.run, workspaceId: ID.workspace, trigger: 'schedule', provider: 'groq', source: 'directory', startedAt: AT },
    );
    const company = await tx.query<{ id: string }>(
      `INSERT INTO lead_company (id, workspace_id, domain, name, website)
       VALUES (:id::uuid, :ws::uuid, :domain, :name, :website)
       ON CONFLICT (workspace_id, domain) DO UPDATE SET domain = EXCLUDED.domain
       RETURNING id`,
      { id: ID.company, ws: ID.workspace, domain: 'northwind.example', name: 'Northwind', website: 'https://northwind.example/' },
    );
    await tx.query(
      `INSERT INTO lead (id, workspace_id, company_id, email, name, icp_id, first_run_id)
       VALUES (:id::uuid, :ws::uuid, :companyId::uuid, :email, :name, :icpId::uuid, :runId::uuid)`,
      { id: ID.lead, ws: ID.workspace, companyId: company.rows[0].id, email: 'dana@northwind.example', name: 'Dana', icpId: null, runId: ID.run },
    );
    await tx.query(
      `INSERT INTO run_lead (run_id, lead_id, is_new) VALUES (:runId::uuid, :leadId::uuid, :isNew)`,
      { runId: ID.run, leadId: ID.lead, isNew: true },
    );
    await tx.query(
      `INSERT INTO page_snapshot (id, company_id, run_id, url, final_url, kind, outcome, http_status, content_type, bytes, content_sha256, raw_key, fetched_at)
       VALUES (:id::uuid, :companyId::uuid, :runId::uuid, :url, :finalUrl, :kind, 'fetched', :status, :contentType, :bytes, :hash, :rawKey, :fetchedAt::timestamptz)`,
      {
        id: ID.snapshot, companyId: ID.company, runId: ID.run, url: 'https://northwind.example/', finalUrl: 'https://northwind.example/',
        kind: 'home', status: 200, contentType: 'text/html', bytes: 5120, hash: 'a'.repeat(64), rawKey: 'raw/html/domain=northwind.example/a.html.gz', fetchedAt: AT,
      },
    );
    await tx.query(
      `INSERT INTO research (id, lead_id, run_id, idempotency_key, status, llm_provider, model, prompt_version, fit_score,
                             summary, findings, prompt_tokens, completion_tokens, cost_usd, lake_key, created_at)
       VALUES (:id::uuid, :leadId::uuid, :runId::uuid, :key, :status, :provider, :model, :promptVersion, :fitScore,
               :summary, :findings::jsonb, :promptTokens, :completionTokens, :cost, :lakeKey, :at::timestamptz)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id`,
      {
        id: ID.research, leadId: ID.lead, runId: ID.run, key: 'k1', status: 'researched', provider: 'groq', model: 'openai/gpt-oss-120b',
        promptVersion: 'v1', fitScore: 82, summary: 'Ships pallets; hiring ops.',
        findings: { fit: { score: 82, reasons: ['uses spreadsheets'] }, hooks: [{ text: 'New DC in Ohio', facts: ['f1'] }], missing: null },
        promptTokens: 1234, completionTokens: 321, cost: 0.0012, lakeKey: 'runs/r/research/l.json', at: AT,
      },
    );
    for (const [id, localId, verified] of [[ID.fact1, 'f1', true], [ID.fact2, 'f2', false]] as const) {
      await tx.query(
        `INSERT INTO fact (id, research_id, local_id, category, claim, quote, snapshot_id, source_url, verified)
         VALUES (:id::uuid, :researchId::uuid, :localId, :category, :claim, :quote, :snapshotId::uuid, :sourceUrl, :verified)`,
        { id, researchId: ID.research, localId, category: 'news', claim: `claim ${localId}`, quote: `"quoted" ${localId}: it's here`, snapshotId: ID.snapshot, sourceUrl: 'https://northwind.example/', verified },
      );
    }
    await tx.query(
      `UPDATE run_lead SET status = :status, reason = :reason, research_id = COALESCE(:researchId::uuid, research_id), updated_at = :at::timestamptz
       WHERE run_id = :runId::uuid AND lead_id = :leadId::uuid`,
      { runId: ID.run, leadId: ID.lead, status: 'researched', reason: null, researchId: ID.research, at: AT },
    );
  });
}

/** Reads back every shape the port promises: jsonb, timestamptz, numeric, int8, text[], bool, uuid, date, null. */
const READ_BACK = `
  SELECT r.id, r.status, r.fit_score, r.findings, r.cost_usd, r.created_at, r.prompt_tokens::int8 AS prompt_tokens,
         l.email, rl.is_new, rl.reason, c.first_seen_at IS NOT NULL AS seen, r.created_at::date AS day,
         (SELECT array_agg(f.local_id ORDER BY f.local_id) FROM fact f WHERE f.research_id = r.id) AS fact_ids,
         (SELECT count(*) FROM fact f WHERE f.research_id = r.id AND f.verified) AS verified,
         (SELECT json_agg(json_build_object('id', f.local_id, 'quote', f.quote) ORDER BY f.local_id) FROM fact f WHERE f.research_id = r.id) AS quotes,
         '{}'::text[] AS empty, ARRAY[1.5, 2]::numeric[] AS amounts
  FROM research r JOIN lead l ON l.id = r.lead_id JOIN lead_company c ON c.id = l.company_id
  JOIN run_lead rl ON rl.run_id = r.run_id AND rl.lead_id = r.lead_id
  WHERE r.run_id = :runId::uuid`;

describe('DataApiSql helpers', () => {
  it('finds :name parameters but not casts, strings, comments, dollar bodies or slices', () => {
    const sql = `SELECT :a::uuid, ':b', "c:d", $$ :e $$, $t$ :f $t$, arr[1:2], x[lo:hi], -- :g
      /* :h /* :i */ */ E'\\' :j', :a, :k_2 FROM t WHERE y := 1`;
    expect(parameterNames(sql)).toEqual(['a', 'k_2']);
  });

  it('types parameters as the Data API expects', () => {
    expect(toSqlParameter('s', 'x')).toEqual({ name: 's', value: { stringValue: 'x' } });
    expect(toSqlParameter('n', 42)).toEqual({ name: 'n', value: { longValue: 42 } });
    expect(toSqlParameter('f', 0.5)).toEqual({ name: 'f', value: { doubleValue: 0.5 } });
    expect(toSqlParameter('b', false)).toEqual({ name: 'b', value: { booleanValue: false } });
    expect(toSqlParameter('z', null)).toEqual({ name: 'z', value: { isNull: true } });
    expect(toSqlParameter('t', AT)).toEqual({ name: 't', value: { stringValue: '2026-11-20 08:30:15.123' }, typeHint: 'TIMESTAMP' });
    expect(toSqlParameter('j', { a: [1, 'x'] })).toEqual({ name: 'j', value: { stringValue: '{"a":[1,"x"]}' }, typeHint: 'JSON' });
    expect(toSqlParameter('a', ['x', 'y'])).toEqual({ name: 'a', value: { stringValue: '["x","y"]' }, typeHint: 'JSON' });
    expect(() => toSqlParameter('bad', Number.NaN)).toThrow(/:bad is NaN/);
  });

  it('decodes typed records by column type', () => {
    const rows = decodeRecords(
      [[
        { stringValue: '{"a":1}' },
        { stringValue: '2026-11-20 08:30:15.123456' },
        { stringValue: '12.500000' },
        { longValue: 7 },
        { arrayValue: { stringValues: ['x', 'y'] } },
        { isNull: true },
        { stringValue: '{not json' },
      ]],
      [
        { label: 'doc', typeName: 'jsonb' },
        { label: 'at', typeName: 'timestamptz' },
        { label: 'cost', typeName: 'numeric' },
        { label: 'n', typeName: 'int8' },
        { label: 'tags', typeName: '_text' },
        { label: 'gone', typeName: 'text' },
        { label: 'raw', typeName: 'text' },
      ],
    );
    expect(rows).toEqual([{ doc: { a: 1 }, at: '2026-11-20T08:30:15.123Z', cost: 12.5, n: 7, tags: ['x', 'y'], gone: null, raw: '{not json' }]);
  });

  it('names the limits and keeps the SQL state', () => {
    const tooBig = translateError(Object.assign(new Error('Database returned more than the allowed response size limit'), { name: 'BadRequestException' }), 'SELECT *');
    expect(tooBig.name).toBe('DatabaseResponseTooLarge');
    expect(tooBig.message).toMatch(/LIMIT/);
    expect(translateError(Object.assign(new Error('Request timed out'), { name: 'StatementTimeoutException' }), 'SELECT').name).toBe('DatabaseTimeout');
    const paused = translateError(Object.assign(new Error('Communications link failure\n\nThe last packet sent successfully to the server was 0 milliseconds ago.'), { name: 'BadRequestException' }), 'SELECT 1');
    expect(paused.name).toBe('DatabaseUnavailable');
    const unique = translateError(Object.assign(new Error('ERROR: duplicate key value violates unique constraint "workspace_slug_key"; SQLState: 23505'), { name: 'BadRequestException' }), 'INSERT');
    expect(unique).toMatchObject({ name: 'SqlError', code: '23505' });
    expect(unique.message).not.toMatch(/SQLState/);
  });

  it("keeps the server's DETAIL, HINT and context lines out of the message, and the detail apart", () => {
    expect(splitServerMessage('ERROR: duplicate key value violates unique constraint "lead_pkey"\n  Detail: Key (email)=(jane@acme.example) already exists.; SQLState: 23505')).toEqual({
      message: 'duplicate key value violates unique constraint "lead_pkey"',
      detail: 'Key (email)=(jane@acme.example) already exists.',
    });
    expect(splitServerMessage('ERROR: function make_interval(days => bigint) does not exist\n  Hint: No function matches the given name and argument types.\n  Position: 8; SQLState: 42883')).toEqual({
      message: 'function make_interval(days => bigint) does not exist',
    });
    // A form not recognised is kept whole rather than cut.
    expect(splitServerMessage('Something else entirely; SQLState: XX000')).toEqual({ message: 'Something else entirely' });
  });
});

describe('DataApiSql through a loopback Data API', () => {
  let fake: FakeDataApi;
  let sql: DataApiSql;

  // One server and database for the suite (PGlite takes a second to start); each test gets an empty schema.
  beforeAll(async () => {
    fake = await FakeDataApi.start();
  });
  afterAll(async () => {
    await fake.close();
  });

  beforeEach(async () => {
    await fake.reset();
    sql = new DataApiSql({ ...TARGET, client: fake.client(), sleep: async () => {} });
  });

  afterEach(async () => {
    await sql.close();
  });

  it('applies the migrations, once', async () => {
    const first = await migrate(sql);
    const second = await migrate(sql);

    expect(first.applied).toEqual(expect.arrayContaining(['0001_onboarding.sql', '0002_pipeline.sql']));
    expect(second.applied).toEqual([]);
    const tables = await sql.query<{ n: number }>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('workspace', 'research', 'fact', 'lead_failure')`);
    expect(tables.rows[0].n).toBe(4);
    // Each migration file ran in its own Data API transaction, all of them closed.
    expect(fake.requests.filter((r) => r.operation === 'BeginTransaction').length).toBe(first.applied.length);
    expect(fake.openTransactions).toBe(0);
  });

  it('sends typed parameters, only those the SQL names, with the target on every call', async () => {
    await sql.query('SELECT :a::uuid AS a, :n AS n, :at::timestamptz AS at', { a: ID.lead, n: 3, at: AT, unused: 'x' });

    const execute = fake.requests.find((r) => r.operation === 'Execute')!;
    expect(execute.body).toMatchObject({ ...TARGET, includeResultMetadata: true });
    expect(execute.body.parameters).toEqual([
      { name: 'a', value: { stringValue: ID.lead } },
      { name: 'n', value: { longValue: 3 } },
      { name: 'at', value: { stringValue: '2026-11-20 08:30:15.123' }, typeHint: 'TIMESTAMP' },
    ]);
  });

  it('refuses a statement whose parameter is missing, naming it', async () => {
    await expect(sql.query('SELECT :a AS a, :b AS b', { a: 1 })).rejects.toThrow(/missing SQL parameter :b/);
    await expect(sql.query('SELECT :only')).rejects.toMatchObject({ name: 'DatabaseError', message: 'SELECT :only: missing SQL parameter :only' });
  });

  it('turns a response over 1 MiB into DatabaseResponseTooLarge', async () => {
    // Rows under the 64 KB row limit, together over 1 MiB.
    const big = sql.query(`SELECT repeat('x', 60000) AS part FROM generate_series(1, 20)`);

    await expect(big).rejects.toMatchObject({ name: 'DatabaseResponseTooLarge' });
    await expect(big).rejects.toThrow(/LIMIT/);
  });

  it('turns a statement over the time limit into DatabaseTimeout', async () => {
    const slow = await FakeDataApi.start({ statementTimeoutMs: 20 });
    const slowSql = new DataApiSql({ ...TARGET, client: slow.client() });
    try {
      await expect(slowSql.query('SELECT pg_sleep(0.1)')).rejects.toMatchObject({ name: 'DatabaseTimeout' });
    } finally {
      await slowSql.close();
      await slow.close();
    }
  });

  it('turns a result row over 64 KB into DatabaseRowTooLarge, naming the limit', async () => {
    // Many small rows are fine as long as the response stays under 1 MiB.
    const many = await sql.query<{ n: number }>(`SELECT n, repeat('x', 500) AS pad FROM generate_series(1, 1000) AS n`);
    expect(many.rows).toHaveLength(1000);
    expect(fake.stats.largestRowBytes).toBeGreaterThan(500);
    expect(fake.stats.largestRowBytes).toBeLessThan(1000);

    const wide = sql.query(`SELECT repeat('x', 70000) AS wide`);

    await expect(wide).rejects.toMatchObject({ name: 'DatabaseRowTooLarge' });
    await expect(wide).rejects.toThrow(/64 KB row limit/);
  });

  it('rolls back a transaction left idle for 3 minutes; its id is then not found', async () => {
    let now = Date.parse('2026-11-20T08:00:00Z');
    const timed = await FakeDataApi.start({ now: () => now });
    const timedSql = new DataApiSql({ ...TARGET, client: timed.client() });
    try {
      await timedSql.query('CREATE TABLE t (n int)');
      const attempt = timedSql.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (1)');
        now += 179_000; // under 3 minutes since the last call: still open
        await tx.query('INSERT INTO t VALUES (2)');
        now += 181_000; // over 3 minutes idle
        await tx.query('INSERT INTO t VALUES (3)');
      });

      await expect(attempt).rejects.toThrow(/Transaction \w+ is not found/);
      expect(timed.openTransactions).toBe(0);
      expect((await timedSql.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(0);
    } finally {
      await timedSql.close();
      await timed.close();
    }
  });

  it('waits for a paused cluster to resume, then runs the statement', async () => {
    const waits: number[] = [];
    const patient = new DataApiSql({ ...TARGET, client: fake.client(), sleep: async (ms) => void waits.push(ms), resumeDelaysMs: [10, 20, 40] });
    fake.pause({ refusals: 2 });

    const result = await patient.query('SELECT 1 AS one');

    expect(result.rows).toEqual([{ one: 1 }]);
    expect(waits).toEqual([10, 20]);
    const refused = fake.requests.filter((r) => r.operation === 'Execute');
    expect(refused).toHaveLength(3);
  });

  it('reports a cluster that stays paused as DatabaseUnavailable, the name the state machine retries', async () => {
    const impatient = new DataApiSql({ ...TARGET, client: fake.client(), sleep: async () => {}, resumeDelaysMs: [1, 1] });
    fake.pause();

    const attempt = impatient.query('SELECT 1');

    await expect(attempt).rejects.toMatchObject({ name: 'DatabaseUnavailable' });
    await expect(attempt).rejects.toThrow(/DatabaseResumingException/);
    fake.resume();
    expect((await impatient.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it('reports a connection lost while resuming as DatabaseUnavailable', async () => {
    const impatient = new DataApiSql({ ...TARGET, client: fake.client(), sleep: async () => {}, resumeDelaysMs: [1] });
    fake.failNext({ operation: 'Execute', type: 'BadRequestException', message: 'Communications link failure: the database is resuming', times: 5 });

    await expect(impatient.query('SELECT 1')).rejects.toMatchObject({ name: 'DatabaseUnavailable' });
  });

  it('answers formatRecordsAs JSON with a JSON string and no column metadata, as the Data API does', async () => {
    const client = fake.client();
    const out = await client.send(
      new ExecuteStatementCommand({ ...TARGET, sql: `SELECT 1 AS n, '{"a":1}'::jsonb AS doc, now() AS at`, formatRecordsAs: 'JSON', includeResultMetadata: true }),
    );
    client.destroy();

    expect(typeof out.formattedRecords).toBe('string');
    const [row] = JSON.parse(out.formattedRecords!) as Record<string, unknown>[];
    // jsonb arrives as text: without metadata nothing says it is JSON, hence typed records in the adapter.
    expect(row).toMatchObject({ n: 1, doc: '{"a": 1}' });
    expect(row.at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    expect(out.columnMetadata).toBeUndefined();
  });
});

describe('DataApiSql through a loopback Data API, on a migrated database', () => {
  let fake: FakeDataApi;
  let sql: DataApiSql;

  // A fake of its own for each test, started with every migration applied (the suite above
  // applies them through the Data API); the embedded side is a migrated database of the pool.
  beforeEach(async () => {
    fake = await FakeDataApi.start({ schema: 'migrated' });
    sql = new DataApiSql({ ...TARGET, client: fake.client(), sleep: async () => {} });
  });

  afterEach(async () => {
    await sql.close();
    await fake.close();
  });

  it('commits the repository writes of a researched lead and reads them back JSON-shaped, as PgliteSql does', async () => {
    const local = await freshDb();
    try {
      await writeResearchedLead(sql);
      await writeResearchedLead(local);

      const cloud = await sql.query(READ_BACK, { runId: ID.run });
      const embedded = await local.query(READ_BACK, { runId: ID.run });

      expect(cloud.rows).toEqual(embedded.rows);
      expect(cloud.rows[0]).toMatchObject({
        fit_score: 82,
        findings: { fit: { score: 82, reasons: ['uses spreadsheets'] }, hooks: [{ text: 'New DC in Ohio', facts: ['f1'] }], missing: null },
        cost_usd: 0.0012,
        created_at: '2026-11-20T08:30:15.123Z',
        prompt_tokens: 1234,
        is_new: true,
        reason: null,
        day: '2026-11-20',
        fact_ids: ['f1', 'f2'],
        verified: 1,
        quotes: [{ id: 'f1', quote: '"quoted" f1: it\'s here' }, { id: 'f2', quote: '"quoted" f2: it\'s here' }],
        empty: [],
        amounts: [1.5, 2],
      });
      expect(fake.openTransactions).toBe(0);
    } finally {
      await local.close();
    }
  });

  it('imports the sample onboarding and loads the same seller context as PgliteSql', async () => {
    const local = await freshDb();
    try {
      const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
      const a = await importOnboarding(sql, onboarding, { newId: sequentialIds() });
      const b = await importOnboarding(local, onboarding, { newId: sequentialIds() });

      expect(a).toEqual(b);
      expect(await loadSellerContext(sql, a.workspaceId)).toEqual(await loadSellerContext(local, b.workspaceId));
    } finally {
      await local.close();
    }
  });

  it('rolls back everything when the transaction throws, keeping the SQL state', async () => {
    const attempt = sql.transaction(async (tx) => {
      await tx.query('INSERT INTO workspace (id, slug, name) VALUES (:id::uuid, :slug, :name)', { id: ID.workspace, slug: 'acme', name: 'Acme' });
      await tx.query('INSERT INTO workspace (id, slug, name) VALUES (:id::uuid, :slug, :name)', { id: ID.run, slug: 'acme', name: 'Again' });
    });

    await expect(attempt).rejects.toMatchObject({ name: 'SqlError', code: '23505' });
    expect((await sql.query('SELECT count(*) AS n FROM workspace')).rows[0].n).toBe(0);
    expect(fake.requests.some((r) => r.operation === 'RollbackTransaction')).toBe(true);
    expect(fake.openTransactions).toBe(0);
  });

  it('rolls back when the callback itself throws', async () => {
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('INSERT INTO workspace (id, slug, name) VALUES (:id::uuid, :slug, :name)', { id: ID.workspace, slug: 'acme', name: 'Acme' });
        throw new Error('the step failed after writing');
      }),
    ).rejects.toThrow('the step failed after writing');
    expect((await sql.query('SELECT count(*) AS n FROM workspace')).rows[0].n).toBe(0);
  });

  it('fails like Aurora when SQL compares a uuid column with an uncast string', async () => {
    await expect(sql.query('SELECT id FROM workspace WHERE id = :id', { id: ID.workspace })).rejects.toMatchObject({ name: 'SqlError', code: '42883' });
  });

  it('refuses a second call in a transaction while the first still runs, as the Data API does', async () => {
    const hold = fake.holdNextExecute();

    const attempt = sql.transaction(async (tx) => {
      const first = tx.query('INSERT INTO workspace (id, slug, name) VALUES (:id::uuid, :slug, :name)', { id: ID.workspace, slug: 'acme', name: 'Acme' });
      await hold.arrived;
      const refused: unknown = await tx.query('SELECT count(*) AS n FROM workspace').catch((error: unknown) => error);
      // Let the first call finish before the rollback, which would otherwise be refused too.
      hold.release();
      await first;
      throw refused;
    });

    await expect(attempt).rejects.toThrow(/Transaction is still running a query/);
    expect(fake.openTransactions).toBe(0);
    expect((await sql.query('SELECT count(*) AS n FROM workspace')).rows[0].n).toBe(0);
  });

  it('waits for a paused cluster before beginning a transaction', async () => {
    fake.pause({ refusals: 1 });

    await sql.transaction((tx) => tx.query('INSERT INTO workspace (id, slug, name) VALUES (:id::uuid, :slug, :name)', { id: ID.workspace, slug: 'acme', name: 'Acme' }));

    expect((await sql.query('SELECT count(*) AS n FROM workspace')).rows[0].n).toBe(1);
  });
});

describe('DataApiSql client ownership', () => {
  let fake: FakeDataApi;
  beforeAll(async () => {
    fake = await FakeDataApi.start();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('close() is idempotent and leaves a caller-owned client usable', async () => {
    const client = fake.client();
    const sql = new DataApiSql({ ...TARGET, client });
    await sql.close();
    await sql.close();

    const again = new DataApiSql({ ...TARGET, client });
    expect((await again.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    client.destroy();
  });
});
