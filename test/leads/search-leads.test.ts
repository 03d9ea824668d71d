/**
 * SearchLeads on the embedded database: how it writes leads (set-based, a bounded number of
 * statements whatever the number of results) and how it records what it rejected (a bounded
 * sample with exact counts), which is what keeps it inside the RDS Data API's limits in the cloud
 * (test/e2e/data-api-large-leads-file.test.ts runs the same code on the loopback Data API).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { jsonLog } from '#core/log.ts';
import { defaultPipelineConfig, type Deps } from '#core/pipeline/deps.ts';
import { SUMMARY_LIST_LIMIT, summarizeRun } from '#core/pipeline/finish-run.ts';
import { startRun } from '#core/pipeline/start-run.ts';
import { stageLeads } from '#local/runner.ts';
import { DOMAIN_SUPPRESSION_PAGE, EXCLUSION_CHUNK, exclusionFor, MAX_SEARCH_RESULTS, REJECTED_SAMPLE_BYTES, SEARCH_BATCH, boundRejected, searchLeads, type RejectedLead } from '#core/pipeline/search-leads.ts';
import type { LeadCandidate, Sql } from '#core/ports.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { memoryLake, stubWeb } from '#test/hostile/support.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';

const candidate = (i: number, email = `buyer.${i}@company-${i}.example`): LeadCandidate => ({
  company_name: `Company ${i}`,
  company_website: `https://company-${i}.example/`,
  lead_email: email,
  lead_name: `Buyer ${i}`,
});

/** Counts the statements sent, as the Data API would count calls. */
function counting(sql: Sql): Sql & { statements: number } {
  const counter = {
    statements: 0,
    query: (text: string, params?: Record<string, never>) => (counter.statements++, sql.query(text, params)),
    transaction: <T>(fn: (tx: Sql) => Promise<T>) => sql.transaction((tx) => fn({ ...tx, query: (text, params) => (counter.statements++, tx.query(text, params)), transaction: tx.transaction.bind(tx), close: tx.close.bind(tx) })),
    close: () => sql.close(),
  };
  return counter as unknown as Sql & { statements: number };
}

