/**
 * Token and dollar budgets, per lead and per run, through the real state machine: a lead the
 * run cannot afford is skipped with the reason (not failed, so a redrive leaves it alone), no
 * token is spent on it, and the run's recorded spend stays within its budget.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { ValidationError } from '#core/errors.ts';
import { defaultPipelineConfig, type Deps, type PipelineConfig } from '#core/pipeline/deps.ts';
import { summarizeRun, type RunSummary } from '#core/pipeline/finish-run.ts';
import { leadBudgetPlan, pairPriceUsd } from '#core/pipeline/research-lead.ts';
import type { LeadCandidate, Llm, LlmRequest } from '#core/ports.ts';
import { MODELS } from '#core/research/models.ts';
import { loadLocalConfig } from '#local/config.ts';
import { stageLeads } from '#local/runner.ts';
import { executeLocally } from '#local/state-machine.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { domainOfCall, inProcessDeps, installTripwire, type Tripwire } from '#test/hostile/support.ts';

/** An Llm that records which lead domain each prompt was about. */
function counting(inner: Llm): Llm & { domains: string[] } {
  const domains: string[] = [];
  return {
    provider: inner.provider,
    domains,
    complete: (request: LlmRequest) => {
      domains.push(domainOfCall(request) ?? '(repair)');
      return inner.complete(request);
    },
  };
}

const LEADS: LeadCandidate[] = Array.from({ length: 8 }, (_, i) => ({
  company_name: `Budget Freight ${i + 1}`,
  company_website: `https://budget-freight-${i + 1}.example`,
  lead_email: `ops@budget-freight-${i + 1}.example`,
  lead_name: `Ops ${i + 1}`,
}));

interface Ran {
  summary: RunSummary;
  llm: Llm & { domains: string[] };
  deps: Deps;
  leads: { domain: string; status: string; reason: string | null; research_id: string | null }[];
}

async function run(db: PgliteSql, llm: Llm, config: Partial<PipelineConfig>, leads = LEADS): Promise<Ran> {
  const recorded = counting(llm);
  const deps = inProcessDeps(db, { llm: recorded, config });
  const leadsKey = await stageLeads(deps.lake, leads);
  const { runId } = (await executeLocally(deps, { trigger: 'manual', leadsKey }, { retryIntervalOverrides: { ResearchLead: 1, FetchSite: 1, CleanPages: 1 } })) as { runId: string };
  const summary = await summarizeRun(deps.sql, runId);
  const rows = await db.query<Ran['leads'][number]>(
    `SELECT c.domain, rl.status, rl.reason, rl.research_id FROM run_lead rl JOIN lead l ON l.id = rl.lead_id
     JOIN lead_company c ON c.id = l.company_id WHERE rl.run_id = :runId::uuid ORDER BY c.domain`,
    { runId: summary.runId },
  );
  return { summary, llm: recorded, deps, leads: rows.rows };
}

