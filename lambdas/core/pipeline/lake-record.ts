/**
 * The lake's research table (Athena, and DuckDB locally): one JSON line per lead per run,
 * whatever the outcome (a search result turned away before it became a lead included), so
 * "failed leads by reason" can be asked of the lake too. The part key
 * uses the run's start date, so a later redrive of the same lead overwrites its line instead of
 * adding a second one under another date.
 */
import { lakeKeys } from '../lake-keys.ts';
import type { Json } from '../ports.ts';
import type { Deps } from './deps.ts';

export type LakeStatus = 'researched' | 'insufficient_evidence' | 'skipped' | 'failed';

/** The columns every line has (the Glue table's schema). */
export interface LakeRecord {
  research_id: string | null;
  run_id: string;
  lead_id: string;
  lead_email: string;
  lead_name: string;
  company_name: string;
  domain: string;
  icp: string | null;
  status: LakeStatus;
  fit_score: number | null;
  summary: string | null;
  llm_provider: string | null;
  model: string | null;
  prompt_version: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  facts: { id: string; category: string; claim: string; quote: string; source_url: string; verified: boolean }[];
  findings: Json;
  failure_stage: string | null;
  failure_reason: string | null;
  researched_at: string;
  /** the company's intent score (0-100) for the lead's ICP (its best over the active ICPs without one), when scored */
  intent_score: number | null;
}

/** The columns in the order every line (and the Glue table) has them. */
export const LAKE_RECORD_COLUMNS = [
  'research_id', 'run_id', 'lead_id', 'lead_email', 'lead_name', 'company_name', 'domain', 'icp', 'status',
  'fit_score', 'summary', 'llm_provider', 'model', 'prompt_version', 'prompt_tokens', 'completion_tokens',
  'cost_usd', 'facts', 'findings', 'failure_stage', 'failure_reason', 'researched_at', 'intent_score',
] as const satisfies readonly (keyof LakeRecord)[];

/** A search result that never became a lead: skipped (excluded, over quota) or failed (invalid). */
export interface SearchRejection {
  lead: string;
  status: 'skipped' | 'failed';
  reason: string;
  /** how many results the entry stands for (folded ones), said in the reason */
  count?: number;
}

/**
 * Writes the research table's lines for one ICP search's rejected results, all in one part
 * whose key depends only on the run and the search, so a repeated step rewrites it instead of
 * adding lines. Duplicates are not listed: they are the same lead found twice, counted as
 * duplicates by the run. No SQL: the search has read the run's start already.
 */
export async function writeSearchRejections(
  deps: Deps,
  target: { runId: string; runStartedAt: string; search: string; icp: string | null },
  rejected: SearchRejection[],
): Promise<string> {
  const { runId, search } = target;
  if (rejected.length === 0) return '';
  const at = deps.clock.now().toISOString();
  const lines = rejected.map((r) => {
    const domain = /@([^@\s]+)$/.exec(r.lead)?.[1]?.toLowerCase() ?? '';
    const record: LakeRecord = {
      research_id: null, run_id: runId, lead_id: '', lead_email: r.lead, lead_name: '', company_name: '', domain, icp: target.icp,
      status: r.status, fit_score: null, summary: null, llm_provider: null, model: null, prompt_version: null,
      prompt_tokens: 0, completion_tokens: 0, cost_usd: 0, facts: [], findings: {},
      failure_stage: 'search',
      failure_reason: r.count && r.count > 1 ? `${r.reason} (${r.count} results)` : r.reason,
      researched_at: at,
      intent_score: null,
    };
    return JSON.stringify(Object.fromEntries(LAKE_RECORD_COLUMNS.map((c) => [c, record[c]])));
  });
  const key = lakeKeys.researchSearchPart(new Date(target.runStartedAt), runId, search);
  await deps.lake.put(key, `${lines.join('\n')}\n`, { contentType: 'application/x-ndjson' });
  return key;
}

/** Writes the lead's line for the run; fields not given are empty. */
export async function writeLakeRecord(
  deps: Deps,
  runId: string,
  leadId: string,
  fields: Partial<LakeRecord> & { status: LakeStatus },
): Promise<string> {
  const res = await deps.sql.query<{ email: string; name: string; company: string; domain: string; icp: string | null; started_at: string; intent_score: number | null }>(
    `SELECT l.email, l.name, c.name AS company, c.domain, i.slug AS icp, r.started_at,
            (SELECT max(ci.score) FROM company_intent ci
             WHERE ci.company_id = c.id AND (i.id IS NULL OR ci.icp_id = i.id)) AS intent_score
     FROM run_lead rl JOIN run r ON r.id = rl.run_id JOIN lead l ON l.id = rl.lead_id
     JOIN lead_company c ON c.id = l.company_id LEFT JOIN icp i ON i.id = COALESCE(l.icp_id, rl.icp_id)
     WHERE rl.run_id = :runId::uuid AND rl.lead_id = :leadId::uuid`,
    { runId, leadId },
  );
  const row = res.rows[0];
  if (!row) return '';
  const record: LakeRecord = {
    research_id: null,
    run_id: runId,
    lead_id: leadId,
    lead_email: row.email,
    lead_name: row.name,
    company_name: row.company,
    domain: row.domain,
    icp: row.icp,
    fit_score: null,
    summary: null,
    llm_provider: null,
    model: null,
    prompt_version: null,
    prompt_tokens: 0,
    completion_tokens: 0,
    cost_usd: 0,
    facts: [],
    findings: {},
    failure_stage: null,
    failure_reason: null,
    researched_at: deps.clock.now().toISOString(),
    intent_score: row.intent_score === null || row.intent_score === undefined ? null : Number(row.intent_score),
    ...fields,
  };
  const ordered = Object.fromEntries(LAKE_RECORD_COLUMNS.map((c) => [c, record[c]]));
  const key = lakeKeys.researchPart(new Date(row.started_at), runId, leadId);
  await deps.lake.put(key, `${JSON.stringify(ordered)}\n`, { contentType: 'application/x-ndjson' });
  return key;
}
