/**
 * A 2,000-lead leads file on the loopback Data API as the database (DataApiSql and the real
 * RDSDataClient, not PGlite), through the steps whose database work grows with the number of
 * leads: StartRun, SearchLeads and ListRunLeads run by the real state machine (stopped once the
 * lead Map has its items: each lead's own steps do the same work whatever the file's size), then
 * FinishRun closing the run as the RunFailed path does, which fails and lists every lead.
 *
 * What it pins: no statement breaks the Data API's limits (the fake refuses a row over 64 KB and
 * a response over 1 MiB as the service does, so a step would fail), and SearchLeads fits its
 * Lambda timeout. Time is not measured: the fake charges each call a fixed, pessimistic cost
 * (100 ms a call and 1 ms a row written or returned; AWS documents no latency, and a call from a
 * Lambda in the same region usually takes tens of ms) and the test compares the sum with the
 * timeout CDK gives the function.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STEPS } from '../../cdk/stateless-stack.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { SUMMARY_LIST_LIMIT, summarizeRun, type RunCounts, type RunSummary } from '#core/pipeline/finish-run.ts';
import { readLeadBatches } from '#core/pipeline/lead-manifest.ts';
import type { ListRunLeadsOutput } from '#core/pipeline/list-run-leads.ts';
import { FAIL_UNFINISHED_BATCH } from '#core/pipeline/run-lead-repo.ts';
import type { LeadCandidate } from '#core/ports.ts';
import type { StepHandler } from '#handlers/runtime.ts';
import { stageLeads, type LocalRuntime } from '#local/runner.ts';
import { localDefinition, localHandlers, stateMachineFor } from '#local/state-machine.ts';
import { FakeDataApi, type FakeDataApiStats } from '#test/fakes/fake-data-api.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { dataApiRuntime, robotsRefuseAll } from '#test/helpers/data-api-runtime.ts';

const LEADS = 2000;
const COST = { perCallMs: 100, perRowMs: 1 };
const KiB = 1024;

function leadsFile(n: number): LeadCandidate[] {
  return Array.from({ length: n }, (_, i) => ({
    company_name: `Company ${i}`,
    company_website: `https://company-${i}.example/`,
    lead_email: `buyer.${i}@company-${i}.example`,
    lead_name: `Buyer ${i}`,
  }));
}

type Cost = Pick<FakeDataApiStats, 'calls' | 'statements' | 'simulatedMs'>;

describe(`a ${LEADS}-lead leads file on the Data API`, () => {
  let fake: FakeDataApi;
  let rt: LocalRuntime;
  let home: string;
  const cost: Record<string, Cost[]> = {};
  let listed: ListRunLeadsOutput;
  let counts: RunCounts;
  let summary: RunSummary;

  /** Runs `fn`, charging the fake's counters it moved to `state` (the fake answers one call at a time). */
  const measured = (state: string, fn: StepHandler): StepHandler => async (event) => {
    const before = { ...fake.stats };
    try {
      return await fn(event);
    } finally {
      (cost[state] ??= []).push({
        calls: fake.stats.calls - before.calls,
        statements: fake.stats.statements - before.statements,
        simulatedMs: fake.stats.simulatedMs - before.simulatedMs,
      });
    }
  };

  beforeAll(async () => {
    fake = await FakeDataApi.start({ latency: COST });
    home = await mkdtemp(join(tmpdir(), 'prospector-data-api-'));
    rt = await dataApiRuntime(fake, { home, web: robotsRefuseAll });
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    const input = { trigger: 'manual', leadsKey: await stageLeads(rt.deps.lake, leadsFile(LEADS)) };

    // The real definition and handlers; the execution is stopped when ListRunLeads has answered.
    const machine = stateMachineFor(localDefinition());
    let stop = (): void => undefined;
    const handlers = await localHandlers(rt.deps, (state, fn) => {
      if (state !== 'ListRunLeads') return measured(state === 'RunFailed' ? 'FinishRun' : state, fn);
      return async (event) => {
        listed = (await measured(state, fn)(event)) as typeof listed;
        stop();
        return new Promise(() => undefined);
      };
    });
    const execution = machine.run(input as never, { overrides: { taskResourceLocalHandlers: handlers as never }, noThrowOnAbort: true });
    stop = () => execution.abort();
    await execution.result;

    // Close the run as RunFailed would after a failure in the lead Map: every lead fails, with a
    // long reason, and the summary lists them.
    const runId = ((await rt.deps.sql.query<{ id: string }>(`SELECT id FROM run`)).rows[0]).id;
    counts = (await handlers.RunFailed({ runId, error: { Error: 'States.DataLimitExceeded', Cause: 'x'.repeat(5000) } })) as RunCounts;
    summary = await summarizeRun(rt.deps.sql, runId);
  }, 300_000);

  afterAll(async () => {
    await rt?.close();
    await fake?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  test('every lead of the file becomes an item of the lead Map, in the run\'s manifest', async () => {
    expect(listed.count).toBe(LEADS);
    const { batches, done } = await readLeadBatches(rt.deps.lake, { key: listed.manifestKey, offset: 0, maxItemsPerBatch: 100, windowBatches: LEADS });
    expect(done).toBe(true);
    expect(new Set(batches.flatMap((b) => b.Items.map((i) => i.leadId))).size).toBe(LEADS);
  });

  test('SearchLeads stays within its Lambda timeout at a pessimistic cost per call', () => {
    const timeoutMs = STEPS.find((s) => s.id === 'SearchLeads')!.timeout * 1000;
    expect(cost.SearchLeads).toHaveLength(1);
    const [search] = cost.SearchLeads;

    console.info(`SearchLeads for ${LEADS} leads: ${search.calls} Data API calls, ${search.statements} statements, ${Math.round(search.simulatedMs)} ms simulated`);
    expect(search.simulatedMs).toBeLessThan(timeoutMs / 4);
    // Set-based writes: the number of calls does not follow the number of leads.
    expect(search.calls).toBeLessThan(40);
  });

  test('FinishRun accounts for every lead and keeps its summary bounded', () => {
    expect(counts).toMatchObject({ status: 'failed', leadsFound: LEADS, leadsNew: LEADS, leadsFailed: LEADS, leadsSkipped: 0 });
    expect(summary.failures).toHaveLength(SUMMARY_LIST_LIMIT);
    expect(summary.failures[0].message).toMatch(/^run failed before this lead finished: States.DataLimitExceeded/);
    // 500 listed failures of at most ~1 KB each, whatever the number of leads.
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThan(SUMMARY_LIST_LIMIT * 1.5 * KiB);
    // The unfinished leads fail a batch a statement (FAIL_UNFINISHED_BATCH), not two calls a
    // lead: at 2,000 leads that was 4,024 calls, 409 s at the pessimistic cost, and a 20,000-lead
    // run would have passed FinishRun's Lambda timeout.
    const finish = cost.FinishRun.reduce((sum, c) => ({ calls: sum.calls + c.calls, simulatedMs: sum.simulatedMs + c.simulatedMs }), { calls: 0, simulatedMs: 0 });
    expect(finish.calls).toBeLessThanOrEqual(Math.ceil(LEADS / FAIL_UNFINISHED_BATCH) + 30);
    expect(finish.simulatedMs).toBeLessThan((STEPS.find((s) => s.id === 'FinishRun')!.timeout * 1000) / 4);
  });

  test('no row or response came near the Data API limits', () => {
    console.info(`largest row ${fake.stats.largestRowBytes} B, largest response ${fake.stats.largestResponseBytes} B over ${fake.stats.calls} calls`, JSON.stringify(cost));
    expect(fake.stats.largestRowBytes).toBeLessThan(64 * KiB);
    expect(fake.stats.largestResponseBytes).toBeLessThan(1024 * KiB);
  });
});
