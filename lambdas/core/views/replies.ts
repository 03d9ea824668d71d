/**
 * A workspace's stored replies as a rep reads them: thread, label, confidence, the action taken,
 * the task it opened and what labelling it cost. Shared by `prospector replies list` and the
 * web app's inbox.
 */
import type { Sql } from '../ports.ts';

/** One stored reply, as `replies list` and the web inbox show it. */
export interface ListedReply {
  id: string;
  receivedAt: string;
  from: string;
  subject: string | null;
  /** `repEmail`: the rep the reply is for (its response's once handed over to them, else its sequence's, else its response's); null when it matched no thread */
  thread: { match: string; sequenceId: string | null; leadId: string | null; leadEmail: string | null; sequenceStatus: string | null; repEmail: string | null };
  label: string | null;
  classifiedBy: string | null;
  confidence: number | null;
  needsReview: boolean;
  returnDate: string | null;
  referral: { name: string | null; email: string } | null;
  bounce: { kind: string; status: string | null; recipient: string | null } | null;
  action: string | null;
  /** the classifier's evidence: the words of the mail it read the label from (untrusted text) */
  evidence: string | null;
  /** the response draft in the approval queue (`prospector drafts show ID`), if one was drafted */
  response: { id: string; status: string; grounding: string; source: string } | null;
  /** the follow-up task the reply opened for its rep (interested, needs_info, objection) */
  task: { title: string; dueOn: string; status: string } | null;
  rawKey: string;
  /** the mail's content hash: its parsed copy is at `lakeKeys.replyMail(workspace, contentSha256)` */
  contentSha256: string | null;
  /** `<ErrorName>: <reason>` for a mail the replies machine could not finish (no label, nothing acted on) */
  error: string | null;
  /** what labelling it cost: the model calls stored as the reply's `llm_call` rows (none offline or by the rules) */
  llm: { calls: number; promptTokens: number; completionTokens: number; costUsd: number };
}

/** The rep a reply is for (see `ListedReply.thread`): a response handed over to another rep takes the reply with it. */
const REPLY_REP = `CASE WHEN rr.handed_over_from IS NOT NULL THEN rr.rep_email ELSE COALESCE(s.rep_email, rr.rep_email) END`;

/** Stored replies of the workspace, newest first; `repEmail`: only those for that rep (see `ListedReply.thread`). */
export async function listReplies(sql: Sql, workspaceId: string, filter: { label?: string; unmatched: boolean; repEmail?: string | null }): Promise<ListedReply[]> {
  const rows = await sql.query<{
    id: string; received_at: string | Date; from_email: string; subject: string | null; thread_match: string | null; sequence_id: string | null;
    lead_id: string | null; lead_email: string | null; sequence_status: string | null; rep_email: string | null; classification: string | null; classified_by: string | null;
    confidence: string | number | null; needs_review: boolean; return_date: string | Date | null; referral_name: string | null;
    referral_email: string | null; bounce_kind: string | null; bounce_status: string | null; bounce_recipient: string | null;
    action: string | null; evidence: string | null; task_title: string | null; task_due_on: string | null; task_status: string | null; raw_key: string; content_sha256: string | null; error: string | null; llm_calls: number; prompt_tokens: number; completion_tokens: number; cost_usd: number;
    response_id: string | null; response_status: string | null; response_grounding: string | null; response_source: string | null;
  }>(
    `SELECT r.id, r.received_at, r.from_email, r.subject, r.thread_match, r.sequence_id, r.lead_id, l.email AS lead_email, s.status AS sequence_status,
            ${REPLY_REP} AS rep_email,
            r.classification, r.classified_by, r.confidence, r.needs_review, to_char(r.return_date, 'YYYY-MM-DD') AS return_date,
            r.referral_name, r.referral_email, r.bounce_kind, r.bounce_status, r.bounce_recipient, r.action, r.evidence, t.title AS task_title,
            to_char(t.due_on, 'YYYY-MM-DD') AS task_due_on, t.status AS task_status, r.raw_key, r.content_sha256, r.error,
            c.llm_calls, c.prompt_tokens, c.completion_tokens, c.cost_usd,
            rr.id AS response_id, rr.status AS response_status, rr.grounding AS response_grounding, rr.source AS response_source
       FROM reply r
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS llm_calls, coalesce(sum(prompt_tokens), 0)::int AS prompt_tokens,
                coalesce(sum(completion_tokens), 0)::int AS completion_tokens, coalesce(sum(cost_usd), 0)::float8 AS cost_usd
           FROM llm_call WHERE reply_id = r.id
       ) c
       LEFT JOIN lead l ON l.id = r.lead_id
       LEFT JOIN sequence s ON s.id = r.sequence_id
       LEFT JOIN rep_task t ON t.reply_id = r.id
       LEFT JOIN reply_response rr ON rr.reply_id = r.id
      WHERE r.workspace_id = :ws::uuid
        AND (:label::text IS NULL OR (:label = 'needs_review' AND r.needs_review) OR r.classification = :label)
        AND (NOT :unmatched::boolean OR r.sequence_id IS NULL)
        AND (:rep::text IS NULL OR ${REPLY_REP} = :rep::text)
      ORDER BY r.received_at DESC, r.id`,
    { ws: workspaceId, label: filter.label ?? null, unmatched: filter.unmatched, rep: filter.repEmail?.trim().toLowerCase() || null },
  );
  return rows.rows.map((r) => ({
    id: r.id,
    receivedAt: new Date(r.received_at).toISOString(),
    from: r.from_email,
    subject: r.subject,
    thread: { match: r.thread_match ?? (r.sequence_id ? 'recorded' : 'unmatched'), sequenceId: r.sequence_id, leadId: r.lead_id, leadEmail: r.lead_email, sequenceStatus: r.sequence_status, repEmail: r.rep_email },
    label: r.classification,
    classifiedBy: r.classified_by,
    confidence: r.confidence === null ? null : Number(r.confidence),
    needsReview: r.needs_review,
    returnDate: r.return_date === null ? null : String(r.return_date),
    referral: r.referral_email ? { name: r.referral_name, email: r.referral_email } : null,
    bounce: r.bounce_kind ? { kind: r.bounce_kind, status: r.bounce_status, recipient: r.bounce_recipient } : null,
    action: r.action,
    evidence: r.evidence,
    response: r.response_id ? { id: r.response_id, status: r.response_status!, grounding: r.response_grounding!, source: r.response_source! } : null,
    task: r.task_title ? { title: r.task_title, dueOn: String(r.task_due_on), status: String(r.task_status) } : null,
    rawKey: r.raw_key,
    contentSha256: r.content_sha256,
    error: r.error,
    llm: { calls: r.llm_calls, promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens, costUsd: Number(r.cost_usd) },
  }));
}
