/**
 * Bounces and complaints that SES reports after it accepted a message, as its configuration set
 * publishes them to EventBridge ("Monitoring email sending using Amazon SES event publishing",
 * https://docs.aws.amazon.com/ses/latest/dg/monitor-using-event-publishing.html; the EventBridge
 * detail types `Email Bounced` and `Email Complaint Received` with the event record as `detail`,
 * https://docs.aws.amazon.com/ses/latest/dg/monitoring-eventbridge.html; the record's fields,
 * https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html).
 *
 * - A `Permanent` bounce is a hard bounce: the address is suppressed (source `bounce`) and every
 *   open sequence to it stops, in one transaction.
 * - A complaint (the recipient marked the mail as spam) is treated like an opt-out: suppressed
 *   (source `complaint`) and stopped the same way.
 * - `Transient` and `Undetermined` bounces suppress nothing: SES has already retried, the address
 *   exists, and the next message is sent as planned.
 *
 * The event is matched to our send attempt by the SES message id the send recorded, else by the
 * `message` tag the send step put on the mail (a bounce from the account's suppression list can
 * arrive before the attempt's answer is stored). Only the attempt's own recipient is suppressed:
 * an address in the event that we never wrote to is ignored. EventBridge delivers at least once;
 * recording the same event twice changes nothing.
 */
import { z } from 'zod';
import type { Log, Sql } from '../ports.ts';
import { suppressAddress, type SuppressResult } from './suppress.ts';

const Recipient = z.object({ emailAddress: z.string().min(3).max(320) }).loose();

const Mail = z
  .object({
    messageId: z.string().min(1).max(200),
    /** Tag name to values; SES adds its own `ses:*` tags beside ours. */
    tags: z.record(z.string(), z.array(z.string())).optional(),
  })
  .loose();

const BounceDetail = z.object({
  eventType: z.literal('Bounce'),
  mail: Mail,
  bounce: z
    .object({
      bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
      bounceSubType: z.string().max(100).optional(),
      bouncedRecipients: z.array(Recipient.extend({ status: z.string().max(20).optional(), diagnosticCode: z.string().max(2000).optional() })),
      timestamp: z.string().optional(),
      feedbackId: z.string().optional(),
    })
    .loose(),
});

const ComplaintDetail = z.object({
  eventType: z.literal('Complaint'),
  mail: Mail,
  complaint: z
    .object({
      complainedRecipients: z.array(Recipient),
      complaintFeedbackType: z.string().max(100).optional(),
      complaintSubType: z.string().max(100).nullable().optional(),
      timestamp: z.string().optional(),
      feedbackId: z.string().optional(),
    })
    .loose(),
});

/** An SES event as EventBridge delivers it to a rule's Lambda target. */
export const SesMailEvent = z
  .object({
    source: z.literal('aws.ses'),
    'detail-type': z.enum(['Email Bounced', 'Email Complaint Received']),
    detail: z.discriminatedUnion('eventType', [BounceDetail, ComplaintDetail]),
  })
  .loose();
export type SesMailEvent = z.infer<typeof SesMailEvent>;

export type SesEventOutcome =
  /** suppressed (or already suppressed) and the address's open sequences stopped */
  | { outcome: 'suppressed'; kind: 'bounce' | 'complaint'; sesMessageId: string; workspaceId: string; results: SuppressResult[] }
  /** a soft bounce: nothing to do */
  | { outcome: 'noted'; kind: 'bounce'; sesMessageId: string; reason: string }
  /** no send attempt of ours carries this message */
  | { outcome: 'unmatched'; kind: 'bounce' | 'complaint'; sesMessageId: string };

