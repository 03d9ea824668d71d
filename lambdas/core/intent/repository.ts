/**
 * Storing and reading signals, intent scores and change checks (sql/0020_intent.sql). Inserting
 * a signal twice (same company, same dedupe key) writes nothing; that is what makes detection
 * idempotent across repeated steps, redrives and re-runs.
 */
import type { Json, Sql } from '../ports.ts';
import type { ChangeCheck, IntentReason, Signal, SignalDetail, StoredSignal } from './types.ts';

interface SignalRow {
  id: string; workspace_id: string; company_id: string; run_id: string | null; kind: StoredSignal['kind'];
  detail: SignalDetail; summary: string; llm_summary: string | null; before_quote: string | null; after_quote: string | null;
  before_key: string | null; after_key: string | null; before_snapshot_id: string | null; after_snapshot_id: string | null;
  url: string; page_kind: string; observed_at: string; detected_at: string; dedupe_key: string;
}

const SIGNAL_COLUMNS = `id, workspace_id, company_id, run_id, kind, detail, summary, llm_summary, before_quote, after_quote,
  before_key, after_key, before_snapshot_id, after_snapshot_id, url, page_kind, observed_at, detected_at, dedupe_key`;

function toSignal(r: SignalRow): StoredSignal {
  return {
    id: r.id, workspaceId: r.workspace_id, companyId: r.company_id, runId: r.run_id, kind: r.kind, detail: r.detail,
    summary: r.summary, llmSummary: r.llm_summary, beforeQuote: r.before_quote, afterQuote: r.after_quote,
    beforeKey: r.before_key, afterKey: r.after_key, beforeSnapshotId: r.before_snapshot_id, afterSnapshotId: r.after_snapshot_id,
    url: r.url, pageKind: r.page_kind, observedAt: new Date(r.observed_at).toISOString(), detectedAt: new Date(r.detected_at).toISOString(),
    dedupeKey: r.dedupe_key,
  };
}

export interface InsertSignalsInput {
  workspaceId: string;
  companyId: string;
  runId: string | null;
  signals: (Signal & { llmSummary?: string | null })[];
  newId: () => string;
}

/** Inserts the signals not stored yet (by dedupe key); returns how many rows were new. */
export async function insertSignals(sql: Sql, input: InsertSignalsInput): Promise<number> {
  let inserted = 0;
  for (const s of input.signals) {
    const res = await sql.query(
      `INSERT INTO company_signal (id, workspace_id, company_id, run_id, kind, detail, summary, llm_summary, before_quote, after_quote,
                                   before_key, after_key, before_snapshot_id, after_snapshot_id, url, page_kind, observed_at, dedupe_key)
       VALUES (:id::uuid, :workspaceId::uuid, :companyId::uuid, :runId::uuid, :kind, :detail::jsonb, :summary, :llmSummary, :beforeQuote, :afterQuote,
               :beforeKey, :afterKey, :beforeSnapshotId::uuid, :afterSnapshotId::uuid, :url, :pageKind, :observedAt::timestamptz, :dedupeKey)
       ON CONFLICT (company_id, dedupe_key) DO NOTHING`,
      {
        id: input.newId(), workspaceId: input.workspaceId, companyId: input.companyId, runId: input.runId, kind: s.kind,
        detail: s.detail as { [key: string]: Json }, summary: s.summary, llmSummary: s.llmSummary ?? null,
        beforeQuote: s.beforeQuote, afterQuote: s.afterQuote, beforeKey: s.beforeKey, afterKey: s.afterKey,
        beforeSnapshotId: s.beforeSnapshotId, afterSnapshotId: s.afterSnapshotId, url: s.url, pageKind: s.pageKind,
        observedAt: s.observedAt, dedupeKey: s.dedupeKey,
      },
    );
    inserted += res.rowCount;
  }
  return inserted;
}

export interface ListSignalsOptions {
  /** only signals observed at or after this instant */
  since?: Date;
  /** only signals detected in this run */
  runId?: string;
  limit?: number;
}

/** A company's signals, newest first. */
export async function listSignals(sql: Sql, companyId: string, options: ListSignalsOptions = {}): Promise<StoredSignal[]> {
  const res = await sql.query<SignalRow>(
    `SELECT ${SIGNAL_COLUMNS} FROM company_signal
     WHERE company_id = :companyId::uuid
       AND (:since::timestamptz IS NULL OR observed_at >= :since::timestamptz)
       AND (:runId::uuid IS NULL OR run_id = :runId::uuid)
     ORDER BY observed_at DESC, kind, summary LIMIT :limit`,
    { companyId, since: options.since ? options.since.toISOString() : null, runId: options.runId ?? null, limit: options.limit ?? 200 },
  );
  return res.rows.map(toSignal);
}

