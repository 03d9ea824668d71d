/**
 * CommitResearch: one transaction per lead — research row, facts, LLM calls, the lead's status —
 * keyed by the idempotency key so a repeated step writes nothing twice; then the lead's record
 * in the lake's research table (JSONL, one part per lead).
 */
import { z } from 'zod';
import { NotFoundError } from '../errors.ts';
import { lakeKeys } from '../lake-keys.ts';
import type { Json, Sql } from '../ports.ts';
import type { Deps } from './deps.ts';
import { loadRunLead, type LeadRow } from './lead-context.ts';
import { insertLlmCalls } from './llm-call-repo.ts';
import { moveRunLead, resolveLeadFailure } from './run-lead-repo.ts';
import { writeLakeRecord } from './lake-record.ts';
import { parseStoredResearch, type StoredResearch } from '../research/records.ts';

export const CommitResearchInput = z.object({ runId: z.uuid(), leadId: z.uuid(), resultKey: z.string().min(1) });
export type CommitResearchInput = z.input<typeof CommitResearchInput>;

export interface CommitResearchOutput {
  researchId: string;
  inserted: boolean;
  status: 'researched' | 'skipped';
  facts: number;
  /** the research's fit score and the lead's ICP threshold: the state machine drafts when fit ≥ threshold */
  fitScore: number | null;
  fitThreshold: number | null;
}

async function insertResearch(tx: Sql, deps: Deps, stored: StoredResearch, lead: LeadRow): Promise<{ id: string; inserted: boolean }> {
  const r = stored.result;
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO research (id, lead_id, run_id, idempotency_key, status, llm_provider, model, prompt_version, fit_score,
                           summary, findings, prompt_tokens, completion_tokens, cost_usd, lake_key)
     VALUES (:id::uuid, :leadId::uuid, :runId::uuid, :key, :status, :provider, :model, :promptVersion, :fitScore,
             :summary, :findings::jsonb, :promptTokens, :completionTokens, :cost, :lakeKey)
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING id`,
    {
      id: deps.newId(), leadId: lead.leadId, runId: stored.runId, key: stored.idempotencyKey, status: r.status,
      provider: r.provider, model: r.model, promptVersion: r.promptVersion,
      fitScore: r.fitScore === null ? null : Math.round(r.fitScore), summary: r.summary,
      findings: r.findings as unknown as { [k: string]: Json }, promptTokens: r.promptTokens, completionTokens: r.completionTokens,
      cost: r.costUsd, lakeKey: lakeKeys.researchResult(stored.runId, stored.leadId),
    },
  );
  if (inserted.rows.length === 0) {
    const existing = await tx.query<{ id: string }>(`SELECT id FROM research WHERE idempotency_key = :key`, { key: stored.idempotencyKey });
    return { id: existing.rows[0].id, inserted: false };
  }
  const researchId = inserted.rows[0].id;
  // All facts in one statement, and a quote found on several pages is one fact whose further
  // pages go in one more: two Data API calls whatever the number of facts.
  const facts: { ord: number; id: string; local_id: string; category: string; claim: string; quote: string; snapshot_id: string; source_url: string; verified: boolean }[] = [];
  const sources: { fact_id: string; ord: number; snapshot_id: string; source_url: string }[] = [];
  for (const f of r.facts) {
    const factId = deps.newId();
    facts.push({ ord: facts.length, id: factId, local_id: f.id, category: f.category, claim: f.claim, quote: f.quote, snapshot_id: f.snapshotId, source_url: f.sourceUrl, verified: f.verified });
    (f.alsoFoundOn ?? []).forEach((s, i) => sources.push({ fact_id: factId, ord: i + 2, snapshot_id: s.snapshotId, source_url: s.sourceUrl }));
  }
  if (facts.length > 0) {
    await tx.query(
      `INSERT INTO fact (id, research_id, local_id, category, claim, quote, snapshot_id, source_url, verified)
       SELECT x.id, :researchId::uuid, x.local_id, x.category, x.claim, x.quote, x.snapshot_id, x.source_url, x.verified
       FROM jsonb_to_recordset(:rows::jsonb)
         AS x(ord int, id uuid, local_id text, category text, claim text, quote text, snapshot_id uuid, source_url text, verified boolean)
       ORDER BY x.ord`,
      { researchId, rows: facts },
    );
  }
  if (sources.length > 0) {
    await tx.query(
      `INSERT INTO fact_source (fact_id, ord, snapshot_id, source_url)
       SELECT x.fact_id, x.ord, x.snapshot_id, x.source_url
       FROM jsonb_to_recordset(:rows::jsonb) AS x(fact_id uuid, ord int, snapshot_id uuid, source_url text)`,
      { rows: sources },
    );
  }
  await insertLlmCalls(tx, { runId: stored.runId, leadId: lead.leadId, researchId }, r.llmCalls);
  return { id: researchId, inserted: true };
}

/** Commits the stored research of one lead. */
export async function commitResearch(deps: Deps, rawInput: CommitResearchInput): Promise<CommitResearchOutput> {
  const { runId, leadId, resultKey } = CommitResearchInput.parse(rawInput);
  const body = await deps.lake.get(resultKey);
  if (!body) throw new NotFoundError(`research result ${resultKey} is not in the lake`);
  const stored = parseStoredResearch(body.toString('utf8'), resultKey);
  if (stored.runId !== runId || stored.leadId !== leadId) {
    throw new NotFoundError(`research result ${resultKey} belongs to another lead or run`);
  }
  const lead = await loadRunLead(deps.sql, runId, leadId);
  const r = stored.result;
  const verifiedFacts = r.facts.filter((f) => f.verified).length;
  // "Not enough evidence" is a valid answer: it is stored, and the lead is skipped with that reason.
  const insufficient = r.status === 'insufficient_evidence' || verifiedFacts === 0;
  const missing = r.findings.missing.map((m) => m.trim()).filter(Boolean);
  const reason = insufficient
    ? `not enough evidence: ${verifiedFacts} verified fact(s) from ${stored.pages.length} page(s)${missing.length ? ` (missing: ${missing.join('; ')})` : ''}`
    : null;

  const { id, inserted } = await deps.sql.transaction(async (tx) => {
    const res = await insertResearch(tx, deps, stored, lead);
    await moveRunLead(tx, runId, leadId, insufficient ? 'skipped' : 'researched', { reason, researchId: res.id });
    await resolveLeadFailure(tx, runId, leadId);
    return res;
  });

  await writeLakeRecord(deps, runId, leadId, {
    research_id: id,
    status: insufficient ? (r.status === 'insufficient_evidence' ? 'insufficient_evidence' : 'skipped') : 'researched',
    fit_score: r.fitScore,
    summary: r.summary,
    llm_provider: r.provider,
    model: r.model,
    prompt_version: r.promptVersion,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    cost_usd: r.costUsd,
    facts: r.facts.map((f) => ({ id: f.id, category: f.category, claim: f.claim, quote: f.quote, source_url: f.sourceUrl, verified: f.verified })),
    findings: r.findings as unknown as Json,
    failure_reason: reason,
  });
  const icp = await deps.sql.query<{ fit_threshold: number }>(`SELECT fit_threshold FROM icp WHERE id = :icpId::uuid`, { icpId: lead.icpId });
  return {
    researchId: id,
    inserted,
    status: insufficient ? 'skipped' : 'researched',
    facts: r.facts.length,
    fitScore: r.fitScore === null ? null : Math.round(r.fitScore),
    fitThreshold: icp.rows[0]?.fit_threshold ?? null,
  };
}
