/**
 * The step table (lambdas/core/pipeline/step-ports.ts) is honest: the local state machine runs
 * with each Task state's handler bound to Deps where every port its step did not declare
 * throws, the lake refuses keys outside the step's areas and undeclared settings throw. The
 * cloud grants exactly the declared ports (test/cdk/grants.test.ts), so a step that touched
 * anything else here would fail on AWS with AccessDenied.
 *
 * The runs cover every Task state and the branches that use the most ports: an ICP search
 * through the bundled directory and one that fails (SearchFailed), leads that are researched,
 * drafted, drafted from templates after the LLM failed (DraftFromTemplates), whose drafting
 * failed (RecordDraftFailure), skipped as unchanged on a second run, and failed
 * (RecordFailure), a redrive, a run that fails (RunFailed), and a run in batch mode against the
 * loopback fake Groq (SubmitLlmBatch, PollLlmBatch, ImportLlmBatch). StartRun sees the LLM as the cloud's StartRun does, by its configured name
 * only, so the run's researcher is corrected by ResearchLead when it runs offline.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { inLakeArea, lakeAreas, lakeKeys, type LakeArea } from '#core/lake-keys.ts';
import type { Deps } from '#core/pipeline/deps.ts';
import { summarizeRun, type RunSummary } from '#core/pipeline/finish-run.ts';
import { researchLead } from '#core/pipeline/research-lead.ts';
import { STEP_IDS, restrictDeps, stepOfHandler } from '#core/pipeline/step-ports.ts';
import { LlmUnavailableError } from '#core/errors.ts';
import type { LeadSearch, Llm } from '#core/ports.ts';
import type { StepHandler } from '#handlers/runtime.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { REPLIES_ASL_PATH } from '#local/replies.ts';
import { SENDING_ASL_PATH } from '#local/sending.ts';
import { WATCH_ASL_PATH } from '#local/watch.ts';
import { taskBindings } from '#local/state-machine.ts';
import { CONFIGURED_LLM_PROVIDER } from '../../lambdas/cloud/step-env.ts';
import { GroqBatch } from '#adapters/groq-batch.ts';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { SAMPLE_ONBOARDING } from '../helpers/db.ts';
import { migratedHome } from '../helpers/home.ts';
import { DirectorySubset } from '../helpers/sample-leads.ts';

/**
 * Part of the directory (test/helpers/sample-leads.ts: a lead on each path), except that the first
 * search fails as a provider refusing a request would.
 */
