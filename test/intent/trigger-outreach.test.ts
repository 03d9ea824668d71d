/**
 * A fresh, strong signal starts a sequence through the normal drafting step, citing it. Two visits
 * of Meridian Supply's careers page as the sample web serves it (version 1, then version 2 with a
 * new VP of Finance opening) are cleaned by the real cleaner and compared by the real change
 * detection on PGlite; the lead's research of the second visit is committed, then the drafting
 * step (`draftOutreach`) runs: offline (templates) and with the real groq-sdk against the loopback
 * fake Groq, whose drafting and summary answers are made to invent a change.
 */
import { createHash, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderLake } from '#adapters/folder-lake.ts';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { cleanPage } from '#core/clean/clean.ts';
import { detectCompanyChanges } from '#core/intent/company-changes.ts';
import { listSignals } from '#core/intent/repository.ts';
import { DEFAULT_TRIGGER, selectOutreachTriggers } from '#core/intent/trigger.ts';
import { jsonLog } from '#core/log.ts';
import { quotable } from '#core/outreach/templates.ts';
import { defaultPipelineConfig, type Deps } from '#core/pipeline/deps.ts';
import { draftOutreach } from '#core/pipeline/draft-outreach.ts';
import type { Llm } from '#core/ports.ts';
import { formatLeadShow, showLead, type LeadShow } from '#local/commands/show.ts';
import { exportRun } from '#local/export.ts';
import { startSampleWeb, type SampleWeb } from '../../local/sample-web/server.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { onboardedDb } from '#test/helpers/db.ts';

const NOW = new Date('2026-12-02T12:00:00Z');
const AFTER_QUOTE = 'VP of Finance — Finance — Chicago, IL';
const INVENTED = 'I saw you just raised a $40M Series C and are hiring a VP of Finance [s1].';

const unused = new Proxy({}, { get: () => { throw new Error('not used by drafting'); } });

let db: PgliteSql;
let workspaceId: string;
let icpId: string;
let home: string;
let lake: FolderLake;
let careers: { v1: string; v2: string };
let fake: FakeGroq;

function get(web: SampleWeb, host: string, path: string): Promise<string> {
  return new Promise((done, fail) => {
    const req = request({ host: web.host, port: web.port, path, headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => done(body));
    });
    req.on('error', fail);
    req.end();
  });
}

function depsWith(llm: Llm): Deps {
  return {
    sql: db,
    lake,
    llm,
    leadSearch: unused as Deps['leadSearch'],
    web: unused as Deps['web'],
    log: jsonLog({ level: process.env.TRIGGER_TEST_LOG ? 'debug' : 'silent' }),
    clock: { now: () => NOW },
    newId: () => randomUUID(),
    config: defaultPipelineConfig,
  };
}
const offline = () => depsWith(new HeuristicLlm());
const groq = () => depsWith(new GroqLlm({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 }));

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A company whose careers page was visited twice (the sample web's version 1 a week ago, version 2
 * an hour ago) under `domain`, with change detection run on the second visit and that visit's
 * research committed for its lead (fit 85, one verified fact of the page).
 */
