/**
 * Intent as the surfaces show it (`show`, `export`, the report, the web app's leads page): the
 * stored score of the company for the lead's ICP, and its signals with their evidence.
 */
import type { Sql } from '../ports.ts';
import { listSignals, loadIntent } from './repository.ts';
import { INTENT_RULES } from './score.ts';
import type { IntentReason, SignalDetail, SignalKind } from './types.ts';

/** One signal with its evidence: the quotes before and after and the lake keys of both texts. */
export interface SignalView {
  id: string;
  kind: SignalKind;
  summary: string;
  detail: SignalDetail;
  url: string;
  beforeQuote: string | null;
  afterQuote: string | null;
  beforeKey: string | null;
  afterKey: string | null;
  observedAt: string;
  runId: string | null;
}

export interface IntentView {
  /** 0-100, null when the company has no score yet (never compared with an earlier visit) */
  intentScore: number | null;
  intentComputedAt: string | null;
  intentReasons: IntentReason[];
  signals: SignalView[];
}

export const INTENT_RULES_TEXT = INTENT_RULES;

/** A company's intent for an ICP (its best over ICPs when icpId is null) and its newest signals. */
export async function loadIntentView(sql: Sql, companyId: string, icpId: string | null, options: { limit?: number } = {}): Promise<IntentView> {
  const intent = (icpId ? await loadIntent(sql, companyId, icpId) : null) ?? (await loadIntent(sql, companyId, null));
  const signals = await listSignals(sql, companyId, { limit: options.limit ?? 50 });
  return {
    intentScore: intent?.score ?? null,
    intentComputedAt: intent?.computedAt ?? null,
    intentReasons: intent?.reasons ?? [],
    signals: signals.map((s) => ({
      id: s.id, kind: s.kind, summary: s.summary, detail: s.detail, url: s.url, beforeQuote: s.beforeQuote, afterQuote: s.afterQuote,
      beforeKey: s.beforeKey, afterKey: s.afterKey, observedAt: s.observedAt, runId: s.runId,
    })),
  };
}

/** Intent scores of many companies at once (company id -> best score over its ICPs or the given one). */
export async function intentScores(sql: Sql, companyIds: string[]): Promise<Map<string, number>> {
  if (companyIds.length === 0) return new Map();
  const res = await sql.query<{ company_id: string; score: number }>(
    `SELECT company_id, max(score) AS score FROM company_intent
     WHERE company_id IN (SELECT (jsonb_array_elements_text(:ids::jsonb))::uuid) GROUP BY company_id`,
    { ids: [...new Set(companyIds)] },
  );
  return new Map(res.rows.map((r) => [r.company_id, Number(r.score)]));
}
