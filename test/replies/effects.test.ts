/**
 * What a reply leaves behind, on PGlite: a task for the owning rep (listed, closed), a referred
 * lead at the same company (from a real classification through groq-sdk and the loopback fake
 * Groq, whose calls are stored as the reply's `llm_call` rows), a company cooling off after "not
 * interested" (search, drafting and approval skip it and say why, until the day), and a hard
 * bounce marking the address invalid. Every reply is imported twice: nothing happens twice.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { NotFoundError, ValidationError } from '#core/errors.ts';
import { jsonLog } from '#core/log.ts';
import { approveSequence } from '#core/outreach/repository.ts';
import { defaultPipelineConfig, type Deps } from '#core/pipeline/deps.ts';
import { draftOutreach } from '#core/pipeline/draft-outreach.ts';
import { exclusionFor, searchLeads } from '#core/pipeline/search-leads.ts';
import { recordReply, storeInboundMail } from '#core/replies/act.ts';
import { classifyReply, type ReplyClassification } from '#core/replies/classify.ts';
import { addBusinessDays } from '#core/replies/effects.ts';
import { matchThread } from '#core/replies/match.ts';
import { parseMail } from '#core/replies/parse.ts';
import { completeTask, listOpenTasks } from '#core/replies/tasks.ts';
import { listReplies } from '#local/commands/replies.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { draftSequence, seedResearchedLead } from '#test/helpers/outreach.ts';
import { labelled, replyMail } from '#test/helpers/replies.ts';
import { seedApprovedLead } from '#test/helpers/sending.ts';
import { memoryLake, stubWeb } from '#test/hostile/support.ts';

const NOW = new Date('2026-12-02T12:00:00Z');

describe('replies: tasks, referrals, cooling off, invalid addresses', () => {
  let db: PgliteSql;
  let workspaceId: string;
  let fake: FakeGroq;
  const lake = memoryLake();

  beforeAll(async () => {
    ({ db, workspaceId } = await onboardedDb());
    fake = await startFakeGroq();
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await fake?.close();
  });

  /** Imports a raw mail with its classification, as `replies import` does after classifying. */
  const act = async (raw: string | Buffer, classification: ReplyClassification, calls: Parameters<typeof recordReply>[1]['llmCalls'] = []) => {
    const parsed = await parseMail(raw);
    const match = await matchThread(db, workspaceId, parsed, classification.bounce);
    return recordReply({ sql: db, now: () => NOW }, { workspaceId, mail: parsed, rawKey: await storeInboundMail(lake, Buffer.from(raw), NOW), match, classification, llmCalls: calls });
  };
  const count = async (sql: string, params: Record<string, string>) => (await db.query<{ n: number }>(sql, params)).rows[0].n;
  const deps = (now: Date): Deps => ({
    sql: db, lake, llm: new HeuristicLlm(), web: stubWeb(), leadSearch: { name: 'provider', searchLeads: async () => [] },
    log: jsonLog({ level: 'silent' }), clock: { now: () => now }, newId: () => crypto.randomUUID(), config: defaultPipelineConfig,
  });

  it('counts business days over a weekend', () => {
    expect(addBusinessDays('2026-12-02', 1)).toBe('2026-12-03');
    expect(addBusinessDays('2026-12-04', 1)).toBe('2026-12-07');
    expect(addBusinessDays('2026-12-04', 2)).toBe('2026-12-08');
  });

  it('interested, needs_info and objection each open one task for the sequence\'s rep, due by the next business day or two', async () => {
    const cases: [ReplyClassification['label'], Partial<ReplyClassification>, string, RegExp][] = [
      ['interested', {}, '2026-12-03', /is interested/],
      ['needs_info', { questions: ['Does it work with NetSuite?', 'What does it cost?'] }, '2026-12-03', /asked 2 question\(s\)/],
      ['objection', { objection: 'budget' }, '2026-12-04', /objected \(budget\)/],
    ];
    for (const [label, extra, due, title] of cases) {
      const lead = await seedApprovedLead(db, workspaceId, `task-${label.replace('_', '-')}.example`, { name: 'Ada Lind' });
      const raw = replyMail(lead.email, 'Re: Cross-dock sites', `task-${label}`);
      const first = await act(raw, labelled(label, extra));
      expect(first.action).toContain(`task for maya.okafor@tallyhand.com due ${due}`);
      const again = await act(raw, labelled(label, extra));
      expect(again.duplicate).toBe(true);
      const tasks = (await listOpenTasks(db, workspaceId)).filter((t) => t.lead?.email === lead.email);
      expect(tasks).toHaveLength(1);
      expect(tasks[0]).toMatchObject({ kind: label, status: 'open', dueOn: due, owner: 'maya.okafor@tallyhand.com', reply: { id: first.replyId, label } });
      expect(tasks[0].title).toMatch(title);
    }
  });

  it('a task from an unknown sender is still opened, for the rep whose address the mail reached', async () => {
    const result = await act(replyMail('stranger@unknown-co.example', 'Question', 'task-stranger'), labelled('interested'));
    expect(result.action).toContain('task for maya.okafor@tallyhand.com');
    const task = (await listOpenTasks(db, workspaceId)).find((t) => t.reply.id === result.replyId);
    expect(task).toMatchObject({ lead: null, owner: 'maya.okafor@tallyhand.com', reply: { from: 'stranger@unknown-co.example' } });
  });

  it('a task is closed by a prefix of its id, once; a bad or unknown id names the problem', async () => {
    const [task] = await listOpenTasks(db, workspaceId);
    const done = await completeTask(db, workspaceId, task.id.slice(0, 8), NOW);
    expect(done).toMatchObject({ alreadyDone: false, task: { id: task.id, status: 'done', doneAt: NOW.toISOString() } });
    expect((await listOpenTasks(db, workspaceId)).map((t) => t.id)).not.toContain(task.id);
    expect(await completeTask(db, workspaceId, task.id, new Date('2026-12-03T00:00:00Z'))).toMatchObject({ alreadyDone: true, task: { doneAt: NOW.toISOString() } });
    await expect(completeTask(db, workspaceId, 'zzz', NOW)).rejects.toThrow(ValidationError);
    await expect(completeTask(db, workspaceId, 'zzz', NOW)).rejects.toThrow(/ID: "zzz" is not a task id/);
    await expect(completeTask(db, workspaceId, 'ffffffff', NOW)).rejects.toThrow(NotFoundError);
  });

  it('a referral classified by the model adds the referred person at the same company; the calls are the reply\'s llm_call rows, once', async () => {
    const referrer = await seedApprovedLead(db, workspaceId, 'acme.example', { name: 'Tom Baker' });
    await db.query(`UPDATE lead SET email = 'tom.baker@acme.example' WHERE id = :id::uuid`, { id: referrer.leadId });
    const raw = await readFile(new URL('../fixtures/replies/referral.eml', import.meta.url));
    const groq = new GroqLlm({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 });
    const { classification, calls } = await classifyReply(await parseMail(raw), { llm: groq, archive: async (_r, id) => `llm/dt=2026-12-02/${id}.json` });
    expect(classification).toMatchObject({ label: 'referral', classifiedBy: 'llm', referral: { email: 'jane.doe@acme.example' } });
    expect(calls.length).toBeGreaterThan(0);

    const first = await act(raw, classification, calls);
    expect(first.action).toContain('referred <jane.doe@acme.example> added as a lead at acme.example (referred by tom.baker@acme.example');
    const again = await act(raw, classification, calls);
    expect(again).toMatchObject({ duplicate: true, replyId: first.replyId });

    const jane = await db.query<{ referred_by_email: string; referred_by_reply_id: string; same_company: boolean }>(
      `SELECT l.referred_by_email, l.referred_by_reply_id, l.company_id = r.company_id AS same_company
         FROM lead l JOIN lead r ON r.id = :referrer::uuid WHERE l.workspace_id = :ws::uuid AND l.email = 'jane.doe@acme.example'`,
      { ws: workspaceId, referrer: referrer.leadId },
    );
    expect(jane.rows).toEqual([{ referred_by_email: 'tom.baker@acme.example', referred_by_reply_id: first.replyId, same_company: true }]);
    const stored = await db.query<{ run_id: string | null; lead_id: string; pass: string; model: string; prompt_tokens: number; cost_usd: string }>(
      `SELECT run_id, lead_id, pass, model, prompt_tokens, cost_usd FROM llm_call WHERE reply_id = :reply::uuid`,
      { reply: first.replyId },
    );
    expect(stored.rows).toHaveLength(calls.length);
    expect(stored.rows[0]).toMatchObject({ run_id: null, lead_id: referrer.leadId, pass: 'classify', model: calls[0].model, prompt_tokens: calls[0].promptTokens });
    expect(Number(stored.rows[0].cost_usd)).toBeCloseTo(calls[0].costUsd, 6);
    const listed = (await listReplies(db, workspaceId, { label: 'referral', unmatched: false })).find((r) => r.id === first.replyId);
    expect(listed?.llm).toEqual({
      calls: calls.length,
      promptTokens: calls.reduce((n, c) => n + c.promptTokens, 0),
      completionTokens: calls.reduce((n, c) => n + c.completionTokens, 0),
      costUsd: expect.closeTo(calls.reduce((n, c) => n + c.costUsd, 0), 6),
    });
    expect(listed!.llm.promptTokens).toBeGreaterThan(0);
  });

  it('not interested keeps the company out of search, drafting and approval until its cooling-off day, and says why', async () => {
    const lead = await seedApprovedLead(db, workspaceId, 'cooling.example', { name: 'Noa Dahl' });
    const raw = replyMail(lead.email, 'Re: Cross-dock sites', 'not-interested-1', 'Not interested, thanks.');
    const result = await act(raw, labelled('not_interested'));
    // 180 days (the sample onboarding does not set coolingOffDays) after 2 Dec 2026
    expect(result.action).toContain('cooling.example cooling off until 2027-05-31');
    await act(raw, labelled('not_interested'));
    const company = await db.query<{ until: string; reply: string }>(
      `SELECT to_char(cooling_off_until, 'YYYY-MM-DD') AS until, cooling_off_reply_id AS reply FROM lead_company WHERE workspace_id = :ws::uuid AND domain = 'cooling.example'`,
      { ws: workspaceId },
    );
    expect(company.rows).toEqual([{ until: '2027-05-31', reply: result.replyId }]);

    // search: a colleague at the same company is turned away, with the reason stored
    const icp = (await db.query<{ id: string; slug: string }>(`SELECT id, slug FROM icp WHERE workspace_id = :ws::uuid ORDER BY slug LIMIT 1`, { ws: workspaceId })).rows[0];
    const run = crypto.randomUUID();
    await db.query(`INSERT INTO run (id, workspace_id, trigger, llm_provider, lead_source) VALUES (:id::uuid, :ws::uuid, 'manual', 'offline-heuristic', 'provider')`, { id: run, ws: workspaceId });
    const searching = deps(NOW);
    searching.leadSearch = {
      name: 'provider',
      searchLeads: async () => [
        { company_name: 'Cooling', company_website: 'https://cooling.example', lead_email: 'ola@cooling.example', lead_name: 'Ola Berg' },
        { company_name: 'Warm', company_website: 'https://warm.example', lead_email: 'ida@warm.example', lead_name: 'Ida Sand' },
      ],
    };
    const searched = await searchLeads(searching, { runId: run, icp: { icpId: icp.id, slug: icp.slug, keywords: ['x'], quota: 10 } });
    expect(searched).toMatchObject({ accepted: 1, rejected: 1 });
    const rejected = await db.query<{ rejected: { lead: string; reason: string }[] }>(`SELECT rejected FROM search_query WHERE run_id = :run::uuid`, { run });
    expect(rejected.rows[0].rejected).toEqual([{ lead: 'ola@cooling.example', kind: 'excluded', reason: 'company cooling off until 2027-05-31 (not interested)' }]);

    // drafting: a colleague researched before the reply is not drafted for
    const colleague = await seedResearchedLead(db, workspaceId, 'other-cooling.example', 'Eli Moen');
    await db.query(`UPDATE lead SET company_id = (SELECT company_id FROM lead WHERE id = :referrer::uuid), icp_id = :icp::uuid WHERE id = :id::uuid`, { referrer: lead.leadId, icp: icp.id, id: colleague.leadId });
    await db.query(`INSERT INTO run_lead (run_id, lead_id, icp_id, is_new, status, research_id) VALUES (:run::uuid, :lead::uuid, :icp::uuid, true, 'researched', :research::uuid)`, {
      run: colleague.runId, lead: colleague.leadId, icp: icp.id, research: colleague.researchId,
    });
    const drafted = await draftOutreach(deps(NOW), { runId: colleague.runId, leadId: colleague.leadId, mode: 'template' });
    expect(drafted).toEqual({ drafted: false, reason: 'company cooling off until 2027-05-31 (not interested)' });

    // approval: a draft written before the reply cannot be approved (and queued) meanwhile
    const draft = await draftSequence(db, workspaceId, colleague);
    await expect(approveSequence(db, draft.sequenceId, { now: NOW })).rejects.toThrow(/cooling off until 2027-05-31/);
    expect((await db.query<{ status: string }>(`SELECT status FROM sequence WHERE id = :id::uuid`, { id: draft.sequenceId })).rows[0].status).toBe('draft');

    // the day after, the company is open again
    const ola = { email: 'ola@cooling.example', domain: 'cooling.example' };
    expect(await exclusionFor(db, workspaceId, new Date('2027-05-31T00:00:00Z'), ola)).toBeUndefined();
    expect(await exclusionFor(db, workspaceId, new Date('2027-05-30T23:00:00Z'), ola)).toMatch(/cooling off/);
  });

  it('the workspace\'s cooling-off period applies; 0 turns it off', async () => {
    await db.query(`UPDATE workspace SET cooling_off_days = 0 WHERE id = :ws::uuid`, { ws: workspaceId });
    try {
      const lead = await seedApprovedLead(db, workspaceId, 'no-cooling.example', { name: 'Liv Ek' });
      const result = await act(replyMail(lead.email, 'Re: Cross-dock sites', 'not-interested-2', 'No thanks.'), labelled('not_interested'));
      expect(result.action).toContain('no cooling off (the workspace sets 0 days)');
      expect(await count(`SELECT count(*)::int AS n FROM lead_company WHERE domain = 'no-cooling.example' AND cooling_off_until IS NOT NULL`, {})).toBe(0);
    } finally {
      await db.query(`UPDATE workspace SET cooling_off_days = 180 WHERE id = :ws::uuid`, { ws: workspaceId });
    }
  });

  it('a hard bounce marks the lead\'s address invalid: excluded from search and drafting with the status code', async () => {
    const lead = await seedApprovedLead(db, workspaceId, 'bounced.example', { name: 'Max Roe' });
    const bounce = { kind: 'hard' as const, status: '5.1.1', recipient: lead.email, diagnostic: 'user unknown', originalMessageId: null };
    const raw = replyMail('mailer-daemon@mx.example', 'Undelivered Mail Returned to Sender', 'hard-1', 'User unknown');
    const result = await act(raw, labelled('bounce', { classifiedBy: 'rules', bounce }));
    expect(result.action).toContain(`${lead.email} marked invalid`);
    await act(raw, labelled('bounce', { classifiedBy: 'rules', bounce }));
    const row = await db.query<{ email_invalid_reason: string }>(`SELECT email_invalid_reason FROM lead WHERE id = :id::uuid AND email_invalid_at IS NOT NULL`, { id: lead.leadId });
    expect(row.rows).toEqual([{ email_invalid_reason: `hard bounce 5.1.1 (reply ${result.replyId})` }]);
    // even if the suppression is lifted, the invalid address stays out
    await db.query(`DELETE FROM suppression WHERE workspace_id = :ws::uuid AND value = :email`, { ws: workspaceId, email: lead.email });
    expect(await exclusionFor(db, workspaceId, NOW, { email: lead.email, domain: 'bounced.example' })).toBe(`email invalid: hard bounce 5.1.1 (reply ${result.replyId})`);
  });
});
