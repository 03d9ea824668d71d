/**
 * The run lead aggregate: one lead's way through one run (`run_lead`) and why it failed
 * (`lead_failure`). Every step moves a lead through this module, never with its own `UPDATE`,
 * so the statuses and the moves between them are written down once:
 *
 *   pending ─► fetched ─► cleaned ─► researched
 *      │          │          │
 *      └──────────┴──────────┴─► skipped          (robots, unchanged research, budget, no evidence)
 *   any ─► failed ─► pending                      (a step failed; a redrive picks it up again)
 *
 * A step repeated (a retry, a redrive of a committed lead) may set the status the lead already
 * has. Any other move is a bug and throws `IllegalTransitionError` naming the lead, from and to.
 * The tables below are keyed by the status union, so a new status (e.g. `drafted`) does not
 * compile until every one of them says what it means for it.
 */
import { IllegalTransitionError, NotFoundError } from '../errors.ts';
import type { Sql } from '../ports.ts';

/** Every status a lead can have in a run (the `run_lead.status` CHECK constraint lists the same). */
export const RUN_LEAD_STATUSES = ['pending', 'fetched', 'cleaned', 'researched', 'skipped', 'failed'] as const;
export type RunLeadStatus = (typeof RUN_LEAD_STATUSES)[number];

/** Where a lead may go from each status (besides staying where it is). */
export const RUN_LEAD_TRANSITIONS: { readonly [S in RunLeadStatus]: readonly RunLeadStatus[] } = {
  pending: ['fetched', 'skipped', 'failed'],
  fetched: ['cleaned', 'skipped', 'failed'],
  cleaned: ['researched', 'skipped', 'failed'],
  // the research is committed, but the step can still fail after it (its lake record)
  researched: ['failed'],
  skipped: ['failed'],
  // a redrive resets failed leads to pending
  failed: ['pending'],
};

/**
 * The stage a lead in each status is at, where a failure of the whole run leaves it; null for
 * a lead that finished (researched, skipped) or already failed.
 */
export const UNFINISHED_STAGE: { readonly [S in RunLeadStatus]: FailureStage | null } = {
  pending: 'fetch',
  fetched: 'clean',
  cleaned: 'research',
  researched: null,
  skipped: null,
  failed: null,
};

/** Where a lead failed (the `lead_failure.stage` CHECK constraint lists the same). */
export type FailureStage = 'search' | 'fetch' | 'clean' | 'research' | 'commit';

/** Whether a lead may go from `from` to `to`. */
export function canMove(from: RunLeadStatus, to: RunLeadStatus): boolean {
  return from === to || RUN_LEAD_TRANSITIONS[from].includes(to);
}

/** The statuses a lead may reach `to` from, as a SQL list of literals (from the constant union only). */
function sqlFrom(to: RunLeadStatus): string {
  return RUN_LEAD_STATUSES.filter((s) => canMove(s, to))
    .map((s) => `'${s}'`)
    .join(', ');
}

function isStatus(value: string): value is RunLeadStatus {
  return (RUN_LEAD_STATUSES as readonly string[]).includes(value);
}

/**
 * Moves one lead of a run to `to`, with the reason (required by the schema for skipped and
 * failed, cleared otherwise) and the research it points at (kept when not given). Checked and
 * written in one statement, so two steps racing cannot slip an illegal move between a read and
 * a write. Throws `NotFoundError` for a lead not in the run, `IllegalTransitionError` for a move
 * the table does not allow.
 */
export async function moveRunLead(
  sql: Sql,
  runId: string,
  leadId: string,
  to: RunLeadStatus,
  extra: { reason?: string | null; researchId?: string | null } = {},
): Promise<void> {
  const moved = await sql.query(
    `UPDATE run_lead SET status = :to, reason = :reason, research_id = COALESCE(:researchId::uuid, research_id), updated_at = now()
     WHERE run_id = :runId::uuid AND lead_id = :leadId::uuid AND status IN (${sqlFrom(to)})`,
    { runId, leadId, to, reason: extra.reason ?? null, researchId: extra.researchId ?? null },
  );
  if (moved.rowCount > 0) return;
  const now = await sql.query<{ status: string }>(`SELECT status FROM run_lead WHERE run_id = :runId::uuid AND lead_id = :leadId::uuid`, { runId, leadId });
  const from = now.rows[0]?.status;
  if (from === undefined) throw new NotFoundError(`lead ${leadId} is not part of run ${runId}`);
  throw new IllegalTransitionError(`lead ${leadId} of run ${runId}`, isStatus(from) ? from : `unknown status ${from}`, to);
}

/** A failure: its stage, the error's name and message, and the reason the run lead shows. */
export interface LeadFailure {
  stage: FailureStage;
  name: string;
  message: string;
  /** shown as `run_lead.reason` */
  reason: string;
}

/** A lead's failure row in a run is one row: a repeat counts an attempt and opens a resolved one again. */
const FAILURE_UPSERT = `ON CONFLICT (run_id, lead_id) DO UPDATE
       SET stage = EXCLUDED.stage, error_name = EXCLUDED.error_name, message = EXCLUDED.message,
           attempts = lead_failure.attempts + 1, failed_at = now(), resolved_at = NULL`;

