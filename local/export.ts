/** `prospector export`: one research record per lead of a run, as JSONL or CSV. */
import type { Sql } from '#core/ports.ts';
import { loadIntentView, loadOutreachTrigger, type SignalView, type TriggerView } from '#core/intent/view.ts';
import { loadRunDrafting, type RunDrafting } from '#core/views/run-drafting.ts';
import { reusedAsCurrent } from './research-status.ts';

export interface ExportRecord {
  lead: string;
  name: string;
  company: string;
  domain: string;
  status: 'researched' | 'failed' | 'skipped';
  failureReason: string | null;
  fitScore: number | null;
  summary: string | null;
  researchRunId: string | null;
  /** `alsoFoundOn`: further pages with the same quote (one fact, several sources) */
  facts: { claim: string; quote: string; sourceUrl: string; alsoFoundOn: string[]; verified: boolean; category: string }[];
  /** intent, separate from fit (0-100; null before the company was compared with an earlier visit) */
  intentScore: number | null;
  /** what changed at the company, newest first, with before/after quotes and lake keys */
  signals: SignalView[];
  /** the signal that started (or was to start) outreach for the lead: status, reason, sequence; null when none */
  trigger: TriggerView | null;
  /** what drafting made of the lead in this run: the sequence and its status, or why none; null when the run did not draft for it */
  drafting: RunDrafting | null;
}

/** The latest run's id, or null when nothing has run yet. */
export async function latestRunId(sql: Sql): Promise<string | null> {
  const r = await sql.query<{ id: string }>(`SELECT id FROM run ORDER BY started_at DESC LIMIT 1`);
  return r.rows[0]?.id ?? null;
}

/**
 * Every lead of the run with its outcome. A lead skipped because its sites, prompts and models
 * are unchanged since earlier research is shown with that research as current (`researched`,
 * `researchRunId` naming the run that did it), not as a skip beside a fit score.
 */
export async function exportRun(sql: Sql, runId: string): Promise<ExportRecord[]> {
  const leads = await sql.query<{
    lead_id: string; email: string; name: string; company: string; domain: string; status: string; reason: string | null;
    company_id: string; icp_id: string | null; research_id: string | null; fit_score: number | null; summary: string | null; research_run: string | null; research_status: string | null;
  }>(
    `SELECT l.id AS lead_id, l.email, l.name, c.name AS company, c.domain, l.company_id, COALESCE(l.icp_id, rl.icp_id) AS icp_id, rl.status, rl.reason, r.id AS research_id,
            r.fit_score, r.summary, r.run_id AS research_run, r.status AS research_status
     FROM run_lead rl JOIN lead l ON l.id = rl.lead_id JOIN lead_company c ON c.id = l.company_id
     LEFT JOIN research r ON r.id = rl.research_id
     WHERE rl.run_id = :runId::uuid ORDER BY r.fit_score DESC NULLS LAST, l.email`,
    { runId },
  );
  const facts = await sql.query<{ research_id: string; claim: string; quote: string; source_url: string; also_found_on: string[] | null; verified: boolean; category: string }>(
    `SELECT f.research_id, f.claim, f.quote, f.source_url, f.verified, f.category,
            (SELECT jsonb_agg(s.source_url ORDER BY s.ord) FROM fact_source s WHERE s.fact_id = f.id) AS also_found_on
     FROM fact f
     WHERE f.research_id IN (SELECT research_id FROM run_lead WHERE run_id = :runId::uuid AND research_id IS NOT NULL)
     ORDER BY f.research_id, f.local_id`,
    { runId },
  );
  const byResearch = new Map<string, ExportRecord['facts']>();
  for (const f of facts.rows) {
    byResearch.set(f.research_id, [...(byResearch.get(f.research_id) ?? []), { claim: f.claim, quote: f.quote, sourceUrl: f.source_url, alsoFoundOn: f.also_found_on ?? [], verified: f.verified, category: f.category }]);
  }
  const status = (s: string): ExportRecord['status'] => (s === 'researched' ? 'researched' : s === 'skipped' ? 'skipped' : 'failed');
  const intents = new Map<string, Awaited<ReturnType<typeof loadIntentView>>>();
  for (const l of leads.rows) {
    const key = `${l.company_id}/${l.icp_id ?? ''}`;
    if (!intents.has(key)) intents.set(key, await loadIntentView(sql, l.company_id, l.icp_id, { limit: 20 }));
  }
  const drafting = await loadRunDrafting(sql, runId);
  const triggers = new Map<string, TriggerView | null>();
  for (const l of leads.rows) triggers.set(l.lead_id, await loadOutreachTrigger(sql, l.lead_id));
  return leads.rows.map((l) => {
    const intent = intents.get(`${l.company_id}/${l.icp_id ?? ''}`)!;
    const current = l.status === 'researched' || reusedAsCurrent({ status: l.status, reason: l.reason, researchStatus: l.research_status });
    return {
      lead: l.email,
      name: l.name,
      company: l.company,
      domain: l.domain,
      status: current ? 'researched' : status(l.status),
      failureReason: current ? null : l.reason ?? `not finished (${l.status})`,
      fitScore: l.fit_score,
      summary: l.summary,
      researchRunId: l.research_run,
      facts: l.research_id ? byResearch.get(l.research_id) ?? [] : [],
      intentScore: intent.intentScore,
      signals: intent.signals,
      trigger: triggers.get(l.lead_id) ?? null,
      drafting: drafting.get(l.lead_id) ?? null,
    };
  });
}

/** One CSV cell (RFC 4180: quoted when it holds a quote, comma or line break; objects as JSON). */
export const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Renders records as JSONL or CSV (facts as a JSON column in CSV). */
export function renderExport(records: ExportRecord[], format: 'jsonl' | 'csv'): string {
  if (format === 'jsonl') return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
  const cols: (keyof ExportRecord)[] = ['lead', 'name', 'company', 'domain', 'status', 'failureReason', 'fitScore', 'intentScore', 'summary', 'researchRunId', 'facts', 'signals', 'trigger', 'drafting'];
  return [cols.join(','), ...records.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}