describe('budget configuration', () => {
  it('reads the budget variables; lead token budget defaults to the prompt token budget, run budgets to unlimited', () => {
    const none = loadLocalConfig({ PROSPECTOR_PROMPT_TOKEN_BUDGET: '3000' }).pipeline;
    expect(none).toMatchObject({ promptTokenBudget: 3000, leadTokenBudget: 3000 });
    expect(none.runTokenBudget).toBeUndefined();
    expect(none.runCostBudgetUsd).toBeUndefined();
    expect(none.leadCostBudgetUsd).toBeUndefined();
    const set = loadLocalConfig({
      PROSPECTOR_RUN_TOKEN_BUDGET: '50000',
      PROSPECTOR_RUN_COST_BUDGET_USD: '0.25',
      PROSPECTOR_LEAD_TOKEN_BUDGET: '2500',
      PROSPECTOR_LEAD_COST_BUDGET_USD: '0.002',
    }).pipeline;
    expect(set).toMatchObject({ runTokenBudget: 50_000, runCostBudgetUsd: 0.25, leadTokenBudget: 2500, leadCostBudgetUsd: 0.002 });
  });

  it('names every bad budget variable', () => {
    let error: unknown;
    try {
      loadLocalConfig({ PROSPECTOR_RUN_TOKEN_BUDGET: '-5', PROSPECTOR_RUN_COST_BUDGET_USD: 'ten dollars', PROSPECTOR_LEAD_TOKEN_BUDGET: '1.5', PROSPECTOR_LEAD_COST_BUDGET_USD: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const paths = (error as ValidationError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['PROSPECTOR_RUN_TOKEN_BUDGET', 'PROSPECTOR_RUN_COST_BUDGET_USD', 'PROSPECTOR_LEAD_TOKEN_BUDGET', 'PROSPECTOR_LEAD_COST_BUDGET_USD']));
  });

  it('plans a lead within the smallest of its budgets, a dollar budget priced at the dearest model', () => {
    const models = ['openai/gpt-oss-20b', 'openai/gpt-oss-120b'];
    const pair = (MODELS['openai/gpt-oss-120b'].inputPerMillion + MODELS['openai/gpt-oss-120b'].outputPerMillion) / 1e6;
    expect(pairPriceUsd('groq', models)).toBeCloseTo(pair, 12);
    expect(pairPriceUsd('offline-heuristic', models)).toBe(0);
    expect(leadBudgetPlan(defaultPipelineConfig, 'groq', models)).toEqual({ promptTokens: 4000, reserveTokens: 8000, reserveUsd: Math.round(4000 * pair * 1e6) / 1e6 });
    expect(leadBudgetPlan({ ...defaultPipelineConfig, leadTokenBudget: 1200 }, 'groq', models).promptTokens).toBe(1200);
    expect(leadBudgetPlan({ ...defaultPipelineConfig, leadCostBudgetUsd: 0.002 }, 'groq', models).promptTokens).toBe(Math.floor(0.002 / pair));
    // the offline researcher is free: a dollar budget never limits it
    expect(leadBudgetPlan({ ...defaultPipelineConfig, leadCostBudgetUsd: 0.000001 }, 'offline-heuristic', ['heuristic-v1']).promptTokens).toBe(4000);
  });
});

describe('budgets in a run', () => {
  let db: PgliteSql;
  beforeEach(async () => {
    ({ db } = await onboardedDb());
  });
  afterEach(async () => {
    await db?.close();
  });

  it('a run token budget skips the leads it cannot cover, spends nothing on them, and is never exceeded', async () => {
    const budget = 20_000;
    const { summary, llm, leads, deps } = await run(db, new HeuristicLlm(), { runTokenBudget: budget, leadConcurrency: 1 });
    expect(summary.status).toBe('succeeded');
    const researched = leads.filter((l) => l.status === 'researched');
    const skipped = leads.filter((l) => l.status === 'skipped');
    expect(researched.length).toBeGreaterThan(0);
    expect(skipped.length).toBeGreaterThan(0);
    expect(leads.filter((l) => l.status === 'failed')).toEqual([]);
    for (const s of skipped) expect(s.reason).toMatch(/^budget: run token budget of 20,000 spent \(\d[\d,]* used, 0 reserved by 0 leads in flight, a lead reserves 8,000\)$/);
    expect(summary.skipped.filter((s) => s.reason.startsWith('budget: '))).toHaveLength(skipped.length);
    expect(summary.promptTokens + summary.completionTokens).toBeLessThanOrEqual(budget);
    // not one prompt about a skipped lead
    const skippedDomains = new Set(skipped.map((s) => s.domain));
    expect(llm.domains.filter((d) => skippedDomains.has(d))).toEqual([]);
    // and a redrive leaves them alone: skipped is an outcome, not a failure
    await executeLocally(deps, { trigger: 'manual', redrive: { runId: summary.runId } });
    const redriven = await summarizeRun(deps.sql, summary.runId);
    expect(redriven.leadsSkipped).toBe(summary.leadsSkipped);
    expect(redriven.llmCalls).toBe(summary.llmCalls);
  });

  it('holds a reservation for every lead in flight, so concurrent leads cannot overshoot it together', async () => {
    const budget = 30_000;
    const { summary, leads } = await run(db, new HeuristicLlm(), { runTokenBudget: budget, leadConcurrency: 4 });
    expect(summary.status).toBe('succeeded');
    expect(leads.some((l) => l.status === 'skipped' && /^budget: run token budget of 30,000 spent/.test(l.reason ?? ''))).toBe(true);
    expect(leads.some((l) => l.status === 'researched')).toBe(true);
    expect(summary.promptTokens + summary.completionTokens).toBeLessThanOrEqual(budget);
  });

  it('a lead token budget caps what the engine plans for each lead', async () => {
    const { summary, leads } = await run(db, new HeuristicLlm(), { leadTokenBudget: 1200 }, LEADS.slice(0, 3));
    expect(summary.status).toBe('succeeded');
    for (const l of leads.filter((x) => x.research_id)) {
      const r = await db.query<{ prompt: number; limit: number }>(
        `SELECT r.prompt_tokens AS prompt, (r.findings->'tokenBudget'->>'limit')::int AS limit FROM research r WHERE r.id = :id::uuid`,
        { id: l.research_id },
      );
      expect(r.rows[0].limit).toBe(1200);
      expect(r.rows[0].prompt).toBeLessThanOrEqual(1200);
    }
  });

  describe('with Groq prices (fake Groq on loopback)', () => {
    let fake: FakeGroq;
    let tripwire: Tripwire;
    const key = 'gsk_budgetSuiteFakeKey0123456789';
    beforeAll(async () => {
      tripwire = installTripwire();
      fake = await startFakeGroq({ apiKey: key });
    });
    afterAll(async () => {
      tripwire.restore();
      await fake.close();
      expect(tripwire.refused).toEqual([]);
    });
    const groq = () => new GroqLlm({ apiKey: key, baseURL: fake.baseURL, timeoutMs: 30_000 });

    it('a run cost budget skips the leads it cannot cover, with the reason, and is never exceeded', async () => {
      // gpt-oss-120b's pair price ($0.75 per 1M) makes a 4,000-token plan reserve $0.003
      const budget = 0.0065;
      const before = fake.calls.length;
      const { summary, leads, llm } = await run(db, groq(), { runCostBudgetUsd: budget, leadConcurrency: 2 });
      expect(summary.status).toBe('succeeded');
      const skipped = leads.filter((l) => l.status === 'skipped');
      expect(skipped.length).toBeGreaterThan(0);
      for (const s of skipped) expect(s.reason).toMatch(/^budget: run cost budget of \$0\.0065 spent \(\$[\d.]+ used, \$[\d.]+ reserved by \d leads? in flight, a lead reserves \$0\.003\)$/);
      expect(leads.filter((l) => l.status === 'researched').length).toBeGreaterThan(0);
      expect(summary.costUsd).toBeGreaterThan(0);
      expect(summary.costUsd).toBeLessThanOrEqual(budget);
      expect(fake.calls.length - before).toBe(llm.domains.length);
    });

    it('a lead cost budget becomes the prompt-token plan, and each lead stays within it', async () => {
      const perLead = 0.002;
      const { summary, leads } = await run(db, groq(), { leadCostBudgetUsd: perLead }, LEADS.slice(0, 3));
      expect(summary.status).toBe('succeeded');
      const plan = leadBudgetPlan({ ...defaultPipelineConfig, leadCostBudgetUsd: perLead }, 'groq', [defaultPipelineConfig.factsModel, defaultPipelineConfig.synthesisModel]);
      expect(plan.promptTokens).toBeLessThan(defaultPipelineConfig.promptTokenBudget);
      const researched = leads.filter((l) => l.research_id);
      expect(researched.length).toBeGreaterThan(0);
      for (const l of researched) {
        const r = await db.query<{ cost: number; limit: number }>(
          `SELECT r.cost_usd::float8 AS cost, (r.findings->'tokenBudget'->>'limit')::int AS limit FROM research r WHERE r.id = :id::uuid`,
          { id: l.research_id },
        );
        expect(r.rows[0].limit).toBe(plan.promptTokens);
        expect(r.rows[0].cost).toBeLessThanOrEqual(perLead);
      }
    });
  });
});
