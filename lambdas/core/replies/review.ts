/**
 * A rep's review of a reply's label (the inbox): confirm it as it is, or correct it. Either way
 * the label becomes the reviewed one and its action runs through `actOnLabel`, the code the
 * replies flow runs, in ONE transaction with the label's change:
 *
 * - a label under review (`needs_review`) is acted on when confirmed; a label the flow acted on
 *   already is only marked reviewed when confirmed (its action ran once, it does not run again);
 * - a corrected label runs the new label's action (an opt-out suppresses the address and stops
 *   every open sequence to it at once); what the old label did stays done (a task stays open, a
 *   stopped sequence stays stopped), and each effect is unique per reply, so nothing runs twice;
 * - confirming (or correcting to) the label already reviewed changes nothing;
 * - a correction to a label that asks for no answer (an opt-out, not interested, wrong person,
 *   an auto-reply) rejects the reply's suggested response still waiting and closes its open task,
 *   with the reason: the old label's answer is no longer wanted.
 *
 * A correction offers the labels that need no detail a rep would have to type: a referral's
 * address, an objection's kind and a bounce's report come from the mail, so they are confirmed
 * when the classifier gave them, never invented here.
 */
import { NotFoundError, ProspectorError } from '../errors.ts';
import type { Sql } from '../ports.ts';
import { actOnLabel, type LabelAction } from './act.ts';
import type { ReplyClassification } from './classify.ts';
import type { ReplyLabel } from './labels.ts';
import { RESPONDING_LABELS } from './respond.ts';

/** Labels a rep may correct a reply to. */
export const CORRECTABLE_LABELS = ['interested', 'needs_info', 'not_interested', 'wrong_person', 'unsubscribe', 'out_of_office', 'auto_reply'] as const satisfies readonly ReplyLabel[];

export interface LabelReview {
  replyId: string;
  label: string;
  /** the label before the review */
  before: string;
  /** false: the label was reviewed already as this, or acted on already and confirmed: nothing ran */
  acted: boolean;
  /** the action's words, as the inbox shows them */
  action: string;
  result: LabelAction | null;
}

interface ReviewRow {
  id: string;
  classification: string | null;
  needs_review: boolean;
  reviewed_at: string | null;
  error: string | null;
  thread_match: string | null;
  sequence_id: string | null;
  lead_id: string | null;
  from_email: string;
  lead_email: string | null;
  received_day: string;
  confidence: string | number | null;
  questions: string[];
  referral_name: string | null;
  referral_email: string | null;
  objection_kind: string | null;
  return_date: string | null;
  bounce_kind: 'hard' | 'soft' | null;
  bounce_status: string | null;
  bounce_recipient: string | null;
  evidence: string | null;
  action: string | null;
}

/**
 * Confirms (`label` = the current one) or corrects a reply's label in the workspace, by the
 * user `byEmail` of that workspace. NotFound for a reply of another workspace.
 */
