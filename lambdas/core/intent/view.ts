/**
 * Intent as the surfaces show it (`show`, `export`, the report, the web app's leads page): the
 * stored score of the company for the lead's ICP, and its signals with their evidence.
 */
import type { Sql } from '../ports.ts';
import { listSignals, loadIntent } from './repository.ts';
import { INTENT_RULES } from './score.ts';
import type { TriggerStatus } from './trigger.ts';
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

/** The lead's outreach trigger (outreach_trigger): the signal that started (or was to start) a sequence. */
export interface TriggerView {
  signalId: string;
  signalKind: SignalKind;
  signalSummary: string;
  /** when the page showing the change was fetched */
  observedAt: string;
  /** `pending` until drafting settles it: `drafted` with the sequence, or `skipped` with the reason */
  status: TriggerStatus;
  reason: string | null;
  sequenceId: string | null;
  createdAt: string;
  settledAt: string | null;
}

/** The lead's newest outreach trigger, or null when no signal ever picked it. */
export async function loadOutreachTrigger(sql: Sql, leadId: string): Promise<TriggerView | null> {
  const res = await sql.query<{
    signal_id: string; kind: SignalKind; summary: string; observed_at: string | Date; status: TriggerStatus; reason: string | null;
    sequence_id: string | null; created_at: string | Date; settled_at: string | Date | null;
  }>(
    `SELECT t.signal_id, s.kind, s.summary, s.observed_at, t.status, t.reason, t.sequence_id, t.created_at, t.settled_at
       FROM outreach_trigger t JOIN company_signal s ON s.id = t.signal_id
      WHERE t.lead_id = :leadId::uuid ORDER BY t.created_at DESC, t.signal_id LIMIT 1`,
    { leadId },
  );
  const r = res.rows[0];
  if (!r) return null;
  const iso = (v: string | Date) => new Date(v).toISOString();
  return {
    signalId: r.signal_id, signalKind: r.kind, signalSummary: r.summary, observedAt: iso(r.observed_at), status: r.status, reason: r.reason,
    sequenceId: r.sequence_id, createdAt: iso(r.created_at), settledAt: r.settled_at ? iso(r.settled_at) : null,
  };
}

/** One line a rep reads about the trigger: what started outreach and when, or why it did not. */
export function triggerLine(t: TriggerView): string {
  const started = `${t.signalKind.replace(/_/g, ' ')} on ${t.observedAt.slice(0, 10)}`;
  if (t.status === 'skipped') return `Outreach not started by ${started}: ${t.reason ?? 'skipped'}`;
  return `Outreach started by: ${started}${t.status === 'pending' ? ' (draft pending)' : ''}`;
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