async function twoVisits(domain: string) {
  const companyId = randomUUID();
  const leadId = randomUUID();
  const email = `elaine.park@${domain}`;
  await db.query(`INSERT INTO lead_company (id, workspace_id, domain, name, website) VALUES (:id::uuid, :ws::uuid, :domain, 'Meridian Supply', :web)`, {
    id: companyId, ws: workspaceId, domain, web: `https://${domain}`,
  });
  await db.query(`INSERT INTO lead (id, workspace_id, company_id, email, name, title, icp_id) VALUES (:id::uuid, :ws::uuid, :c::uuid, :email, 'Elaine Park', 'CFO', :icp::uuid)`, {
    id: leadId, ws: workspaceId, c: companyId, email, icp: icpId,
  });
  const visit = async (html: string, at: Date) => {
    const runId = randomUUID();
    const snapshotId = randomUUID();
    const url = `https://${domain}/careers`;
    const text = (await cleanPage(html, url, { kind: 'careers' })).text;
    const hash = sha(text);
    const cleanKey = `clean/text/domain=${domain}/${hash}.md`;
    await lake.put(cleanKey, text);
    await db.query(`INSERT INTO run (id, workspace_id, trigger, llm_provider, lead_source, started_at) VALUES (:id::uuid, :ws::uuid, 'manual', 'offline-heuristic', 'fixture', :at::timestamptz)`, {
      id: runId, ws: workspaceId, at: at.toISOString(),
    });
    await db.query(`INSERT INTO run_lead (run_id, lead_id, icp_id, is_new, status) VALUES (:run::uuid, :lead::uuid, :icp::uuid, false, 'cleaned')`, { run: runId, lead: leadId, icp: icpId });
    await db.query(`INSERT INTO site_fetch (run_id, company_id, pages, tried, bytes) VALUES (:run::uuid, :c::uuid, 1, 1, :bytes)`, { run: runId, c: companyId, bytes: html.length });
    await db.query(
      `INSERT INTO page_snapshot (id, company_id, run_id, url, kind, outcome, http_status, content_sha256, raw_key, clean_key, clean_sha256, clean_chars, fetched_at)
       VALUES (:id::uuid, :c::uuid, :run::uuid, :url, 'careers', 'fetched', 200, :raw, 'raw/x.html.gz', :cleanKey, :hash, :chars, :at::timestamptz)`,
      { id: snapshotId, c: companyId, run: runId, url, raw: sha(html), cleanKey, hash, chars: text.length, at: at.toISOString() },
    );
    return { runId, snapshotId, text, cleanKey };
  };
  await visit(careers.v1, new Date(NOW.getTime() - 7 * 86_400_000));
  const second = await visit(careers.v2, new Date(NOW.getTime() - 3_600_000));
  const changes = await detectCompanyChanges(offline(), { runId: second.runId, workspaceId, companyId, domain, icpId });

  const researchId = randomUUID();
  const line = second.text.split('\n').map((l) => l.trim()).find((l) => l.length > 40 && !l.includes(AFTER_QUOTE) && quotable(l) !== undefined)!;
  await db.query(
    `INSERT INTO research (id, lead_id, run_id, idempotency_key, status, llm_provider, model, prompt_version, fit_score, summary, findings)
     VALUES (:id::uuid, :lead::uuid, :run::uuid, :key, 'researched', 'offline-heuristic', 'none', 'v1', 85, 'A distributor', '{}'::jsonb)`,
    { id: researchId, lead: leadId, run: second.runId, key: `research-${researchId}` },
  );
  await db.query(
    `INSERT INTO fact (id, research_id, local_id, category, claim, quote, snapshot_id, source_url, verified)
     VALUES (:id::uuid, :r::uuid, 'f1', 'hiring', 'Careers page', :quote, :snap::uuid, :url, true)`,
    { id: randomUUID(), r: researchId, quote: line, snap: second.snapshotId, url: `https://${domain}/careers` },
  );
  await db.query(`UPDATE run_lead SET status = 'researched', research_id = :r::uuid WHERE run_id = :run::uuid AND lead_id = :lead::uuid`, { r: researchId, run: second.runId, lead: leadId });
  return { companyId, leadId, email, runId: second.runId, researchId, changes };
}

async function sequencesOf(leadId: string) {
  return (await db.query<{ id: string; status: string }>(`SELECT id, status FROM sequence WHERE lead_id = :l::uuid`, { l: leadId })).rows;
}

async function triggersOf(companyId: string) {
  return (
    await db.query<{ signal_id: string; lead_id: string; status: string; sequence_id: string | null; reason: string | null }>(
      `SELECT signal_id, lead_id, status, sequence_id, reason FROM outreach_trigger WHERE company_id = :c::uuid`,
      { c: companyId },
    )
  ).rows;
}

async function firstTouch(sequenceId: string) {
  return (
    await db.query<{ id: string; variant: string; body: string; grounding: string }>(
      `SELECT m.id, m.variant, m.body, m.grounding FROM message m JOIN sequence_step st ON st.id = m.step_id
        WHERE m.sequence_id = :s::uuid AND st.position = 1 ORDER BY m.variant`,
      { s: sequenceId },
    )
  ).rows;
}

beforeAll(async () => {
  const opened = await onboardedDb();
  db = opened.db;
  workspaceId = opened.workspaceId;
  icpId = (await db.query<{ id: string }>(`SELECT id FROM icp WHERE workspace_id = :ws::uuid AND slug = 'midmarket-logistics'`, { ws: workspaceId })).rows[0].id;
  home = await mkdtemp(join(tmpdir(), 'prospector-trigger-'));
  lake = new FolderLake(join(home, 'lake'));
  const [v1, v2] = await Promise.all([startSampleWeb(), startSampleWeb({ version: 2 })]);
  try {
    careers = { v1: await get(v1, 'meridian-supply.example', '/careers'), v2: await get(v2, 'meridian-supply.example', '/careers') };
  } finally {
    await Promise.all([v1.close(), v2.close()]);
  }
  fake = await startFakeGroq();
}, 120_000);