class FirstSearchFails implements LeadSearch {
  readonly name = 'bundled-directory';
  #calls = 0;
  readonly #inner = new DirectorySubset();
  async searchLeads(keywords: string[]) {
    if (this.#calls++ === 0) throw new Error('the provider refused the first search');
    return this.#inner.searchLeads(keywords);
  }
}

describe('each step touches only the ports it declares', () => {
  let home: string;
  let rt: LocalRuntime;
  let groq: FakeGroq | undefined;
  const GROQ_KEY = 'gsk_test_ports_batch_0123456789';
  const stepOfState = new Map(taskBindings().map((b) => [b.state, stepOfHandler(b.file)]));
  const modules = new Map<string, { makeHandler: (deps: Deps) => StepHandler }>();
  const ran = new Set<string>();
  const undeclared: string[] = [];
  const runs: RunSummary[] = [];

  // The first lead sent to drafting finds the LLM down (templates draft it); the second meets a
  // fault drafting does not expect (the failure is recorded). Both before the handler runs.
  const draftFaults = new Map<string, () => Error>();
  const draftFault = (leadId: string): (() => Error) | undefined => {
    if (!draftFaults.has(leadId) && draftFaults.size < 2) {
      draftFaults.set(leadId, draftFaults.size === 0 ? () => new LlmUnavailableError('HTTP 500 from the LLM') : () => Object.assign(new Error('drafting broke'), { name: 'DatabaseError' }));
    }
    return draftFaults.get(leadId);
  };

  /** Binds each state to its own handler over Deps restricted to the state's step; records what ran and every undeclared use. */
  const strict = (options: { failState?: string; groq?: Pick<Deps, 'llm' | 'llmBatch'> } = {}) => ({
    retryIntervalOverrides: { DraftOutreach: 0 },
    wrap: (state: string, fn: StepHandler): StepHandler => {
      // The local stand-in for the lead Map's ItemReader is Step Functions itself in the cloud
      // (the state machine's role reads the manifest), not a Lambda step with ports.
      if (!modules.has(state)) return fn;
      // As in the cloud, StartRun knows the LLM only as configured (Groq), never its key.
      const base = options.groq ? { ...rt.deps, ...options.groq } : rt.deps;
      const deps = state === 'StartRun' ? { ...base, llm: { provider: CONFIGURED_LLM_PROVIDER } as Llm } : base;
      const handler = modules.get(state)!.makeHandler(restrictDeps(stepOfState.get(state)!, deps));
      return async (event) => {
        ran.add(state);
        if (state === options.failState) throw Object.assign(new Error(`${state} failed on purpose`), { name: 'DatabaseError' });
        const fault = state === 'DraftOutreach' ? draftFault((event as { leadId: string }).leadId) : undefined;
        if (fault) throw fault();
        try {
          return await handler(event);
        } catch (error) {
          // The state machine catches everything into RecordFailure: note it here or it would pass unseen.
          if ((error as Error).name === 'UndeclaredPort') undeclared.push(`${state}: ${(error as Error).message}`);
          throw error;
        }
      };
    },
  });

  beforeAll(async () => {
    for (const { state, file } of taskBindings()) modules.set(state, await import(`../../lambdas/handlers/${file}.ts`));
    home = await migratedHome('prospector-ports-');
    rt = await openLocal({
      env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_FETCH_TIMEOUT_MS: '3000' },
      leadSearch: new FirstSearchFails(),
      sampleWebSlowMs: 10_000,
    });
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    // A run that fails because of an undeclared port is reported by the tests below, by name.
    const attempt = async (run: Promise<RunSummary>) => runs.push(await run.catch((error: Error) => ({ status: `threw ${error.message}` }) as unknown as RunSummary));
    await attempt(runOnce(rt, strict()));
    await attempt(runOnce(rt, strict()));
    await attempt(runOnce(rt, { ...strict(), redriveRunId: runs[0].runId }));
    // A failed run ends the execution in its Fail state after RunFailed has closed the run;
    // runOnce reports it as the failed run's summary, with the reason.
    const failed = await runOnce(rt, { ...strict({ failState: 'ListRunLeads' }), leads: [{ company_name: 'Northwind', company_website: 'https://northwind.example', lead_email: 'dana@northwind.example', lead_name: 'Dana' }] });
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('ListRunLeads failed on purpose') });
    const latest = await rt.deps.sql.query<{ id: string }>(`SELECT id FROM run ORDER BY started_at DESC LIMIT 1`);
    expect(latest.rows[0].id).toBe(failed.runId);
    runs.push(await summarizeRun(rt.deps.sql, latest.rows[0].id));
    // Batch mode: the research goes to the fake Groq's Batch API, one batch a round.
    groq = await startFakeGroq({ apiKey: GROQ_KEY });
    const batchRun = await runOnce(rt, {
      ...strict({ groq: { llm: new GroqLlm({ apiKey: GROQ_KEY, baseURL: groq.baseURL }), llmBatch: new GroqBatch({ apiKey: GROQ_KEY, baseURL: groq.baseURL }) } }),
      groqBatch: true,
      waitTimeOverrides: { WaitForLlmBatch: 0 },
      leads: [{ company_name: 'Ferrule', company_website: 'https://ferrule.example', lead_email: 'batch@ferrule.example', lead_name: 'Fern Batch' }],
    });
    expect(batchRun).toMatchObject({ status: 'succeeded', leadsResearched: 1 });
    expect(groq.batchApi.submitted.length).toBeGreaterThan(0);
  }, 300_000);

  afterAll(async () => {
    await rt?.close();
    await groq?.close();
    await rm(home, { recursive: true, force: true });
  });

  test('every Task state ran, under its own step\'s ports, and none touched an undeclared port', () => {
    expect(undeclared).toEqual([]);
    expect([...ran].sort()).toEqual([...stepOfState.keys()].sort());
    // every step is a Task of the prospecting machine, of the sending one (test/sending/send.test.ts
    // runs that), of the replies one (test/replies/flow.test.ts runs it under restricted ports) or
    // of the watch one (test/watch/watch.test.ts), which shares its fetch, clean and research steps
    // with prospecting and adds its own two
    const stepsOf = (path: string) => taskBindings(readFileSync(path, 'utf8')).map((b) => stepOfHandler(b.file));
    const prospecting = new Set(stepOfState.values());
    const watchOnly = stepsOf(WATCH_ASL_PATH).filter((id) => !prospecting.has(id));
    expect(watchOnly.sort()).toEqual(['RecheckCompany', 'StartWatch']);
    const otherSteps = [...stepsOf(SENDING_ASL_PATH), ...stepsOf(REPLIES_ASL_PATH), ...watchOnly];
    expect(prospecting).toEqual(new Set(STEP_IDS.filter((id) => !otherSteps.includes(id))));
  });

  test('the runs took the branches that use the most ports', () => {
    const [first, second, redrive, failed] = runs;
    expect(first.status).toBe('succeeded');
    expect(first.leadsResearched).toBeGreaterThan(0);
    expect(first.leadsFailed).toBeGreaterThan(0);
    expect(second.leadsSkipped).toBeGreaterThan(0);
    expect(redrive.runId).toBe(first.runId);
    expect(failed.status).toBe('failed');
    for (const run of runs) expect(run.failures.map((f) => f.error)).not.toContain('UndeclaredPort');
  });

  test('a run records the configured researcher, and says offline-heuristic once a lead is researched offline', () => {
    expect(runs[0]).toMatchObject({ llmProvider: 'offline-heuristic', leadSource: 'bundled-directory' });
    // The failed run researched nothing: it keeps what StartRun recorded.
    expect(runs[3].llmProvider).toBe(CONFIGURED_LLM_PROVIDER);
  });

  test('a step run with another step\'s ports fails with UndeclaredPort, naming the port', async () => {
    const lead = await rt.deps.sql.query<{ lead_id: string }>(
      `SELECT lead_id FROM run_lead WHERE run_id = :runId::uuid AND status = 'researched' LIMIT 1`,
      { runId: runs[1].runId },
    );

    await expect(researchLead(restrictDeps('CleanPages', rt.deps), { runId: runs[1].runId, leadId: lead.rows[0].lead_id })).rejects.toMatchObject({
      name: 'UndeclaredPort',
      message: expect.stringMatching(/CleanPages (did not declare the llm port|may not read lake key)/),
    });
  });
});

