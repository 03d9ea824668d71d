/**
 * Suppressing an address and stopping what would still write to it: the one place the sending
 * side does it (a one-click opt-out, a hard bounce at send time, a bounce or complaint reported
 * by the provider). The caller passes its open transaction, so the suppression, the stopped
 * sequences and the cancelled queue rows commit together with whatever else it records.
 */
import { randomUUID } from 'node:crypto';
import { exclusionOf, loadExclusions } from '../pipeline/search-leads.ts';
import type { Sql } from '../ports.ts';
import { cancelScheduled } from './schedule.ts';

/** Where a suppression came from (the `suppression.source` check in sql/0003; `rep`: added by hand in the web app). */
export type SuppressionSource = 'opt_out' | 'bounce' | 'complaint' | 'rep';

export interface SuppressAddress {
  workspaceId: string;
  /** Lowercased here; the suppression row requires lowercase. */
  address: string;
  source: SuppressionSource;
  /** The suppression's reason, in words a rep reads. */
  reason: string;
  /** The stopped sequences' `status_reason` (e.g. `opted_out`, `bounced`, `complaint`). */
  stopReason: string;
  now: Date;
}

export interface SuppressResult {
  address: string;
  /** False when the address was already suppressed. */
  newlySuppressed: boolean;
  /** Open sequences (approved, active, paused) to the address that this stopped, sorted. */
  stoppedSequenceIds: string[];
}

/**
 * Suppresses `address` in the workspace, stops every open sequence to it and cancels their
 * scheduled emails. Idempotent: a second call suppresses and stops nothing more.
 */
export async function suppressAddress(tx: Sql, input: SuppressAddress): Promise<SuppressResult> {
  const address = input.address.trim().toLowerCase();
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO suppression (id, workspace_id, kind, value, reason, source)
     VALUES (:id::uuid, :ws::uuid, 'email', :address, :reason, :source)
     ON CONFLICT (workspace_id, kind, value) DO NOTHING
     RETURNING id`,
    { id: randomUUID(), ws: input.workspaceId, address, reason: input.reason.slice(0, 500), source: input.source },
  );
  const stopped = await tx.query<{ id: string }>(
    `UPDATE sequence s SET status = 'stopped', status_reason = :why, resume_on = NULL, updated_at = :now::timestamptz
       FROM lead l
      WHERE l.id = s.lead_id AND l.workspace_id = :ws::uuid AND l.email = :address
        AND s.workspace_id = :ws::uuid AND s.status IN ('approved', 'active', 'paused')
     RETURNING s.id`,
    { ws: input.workspaceId, address, why: input.stopReason, now: input.now },
  );
  const stoppedSequenceIds = stopped.rows.map((r) => r.id).sort();
  await cancelScheduled(tx, stoppedSequenceIds, input.now);
  return { address, newlySuppressed: inserted.rowCount > 0, stoppedSequenceIds };
}

/**
 * Stops the workspace's open sequences (approved, active, paused) whose leads the onboarding now
 * leaves out, and cancels their queued emails: a suppressed address or domain the file adds, the
 * seller's own, a customer's or a competitor's domain (a company that became a customer since its
 * sequence started). The reason is drafting's (`exclusionFor`), kept on the sequence. A company
 * cooling off and an address a bounce marked invalid stop nothing here: the reply or bounce that
 * set them already stopped what it had to. Returns what was stopped, with why.
 */
export async function stopExcludedSequences(tx: Sql, workspaceId: string, now: Date, page = OPEN_SEQUENCE_PAGE): Promise<{ sequenceId: string; lead: string; reason: string }[]> {
  const stopped: { sequenceId: string; lead: string; reason: string }[] = [];
  // a page of open sequences at a time: a team that sends has thousands, over the Data API's 1 MiB response
  for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
    const open = await tx.query<{ id: string; email: string; domain: string }>(
      `SELECT s.id, l.email, c.domain FROM sequence s JOIN lead l ON l.id = s.lead_id JOIN lead_company c ON c.id = l.company_id
        WHERE s.workspace_id = :ws::uuid AND s.status IN ('approved', 'active', 'paused') AND s.id > :after::uuid ORDER BY s.id LIMIT :page`,
      { ws: workspaceId, after, page },
    );
    if (open.rows.length === 0) return stopped;
    const exclusions = await loadExclusions(tx, workspaceId, now, open.rows);
    for (const row of open.rows) {
      const excluded = exclusionOf(exclusions, row.email, row.domain);
      if (excluded?.kind !== 'suppressed' && excluded?.kind !== 'seller') continue;
      const reason = excluded.reason;
      await tx.query(
        `UPDATE sequence SET status = 'stopped', status_reason = :why, resume_on = NULL, updated_at = :now::timestamptz
          WHERE id = :id::uuid AND status IN ('approved', 'active', 'paused')`,
        { id: row.id, why: `excluded: ${reason}`, now },
      );
      await cancelScheduled(tx, [row.id], now);
      stopped.push({ sequenceId: row.id, lead: row.email, reason });
    }
    if (open.rows.length < page) return stopped;
    after = open.rows[open.rows.length - 1].id;
  }
}

/** Open sequences `stopExcludedSequences` reads a statement: about 200 KB of rows on the Data API. */
export const OPEN_SEQUENCE_PAGE = 2000;