afterAll(async () => {
  await fake?.close();
  await db?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('a fresh strong signal triggers outreach', () => {
  it('drafts exactly one sequence whose first touch quotes the after-quote and cites the after page; running again drafts nothing new', async () => {
    const co = await twoVisits('meridian-supply.example');
    expect(co.changes.status).toBe('changed');
    const [signal] = await listSignals(db, co.companyId);
    expect(signal).toMatchObject({ kind: 'job_opened', afterQuote: AFTER_QUOTE, llmSummary: null });
    expect(co.changes.intentScore).toBeGreaterThanOrEqual(DEFAULT_TRIGGER.minIntent);

    const out = await draftOutreach(offline(), { runId: co.runId, leadId: co.leadId });
    expect(out).toMatchObject({ drafted: true, inserted: true, source: 'template', signalId: signal.id });

    const sequences = await sequencesOf(co.leadId);
    expect(sequences).toHaveLength(1);
    expect(await triggersOf(co.companyId)).toEqual([{ signal_id: signal.id, lead_id: co.leadId, status: 'drafted', sequence_id: sequences[0].id, reason: null }]);
    const messages = await firstTouch(sequences[0].id);
    expect(messages.map((m) => m.variant)).toEqual(['a', 'b']);
    for (const m of messages) {
      expect(m.grounding, m.body).not.toBe('blocked');
      // the labelled template sentence, the after-quote quoted exactly
      expect(m.body).toContain(`I saw you are hiring: "${AFTER_QUOTE}.`);
    }
    // the claim cites the signal's fact, whose page is the after snapshot: its lake key is the signal's after key
    const cited = await db.query<{ clean_key: string; signal_id: string; quote: string }>(
      `SELECT DISTINCT ps.clean_key, f.signal_id, f.quote FROM citation c JOIN fact f ON f.id = c.fact_id JOIN page_snapshot ps ON ps.id = f.snapshot_id
        WHERE c.message_id = :m::uuid AND f.signal_id IS NOT NULL`,
      { m: messages[0].id },
    );
    expect(cited.rows).toEqual([{ clean_key: signal.afterKey, signal_id: signal.id, quote: AFTER_QUOTE }]);
    // offline: no model, so no summary of the change
    expect((await listSignals(db, co.companyId))[0].llmSummary).toBeNull();

    // a repeated step, the watch machine's triggered step and a later selection draft nothing new
    expect(await draftOutreach(offline(), { runId: co.runId, leadId: co.leadId })).toMatchObject({ drafted: true, inserted: false, sequenceId: sequences[0].id });
    expect(await draftOutreach(offline(), { runId: co.runId, leadId: co.leadId, triggered: true })).toMatchObject({ drafted: true, inserted: false, sequenceId: sequences[0].id });
    expect(await selectOutreachTriggers(db, { workspaceId, now: NOW })).toEqual([]);
    expect(await sequencesOf(co.leadId)).toHaveLength(1);
    expect(await triggersOf(co.companyId)).toHaveLength(1);

    // `show LEAD --json` and `export` carry the trigger; the text says what started outreach
    const expected = { signalId: signal.id, signalKind: 'job_opened', status: 'drafted', reason: null, sequenceId: sequences[0].id, observedAt: signal.observedAt };
    const shown = await showLead(db, co.email);
    expect(shown.kind === 'lead' && shown.trigger).toMatchObject(expected);
    expect(formatLeadShow(shown as LeadShow)).toContain(`Outreach started by: job opened on ${signal.observedAt.slice(0, 10)} (sequence ${sequences[0].id})`);
    const exported = (await exportRun(db, co.runId)).find((r) => r.lead === co.email);
    expect(exported?.trigger).toMatchObject(expected);
  });

  it('a suppressed lead gets no trigger and no sequence; without a trigger the watch machine drafts nothing', async () => {
    const co = await twoVisits('meridian-suppressed.example');
    expect((await listSignals(db, co.companyId)).map((s) => s.kind)).toEqual(['job_opened']);
    await db.query(`INSERT INTO suppression (id, workspace_id, kind, value, reason, source) VALUES (:id::uuid, :ws::uuid, 'email', :email, 'Asked not to be contacted', 'rep')`, {
      id: randomUUID(), ws: workspaceId, email: co.email,
    });

    const out = await draftOutreach(offline(), { runId: co.runId, leadId: co.leadId });
    expect(out.drafted).toBe(false);
    expect(out.reason).toMatch(/suppress/i);
    expect(await sequencesOf(co.leadId)).toEqual([]);
    expect(await triggersOf(co.companyId)).toEqual([]);

    await db.query(`DELETE FROM suppression WHERE workspace_id = :ws::uuid AND value = :email`, { ws: workspaceId, email: co.email });
    await db.query(`UPDATE company_intent SET score = 10 WHERE company_id = :c::uuid`, { c: co.companyId });
    expect(await draftOutreach(offline(), { runId: co.runId, leadId: co.leadId, triggered: true })).toEqual({ drafted: false, reason: 'no fresh signal triggers outreach for this lead' });
    expect(await sequencesOf(co.leadId)).toEqual([]);
  });

  it('with Groq: a grounded summary of the change is kept, and the draft cites the signal', async () => {
    const co = await twoVisits('meridian-groq.example');
    fake.setScript([
      { when: (c) => c.user.includes('<<<AFTER>>>'), fault: { kind: 'rewrite', rewrite: () => JSON.stringify({ summary: 'A new VP of Finance opening in Chicago, IL.' }) } },
    ]);
    const out = await draftOutreach(groq(), { runId: co.runId, leadId: co.leadId });
    expect(out).toMatchObject({ drafted: true, inserted: true, source: 'llm' });
    const [signal] = await listSignals(db, co.companyId);
    expect(signal.llmSummary).toBe('A new VP of Finance opening in Chicago, IL.');
    const summaryCall = fake.calls.find((c) => c.user.includes('<<<AFTER>>>'))!;
    expect(summaryCall.user).toContain(AFTER_QUOTE);
    expect(summaryCall.user).not.toContain('<<<PAGE');
    const [trigger] = await triggersOf(co.companyId);
    expect(trigger).toMatchObject({ status: 'drafted', sequence_id: out.sequenceId, reason: null });
    for (const m of await firstTouch(out.sequenceId!)) {
      expect(m.grounding, m.body).not.toBe('blocked');
      expect(m.body).toContain(AFTER_QUOTE);
    }
  });

  it('with Groq: a made-up change is rejected, in the summary and in the draft', async () => {
    const co = await twoVisits('meridian-invented.example');
    fake.setScript([
      { when: (c) => c.user.includes('<<<AFTER>>>'), fault: { kind: 'rewrite', rewrite: () => JSON.stringify({ summary: 'Meridian Supply raised $40M in a Series C and is hiring a VP of Finance.' }) } },
      {
        when: (c) => c.pass === 'draft',
        fault: {
          kind: 'rewrite',
          rewrite: (content) => {
            const answer = JSON.parse(content) as Record<string, { subject?: string; body: string }>;
            for (const key of ['variantA', 'variantB']) answer[key].body = answer[key].body.replace(/\n\n/, `\n\n${INVENTED} `);
            return JSON.stringify(answer);
          },
        },
      },
    ]);
    const out = await draftOutreach(groq(), { runId: co.runId, leadId: co.leadId });
    expect(out).toMatchObject({ drafted: true, source: 'llm' });
    // the summary named a round the after-quote does not: not kept
    expect((await listSignals(db, co.companyId))[0].llmSummary).toBeNull();
    // the claim about the change is blocked like any invented specific: both first touches wait for a rep's edit
    const messages = await firstTouch(out.sequenceId!);
    expect(messages.map((m) => m.grounding)).toEqual(['blocked', 'blocked']);
    const flags = await db.query<{ rule: string; excerpt: string | null }>(`SELECT rule, excerpt FROM risk_flag WHERE message_id = :m::uuid AND severity = 'block'`, { m: messages[0].id });
    expect(flags.rows.map((f) => f.rule)).toContain('invented_specific');
    expect(flags.rows.map((f) => f.excerpt ?? '').join(' ')).toMatch(/\$40M|Series C/);
    const [trigger] = await triggersOf(co.companyId);
    expect(trigger.status).toBe('skipped');
    expect(trigger.reason).toMatch(/blocked every first-touch message/);
    // the skip and its reason are what `show --json` and `export` report
    const shown = await showLead(db, co.email);
    expect(shown.kind === 'lead' && shown.trigger).toMatchObject({ signalId: trigger.signal_id, status: 'skipped', reason: trigger.reason, sequenceId: null });
    expect(formatLeadShow(shown as LeadShow)).toContain(`Outreach not started by job opened on`);
    expect((await exportRun(db, co.runId)).find((r) => r.lead === co.email)?.trigger).toMatchObject({ status: 'skipped', reason: trigger.reason });
  });
});
