/**
 * Drafting's paths through the state machine: the real ASL interpreter, PGlite, the sample web,
 * with the LLM side of drafting swapped: an LLM down past its retries (templates draft instead),
 * an opt-out arriving before a lead is drafted (not drafted), a draft with a risk flag (autopilot
 * leaves it for a rep), and autopilot approving the clean ones. The acceptance, `prospector start`
 * from a fresh home drafting for every researched lead that fits, is in local-run.test.ts, on the
 * run the other whole-sample checks read.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LlmUnavailableError } from '#core/errors.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { checkGrounding, sellerEvidence } from '#core/outreach/grounding.ts';
import type { LlmDrafter } from '#core/outreach/drafter.ts';
import { draftFromTemplates, TEMPLATE_LABEL } from '#core/outreach/templates.ts';
import { draftOutreach } from '#core/pipeline/draft-outreach.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import type { Llm, LlmRequest, Sql } from '#core/ports.ts';
import type { LlmCallRecord } from '#core/research/contract.ts';
import type { StepHandler } from '#handlers/runtime.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { leadsOfRun, type LeadOfRun } from '#test/helpers/outreach.ts';
import { DirectorySubset } from '#test/helpers/sample-leads.ts';

describe('drafting paths through the state machine', () => {
  let home: string;
  let rt: LocalRuntime;
  let run: RunSummary;
  let leads: LeadOfRun[];
  /** DraftOutreach calls (each retry counts) per lead email */
  const llmDraftCalls = new Map<string, number>();
  const roles = new Map<string, 'down' | 'flagged' | 'suppressed'>();
  const entered: string[] = [];

  /** The LLM as the drafting pass sees it: down for the lead chosen to find it down. */
  const llm: Llm = {
    provider: 'groq',
    async complete(request: LlmRequest) {
      const email = request.user;
      llmDraftCalls.set(email, (llmDraftCalls.get(email) ?? 0) + 1);
      if (roles.get(email) === 'down') throw new LlmUnavailableError('HTTP 500 from the LLM (drafting pass)');
      return { content: '{}', model: request.model, promptTokens: 0, completionTokens: 0, latencyMs: 1 };
    },
  };

  /**
   * Stands in for the LLM drafter: asks the LLM (which may be down), then writes the templates'
   * words; for the lead chosen to be flagged it adds a spam-trigger line and checks the message
   * again with the grounding checker, as any drafter's words are checked.
   */
  const drafter: LlmDrafter = {
    version: 'test-drafter-v1',
    async draft(input, deps) {
      const answer = await deps.llm.complete({ pass: 'draft', model: 'm', promptVersion: 'p', system: '', user: input.lead.email, schema: { name: 'x', schema: {}, strict: true }, maxTokens: 10 });
      const llmCalls: LlmCallRecord[] = [{
        id: deps.newId(), pass: 'draft', provider: 'groq', model: answer.model, promptVersion: 'p', promptTokens: 120, completionTokens: 80,
        latencyMs: answer.latencyMs, costUsd: 0, requestId: null, outcome: 'ok', lakeKey: `llm/dt=2026-12-02/${input.lead.email}.json`,
      }];
      const out = { ...draftFromTemplates(input), llmCalls };
      if (!out.drafted || roles.get(input.lead.email) !== 'flagged') return out;
      const step = out.sequence.steps[3];
      const m = step.messages[0];
      const draft = `${m.draft}\n\nThis is urgent.`;
      const check = checkGrounding({
        channel: 'email', firstTouch: false, subject: m.subject, body: draft,
        lead: { name: input.lead.name, companyName: input.lead.companyName, title: input.lead.title, domain: input.lead.domain, email: input.lead.email },
        researchId: input.research.researchId,
        facts: input.research.facts.map((f) => ({ id: f.id, localId: f.id, researchId: input.research.researchId, quote: f.quote, verified: f.verified })),
        seller: sellerEvidence(input.onboarding),
        tone: { maxWords: out.sequence.tone.maxWords, bannedPhrases: out.sequence.tone.bannedPhrases, signature: out.sequence.tone.signature },
      });
      step.messages[0] = { ...m, draft, check };
      return out;
    },
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'prospector-drafting-paths-'));
    // Part of the sample (a lead on each path, test/helpers/sample-leads.ts); local-run.test.ts drafts the whole of it.
    rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_FETCH_TIMEOUT_MS: '3000' }, leadSearch: new DirectorySubset(), sampleWebSlowMs: 10_000 });
    const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
    for (const icp of onboarding.icps) icp.autopilot = true;
    await importOnboarding(rt.deps.sql, onboarding);

    const draftDeps = { ...rt.deps, llm };
    run = await runOnce(rt, {
      retryIntervalOverrides: { DraftOutreach: 0 },
      onEvent: (e) => {
        if (e.type === 'StateEntered' && e.state && /Draft|NotDrafted/.test(e.state.name)) entered.push(e.state.name);
      },
      wrap: (state: string, fn: StepHandler): StepHandler => {
        if (state !== 'DraftOutreach') return fn;
        return async (event) => {
          const { leadId } = event as { leadId: string };
          const lead = await rt.deps.sql.query<{ email: string; workspace_id: string }>(`SELECT email, workspace_id FROM lead WHERE id = :id::uuid`, { id: leadId });
          const { email, workspace_id: ws } = lead.rows[0];
          // The first three leads sent to drafting: one finds the LLM down, one gets a flagged
          // draft, one opts out (a suppression arrives) just before it is drafted.
          if (!roles.has(email) && roles.size < 3) {
            const role = (['down', 'flagged', 'suppressed'] as const)[roles.size];
            roles.set(email, role);
            if (role === 'suppressed') {
              await rt.deps.sql.query(
                `INSERT INTO suppression (id, workspace_id, kind, value, reason, source) VALUES (gen_random_uuid(), :ws::uuid, 'email', :email, 'asked not to be contacted', 'opt_out')`,
                { ws, email },
              );
            }
          }
          return draftOutreach(draftDeps, event as never, { drafter });
        };
      },
    });
    leads = await leadsOfRun(rt.deps.sql, run.runId);
  }, 600_000);

  afterAll(async () => {
    await rt?.close();
    await rm(home, { recursive: true, force: true });
  });

  const byRole = (role: string) => [...roles].find(([, r]) => r === role)![0];
  const reasonOf = async (sql: Sql, email: string) =>
    (await sql.query<{ outcome: string; reason: string | null; source: string | null }>(
      `SELECT d.outcome, d.reason, d.source FROM lead_draft d JOIN lead l ON l.id = d.lead_id WHERE d.run_id = :run::uuid AND l.email = :email`,
      { run: run.runId, email },
    )).rows[0];

  test('leads below their threshold never reach the drafting step; the execution history shows the skip', () => {
    const below = leads.filter((l) => l.status === 'researched' && l.fit !== null && l.fit < l.threshold);
    expect(below.length).toBeGreaterThan(0);
    for (const l of below) {
      expect(llmDraftCalls.has(l.email), l.email).toBe(false);
      expect(l.sequence).toBeNull();
    }
    expect(entered.filter((s) => s === 'NotDrafted').length).toBeGreaterThanOrEqual(below.length);
    expect(run.notDrafted.filter((n) => /below the ICP's threshold/.test(n.reason)).map((n) => n.lead).sort()).toEqual(below.map((l) => l.email).sort());
  });

  test('with the LLM down past its retries, templates draft the lead instead, labelled, and the run goes on', async () => {
    const email = byRole('down');
    expect(llmDraftCalls.get(email)).toBe(5); // the first call and 4 retries
    expect(entered.filter((s) => s === 'DraftFromTemplates')).toHaveLength(1);
    const lead = leads.find((l) => l.email === email)!;
    expect(lead).toMatchObject({ status: 'researched', sequenceRun: run.runId, source: 'template' });
    expect(await reasonOf(rt.deps.sql, email)).toEqual({
      outcome: 'drafted',
      source: 'template',
      reason: expect.stringContaining('drafted from templates: the LLM failed (LlmUnavailable: HTTP 500 from the LLM (drafting pass))'),
    });
    expect(TEMPLATE_LABEL).toMatch(/without a language model/);
    expect(run.status).toBe('succeeded');
  });

  test('a lead suppressed before it is drafted gets no sequence, and the summary says why', async () => {
    const email = byRole('suppressed');
    expect(leads.find((l) => l.email === email)).toMatchObject({ status: 'researched', sequence: null });
    expect(await reasonOf(rt.deps.sql, email)).toMatchObject({ outcome: 'not_drafted', reason: 'suppressed: asked not to be contacted' });
    expect(run.notDrafted).toContainEqual({ lead: email, reason: 'suppressed: asked not to be contacted' });
  });

  test('autopilot approves the sequences without a flag, and leaves a flagged one for a rep', async () => {
    const flagged = byRole('flagged');
    const rows = (await rt.deps.sql.query<{ email: string; status: string; flagged: number; autopilot: boolean | null; decided_by_email: string | null }>(
      `SELECT l.email, s.status,
              (SELECT count(*) FROM message m WHERE m.sequence_id = s.id AND m.grounding <> 'grounded')::int AS flagged,
              a.autopilot, a.decided_by_email
         FROM sequence s JOIN lead l ON l.id = s.lead_id LEFT JOIN approval a ON a.sequence_id = s.id
        WHERE s.run_id = :run::uuid ORDER BY l.email`,
      { run: run.runId },
    )).rows;
    expect(rows.length).toBe(run.leadsDrafted);
    expect(rows.find((r) => r.email === flagged)).toMatchObject({ status: 'draft', flagged: 1, autopilot: null });
    const flags = await rt.deps.sql.query<{ rule: string; severity: string }>(
      `SELECT f.rule, f.severity FROM risk_flag f JOIN message m ON m.id = f.message_id JOIN sequence s ON s.id = m.sequence_id JOIN lead l ON l.id = s.lead_id WHERE l.email = :email`,
      { email: flagged },
    );
    expect(flags.rows).toContainEqual({ rule: 'spam_wording', severity: 'warn' });
    const others = rows.filter((r) => r.email !== flagged);
    expect(others.length).toBeGreaterThanOrEqual(3);
    for (const r of others) expect(r, r.email).toMatchObject({ status: 'approved', flagged: 0, autopilot: true, decided_by_email: null });
  });

  test('the drafting calls are recorded on the run, so its summary and budgets count them', async () => {
    const calls = await rt.deps.sql.query<{ n: number; tokens: number }>(
      `SELECT count(*)::int AS n, sum(prompt_tokens + completion_tokens)::int AS tokens FROM llm_call WHERE run_id = :run::uuid AND pass = 'draft'`,
      { run: run.runId },
    );
    // every lead the LLM drafted (all drafted leads but the one drafted from templates after the outage)
    expect(calls.rows[0]).toEqual({ n: run.leadsDrafted - 1, tokens: 200 * (run.leadsDrafted - 1) });
  });

  test('every researched lead is counted once: drafted or not drafted with a reason', () => {
    expect(run.leadsDrafted + run.leadsNotDrafted).toBe(run.leadsResearched);
    expect(run.notDrafted).toHaveLength(run.leadsNotDrafted);
    expect(run.leadsFound).toBe(run.leadsResearched + run.leadsSkipped + run.leadsFailed + run.duplicates);
  });
});
