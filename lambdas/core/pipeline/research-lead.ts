/**
 * ResearchLead: runs the multi-pass research over the lead's clean pages and stores the result
 * in the lake for CommitResearch. Skips, without spending a token, when research with the same
 * idempotency key (lead, page contents, prompts, models, onboarding) already exists, and when
 * the run's token or dollar budget cannot cover one more lead.
 */
import { z } from 'zod';
import { describeError, LlmAnswerDeferred, NoContentError } from '../errors.ts';
import { lakeKeys } from '../lake-keys.ts';
import { loadSellerContext } from '../onboarding/import.ts';
import type { Llm, LlmRequest, LlmResponse, Sql } from '../ports.ts';
import { callRecordOf, type LlmCallRecord } from '../llm/records.ts';
import type { KnownFact, ResearchPage } from '../research/contract.ts';
import { AttemptCacheLlm } from '../research/attempt-cache.ts';
import { researchLead as runResearch } from '../research/engine.ts';
import { modelPrice, type ModelPrices } from '../research/models.ts';
import { PROMPT_VERSION } from '../research/prompts.ts';
import { StoredResearch, type ResearchResult } from '../research/records.ts';
import type { Deps, PipelineConfig } from './deps.ts';
import { writeLakeRecord } from './lake-record.ts';
import { loadRunLead } from './lead-context.ts';
import { carryBatchAnswers, deferLlmRequest } from './llm-batch.ts';
import { insertLlmCalls } from './llm-call-repo.ts';
import { readPageSignals, readSiteSignals } from './page-sidecars.ts';
import { failureAttempts, moveRunLead } from './run-lead-repo.ts';
import { sha256, stableJson } from './util.ts';

export const ResearchLeadInput = z.object({ runId: z.uuid(), leadId: z.uuid() });
export type ResearchLeadInput = z.input<typeof ResearchLeadInput>;

export interface ResearchLeadOutput {
  skipped: boolean;
  reason?: string;
  resultKey?: string;
  facts?: number;
  fitScore?: number | null;
  /**
   * Batch mode: the research needs an answer that is not cached yet; its request is deferred
   * to the run's next Groq batch and the lead waits (it stays `cleaned`).
   */
  waiting?: boolean;
}

/** Batch mode: an LLM that never calls out; behind the attempt cache it is asked only for what is not cached. */
export class DeferringLlm implements Llm {
  constructor(readonly provider: string) {}
  async complete(request: LlmRequest): Promise<LlmResponse> {
    throw new LlmAnswerDeferred(request);
  }
}

/** What CommitResearch reads back from the lake (schema in research/records.ts). */
export { StoredResearch } from '../research/records.ts';

// ---------------------------------------------------------------------------------------------
// Budgets
//
// Per lead, budgets are a plan: the engine gets a prompt-token budget and stops early rather
// than exceed it (it only ever plans prompt tokens; completions are capped per call by
// max_completion_tokens). A dollar budget becomes a prompt-token plan at the dearest configured
// model's price for one prompt token plus one completion token.
//
// Per run, budgets are a gate in front of each lead's research: the run's recorded LLM calls
// (committed research and failed attempts alike) plus a reservation for every lead of the run
// that is between CleanPages and its outcome and was cleaned before this one, plus this lead's
// own reservation, must fit. A lead reserves twice its prompt plan in tokens and its plan at the
// pair price in dollars, i.e. it is assumed to receive no more completion tokens than it sends
// prompt tokens (research answers are short JSON quoting the pages they were given). Under that
// assumption the run never spends more than its budget. Ordering reservations by cleaning time
// (then lead id) means two leads checking at the same moment never both hold back for each
// other. A lead that does not fit is skipped with the reason; it is not failed, so a redrive
// does not pick it up.

/** What one lead may plan and what it holds against the run's budgets while in flight. */
export interface LeadBudgetPlan {
  /** Prompt tokens the engine may plan for the lead. */
  promptTokens: number;
  /** Tokens (prompt + completion) held against the run's token budget. */
  reserveTokens: number;
  /** Dollars held against the run's cost budget. */
  reserveUsd: number;
}

/**
 * USD for one prompt token plus one completion token on the dearest of `models` (0 offline or
 * unpriced; configuration refuses a dollar budget over an unpriced model).
 */
export function pairPriceUsd(provider: string, models: string[], prices?: ModelPrices): number {
  if (provider === 'offline-heuristic') return 0;
  return Math.max(
    0,
    ...models.map((m) => {
      const p = modelPrice(m, prices);
      return p ? (p.inputPerMillion + p.outputPerMillion) / 1_000_000 : 0;
    }),
  );
}