/**
 * Records that a lead failed: the failure row is upserted (attempts count up on a redrive; a
 * resolved failure is open again) and the lead moves to `failed`. Use inside a transaction.
 */
export async function failRunLead(tx: Sql, runId: string, leadId: string, failure: LeadFailure, newId: () => string): Promise<void> {
  await tx.query(
    `INSERT INTO lead_failure (id, run_id, lead_id, stage, error_name, message)
     VALUES (:id::uuid, :runId::uuid, :leadId::uuid, :stage, :name, :message)
     ${FAILURE_UPSERT}`,
    { id: newId(), runId, leadId, stage: failure.stage, name: failure.name, message: failure.message },
  );
  await moveRunLead(tx, runId, leadId, 'failed', { reason: failure.reason });
}

/** Marks the lead's open failure in this run resolved (a redrive researched or skipped it); the row stays as history. */
export async function resolveLeadFailure(tx: Sql, runId: string, leadId: string): Promise<void> {
  await tx.query(`UPDATE lead_failure SET resolved_at = now() WHERE run_id = :runId::uuid AND lead_id = :leadId::uuid AND resolved_at IS NULL`, { runId, leadId });
}

/** How many failures this lead has had in this run (0 when none). */
export async function failureAttempts(sql: Sql, runId: string, leadId: string): Promise<number> {
  const res = await sql.query<{ attempts: number }>(`SELECT attempts FROM lead_failure WHERE run_id = :runId::uuid AND lead_id = :leadId::uuid`, { runId, leadId });
  return res.rows[0]?.attempts ?? 0;
}

/** Leads failed per statement by `failUnfinishedRunLeads`: one Data API call each, its ids well under a request's size. */
export const FAIL_UNFINISHED_BATCH = 500;

/**
 * Fails every lead the run never finished, each at the stage it had reached (see
 * `UNFINISHED_STAGE`), with the same failure; returns how many. Set-based, a batch of leads a
 * statement: a run of 20,000 leads that failed early closes in 40 statements instead of 40,000
 * Data API calls (two a lead), and no response lists the leads (20,000 ids would pass the Data
 * API's 1 MiB). Use inside a transaction.
 */
export async function failUnfinishedRunLeads(tx: Sql, runId: string, failure: Omit<LeadFailure, 'stage'>, newId: () => string): Promise<number> {
  const unfinished = RUN_LEAD_STATUSES.filter((s) => UNFINISHED_STAGE[s] !== null);
  const inUnfinished = `status IN (${unfinished.map((s) => `'${s}'`).join(', ')})`;
  const stageOf = `CASE b.status ${unfinished.map((s) => `WHEN '${s}' THEN '${UNFINISHED_STAGE[s]}'`).join(' ')} END`;
  // Usually none (every lead finished): one statement, as when the leads were read one by one.
  const counted = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM run_lead WHERE run_id = :runId::uuid AND ${inUnfinished}`, { runId });
  let left = counted.rows[0]?.n ?? 0;
  let total = 0;
  while (left > 0) {
    const size = Math.min(left, FAIL_UNFINISHED_BATCH);
    const ids = Array.from({ length: size }, () => newId());
    const res = await tx.query<{ n: number }>(
      `WITH b AS (
         SELECT lead_id, status, row_number() OVER (ORDER BY lead_id) AS i FROM (
           SELECT lead_id, status FROM run_lead
            WHERE run_id = :runId::uuid AND ${inUnfinished}
            ORDER BY lead_id LIMIT :limit FOR UPDATE
         ) unfinished
       ), failures AS (
         INSERT INTO lead_failure (id, run_id, lead_id, stage, error_name, message)
         SELECT (:ids::jsonb ->> (b.i - 1)::int)::uuid, :runId::uuid, b.lead_id, ${stageOf}, :name, :message FROM b
         ${FAILURE_UPSERT}
       ), moved AS (
         UPDATE run_lead r SET status = 'failed', reason = :reason, updated_at = now()
           FROM b WHERE r.run_id = :runId::uuid AND r.lead_id = b.lead_id
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM moved`,
      { runId, limit: size, ids: JSON.stringify(ids), name: failure.name, message: failure.message, reason: failure.reason },
    );
    const n = res.rows[0]?.n ?? 0;
    total += n;
    if (n < size) break;
    left -= n;
  }
  return total;
}

/**
 * A redrive: the run's failed leads go back to pending (reason cleared); returns how many. Not
 * their ids: a response naming tens of thousands of leads would pass the Data API's 1 MiB.
 */
export async function resetFailedRunLeads(sql: Sql, runId: string): Promise<number> {
  const rows = await sql.query<{ n: number }>(
    `WITH reset AS (
       UPDATE run_lead SET status = 'pending', reason = NULL, updated_at = now()
       WHERE run_id = :runId::uuid AND status = 'failed' RETURNING 1
     ) SELECT count(*)::int AS n FROM reset`,
    { runId },
  );
  return rows.rows[0]?.n ?? 0;
}