interface Attempt {
  workspace_id: string;
  to_email: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The send attempt an SES event is about: by SES message id, else by the `message` tag. */
async function findAttempt(tx: Sql, mail: z.infer<typeof Mail>): Promise<Attempt | undefined> {
  const byId = await tx.query<Attempt>(
    `SELECT s.workspace_id, sa.to_email FROM send_attempt sa JOIN message m ON m.id = sa.message_id JOIN sequence s ON s.id = m.sequence_id
      WHERE sa.provider = 'ses' AND sa.provider_message_id = :pid`,
    { pid: mail.messageId },
  );
  if (byId.rows[0]) return byId.rows[0];
  const tagged = mail.tags?.message?.[0];
  if (!tagged || !UUID.test(tagged)) return undefined;
  const byTag = await tx.query<Attempt>(
    `SELECT s.workspace_id, sa.to_email FROM send_attempt sa JOIN message m ON m.id = sa.message_id JOIN sequence s ON s.id = m.sequence_id
      WHERE sa.provider = 'ses' AND sa.message_id = :id::uuid AND sa.status <> 'failed'`,
    { id: tagged },
  );
  return byTag.rows[0];
}

/** Records one SES bounce or complaint event; see the module comment. Throws ZodError on another shape. */
export async function recordSesEvent(deps: { sql: Sql; log: Log; now: Date }, raw: unknown): Promise<SesEventOutcome> {
  const { detail } = SesMailEvent.parse(raw);
  const sesMessageId = detail.mail.messageId;
  const kind = detail.eventType === 'Bounce' ? 'bounce' : 'complaint';
  if (detail.eventType === 'Bounce' && detail.bounce.bounceType !== 'Permanent') {
    const reason = `${detail.bounce.bounceType} bounce (${detail.bounce.bounceSubType ?? 'no subtype'}): not suppressed`;
    deps.log.info('soft bounce noted', { sesMessageId, reason });
    return { outcome: 'noted', kind: 'bounce', sesMessageId, reason };
  }
  const recipients = detail.eventType === 'Bounce' ? detail.bounce.bouncedRecipients : detail.complaint.complainedRecipients;

  const outcome = await deps.sql.transaction(async (tx): Promise<SesEventOutcome> => {
    const attempt = await findAttempt(tx, detail.mail);
    if (!attempt) return { outcome: 'unmatched', kind, sesMessageId };
    const ours = recipients.filter((r) => r.emailAddress.trim().toLowerCase() === attempt.to_email);
    const results: SuppressResult[] = [];
    for (const r of ours) {
      if (detail.eventType === 'Bounce') {
        const b = detail.bounce;
        const dsn = 'status' in r ? [r.status, r.diagnosticCode].filter(Boolean).join(' ') : '';
        results.push(
          await suppressAddress(tx, {
            workspaceId: attempt.workspace_id,
            address: r.emailAddress,
            source: 'bounce',
            reason: `Hard bounce reported by SES (${b.bounceSubType ?? 'Permanent'})${dsn ? `: ${dsn}` : ''}`,
            stopReason: 'bounced',
            now: deps.now,
          }),
        );
      } else {
        results.push(
          await suppressAddress(tx, {
            workspaceId: attempt.workspace_id,
            address: r.emailAddress,
            source: 'complaint',
            reason: `Marked as spam: complaint reported by SES (${detail.complaint.complaintFeedbackType ?? 'no feedback type'})`,
            stopReason: 'complaint',
            now: deps.now,
          }),
        );
      }
    }
    return { outcome: 'suppressed', kind, sesMessageId, workspaceId: attempt.workspace_id, results };
  });
  if (outcome.outcome === 'unmatched') deps.log.warn('SES event for a message no send attempt records', { sesMessageId, kind });
  else if (outcome.outcome === 'suppressed') {
    deps.log.info(`${kind} recorded`, {
      sesMessageId,
      workspaceId: outcome.workspaceId,
      newlySuppressed: outcome.results.filter((r) => r.newlySuppressed).length,
      stoppedSequences: outcome.results.reduce((n, r) => n + r.stoppedSequenceIds.length, 0),
    });
  }
  return outcome;
}
