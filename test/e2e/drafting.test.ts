/**
 * Drafting in the state machine, end to end: the real ASL interpreter, PGlite, the sample web.
 *
 * - The acceptance, as a user runs it: from a fresh home `prospector start`, then the database
 *   holds one sequence for every researched lead at or above its ICP's threshold — steps, both
 *   first-touch variants, citations to its own verified facts, a verdict and flags that agree —
 *   and none for leads that were skipped, failed or below the threshold; a second `start` on
 *   the unchanged sites drafts nothing new and spends no token.
 * - The paths, through the local runner with the LLM side of drafting swapped: an LLM down past
 *   its retries (templates draft instead), an opt-out arriving before a lead is drafted (not
 *   drafted), a draft with a risk flag (autopilot leaves it for a rep), and autopilot approving
 *   the clean ones.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cliEnv, closeCliDatabases, homeDatabase, prospector as cli } from '#test/helpers/cli-in-process.ts';
import { LlmUnavailableError } from '#core/errors.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { checkGrounding, sellerEvidence } from '#core/outreach/grounding.ts';
import type { LlmDrafter } from '#core/outreach/drafter.ts';
import { draftFromTemplates, matchPersona, TEMPLATE_LABEL } from '#core/outreach/templates.ts';
import { draftOutreach } from '#core/pipeline/draft-outreach.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import type { Llm, LlmRequest, Sql } from '#core/ports.ts';
import type { LlmCallRecord } from '#core/research/contract.ts';
import type { StepHandler } from '#handlers/runtime.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { DirectorySubset } from '#test/helpers/sample-leads.ts';

/** `prospector ARGS` over `home` in this process (test/helpers/cli-in-process.ts), as a user runs it; its stdout. */
async function prospector(home: string, args: string[]): Promise<string> {
  const r = await cli(args, cliEnv(home, { PROSPECTOR_FETCH_TIMEOUT_MS: '3000' }));
  expect(r.code, r.stderr.slice(-2000)).toBe(0);
  return r.stdout;
}
/** The JSON document `start --json` prints after its onboarding line. */
const jsonOf = (stdout: string): RunSummary => JSON.parse(stdout.slice(stdout.search(/^\{/m))) as RunSummary;

/** The run's researched leads with their fit, threshold and sequence (if any). */
const LEADS_OF_RUN = (runId: string) => `
  SELECT l.email, rl.status, r.fit_score AS fit, i.fit_threshold AS threshold, s.id AS sequence, s.run_id AS "sequenceRun", s.source, s.status AS "sequenceStatus"
    FROM run_lead rl JOIN lead l ON l.id = rl.lead_id
    LEFT JOIN research r ON r.id = rl.research_id
    LEFT JOIN icp i ON i.id = COALESCE(l.icp_id, rl.icp_id)
    LEFT JOIN sequence s ON s.lead_id = rl.lead_id
   WHERE rl.run_id = '${runId}' ORDER BY l.email`;
type LeadOfRun = { email: string; status: string; fit: number | null; threshold: number; sequence: string | null; sequenceRun: string | null; source: string | null; sequenceStatus: string | null };

describe('acceptance: from a fresh home, `prospector start` drafts for every researched lead that fits', () => {
  let home: string;
  let first: RunSummary;
  let second: RunSummary;
  let leads: LeadOfRun[];
  let sequencesAfterFirst: number;
  let sequencesAfterSecond: number;
  let secondRunDrafts: number;
  let steps: { sequence: string; kinds: string; first: string }[];
  let firstTouch: { message: string; citations: number; foreign: number }[];
  let verdicts: { grounding: string; block: number; warn: number; n: number }[];
  let statuses: { status: string; n: number }[];
  let variants: { variant: string; n: number }[];
  let personas: { title: string | null; persona: string; icp: string }[];

  /** Reads the home's database (the one the commands keep open) between two runs of the command. */
  async function withDb<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return fn(await homeDatabase(home));
  }
  const rows = async <R,>(sql: Sql, text: string): Promise<R[]> => (await sql.query<R & object>(text)).rows;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'prospector-drafting-'));
    first = jsonOf(await prospector(home, ['start', '--json']));
    await withDb(async (sql) => {
      leads = await rows<LeadOfRun>(sql, LEADS_OF_RUN(first.runId));
      sequencesAfterFirst = (await rows<{ n: number }>(sql, 'SELECT count(*)::int AS n FROM sequence'))[0].n;
      steps = await rows(
        sql,
        `SELECT s.id AS sequence, string_agg(st.kind || '@' || st.day_offset, ',' ORDER BY st.position) AS kinds,
                (SELECT string_agg(m.variant || ':' || m.angle, ',' ORDER BY m.variant) FROM message m JOIN sequence_step f ON f.id = m.step_id
                  WHERE f.sequence_id = s.id AND f.position = 1) AS first
           FROM sequence s JOIN sequence_step st ON st.sequence_id = s.id GROUP BY s.id`,
      );
      firstTouch = await rows(
        sql,
        `SELECT m.id AS message, count(c.fact_id)::int AS citations,
                count(c.fact_id) FILTER (WHERE f.research_id <> s.research_id OR NOT f.verified)::int AS foreign
           FROM message m JOIN sequence s ON s.id = m.sequence_id JOIN sequence_step st ON st.id = m.step_id
           LEFT JOIN citation c ON c.message_id = m.id LEFT JOIN fact f ON f.id = c.fact_id
          WHERE st.position = 1 GROUP BY m.id`,
      );
      verdicts = await rows(
        sql,
        `SELECT m.grounding, count(f.id) FILTER (WHERE f.severity = 'block')::int AS block, count(f.id) FILTER (WHERE f.severity = 'warn')::int AS warn,
                count(DISTINCT m.id)::int AS n
           FROM message m LEFT JOIN risk_flag f ON f.message_id = m.id GROUP BY m.grounding`,
      );
      statuses = await rows(sql, `SELECT status, count(*)::int AS n FROM sequence GROUP BY status`);
      variants = await rows(sql, `SELECT variant, count(*)::int AS n FROM variant_assignment GROUP BY variant ORDER BY variant`);
      personas = await rows(sql, `SELECT l.title, s.persona_name AS persona, i.slug AS icp FROM sequence s JOIN lead l ON l.id = s.lead_id JOIN icp i ON i.id = s.icp_id`);
    });
    second = jsonOf(await prospector(home, ['start', '--json']));
    await withDb(async (sql) => {
      sequencesAfterSecond = (await rows<{ n: number }>(sql, 'SELECT count(*)::int AS n FROM sequence'))[0].n;
      secondRunDrafts = (await rows<{ n: number }>(sql, `SELECT count(*)::int AS n FROM lead_draft WHERE run_id = '${second.runId}'`))[0].n;
    });
  }, 600_000);

  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  test('every researched lead at or above its threshold has one sequence of this run, and no other lead has one', () => {
    const eligible = leads.filter((l) => l.status === 'researched' && l.fit !== null && l.fit >= l.threshold);
    expect(first.status).toBe('succeeded');
    expect(eligible.length).toBeGreaterThanOrEqual(5);
    for (const l of eligible) expect({ lead: l.email, run: l.sequenceRun, source: l.source }).toEqual({ lead: l.email, run: first.runId, source: 'template' });
    const others = leads.filter((l) => !eligible.includes(l));
    expect(others.filter((l) => l.status === 'researched').length, 'some researched leads are below their threshold').toBeGreaterThan(0);
    expect(others.some((l) => l.status === 'skipped') && others.some((l) => l.status === 'failed')).toBe(true);
    expect(others.filter((l) => l.sequence !== null).map((l) => `${l.email} (${l.status}, fit ${l.fit})`)).toEqual([]);
    expect(sequencesAfterFirst).toBe(eligible.length);
  });

  test('each sequence has its steps, both first-touch variants, citations of its own verified facts, and flags that agree with the verdicts', () => {
    expect(steps).toHaveLength(sequencesAfterFirst);
    for (const s of steps) {
      expect(s.kinds).toBe('email@0,linkedin_connection_note@1,follow_up_email@3,follow_up_email@8');
      expect(s.first).toBe('a:problem,b:proof');
    }
    expect(firstTouch).toHaveLength(2 * sequencesAfterFirst);
    for (const m of firstTouch) {
      expect(m.citations, m.message).toBeGreaterThan(0);
      expect(m.foreign).toBe(0);
    }
    expect(verdicts.reduce((a, v) => a + v.n, 0)).toBe(5 * sequencesAfterFirst);
    for (const v of verdicts) {
      if (v.grounding === 'grounded') expect(v.block + v.warn).toBe(0);
      else if (v.grounding === 'flagged') expect({ block: v.block, warn: v.warn > 0 }).toEqual({ block: 0, warn: true });
      else expect(v.grounding === 'blocked' && v.block > 0).toBe(true);
    }
    // Draft-only by default: nothing is approved without a rep (autopilot is off in the sample).
    expect(statuses).toEqual([{ status: 'draft', n: sequencesAfterFirst }]);
    // The first-touch experiment records which variant each drafted lead gets.
    expect(variants.map((v) => v.variant)).toEqual(['a', 'b']);
    expect(variants.reduce((a, v) => a + v.n, 0)).toBe(sequencesAfterFirst);
  });

  test('each sequence is written for the persona its lead\'s title matches, the title as the search gave it', async () => {
    const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
    expect(personas).toHaveLength(sequencesAfterFirst);
    expect(personas.filter((p) => p.title !== null).length).toBe(sequencesAfterFirst);
    for (const p of personas) {
      const icp = onboarding.icps.find((i) => i.slug === p.icp)!;
      expect(p.persona, `${p.title} (${p.icp})`).toBe(matchPersona(p.title, icp.personas)?.name ?? 'any');
    }
    expect(new Set(personas.map((p) => p.persona)).size).toBeGreaterThan(1);
  });

  test('the run summary counts drafted and not drafted researched leads, with reasons, and the lead counts still add up', () => {
    expect(first.leadsDrafted).toBe(sequencesAfterFirst);
    expect(first.leadsDrafted + first.leadsNotDrafted).toBe(first.leadsResearched);
    expect(first.leadsFound).toBe(first.leadsResearched + first.leadsSkipped + first.leadsFailed + first.duplicates);
    expect(first.notDrafted).toHaveLength(first.leadsNotDrafted);
    for (const n of first.notDrafted) expect(n.reason).toMatch(/^fit \d+ is below the ICP's threshold of \d+$/);
  });

  test('a second start on the unchanged sites drafts nothing new and spends no token', () => {
    expect(second.status).toBe('succeeded');
    expect({ calls: second.llmCalls, prompt: second.promptTokens, completion: second.completionTokens, drafted: second.leadsDrafted }).toEqual({ calls: 0, prompt: 0, completion: 0, drafted: 0 });
    expect(sequencesAfterSecond).toBe(sequencesAfterFirst);
    expect(secondRunDrafts).toBe(0);
  });
});

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
    // Part of the sample (a lead on each path, test/helpers/sample-leads.ts); the suite above drafts the whole of it.
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
    leads = (await rt.deps.sql.query<LeadOfRun>(LEADS_OF_RUN(run.runId))).rows;
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