describe('SearchLeads', () => {
  let db: PgliteSql;
  let workspaceId: string;
  let sql: Sql & { statements: number };
  let results: LeadCandidate[];
  let deps: Deps;

  beforeEach(async () => {
    ({ db, workspaceId } = await onboardedDb());
    sql = counting(db);
    results = [];
    deps = {
      sql,
      lake: memoryLake(),
      llm: new HeuristicLlm(),
      web: stubWeb(),
      leadSearch: { name: 'provider', searchLeads: async () => results },
      log: jsonLog({ level: 'silent' }),
      clock: { now: () => new Date() },
      newId: () => crypto.randomUUID(),
      config: defaultPipelineConfig,
    };
  });
  afterEach(async () => {
    await db.close();
  });

  async function newRun(): Promise<string> {
    const id = crypto.randomUUID();
    await db.query(`INSERT INTO run (id, workspace_id, trigger, llm_provider, lead_source) VALUES (:id::uuid, :ws::uuid, 'manual', 'test', 'provider')`, { id, ws: workspaceId });
    return id;
  }
  const icps = async () => (await db.query<{ id: string; slug: string }>(`SELECT id, slug FROM icp ORDER BY slug`)).rows;
  const runEmails = async (runId: string) =>
    (await db.query<{ email: string; is_new: boolean }>(`SELECT l.email, rl.is_new FROM run_lead rl JOIN lead l ON l.id = rl.lead_id WHERE rl.run_id = :runId::uuid ORDER BY l.email`, { runId })).rows;

  it('writes a thousand leads in a handful of statements, in the order found, up to the quota', async () => {
    const runId = await newRun();
    const [icp] = await icps();
    results = Array.from({ length: 1200 }, (_, i) => candidate(i));
    sql.statements = 0;

    const out = await searchLeads(deps, { runId, icp: { icpId: icp.id, slug: icp.slug, keywords: ['x'], quota: 1000 } });

    expect(out).toEqual({ icp: icp.slug, results: 1200, accepted: 1000, newLeads: 1000, rejected: 200 });
    // 3 reads and writes around the search; the exclusions of the 1,200 results (a statement per
    // EXCLUSION_CHUNK of them, the first bringing the domain suppressions and the seller's
    // domains too); then 4 statements per batch of SEARCH_BATCH leads.
    expect(sql.statements).toBe(3 + Math.ceil(1200 / EXCLUSION_CHUNK) + 4 * Math.ceil(1000 / SEARCH_BATCH));
    const added = await runEmails(runId);
    expect(added).toHaveLength(1000);
    expect(new Set(added.map((l) => l.email))).toEqual(new Set(results.slice(0, 1000).map((c) => c.lead_email)));
    expect(added.every((l) => l.is_new)).toBe(true);
  });

  it('takes every lead of a leads file past the old 10,000 cap, as the run started for it asks', async () => {
    const leads = Array.from({ length: 10_250 }, (_, i) => candidate(i));
    const leadsKey = await stageLeads(deps.lake, leads);
    const started = await startRun(deps, { leadsKey });
    expect(started.icps).toEqual([{ icpId: null, slug: 'leads-file', keywords: [], quota: MAX_SEARCH_RESULTS, leadsKey }]);

    const out = await searchLeads(deps, { runId: started.runId, icp: started.icps[0] });

    expect(out).toEqual({ icp: 'leads-file', results: 10_250, accepted: 10_250, newLeads: 10_250, rejected: 0 });
    const n = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM run_lead WHERE run_id = :runId::uuid`, { runId: started.runId });
    expect(n.rows[0].n).toBe(10_250);
  });

  it("gives a leads file's leads the ICP the run names, and searches one ICP alone, active or not", async () => {
    const leadsKey = await stageLeads(deps.lake, [candidate(1), candidate(2)]);
    const started = await startRun(deps, { leadsKey, icp: 'midmarket-logistics' });
    const icp = await db.query<{ id: string }>(`SELECT id FROM icp WHERE slug = 'midmarket-logistics'`);
    expect(started.icps).toEqual([{ icpId: icp.rows[0].id, slug: 'midmarket-logistics', keywords: [], quota: MAX_SEARCH_RESULTS, leadsKey }]);
    await searchLeads(deps, { runId: started.runId, icp: started.icps[0] });
    const owners = await db.query<{ lead: string; run: string }>(
      `SELECT DISTINCT l.icp_id AS lead, rl.icp_id AS run FROM run_lead rl JOIN lead l ON l.id = rl.lead_id WHERE rl.run_id = :runId::uuid`,
      { runId: started.runId },
    );
    expect(owners.rows).toEqual([{ lead: icp.rows[0].id, run: icp.rows[0].id }]);

    await db.query(`UPDATE icp SET active = false WHERE slug = 'healthcare-groups'`);
    const one = await startRun(deps, { icp: 'healthcare-groups' });
    expect(one.icps.map((i) => i.slug)).toEqual(['healthcare-groups']);
    expect(one.icps[0].keywords.length).toBeGreaterThan(0);
    // not named, an inactive ICP is not searched
    expect((await startRun(deps, {})).icps.map((i) => i.slug)).toEqual(['b2b-saas-scaleups', 'midmarket-logistics']);
  });

  it('refuses an ICP the workspace does not have, naming the field and the ICPs it has, and opens no run', async () => {
    const before = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM run`);
    await expect(startRun(deps, { icp: 'midmarket' })).rejects.toThrow(
      /icp: workspace "tallyhand" has no ICP "midmarket"; its ICPs: b2b-saas-scaleups, healthcare-groups, midmarket-logistics/,
    );
    expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM run`)).rows).toEqual(before.rows);
  });

  it('leaves leads another ICP added to the run to that ICP, counting them as duplicates without spending its own quota on them', async () => {
    const runId = await newRun();
    const [a, b] = await icps();
    results = [candidate(1), candidate(2)];
    await searchLeads(deps, { runId, icp: { icpId: a.id, slug: a.slug, keywords: ['x'], quota: 10 } });

    results = [candidate(1), candidate(3), candidate(2), candidate(4), candidate(5)];
    const out = await searchLeads(deps, { runId, icp: { icpId: b.id, slug: b.slug, keywords: ['x'], quota: 2 } });

    // buyer.1 and buyer.2 are duplicates (found by the other ICP), buyer.5 is past the quota:
    // found = accepted + rejected, so the run's counts add up.
    expect(out).toMatchObject({ results: 5, accepted: 2, newLeads: 2, rejected: 3 });
    const byIcp = await db.query<{ email: string; slug: string }>(
      `SELECT l.email, i.slug FROM run_lead rl JOIN lead l ON l.id = rl.lead_id JOIN icp i ON i.id = rl.icp_id WHERE rl.run_id = :runId::uuid ORDER BY l.email`,
      { runId },
    );
    expect(byIcp.rows.map((r) => [r.email.split('@')[0], r.slug])).toEqual([
      ['buyer.1', a.slug],
      ['buyer.2', a.slug],
      ['buyer.3', b.slug],
      ['buyer.4', b.slug],
    ]);
  });

  it('marks a lead known from an earlier run as not new', async () => {
    const [icp] = await icps();
    results = [candidate(1)];
    await searchLeads(deps, { runId: await newRun(), icp: { icpId: icp.id, slug: icp.slug, keywords: ['x'], quota: 10 } });
    const second = await newRun();
    results = [candidate(1), candidate(2)];

    const out = await searchLeads(deps, { runId: second, icp: { icpId: icp.id, slug: icp.slug, keywords: ['x'], quota: 10 } });

    expect(out).toMatchObject({ accepted: 2, newLeads: 1 });
    expect((await runEmails(second)).map((l) => l.is_new)).toEqual([false, true]);
  });

  it('records megabytes of rejected results as a bounded sample with exact counts', async () => {
    const runId = await newRun();
    const [icp] = await icps();
    const longJunk = (i: number) => `${'x'.repeat(400)}-${i}-not-an-email`;
    results = [
      ...Array.from({ length: 3 }, (_, i) => candidate(i)),
      ...Array.from({ length: 3000 }, (_, i) => candidate(100 + i, longJunk(i))),
      ...Array.from({ length: 2000 }, () => candidate(0)),
    ];
    expect(Buffer.byteLength(JSON.stringify(results))).toBeGreaterThan(1024 * 1024);

    const out = await searchLeads(deps, { runId, icp: { icpId: icp.id, slug: icp.slug, keywords: ['x'], quota: 2 } });

    expect(out).toMatchObject({ results: 5003, accepted: 2, rejected: 3000 + 2000 + 1 });
    const stored = await db.query<{ bytes: number; rejected: RejectedLead[] }>(`SELECT octet_length(rejected::text) AS bytes, rejected FROM search_query WHERE run_id = :runId::uuid`, { runId });
    expect(stored.rows[0].bytes).toBeLessThan(REJECTED_SAMPLE_BYTES + 2048);
    const folded = stored.rows[0].rejected.filter((r) => r.count);
    expect(folded.map((r) => r.kind).sort()).toEqual(['duplicate', 'invalid', 'quota']);

    // A repeated invocation (a retry after a timeout) answers from the record, counting the same.
    await expect(searchLeads(deps, { runId, icp: { icpId: icp.id, slug: icp.slug, keywords: ['x'], quota: 2 } })).resolves.toMatchObject({ accepted: 2, rejected: 5001, newLeads: 0 });

    const summary = await summarizeRun(db, runId);
    expect(summary).toMatchObject({ leadsFound: 5003, leadsFailed: 3000, duplicates: 2000, leadsSkipped: 1 });
    expect(summary.failures.length).toBeLessThanOrEqual(SUMMARY_LIST_LIMIT);
    expect(summary.failures.at(-1)).toMatchObject({ stage: 'search', lead: expect.stringMatching(/^\(\d+ more\)$/) });
    expect(summary.skipped).toEqual([{ lead: '(1 more)', reason: expect.stringContaining('daily lead quota of 2 reached') }]);
  });
});

describe('boundRejected', () => {
  it('keeps everything that fits and folds the rest per kind', () => {
    const few: RejectedLead[] = [{ lead: 'a@x.example', kind: 'excluded', reason: 'existing customer' }];
    expect(boundRejected(few)).toEqual(few);

    const many: RejectedLead[] = Array.from({ length: 100 }, (_, i) => ({ lead: `l${i}@x.example`, kind: i % 2 ? 'quota' : 'duplicate', reason: 'r'.repeat(1000) }));
    const bounded = boundRejected(many, 4096);

    expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThan(4096 + 1024);
    expect(bounded.reduce((n, r) => n + (r.count ?? 1), 0)).toBe(100);
    expect(bounded.every((r) => r.reason.length <= 300)).toBe(true);
  });
});

describe("a lead's exclusions (drafting reads them for every lead it drafts)", () => {
  it('are one statement, suppressed domains past the first page one more a page; the seller\'s own domains win', async () => {
    const { db, workspaceId } = await onboardedDb();
    try {
      const sql = counting(db);
      const now = new Date('2026-12-02T12:00:00Z');
      const check = async (lead: { email: string; domain: string }) => {
        sql.statements = 0;
        const reason = await exclusionFor(sql, workspaceId, now, lead);
        return { reason, statements: sql.statements };
      };
      // the sample seller lists Keelhaul Freight as a customer and Spendlyte as a competitor
      expect(await check({ email: 'dana@keelhaul-freight.example', domain: 'keelhaul-freight.example' })).toEqual({ reason: 'existing customer', statements: 1 });
      expect(await check({ email: 'ap@eu.spendlyte.com', domain: 'eu.spendlyte.com' })).toEqual({ reason: 'competitor (Spendlyte)', statements: 1 });
      expect(await check({ email: 'new@fresh.example', domain: 'fresh.example' })).toEqual({ reason: undefined, statements: 1 });

      // the sample also suppresses Keelhaul's domain: the seller's own word, a customer, wins
      expect(await db.query(`SELECT 1 FROM suppression WHERE workspace_id = :ws::uuid AND kind = 'domain' AND value = 'keelhaul-freight.example'`, { ws: workspaceId })).toMatchObject({ rows: [{}] });

      // a full page of suppressed domains besides the sample's: the last of them in the
      // database's order is on the second page, read by one more statement
      await db.query(
        `INSERT INTO suppression (id, workspace_id, kind, value, reason, source)
         SELECT gen_random_uuid(), :ws::uuid, 'domain', 'zz-blocked' || lpad(g::text, 5, '0') || '.example', 'Legal asked us to stop', 'onboarding'
           FROM generate_series(1, :n::int) g`,
        { ws: workspaceId, n: DOMAIN_SUPPRESSION_PAGE },
      );
      expect(await check({ email: 'ceo@mail.zz-blocked01000.example', domain: 'mail.zz-blocked01000.example' })).toEqual({ reason: 'suppressed: Legal asked us to stop', statements: 2 });
      expect(await check({ email: 'ceo@zz-blocked00001.example', domain: 'zz-blocked00001.example' })).toEqual({ reason: 'suppressed: Legal asked us to stop', statements: 2 });
      expect((await check({ email: 'dana@keelhaul-freight.example', domain: 'keelhaul-freight.example' })).reason).toBe('existing customer');
      expect(await check({ email: 'new@fresh.example', domain: 'fresh.example' })).toEqual({ reason: undefined, statements: 2 });
    } finally {
      await db.close();
    }
  });
});
