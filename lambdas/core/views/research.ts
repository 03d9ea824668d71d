/**
 * Research as a rep reads it: one research row with its synthesis (parsed with the findings
 * schema) and every fact with its quote, source page and the lake key of the stored clean text.
 * Shared by `prospector show`, `prospector report` and the web app.
 */
import type { Sql } from '../ports.ts';
import { parseFindings } from '../research/records.ts';

// ---------------------------------------------------------------------------------------------
// Research as a rep reads it

export interface FactView {
  id: string;
  category: string;
  claim: string;
  quote: string;
  sourceUrl: string;
  verified: boolean;
  /** lake key of the clean text the quote was verified against */
  cleanKey: string | null;
  /** further pages with the same quote (one fact, several sources), each with its stored text */
  alsoFoundOn: { sourceUrl: string; cleanKey: string | null }[];
}

export interface CriterionView {
  criterion: string;
  assessment: string;
  weight: number;
  reason: string;
  factIds: string[];
}

export interface ResearchView {
  researchId: string;
  runId: string;
  createdAt: string;
  /** `researched` or `insufficient_evidence` */
  status: string;
  provider: string;
  model: string;
  promptVersion: string;
  fitScore: number | null;
  summary: string;
  icp: string | null;
  criteria: CriterionView[];
  hooks: { hook: string; factIds: string[] }[];
  emailAngle: { angle: string; factIds: string[] } | null;
  intentSignals: { signal: string; factIds: string[] }[];
  pains: { pain: string; valueProposition: string; factIds: string[] }[];
  missing: string[];
  /** how the offline heuristic worked, when it was the researcher */
  method: string | null;
  facts: FactView[];
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
/** `f2` before `f10`. */
const byFactId = (a: { id: string }, b: { id: string }) => Number(a.id.replace(/\D/g, '')) - Number(b.id.replace(/\D/g, '')) || a.id.localeCompare(b.id);

interface ResearchRow {
  id: string;
  run_id: string;
  created_at: string;
  status: string;
  llm_provider: string;
  model: string;
  prompt_version: string;
  fit_score: number | null;
  summary: string;
  /** the `research.findings` column: parsed with the findings schema */
  findings: unknown;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
}

interface FactRow {
  research_id: string;
  local_id: string;
  category: string;
  claim: string;
  quote: string;
  source_url: string;
  verified: boolean;
  clean_key: string | null;
  also_found_on: { url: string; clean_key: string | null }[] | null;
}

/** Builds the view of one research row from its findings (parsed with the findings schema). */
function researchView(r: ResearchRow, facts: FactRow[]): ResearchView {
  const f = parseFindings(r.findings, r.id);
  return {
    researchId: r.id,
    runId: r.run_id,
    createdAt: r.created_at,
    status: r.status,
    provider: r.llm_provider,
    model: r.model,
    promptVersion: r.prompt_version,
    fitScore: r.fit_score,
    summary: r.summary,
    icp: f.icp ? f.icp.name || f.icp.slug || null : null,
    criteria: f.fit.criteria.map((c) => ({ criterion: c.criterion, assessment: c.assessment, weight: c.weight, reason: c.reason, factIds: c.factIds })),
    hooks: f.hooks.filter((h) => h.hook),
    emailAngle: f.emailAngle?.angle ? { angle: f.emailAngle.angle, factIds: f.emailAngle.factIds } : null,
    intentSignals: f.intentSignals.filter((x) => x.signal),
    pains: f.pains.filter((p) => p.pain),
    missing: f.missing.filter(Boolean),
    method: f.method || null,
    facts: facts
      .map((x) => ({
        id: x.local_id, category: x.category, claim: x.claim, quote: x.quote, sourceUrl: x.source_url, verified: x.verified, cleanKey: x.clean_key,
        alsoFoundOn: (x.also_found_on ?? []).map((s) => ({ sourceUrl: s.url, cleanKey: s.clean_key })),
      }))
      .sort(byFactId),
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    costUsd: Number(r.cost_usd),
  };
}

const RESEARCH_COLUMNS = `r.id, r.run_id, r.created_at, r.status, r.llm_provider, r.model, r.prompt_version, r.fit_score, r.summary,
  r.findings, r.prompt_tokens, r.completion_tokens, r.cost_usd::float8 AS cost_usd`;
const FACT_COLUMNS = `f.research_id, f.local_id, f.category, f.claim, f.quote, f.source_url, f.verified, p.clean_key,
  (SELECT jsonb_agg(jsonb_build_object('url', s.source_url, 'clean_key', sp.clean_key) ORDER BY s.ord)
   FROM fact_source s LEFT JOIN page_snapshot sp ON sp.id = s.snapshot_id WHERE s.fact_id = f.id) AS also_found_on`;

/** One research row with its facts, or null when there is no such row. */
export async function loadResearch(sql: Sql, researchId: string): Promise<ResearchView | null> {
  const rows = await sql.query<ResearchRow>(`SELECT ${RESEARCH_COLUMNS} FROM research r WHERE r.id = :id::uuid`, { id: researchId });
  if (!rows.rows[0]) return null;
  const facts = await sql.query<FactRow>(
    `SELECT ${FACT_COLUMNS} FROM fact f LEFT JOIN page_snapshot p ON p.id = f.snapshot_id WHERE f.research_id = :id::uuid`,
    { id: researchId },
  );
  return researchView(rows.rows[0], facts.rows);
}

/** The research every lead of a run points at (its own, or an earlier run's it reused), by id. */
export async function loadRunResearch(sql: Sql, runId: string): Promise<Map<string, ResearchView>> {
  const scope = `(SELECT research_id FROM run_lead WHERE run_id = :runId::uuid AND research_id IS NOT NULL)`;
  const rows = await sql.query<ResearchRow>(`SELECT ${RESEARCH_COLUMNS} FROM research r WHERE r.id IN ${scope}`, { runId });
  const facts = await sql.query<FactRow>(
    `SELECT ${FACT_COLUMNS} FROM fact f LEFT JOIN page_snapshot p ON p.id = f.snapshot_id WHERE f.research_id IN ${scope}`,
    { runId },
  );
  const byResearch = new Map<string, FactRow[]>();
  for (const f of facts.rows) byResearch.set(f.research_id, [...(byResearch.get(f.research_id) ?? []), f]);
  return new Map(rows.rows.map((r) => [r.id, researchView(r, byResearch.get(r.id) ?? [])]));
}