describe('lake areas', () => {
  test('every key of the layout falls in exactly its own area', () => {
    const at = new Date('2026-12-02T00:00:00Z');
    const keys: [string, LakeArea][] = [
      [lakeKeys.rawHtml('acme.example', 'a'.repeat(64)), 'rawHtml'],
      [lakeKeys.rawMeta('acme.example', 'a'.repeat(64)), 'rawMeta'],
      [lakeKeys.cleanText('acme.example', 'a'.repeat(64)), 'cleanText'],
      [lakeKeys.signals('acme.example', 'a'.repeat(64)), 'signals'],
      [lakeKeys.llmCall(at, 'call-1'), 'llmCalls'],
      [lakeKeys.researchPart(at, 'run-1', 'lead-1'), 'researchTable'],
      [lakeKeys.intentSignals(at, 'run-1', 'company-1'), 'intentSignals'],
      [lakeKeys.researchResult('run-1', 'lead-1'), 'researchResults'],
      [`${lakeKeys.llmCache('run-1', 'lead-1', 0)}abc.json`, 'llmCache'],
      [lakeKeys.runSummary('run-1'), 'runSummaries'],
      [lakeKeys.leadsInput('b'.repeat(64)), 'leadsInputs'],
      [lakeKeys.inbound(at, 'c'.repeat(64)), 'inbound'],
      [lakeKeys.leadManifest('run-1', 'd'.repeat(64)), 'leadManifests'],
      [`${lakeKeys.leadMapResultsPrefix}/map-run-1/SUCCEEDED_0.json`, 'leadMapResults'],
      [lakeKeys.knowledge('ws-1', 'd'.repeat(64)), 'knowledge'],
    ];
    for (const [key, area] of keys) {
      expect((Object.keys(lakeAreas) as LakeArea[]).filter((a) => inLakeArea(key, a)), key).toEqual([area]);
    }
  });
});

