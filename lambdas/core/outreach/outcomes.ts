/**
 * Outcomes a rep (or a CRM) records after the replies: a meeting booked, an opportunity, won,
 * lost, not a fit. One `outcome` row per sequence and kind (the table's UNIQUE key), on the
 * lead's latest approved sequence, whether or not it sent anything yet (else its latest
 * sequence); `emailSent` says whether it sent an email, since the calibration report counts only
 * those. The `outcome_effects` trigger (sql/0015) stops the sequence and cancels what is
 * scheduled, so a CRM inserting the same row directly gets the same effect.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Sql } from '../ports.ts';

/** The outcomes a person records; the others (replied, opted out, bounced...) come from replies. */
export const RECORDED_OUTCOMES = ['meeting_booked', 'opportunity', 'won', 'lost', 'not_a_fit'] as const;
export const RecordedOutcome = z.enum(RECORDED_OUTCOMES);
export type RecordedOutcome = z.infer<typeof RecordedOutcome>;

const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;

export interface RecordOutcomeInput {
  leadEmail: string;
  kind: string;
  note?: string | null;
  /** the rep recording it, by email (optional) */
  by?: string | null;
}

export interface RecordedOutcomeResult {
  leadEmail: string;
  sequenceId: string;
  kind: RecordedOutcome;
  /** false: this sequence already had this outcome; nothing changed */
  recorded: boolean;
  outcomeId: string;
  /** the sequence was open and is now stopped */
  stoppedSequence: boolean;
  /** an email of the sequence was sent; when none was, the calibration report leaves the outcome out */
  emailSent: boolean;
  note: string | null;
}

/** Records an outcome for the lead with this email; bad input names the field. */
export async function recordOutcome(sql: Sql, workspaceId: string, input: RecordOutcomeInput): Promise<RecordedOutcomeResult> {
  const email = input.leadEmail.trim().toLowerCase();
  const issues: { path: string; message: string }[] = [];
  if (!EMAIL.test(email)) issues.push({ path: 'LEAD_EMAIL', message: `"${input.leadEmail}" is not an email address` });
  const kind = RecordedOutcome.safeParse(input.kind);
  if (!kind.success) issues.push({ path: 'KIND', message: `"${input.kind}" is not an outcome; use one of ${RECORDED_OUTCOMES.join(', ')}` });
  const note = input.note?.trim() || null;
  if (note && note.length > 2000) issues.push({ path: '--note', message: `is ${note.length} characters; at most 2000` });
  if (issues.length || !kind.success) throw new ValidationError('outcome', issues);

  return sql.transaction(async (tx) => {
    const found = await tx.query<{ lead_id: string; sequence_id: string | null; status: string | null }>(
      `SELECT l.id AS lead_id, s.id AS sequence_id, s.status
         FROM lead l
         LEFT JOIN LATERAL (
           SELECT id, status FROM sequence WHERE lead_id = l.id
            ORDER BY (status NOT IN ('draft', 'rejected')) DESC, created_at DESC, id LIMIT 1
         ) s ON true
        WHERE l.workspace_id = :ws::uuid AND l.email = :email`,
      { ws: workspaceId, email },
    );
    const lead = found.rows[0];
    if (!lead) throw new NotFoundError(`outcome: no lead with the email ${email} in this workspace (LEAD_EMAIL): check the address the lead was found with`);
    if (!lead.sequence_id) throw new NotFoundError(`outcome: lead ${email} has no sequence yet; an outcome is recorded against the sequence that reached the lead`);
    const by = input.by
      ? (await tx.query<{ id: string }>(`SELECT id FROM app_user WHERE workspace_id = :ws::uuid AND email = :email`, { ws: workspaceId, email: input.by.trim().toLowerCase() })).rows[0]
      : undefined;
    if (input.by && !by) throw new ValidationError('outcome', [{ path: '--by', message: `"${input.by}" is not a user of this workspace` }]);
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO outcome (id, sequence_id, kind, note, recorded_by) VALUES (:id::uuid, :seq::uuid, :kind, :note, :by::uuid)
       ON CONFLICT (sequence_id, kind) DO NOTHING RETURNING id`,
      { id: randomUUID(), seq: lead.sequence_id, kind: kind.data, note, by: by?.id ?? null },
    );
    const existing = inserted.rows[0]
      ? undefined
      : (await tx.query<{ id: string; note: string | null }>(`SELECT id, note FROM outcome WHERE sequence_id = :seq::uuid AND kind = :kind`, { seq: lead.sequence_id, kind: kind.data })).rows[0];
    const after = await tx.query<{ status: string; email_sent: boolean }>(
      `SELECT status, EXISTS (SELECT 1 FROM send_attempt sa JOIN message m ON m.id = sa.message_id WHERE m.sequence_id = s.id AND sa.status = 'sent') AS email_sent
         FROM sequence s WHERE s.id = :seq::uuid`,
      { seq: lead.sequence_id },
    );
    return {
      leadEmail: email,
      sequenceId: lead.sequence_id,
      kind: kind.data,
      recorded: Boolean(inserted.rows[0]),
      outcomeId: inserted.rows[0]?.id ?? existing!.id,
      stoppedSequence: lead.status !== after.rows[0].status && after.rows[0].status === 'stopped',
      emailSent: after.rows[0].email_sent,
      note: existing ? existing.note : note,
    };
  });
}