/** The lead's prompt-token plan and reservations under the configured budgets. */
export function leadBudgetPlan(config: PipelineConfig, provider: string, models: string[]): LeadBudgetPlan {
  const pair = pairPriceUsd(provider, models, config.modelPrices);
  let prompt = Math.min(config.promptTokenBudget, config.leadTokenBudget ?? config.promptTokenBudget);
  if (config.leadCostBudgetUsd !== undefined && pair > 0) prompt = Math.min(prompt, Math.floor(config.leadCostBudgetUsd / pair));
  prompt = Math.max(1, Math.floor(prompt));
  return { promptTokens: prompt, reserveTokens: 2 * prompt, reserveUsd: Math.round(prompt * pair * 1e6) / 1e6 };
}

const tokens = (n: number): string => Math.round(n).toLocaleString('en-US');
const dollars = (n: number): string => `$${Number(n.toFixed(6))}`;

/** Why the run's budgets cannot cover this lead, or null when they can (or none is set). */
export async function runBudgetShortfall(sql: Sql, config: PipelineConfig, runId: string, leadId: string, plan: LeadBudgetPlan): Promise<string | null> {
  if (config.runTokenBudget === undefined && config.runCostBudgetUsd === undefined) return null;
  const spent = await sql.query<{ tokens: number; usd: number }>(
    `SELECT COALESCE(sum(prompt_tokens + completion_tokens), 0)::int AS tokens, COALESCE(sum(cost_usd), 0)::float8 AS usd
     FROM llm_call WHERE run_id = :runId::uuid`,
    { runId },
  );
  const ahead = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n
     FROM run_lead rl, (SELECT updated_at FROM run_lead WHERE run_id = :runId::uuid AND lead_id = :leadId::uuid) me
     WHERE rl.run_id = :runId::uuid AND rl.status = 'cleaned' AND rl.lead_id <> :leadId::uuid
       AND (rl.updated_at, rl.lead_id) < (me.updated_at, :leadId::uuid)`,
    { runId, leadId },
  );
  const { tokens: usedTokens, usd: usedUsd } = spent.rows[0];
  const n = ahead.rows[0]?.n ?? 0;
  const inFlight = `${n} lead${n === 1 ? '' : 's'} in flight`;
  if (config.runTokenBudget !== undefined && usedTokens + (n + 1) * plan.reserveTokens > config.runTokenBudget) {
    return (
      `budget: run token budget of ${tokens(config.runTokenBudget)} spent (${tokens(usedTokens)} used, ` +
      `${tokens(n * plan.reserveTokens)} reserved by ${inFlight}, a lead reserves ${tokens(plan.reserveTokens)})`
    );
  }
  if (config.runCostBudgetUsd !== undefined && usedUsd + (n + 1) * plan.reserveUsd > config.runCostBudgetUsd) {
    return (
      `budget: run cost budget of ${dollars(config.runCostBudgetUsd)} spent (${dollars(usedUsd)} used, ` +
      `${dollars(n * plan.reserveUsd)} reserved by ${inFlight}, a lead reserves ${dollars(plan.reserveUsd)})`
    );
  }
  return null;
}

/**
 * Records the calls a failed attempt already paid for (research_id NULL), so the run's summary
 * and budgets count them; a successful attempt's calls are recorded by CommitResearch instead.
 */
async function recordSpentCalls(deps: Deps, runId: string, leadId: string, calls: LlmCallRecord[]): Promise<void> {
  if (calls.length === 0) return;
  await deps.sql.transaction((tx) => insertLlmCalls(tx, { runId, leadId, researchId: null }, calls));
}

/**
 * The facts the lead's previous research found on each page it read, by URL and clean-text hash,
 * when that research asked the same question (prompt version, provider, facts model, seller and
 * ICP): a page whose text is unchanged is not sent to the facts pass again, only the changed ones
 * are, and synthesis sees both. A page the previous research left out (budget) is read afresh.
 */
export async function knownFactsOfUnchangedPages(
  deps: Pick<Deps, 'sql' | 'lake' | 'log'>,
  leadId: string,
  keyInputs: { promptVersion: string; provider: string; models: { facts: string }; seller: string; icpId: string | null },
): Promise<Map<string, KnownFact[]>> {
  const known = new Map<string, KnownFact[]>();
  const prior = await deps.sql.query<{ run_id: string; lake_key: string | null }>(
    `SELECT run_id, lake_key FROM research WHERE lead_id = :leadId::uuid ORDER BY created_at DESC LIMIT 1`,
    { leadId },
  );
  const row = prior.rows[0];
  if (!row) return known;
  const body = await deps.lake.get(row.lake_key ?? lakeKeys.researchResult(row.run_id, leadId));
  if (!body) return known;
  const parsed = StoredResearch.safeParse(JSON.parse(body.toString('utf8')));
  if (!parsed.success) return known;
  const was = parsed.data;
  const asked = (was.keyInputs ?? {}) as { promptVersion?: unknown; provider?: unknown; models?: { facts?: unknown }; seller?: unknown; icpId?: unknown };
  const same =
    asked.promptVersion === keyInputs.promptVersion &&
    asked.provider === keyInputs.provider &&
    asked.models?.facts === keyInputs.models.facts &&
    asked.seller === keyInputs.seller &&
    (asked.icpId ?? null) === keyInputs.icpId;
  if (!same) return known;
  const skipped = new Set(was.result.findings.tokenBudget.pagesSkipped);
  const pageOf = new Map(was.pages.filter((p) => !skipped.has(p.url)).map((p) => [p.snapshotId, `${p.url}\n${p.cleanSha256}`]));
  for (const id of pageOf.values()) known.set(id, []);
  for (const f of was.result.facts) {
    // a fact merged over several pages belongs to each of them
    for (const source of [f.snapshotId, ...(f.alsoFoundOn ?? []).map((a) => a.snapshotId)]) {
      const page = pageOf.get(source);
      if (page) known.get(page)?.push({ category: f.category, claim: f.claim, quote: f.quote });
    }
  }
  return known;
}

/** Researches the lead, or skips it when nothing it depends on changed. */
export async function researchLead(deps: Deps, rawInput: ResearchLeadInput): Promise<ResearchLeadOutput> {
  const { runId, leadId } = ResearchLeadInput.parse(rawInput);
  const { sql, lake, llm, config } = deps;
  const lead = await loadRunLead(sql, runId, leadId);

  const snaps = await sql.query<{ id: string; url: string; final_url: string | null; kind: string; clean_key: string; clean_sha256: string; signals_key: string }>(
    `SELECT id, url, final_url, kind, clean_key, clean_sha256 FROM page_snapshot
     WHERE run_id = :runId::uuid AND company_id = :companyId::uuid AND outcome = 'fetched' AND clean_key IS NOT NULL
     ORDER BY fetched_at, url`,
    { runId, companyId: lead.companyId },
  );
  if (snaps.rows.length === 0) throw new NoContentError(`no page of ${lead.domain} could be fetched and cleaned`);

  // A run records the LLM configured when it started (in the cloud StartRun holds no key, so
  // it cannot know the key is still the placeholder); research on the offline heuristic makes
  // the run say so too.
  if (llm.provider === 'offline-heuristic') {
    await sql.query(`UPDATE run SET llm_provider = :provider WHERE id = :runId::uuid AND llm_provider <> :provider`, { runId, provider: llm.provider });
  }
  const seller = await loadSellerContext(sql, lead.workspaceId);
  const models = llm.provider === 'groq' ? { facts: config.factsModel, synthesis: config.synthesisModel } : { facts: 'heuristic-v1', synthesis: 'heuristic-v1' };
  const plan = leadBudgetPlan(config, llm.provider, [models.facts, models.synthesis]);
  const keyInputs = {
    leadId,
    pages: snaps.rows.map((s) => [s.url, s.clean_sha256]).sort(),
    promptVersion: PROMPT_VERSION,
    provider: llm.provider,
    models,
    // The plan, not the configured figure: research done on a smaller plan is different research.
    budget: plan.promptTokens,
    seller: sha256(stableJson(seller)),
    icpId: lead.icpId,
  };
  const idempotencyKey = sha256(stableJson(keyInputs));

  const prior = await sql.query<{ id: string; run_id: string; created_at: string }>(
    `SELECT id, run_id, created_at FROM research WHERE idempotency_key = :key`,
    { key: idempotencyKey },
  );
  if (prior.rows.length > 0) {
    const p = prior.rows[0];
    if (p.run_id === runId) {
      // The commit already happened in this run (a repeated step): nothing left to do.
      await moveRunLead(sql, runId, leadId, 'researched', { researchId: p.id });
      return { skipped: true, reason: 'already committed in this run' };
    }
    const reason = `unchanged: same pages, prompts and models as the research of run ${p.run_id} (${p.created_at.slice(0, 10)})`;
    await moveRunLead(sql, runId, leadId, 'skipped', { reason, researchId: p.id });
    await writeLakeRecord(deps, runId, leadId, { research_id: p.id, status: 'skipped', failure_reason: reason });
    return { skipped: true, reason };
  }

  // A result stored by an earlier attempt of this step (crash before commit) is reused as is.
  const resultKey = lakeKeys.researchResult(runId, leadId);
  const stored = await lake.get(resultKey);
  if (stored) {
    // one that no longer parses (written by another version) is researched again
    const prev = StoredResearch.safeParse(JSON.parse(stored.toString('utf8')));
    if (prev.success && prev.data.idempotencyKey === idempotencyKey) {
      return { skipped: false, resultKey, facts: prev.data.result.facts.length, fitScore: prev.data.result.fitScore };
    }
  }

  // Only now is money about to be spent: everything above costs nothing.
  const shortfall = await runBudgetShortfall(sql, config, runId, leadId, plan);
  if (shortfall) {
    await moveRunLead(sql, runId, leadId, 'skipped', { reason: shortfall });
    await writeLakeRecord(deps, runId, leadId, { status: 'skipped', failure_stage: 'research', failure_reason: shortfall });
    deps.log.info('lead skipped: budget', { runId, leadId, reason: shortfall });
    return { skipped: true, reason: shortfall };
  }

  const known = await knownFactsOfUnchangedPages(deps, leadId, keyInputs);
  const pages: ResearchPage[] = [];
  const site = await readSiteSignals(lake, lead.domain, runId);
  for (const s of snaps.rows) {
    const text = await lake.get(s.clean_key);
    if (!text) continue;
    const side = (await readPageSignals(lake, lead.domain, s.clean_sha256, site)) ?? { title: '', signals: undefined };
    const url = s.final_url ?? s.url;
    const knownFacts = known.get(`${url}\n${s.clean_sha256}`);
    pages.push({ snapshotId: s.id, url, kind: s.kind, title: side.title ?? '', text: text.toString('utf8'), signals: side.signals, ...(knownFacts ? { knownFacts } : {}) });
  }

  // Reuse answers bought by an earlier attempt of this lead in this run (a rate-limit wait
  // restarts the step); the offline researcher costs nothing, so it is not cached.
  // In batch mode the answers come only from that cache: what is missing is deferred to the
  // run's next Groq batch (llm-batch.ts), and the lead waits.
  const batchMode = lead.groqBatch && llm.provider !== 'offline-heuristic';
  const attempt = llm.provider === 'offline-heuristic' ? 0 : await failureAttempts(sql, runId, leadId);
  const cachePrefix = lakeKeys.llmCache(runId, leadId, attempt);
  if (batchMode) await carryBatchAnswers(deps, runId, leadId, attempt);
  const researchLlm =
    llm.provider === 'offline-heuristic' ? llm : new AttemptCacheLlm(batchMode ? new DeferringLlm(llm.provider) : llm, lake, cachePrefix);

  const spentCalls: LlmCallRecord[] = [];
  let result: ResearchResult;
  try {
    result = await runResearch(
      {
        lead: { email: lead.email, name: lead.name, companyName: lead.companyName, domain: lead.domain },
        seller,
        icpId: lead.icpId,
        pages,
      },
      {
        llm: researchLlm,
        archive: async (record, callId, at) => {
          const key = lakeKeys.llmCall(at, callId);
          await lake.put(key, JSON.stringify({ ...record, runId, leadId }), { contentType: 'application/json' });
          const spent = callRecordOf(record, key);
          if (spent) spentCalls.push(spent);
          return key;
        },
        now: () => deps.clock.now(),
        newId: deps.newId,
      },
      { factsModel: models.facts, synthesisModel: models.synthesis, promptTokenBudget: plan.promptTokens, modelPrices: config.modelPrices },
    );
  } catch (error) {
    if (batchMode && error instanceof LlmAnswerDeferred) {
      // Nothing was spent in this round: the calls answered from the cache are recorded by the
      // round that finishes the research, once, at the batch price.
      const customId = await deferLlmRequest(deps, runId, leadId, cachePrefix, error.request);
      deps.log.info('lead waits for a batch answer', { runId, leadId, pass: error.request.pass, customId });
      return { skipped: false, waiting: true };
    }
    // The error (throttling, outage, invalid output) goes on to the state machine unchanged.
    await recordSpentCalls(deps, runId, leadId, spentCalls).catch((e: unknown) =>
      deps.log.warn('could not record the calls of a failed research attempt', { runId, leadId, error: describeError(e).name }),
    );
    throw error;
  }

  const record: StoredResearch = {
    idempotencyKey,
    keyInputs,
    runId,
    leadId,
    pages: snaps.rows.map((s) => ({ snapshotId: s.id, url: s.final_url ?? s.url, cleanKey: s.clean_key, cleanSha256: s.clean_sha256 })),
    result,
  };
  await lake.put(resultKey, JSON.stringify(record), { contentType: 'application/json' });
  deps.log.info('lead researched', { runId, leadId, facts: result.facts.length, fitScore: result.fitScore, status: result.status });
  return { skipped: false, resultKey, facts: result.facts.length, fitScore: result.fitScore };
}
