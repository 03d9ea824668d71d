/**
 * Match: which of our threads an inbound mail answers. In order of trust:
 * 1. its `In-Reply-To`, then its `References` (newest first), naming the Message-ID of one of our
 *    send attempts: the id we wrote (`rfc_message_id`) or the one the provider replaced it with
 *    (`delivered_message_id`);
 * 2. for a delivery report, the Message-ID of the returned message;
 * 3. the sender's address (for a bounce, the address that failed) being a lead's, and the subject
 *    being one of that lead's open sequence's subjects after its `Re:`/`AW:`/`Fwd:` prefixes;
 * 4. the sender's address alone: the lead is known, not the thread (an opt-out still reaches
 *    every sequence to that address through the action).
 * Nothing matched is `unmatched`: the reply is kept and listed all the same, never dropped.
 */
import type { Sql } from '../ports.ts';
import type { InboundMail } from './parse.ts';

export type ThreadMatchKind = 'in_reply_to' | 'references' | 'bounce_report' | 'address_subject' | 'address' | 'unmatched';

export interface ThreadMatch {
  kind: ThreadMatchKind;
  sendAttemptId: string | null;
  sequenceId: string | null;
  leadId: string | null;
  /** the lead's address; for an unmatched mail, the address it came from (or the one that bounced) */
  address: string | null;
  /** the Message-ID that matched, for `in_reply_to`, `references` and `bounce_report` */
  messageId: string | null;
}

// Reply and forward prefixes in the languages the classifier reads, repeated and bracketed.
const PREFIX = /^\s*((re|aw|sv|vs|antw|ref|rif|r|tr|wg|fw|fwd|enc|rv)\s*(\[\d+\])?\s*[:：]\s*)+/i;

/** The subject without its reply/forward prefixes, spaces folded, lower case. */
export function baseSubject(subject: string): string {
  return subject.replace(PREFIX, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** What the classifier read from a bounce that the headers may not carry (a report in plain text). */
export interface BounceHint {
  recipient: string | null;
  originalMessageId: string | null;
}

/** The address the mail is about: the failed recipient of a delivery report, else the sender. */
export function mailAddress(mail: InboundMail, bounce?: BounceHint | null): string | null {
  if (bounce?.recipient) return bounce.recipient.toLowerCase();
  const failed = mail.deliveryStatus?.recipients.find((r) => r.finalRecipient)?.finalRecipient ?? mail.deliveryStatus?.recipients.find((r) => r.originalRecipient)?.originalRecipient;
  if (mail.deliveryStatus && failed) return failed.toLowerCase();
  return mail.from?.address.toLowerCase() ?? null;
}

/** Finds the thread `mail` answers in the workspace; see the module comment. */
export async function matchThread(sql: Sql, workspaceId: string, mail: InboundMail, bounce?: BounceHint | null): Promise<ThreadMatch> {
  const address = mailAddress(mail, bounce);
  const returned = mail.deliveryStatus?.originalMessageId ?? bounce?.originalMessageId ?? null;
  const headerIds: { id: string; kind: ThreadMatchKind }[] = [
    ...(mail.inReplyTo ? [{ id: mail.inReplyTo, kind: 'in_reply_to' as const }] : []),
    ...[...mail.references].reverse().map((id) => ({ id, kind: 'references' as const })),
    ...(returned ? [{ id: returned, kind: 'bounce_report' as const }] : []),
  ];
  const seen = new Set<string>();
  for (const { id, kind } of headerIds) {
    if (seen.has(id)) continue;
    seen.add(id);
    const rows = await sql.query<{ attempt_id: string; sequence_id: string; lead_id: string; email: string }>(
      `SELECT sa.id AS attempt_id, s.id AS sequence_id, s.lead_id, l.email
         FROM send_attempt sa
         JOIN message m ON m.id = sa.message_id
         JOIN sequence s ON s.id = m.sequence_id
         JOIN lead l ON l.id = s.lead_id
        WHERE s.workspace_id = :ws::uuid AND (sa.rfc_message_id = :id OR sa.delivered_message_id = :id)
        ORDER BY sa.started_at DESC
        LIMIT 1`,
      { ws: workspaceId, id },
    );
    const row = rows.rows[0];
    if (row) return { kind, sendAttemptId: row.attempt_id, sequenceId: row.sequence_id, leadId: row.lead_id, address: row.email, messageId: id };
  }
  if (!address) return { kind: 'unmatched', sendAttemptId: null, sequenceId: null, leadId: null, address: null, messageId: null };

  // The lead's sequences, open ones first, newest first; with the subjects we sent in each.
  const leads = await sql.query<{ lead_id: string; sequence_id: string | null; subjects: string | null }>(
    `SELECT l.id AS lead_id, s.id AS sequence_id,
            (SELECT string_agg(m.subject, chr(10)) FROM message m WHERE m.sequence_id = s.id AND m.subject IS NOT NULL) AS subjects
       FROM lead l
       LEFT JOIN sequence s ON s.lead_id = l.id AND s.workspace_id = l.workspace_id AND s.status <> 'draft' AND s.status <> 'rejected'
      WHERE l.workspace_id = :ws::uuid AND l.email = :address
      ORDER BY (s.status IN ('approved', 'active', 'paused')) DESC NULLS LAST, s.created_at DESC NULLS LAST`,
    { ws: workspaceId, address },
  );
  if (leads.rows.length === 0) return { kind: 'unmatched', sendAttemptId: null, sequenceId: null, leadId: null, address, messageId: null };
  const subject = baseSubject(mail.subject);
  if (subject) {
    for (const row of leads.rows) {
      if (row.sequence_id && (row.subjects ?? '').split('\n').some((s) => baseSubject(s) === subject)) {
        return { kind: 'address_subject', sendAttemptId: null, sequenceId: row.sequence_id, leadId: row.lead_id, address, messageId: null };
      }
    }
  }
  return { kind: 'address', sendAttemptId: null, sequenceId: null, leadId: leads.rows[0].lead_id, address, messageId: null };
}
