/**
 * The outreach trigger on PGlite and through the Data API adapter against the loopback Data API
 * (which binds a number as the service does, as int8): a fresh strong signal hands one lead of its company to the
 * drafting queue once; stale or weak signals, companies already in a sequence, cooling off, and
 * invalid or suppressed addresses start nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectOutreachTriggers } from '#core/intent/trigger.ts';
import type { Sql } from '#core/ports.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';
import { dataApiSqlOn } from '#test/helpers/data-api-runtime.ts';
import { freshDb } from '#test/helpers/db.ts';
import { seedApprovedLead, seedWorkspace } from '#test/helpers/sending.ts';

const NOW = new Date('2026-12-08T14:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const fresh = (name: string) => `${name}-${randomUUID().slice(0, 8)}.example`;

interface Backend {
  name: string;
  open(): Promise<{ sql: Sql; close(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'PGlite',
    open: async () => {
      const db = await freshDb();
      return { sql: db, close: () => db.close() };
    },
  },
  {
    name: 'the Data API',
    open: async () => {
      const fake = await FakeDataApi.start({ schema: 'migrated' });
      const db = dataApiSqlOn(fake);
      return {
        sql: db,
        close: async () => {
          await db.close();
          await fake.close();
        },
      };
    },
  },
];

/** The database of the backend under test. */
let sql: Sql;

async function seedIcp(ws: string): Promise<string> {
  const id = randomUUID();
  await sql.query(`INSERT INTO icp (id, workspace_id, slug, name, search_keywords) VALUES (:id::uuid, :ws::uuid, :slug, 'Finance', ARRAY['finance'])`, {
    id,
    ws,
    slug: `fin-${id.slice(0, 8)}`,
  });
  return id;
}

/** A company with one lead and no sequence; its intent for `icp` and one signal observed `age` days ago. */
async function seedCompany(ws: string, icp: string, opts: { intent: number; age: number; email?: string }) {
  const domain = fresh('co');
  const companyId = randomUUID();
  const leadId = randomUUID();
  await sql.query(`INSERT INTO lead_company (id, workspace_id, domain, name, website) VALUES (:id::uuid, :ws::uuid, :domain, 'Co', :web)`, {
    id: companyId,
    ws,
    domain,
    web: `https://${domain}`,
  });
  const email = opts.email ?? `dana@${domain}`;
  await sql.query(`INSERT INTO lead (id, workspace_id, company_id, email, name, title) VALUES (:id::uuid, :ws::uuid, :c::uuid, :email, 'Dana Ruiz', 'VP Finance')`, {
    id: leadId,
    ws,
    c: companyId,
    email,
  });
  await sql.query(`INSERT INTO company_intent (company_id, icp_id, workspace_id, score, rules_version) VALUES (:c::uuid, :icp::uuid, :ws::uuid, :score, 'test')`, {
    c: companyId,
    icp,
    ws,
    score: opts.intent,
  });
  const signalId = await addSignal(ws, companyId, domain, opts.age);
  return { companyId, leadId, domain, email, signalId };
}

async function addSignal(ws: string, companyId: string, domain: string, age: number): Promise<string> {
  const id = randomUUID();
  await sql.query(
    `INSERT INTO company_signal (id, workspace_id, company_id, kind, summary, after_quote, after_key, url, page_kind, observed_at, dedupe_key)
     VALUES (:id::uuid, :ws::uuid, :c::uuid, 'job_opened', 'Opened: Head of FP&A', 'We are hiring a Head of FP&A', :key, :url, 'careers', :at::timestamptz, :dk)`,
    { id, ws, c: companyId, key: `clean/text/domain=${domain}/${'a'.repeat(64)}.md`, url: `https://${domain}/careers`, at: daysAgo(age), dk: createHash('sha256').update(id).digest('hex') },
  );
  return id;
}