/** One stored signal by id, or null. */
export async function getSignal(sql: Sql, signalId: string): Promise<StoredSignal | null> {
  const res = await sql.query<SignalRow>(`SELECT ${SIGNAL_COLUMNS} FROM company_signal WHERE id = :signalId::uuid`, { signalId });
  return res.rows[0] ? toSignal(res.rows[0]) : null;
}

/** A workspace's signals detected in one run (every company), oldest company first. */
export async function listRunSignals(sql: Sql, runId: string): Promise<StoredSignal[]> {
  const res = await sql.query<SignalRow>(
    `SELECT ${SIGNAL_COLUMNS} FROM company_signal WHERE run_id = :runId::uuid ORDER BY company_id, observed_at, kind, summary`,
    { runId },
  );
  return res.rows.map(toSignal);
}

export interface StoredIntent {
  companyId: string;
  icpId: string;
  score: number;
  reasons: IntentReason[];
  signals: number;
  rulesVersion: string;
  computedAt: string;
}

/** Stores (or replaces) a company's intent score for an ICP. */
export async function saveIntent(
  sql: Sql,
  input: { workspaceId: string; companyId: string; icpId: string; score: number; reasons: IntentReason[]; signals: number; rulesVersion: string; computedAt: Date },
): Promise<void> {
  await sql.query(
    `INSERT INTO company_intent (company_id, icp_id, workspace_id, score, reasons, signals, rules_version, computed_at)
     VALUES (:companyId::uuid, :icpId::uuid, :workspaceId::uuid, :score, :reasons::jsonb, :signals, :rulesVersion, :computedAt::timestamptz)
     ON CONFLICT (company_id, icp_id) DO UPDATE SET score = EXCLUDED.score, reasons = EXCLUDED.reasons, signals = EXCLUDED.signals,
       rules_version = EXCLUDED.rules_version, computed_at = EXCLUDED.computed_at`,
    {
      companyId: input.companyId, icpId: input.icpId, workspaceId: input.workspaceId, score: input.score,
      reasons: input.reasons as unknown as Json[], signals: input.signals, rulesVersion: input.rulesVersion,
      computedAt: input.computedAt.toISOString(),
    },
  );
}

/** A company's stored intent for an ICP (or its best across ICPs when icpId is null), or null. */
export async function loadIntent(sql: Sql, companyId: string, icpId: string | null): Promise<StoredIntent | null> {
  const res = await sql.query<{ company_id: string; icp_id: string; score: number; reasons: IntentReason[]; signals: number; rules_version: string; computed_at: string }>(
    `SELECT company_id, icp_id, score, reasons, signals, rules_version, computed_at FROM company_intent
     WHERE company_id = :companyId::uuid AND (:icpId::uuid IS NULL OR icp_id = :icpId::uuid)
     ORDER BY score DESC, computed_at DESC LIMIT 1`,
    { companyId, icpId },
  );
  const r = res.rows[0];
  if (!r) return null;
  return {
    companyId: r.company_id, icpId: r.icp_id, score: r.score, reasons: r.reasons, signals: r.signals,
    rulesVersion: r.rules_version, computedAt: new Date(r.computed_at).toISOString(),
  };
}

/** Records what change detection found for a company in a run (the last attempt wins). */
export async function recordChangeCheck(sql: Sql, check: ChangeCheck): Promise<void> {
  await sql.query(
    `INSERT INTO company_change_check (run_id, company_id, status, pages, pages_unchanged, pages_not_modified, pages_changed, pages_removed, signals, error)
     VALUES (:runId::uuid, :companyId::uuid, :status, :pages, :pagesUnchanged, :pagesNotModified, :pagesChanged, :pagesRemoved, :signals, :error)
     ON CONFLICT (run_id, company_id) DO UPDATE SET status = EXCLUDED.status, pages = EXCLUDED.pages,
       pages_unchanged = EXCLUDED.pages_unchanged, pages_not_modified = EXCLUDED.pages_not_modified,
       pages_changed = EXCLUDED.pages_changed, pages_removed = EXCLUDED.pages_removed, signals = EXCLUDED.signals,
       error = EXCLUDED.error, checked_at = now()`,
    { ...check },
  );
}

/** The change checks of a run, one per company. */
export async function listChangeChecks(sql: Sql, runId: string): Promise<ChangeCheck[]> {
  const res = await sql.query<{ run_id: string; company_id: string; status: ChangeCheck['status']; pages: number; pages_unchanged: number; pages_not_modified: number; pages_changed: number; pages_removed: number; signals: number; error: string | null }>(
    `SELECT * FROM company_change_check WHERE run_id = :runId::uuid ORDER BY company_id`,
    { runId },
  );
  return res.rows.map((r) => ({
    runId: r.run_id, companyId: r.company_id, status: r.status, pages: r.pages, pagesUnchanged: r.pages_unchanged,
    pagesNotModified: r.pages_not_modified, pagesChanged: r.pages_changed, pagesRemoved: r.pages_removed, signals: r.signals, error: r.error,
  }));
}
