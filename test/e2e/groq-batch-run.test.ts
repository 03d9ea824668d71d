/**
 * Batch mode through the real state machine (local runner, aws-local-stepfunctions) against the
 * loopback fake Groq's Batch API: the leads' research waits in the lead Map, the run's deferred
 * requests go out as one batch a round (SubmitLlmBatch → WaitForLlmBatch → PollLlmBatch →
 * ImportLlmBatch), and the lead Map runs again over the waiting leads until none waits. Each
 * custom id is submitted once; the research calls are recorded at the batch price; a failed
 * batch fails its waiting leads with the reason, and a redrive submits only what is missing.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { GroqBatch } from '#adapters/groq-batch.ts';
import { LlmUnavailableError } from '#core/errors.ts';
import type { LlmBatch } from '#core/llm/batch.ts';
import { GROQ_BATCH_DISCOUNT } from '#core/pricing.ts';
import { callCostUsd } from '#core/research/models.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { startFakeGroq, type FakeGroq, type FakeGroqOptions } from '#test/fakes/fake-groq.ts';
import { migratedHome } from '#test/helpers/home.ts';
import { cliEnv, prospector } from '../crash/cli.ts';

const KEY = 'gsk_test_batch_run_key_0123456789';
const LEADS = [
  { company_name: 'QuillStack', company_website: 'https://quillstack.example', lead_email: 'quinn@quillstack.example', lead_name: 'Quinn Ops' },
  { company_name: 'Ferrule', company_website: 'https://ferrule.example', lead_email: 'fern@ferrule.example', lead_name: 'Fern AP' },
];

describe('a run in batch mode (prospector run --groq-batch)', () => {
  let home: string;
  let groq: FakeGroq;
  let rt: LocalRuntime;
  const states: string[] = [];

  const open = async (options: FakeGroqOptions = {}, batch?: (real: GroqBatch) => LlmBatch) => {
    home = await migratedHome('prospector-batch-run-');
    groq = await startFakeGroq({ apiKey: KEY, ...options });
    const env = { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', GROQ_API_KEY: KEY, GROQ_BASE_URL: groq.baseURL };
    rt = await openLocal({ env, ...(batch ? { llmBatch: batch(new GroqBatch({ apiKey: KEY, baseURL: groq.baseURL })) } : {}) });
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    await writeFile(join(home, 'leads.json'), JSON.stringify(LEADS));
  };
  const run = (extra: { redriveRunId?: string } = {}) =>
    runOnce(rt, {
      retryIntervalOverrides: { SubmitLlmBatch: 0 },
      ...(extra.redriveRunId ? { redriveRunId: extra.redriveRunId } : { leadsFile: join(home, 'leads.json') }),
      groqBatch: true,
      waitTimeOverrides: { WaitForLlmBatch: 0 },
      onEvent: (e) => {
        if (e.type === 'StateEntered' && e.state) states.push(e.state.name);
      },
    });

  afterEach(async () => {
    await rt?.close();
    await groq?.close();
    await rm(home, { recursive: true, force: true });
    states.length = 0;
  });

  it('researches and drafts every lead through batches, each custom id submitted once, recorded at the batch price', async () => {
    await open();
    // the leads belong to an ICP every researched lead fits, so each is drafted
    await rt.deps.sql.query(`UPDATE icp SET fit_threshold = 0`);
    for (const l of LEADS) {
      const domain = new URL(l.company_website).hostname;
      await rt.deps.sql.query(
        `WITH ws AS (SELECT workspace_id AS id, id AS icp FROM icp ORDER BY slug LIMIT 1),
              c AS (INSERT INTO lead_company (id, workspace_id, domain, name, website) SELECT gen_random_uuid(), ws.id, :domain, :company, :website FROM ws RETURNING id, workspace_id)
         INSERT INTO lead (id, workspace_id, company_id, email, name, icp_id) SELECT gen_random_uuid(), c.workspace_id, c.id, :email, :name, ws.icp FROM c, ws`,
        { domain, company: l.company_name, website: l.company_website, email: l.lead_email, name: l.lead_name },
      );
    }
    const summary = await run();

    expect(summary.status).toBe('succeeded');
    expect(summary.leadsResearched).toBe(2);
    expect(summary.failures).toEqual([]);
    // facts, synthesis, then drafting: three batches; the lead Map ran four times (the first, then after each batch)
    expect(groq.batchApi.submitted).toHaveLength(3);
    expect(states.filter((s) => s === 'SubmitLlmBatch')).toHaveLength(4);
    expect(states.filter((s) => s === 'ImportLlmBatch')).toHaveLength(3);
    // the last round resumed both leads at DraftOutreach: their committed research was not done again
    expect(states.filter((s) => s === 'ResearchLead')).toHaveLength(6);
    expect(states.filter((s) => s === 'CommitResearch')).toHaveLength(2);
    expect(states.filter((s) => s === 'DraftOutreach')).toHaveLength(4);
    expect(groq.calls.filter((c) => c.pass === 'draft').map((c) => c.batchId)).toEqual([groq.batchApi.submitted[2].id, groq.batchApi.submitted[2].id]);
    const ids = groq.batchApi.submitted.flatMap((b) => b.customIds);
    expect(new Set(ids).size).toBe(ids.length);
    // no chat completion at all went to Groq outside a batch: research and drafting
    expect(groq.calls.length).toBe(ids.length);
    expect(groq.calls.every((c) => c.batchId)).toBe(true);

    const calls = await rt.deps.sql.query<{ pass: string; model: string; prompt_tokens: number; completion_tokens: number; cost_usd: string }>(
      `SELECT pass, model, prompt_tokens, completion_tokens, cost_usd FROM llm_call WHERE run_id = :runId::uuid`,
      { runId: summary.runId },
    );
    // every answer a batch bought recorded once, when the research that used it finished
    expect(calls.rows).toHaveLength(ids.length);
    for (const c of calls.rows) {
      expect(c.prompt_tokens).toBeGreaterThan(0);
      const list = callCostUsd('groq', c.model, c.prompt_tokens, c.completion_tokens);
      expect(Number(c.cost_usd)).toBeCloseTo(list * (1 - GROQ_BATCH_DISCOUNT.fraction), 5);
    }
    // a draft for each lead, from the batch's answers, recorded once at the batch price
    const drafts = await rt.deps.sql.query<{ outcome: string; source: string | null; steps: number }>(
      `SELECT d.outcome, d.source, (SELECT count(*)::int FROM sequence_step st WHERE st.sequence_id = d.sequence_id) AS steps
       FROM lead_draft d WHERE d.run_id = :runId::uuid`,
      { runId: summary.runId },
    );
    expect(drafts.rows).toHaveLength(2);
    for (const d of drafts.rows) expect(d).toMatchObject({ outcome: 'drafted', source: 'llm' });
    for (const d of drafts.rows) expect(d.steps).toBeGreaterThan(0);
    const draftCalls = await rt.deps.sql.query<{ model: string; prompt_tokens: number; completion_tokens: number; cost_usd: string }>(
      `SELECT model, prompt_tokens, completion_tokens, cost_usd FROM llm_call WHERE run_id = :runId::uuid AND pass = 'draft'`,
      { runId: summary.runId },
    );
    expect(draftCalls.rows).toHaveLength(2);
    for (const c of draftCalls.rows) {
      expect(c.prompt_tokens).toBeGreaterThan(0);
      expect(Number(c.cost_usd)).toBeCloseTo(callCostUsd('groq', c.model, c.prompt_tokens, c.completion_tokens) * (1 - GROQ_BATCH_DISCOUNT.fraction), 5);
    }
    const pending = await rt.deps.sql.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM llm_batch_request WHERE run_id = :runId::uuid GROUP BY status`, { runId: summary.runId });
    expect(pending.rows).toEqual([{ status: 'answered', n: ids.length }]);
  }, 120_000);

  it('a failed batch fails its waiting leads with the reason; a redrive submits only what is missing', async () => {
    // the second batch (synthesis) fails validation
    await open({ batch: { fate: ({ index }) => (index === 1 ? 'fail' : 'complete') } });
    const first = await run();
    expect(first.leadsResearched).toBe(0);
    expect(first.failures).toHaveLength(2);
    for (const f of first.failures) {
      expect(f).toMatchObject({ stage: 'research', error: 'LlmBatchFailed' });
      expect(f.message).toMatch(/Groq batch batch_\w+ failed: .*; redrive the run/);
    }
    const factsCalls = groq.calls.filter((c) => c.pass === 'facts').length;
    const synthesisIds = groq.batchApi.submitted[1].customIds.length;

    const again = await run({ redriveRunId: first.runId });
    expect(again.leadsResearched).toBe(2);
    expect(again.failures).toEqual([]);
    // only the synthesis requests went out again: the facts answers of the first batch were reused
    expect(groq.batchApi.submitted).toHaveLength(3);
    expect(groq.batchApi.submitted[2].customIds).toHaveLength(synthesisIds);
    expect(groq.calls.filter((c) => c.pass === 'facts')).toHaveLength(factsCalls);
  }, 120_000);

  it('a submit that crashes after Groq created the batch is retried and adopts that batch: nothing is submitted twice', async () => {
    let crashes = 0;
    await open({}, (real) => ({
      provider: real.provider,
      status: (id) => real.status(id),
      results: (state, requests) => real.results(state, requests),
      findByMetadata: (key, value) => real.findByMetadata(key, value),
      // every round's first submit dies after the create call, before SubmitLlmBatch marks its rows
      submit: async (lines, metadata) => {
        await real.submit(lines, metadata);
        crashes++;
        throw new LlmUnavailableError('the connection dropped after the batch was created');
      },
    }));
    const summary = await run();

    expect(summary.status).toBe('succeeded');
    expect(summary.leadsResearched).toBe(2);
    expect(summary.failures).toEqual([]);
    // each round's submit crashed once; its retry found the batch by its submission key
    expect(crashes).toBe(2);
    expect(groq.batchApi.submitted).toHaveLength(2);
    expect(groq.batchApi.listed).toBe(2);
    const ids = groq.batchApi.submitted.flatMap((b) => b.customIds);
    expect(new Set(ids).size).toBe(ids.length);
    expect(groq.calls.length).toBe(ids.length);
    const keys = [...groq.batchApi.batches.values()].map((b) => b.metadata?.submission_key);
    expect(keys).toEqual([expect.stringMatching(new RegExp(`^${summary.runId}:1:[0-9a-f]{16}$`)), expect.stringMatching(new RegExp(`^${summary.runId}:2:[0-9a-f]{16}$`))]);
    const rounds = await rt.deps.sql.query<{ round: number; batch_id: string }>(`SELECT round, batch_id FROM llm_batch_submission WHERE run_id = :runId::uuid ORDER BY round`, { runId: summary.runId });
    expect(rounds.rows).toEqual(groq.batchApi.submitted.map((b, i) => ({ round: i + 1, batch_id: b.id })));
  }, 120_000);

  it('refuses batch mode on the offline heuristics, naming the setting and why', async () => {
    home = await migratedHome('prospector-batch-run-');
    groq = await startFakeGroq({ apiKey: KEY });
    rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' } });
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    await writeFile(join(home, 'leads.json'), JSON.stringify(LEADS));
    await expect(run()).rejects.toThrow(/groqBatch.*GROQ_API_KEY \(the offline heuristics have no batch\)/s);
    // the CLI refuses the flag before it opens anything
    await rt.close();
    const cli = await prospector(['run', '--groq-batch'], cliEnv(home));
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/--groq-batch: .*GROQ_API_KEY is not set: the offline heuristics have no batch/);
  }, 60_000);
});