export async function reviewReplyLabel(sql: Sql, input: { workspaceId: string; replyId: string; label: string; byEmail: string; now?: Date }): Promise<LabelReview> {
  const now = input.now ?? new Date();
  return sql.transaction(async (tx) => {
    const found = await tx.query<ReviewRow>(
      `SELECT r.id, r.classification, r.needs_review, r.reviewed_at, r.error, r.thread_match, r.sequence_id, r.lead_id, r.from_email,
              l.email AS lead_email, to_char(r.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS received_day, r.confidence, r.questions,
              r.referral_name, r.referral_email, r.objection_kind, to_char(r.return_date, 'YYYY-MM-DD') AS return_date,
              r.bounce_kind, r.bounce_status, r.bounce_recipient, r.evidence, r.action
         FROM reply r LEFT JOIN lead l ON l.id = r.lead_id
        WHERE r.id = :id::uuid AND r.workspace_id = :ws::uuid
        FOR UPDATE OF r`,
      { id: input.replyId, ws: input.workspaceId },
    );
    const row = found.rows[0];
    if (!row) throw new NotFoundError(`no reply ${input.replyId} in this workspace`);
    if (row.error || !row.classification) throw new ProspectorError(`reply ${input.replyId} was not processed (${row.error ?? 'no label'}): it has no label to review`);
    const before = row.classification;
    const label = input.label;
    const correcting = label !== before;
    if (correcting && !(CORRECTABLE_LABELS as readonly string[]).includes(label)) {
      throw new ProspectorError(`label "${String(label).slice(0, 40)}" cannot be set by a rep: choose one of ${CORRECTABLE_LABELS.join(', ')}`);
    }
    const user = await tx.query<{ email: string }>(`SELECT email FROM app_user WHERE workspace_id = :ws::uuid AND email = :email`, { ws: input.workspaceId, email: input.byEmail.toLowerCase() });
    if (!user.rows[0]) throw new ProspectorError(`${input.byEmail} is not a user of this workspace`);

    // Acted on already with this label (by the flow, or by an earlier review): nothing runs again.
    if (!correcting && !row.needs_review) {
      if (!row.reviewed_at) {
        await tx.query(`UPDATE reply SET reviewed_by_email = :by, reviewed_at = :now::timestamptz WHERE id = :id::uuid`, { id: row.id, by: user.rows[0].email, now });
      }
      return { replyId: row.id, label, before, acted: false, action: row.action ?? 'no action', result: null };
    }

    const keep = !correcting;
    await tx.query(
      `UPDATE reply SET classifier_label = coalesce(classifier_label, classification), classification = :label, needs_review = false,
              classified_by = CASE WHEN :keep::boolean THEN classified_by ELSE 'rep' END,
              questions = CASE WHEN :keep::boolean THEN questions ELSE '[]'::jsonb END,
              referral_name = CASE WHEN :keep::boolean THEN referral_name END, referral_email = CASE WHEN :keep::boolean THEN referral_email END,
              objection_kind = CASE WHEN :keep::boolean THEN objection_kind END, return_date = CASE WHEN :keep::boolean THEN return_date END,
              bounce_kind = CASE WHEN :keep::boolean THEN bounce_kind END, bounce_status = CASE WHEN :keep::boolean THEN bounce_status END,
              bounce_recipient = CASE WHEN :keep::boolean THEN bounce_recipient END,
              reviewed_by_email = :by, reviewed_at = :now::timestamptz
        WHERE id = :id::uuid`,
      { id: row.id, label, keep, by: user.rows[0].email, now },
    );
    const bounce = keep && row.bounce_kind ? { kind: row.bounce_kind, recipient: row.bounce_recipient } : null;
    const classification = {
      label,
      confidence: row.confidence === null ? 1 : Number(row.confidence),
      // only read into the outcome's note
      classifiedBy: keep ? 'rep (confirmed)' : 'rep',
      needsReview: false,
      questions: keep ? row.questions : [],
      referral: keep && row.referral_email ? { name: row.referral_name, email: row.referral_email } : null,
      objection: keep ? row.objection_kind : null,
      returnDate: keep ? row.return_date : null,
      bounce: null,
      evidence: row.evidence ?? '',
      model: null,
      promptVersion: null,
      fallbackReason: null,
    } as unknown as ReplyClassification;
    const result = await actOnLabel(tx, {
      workspaceId: input.workspaceId,
      replyId: row.id,
      classification,
      match: { kind: (row.thread_match ?? 'unmatched') as never, sequenceId: row.sequence_id, leadId: row.lead_id },
      address: (row.lead_email ?? row.bounce_recipient ?? row.from_email) || null,
      to: [],
      receivedDay: row.received_day,
      now,
      bounce,
      bounceStatus: keep ? row.bounce_status : null,
      returnDate: keep ? row.return_date : null,
    });
    // A correction to a label that asks for no answer withdraws what the old label set up: the
    // suggested response (approvable until now, refused only when sending) and the open task.
    let withdrawn = '';
    if (correcting && !(RESPONDING_LABELS as readonly string[]).includes(label)) {
      const why = `the reply's label was corrected from ${before} to ${label} by ${user.rows[0].email}: it asks for no answer`;
      const rejected = await tx.query(
        `UPDATE reply_response SET status = 'rejected', decided_by_email = :by, decision_reason = :why, decided_at = :now::timestamptz
          WHERE reply_id = :id::uuid AND status = 'draft' RETURNING id`,
        { id: row.id, by: user.rows[0].email, why, now },
      );
      const closed = await tx.query(
        `UPDATE rep_task SET status = 'done', done_at = :now::timestamptz WHERE reply_id = :id::uuid AND status = 'open' RETURNING id`,
        { id: row.id, now },
      );
      const parts = [rejected.rowCount ? 'its suggested response rejected' : '', closed.rowCount ? 'its open task closed' : ''].filter(Boolean);
      if (parts.length) withdrawn = `; ${parts.join(' and ')} (the label asks for no answer)`;
    } else if (correcting) {
      // an opt-out is never undone: an address the old label suppressed stays suppressed
      const address = (row.lead_email ?? row.from_email).toLowerCase();
      const suppressed = await tx.query(`SELECT 1 FROM suppression WHERE workspace_id = :ws::uuid AND kind = 'email' AND value = :address LIMIT 1`, { ws: input.workspaceId, address });
      if (suppressed.rowCount) withdrawn = `; ${address} stays suppressed (an opt-out is never undone): no email goes to it, so answer it another way`;
    }
    const action = `${correcting ? `label corrected from ${before} to ${label}` : `label ${label} confirmed`} by ${user.rows[0].email}: ${result.action}${withdrawn}`;
    await tx.query(`UPDATE reply SET action = :action WHERE id = :id::uuid`, { id: row.id, action: action.slice(0, 2000) });
    return { replyId: row.id, label, before, acted: true, action, result };
  });
}