describe.each(backends)('outreach trigger on $name', (backend) => {
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ sql, close } = await backend.open());
  }, 120_000);
  afterAll(() => close?.());

  it('a fresh strong signal starts one pending draft for a lead with no sequence, and never twice for the same signal', async () => {
    const ws = await seedWorkspace(sql);
    const icp = await seedIcp(ws);
    const hot = await seedCompany(ws, icp, { intent: 75, age: 2 });
    const weak = await seedCompany(ws, icp, { intent: 30, age: 1 });
    const stale = await seedCompany(ws, icp, { intent: 90, age: 40 });

    const first = await selectOutreachTriggers(sql, { workspaceId: ws, now: NOW });
    expect(first).toEqual([{ signalId: hot.signalId, companyId: hot.companyId, leadId: hot.leadId, icpId: icp, intentScore: 75 }]);
    expect(first.map((t) => t.companyId)).not.toContain(weak.companyId);
    expect(first.map((t) => t.companyId)).not.toContain(stale.companyId);

    // running again (a redrive, the next watch round) starts nothing new
    expect(await selectOutreachTriggers(sql, { workspaceId: ws, now: NOW })).toEqual([]);
    // even after the pending trigger was drafted and that sequence ended, the same signal does not come back
    await sql.query(`UPDATE outreach_trigger SET status = 'drafted' WHERE signal_id = :s::uuid`, { s: hot.signalId });
    expect(await selectOutreachTriggers(sql, { workspaceId: ws, now: NOW })).toEqual([]);
    // a newer signal at the same company may start (refresh) outreach again
    const newer = await addSignal(ws, hot.companyId, hot.domain, 0);
    const again = await selectOutreachTriggers(sql, { workspaceId: ws, now: NOW });
    expect(again.map((t) => t.signalId)).toEqual([newer]);
    const rows = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM outreach_trigger WHERE company_id = :c::uuid`, { c: hot.companyId });
    expect(rows.rows[0].n).toBe(2);
    // a lower threshold from the rules lets the weaker company in
    expect((await selectOutreachTriggers(sql, { workspaceId: ws, now: NOW, rules: { minIntent: 25 } })).map((t) => t.companyId)).toEqual([weak.companyId]);
  });

  it('never for a company in a live sequence, cooling off, or a lead whose address is invalid or suppressed', async () => {
    const ws = await seedWorkspace(sql);
    const icp = await seedIcp(ws);
    const inSequence = await seedApprovedLead(sql, ws, fresh('seq'));
    const seqCompany = await sql.query<{ company_id: string }>(`SELECT company_id FROM lead WHERE id = :l::uuid`, { l: inSequence.leadId });
    await sql.query(`INSERT INTO company_intent (company_id, icp_id, workspace_id, score, rules_version) VALUES (:c::uuid, :icp::uuid, :ws::uuid, 90, 'test')`, {
      c: seqCompany.rows[0].company_id,
      icp,
      ws,
    });
    await addSignal(ws, seqCompany.rows[0].company_id, inSequence.email.split('@')[1], 1);

    const cooling = await seedCompany(ws, icp, { intent: 90, age: 1 });
    await sql.query(`UPDATE lead_company SET cooling_off_until = '2027-03-01' WHERE id = :c::uuid`, { c: cooling.companyId });
    const invalid = await seedCompany(ws, icp, { intent: 90, age: 1 });
    await sql.query(`UPDATE lead SET email_invalid_at = now(), email_invalid_reason = 'hard bounce' WHERE id = :l::uuid`, { l: invalid.leadId });
    const suppressed = await seedCompany(ws, icp, { intent: 90, age: 1 });
    await sql.query(`INSERT INTO suppression (id, workspace_id, kind, value, reason, source) VALUES (:id::uuid, :ws::uuid, 'domain', :d, 'Legal hold', 'rep')`, {
      id: randomUUID(),
      ws,
      d: suppressed.domain,
    });
    const fine = await seedCompany(ws, icp, { intent: 90, age: 1 });

    const triggers = await selectOutreachTriggers(sql, { workspaceId: ws, now: NOW });
    expect(triggers.map((t) => t.leadId)).toEqual([fine.leadId]);
  });

  it('rejects rules out of range, naming the field', async () => {
    await expect(selectOutreachTriggers(sql, { workspaceId: randomUUID(), now: NOW, rules: { minIntent: 140 } })).rejects.toThrow(/minIntent/);
    await expect(selectOutreachTriggers(sql, { workspaceId: randomUUID(), now: NOW, rules: { freshDays: 0 } })).rejects.toThrow(/freshDays/);
  });
});
