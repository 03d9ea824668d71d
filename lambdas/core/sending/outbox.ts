/**
 * The outbox: every queued message of a workspace, when it may go, and if not now, why, in
 * words a rep can act on; parked messages (they cannot be composed) with their reason. It applies the same rules as the claim (claim.ts), in the same order
 * a rep would look: is the sequence still on, is the person suppressed, is it their variant,
 * has its time come, is the window open, do the caps and the spacing leave room.
 */
import type { Sql } from '../ports.ts';
import { activeMailboxes, CONVERSATION_REPLY, type MailboxRow } from './claim.ts';
import { checkSend, describeWindow, localTime, nextSlot, type SendWindow } from './policy.ts';
import { loadWindow } from './schedule.ts';

export interface OutboxEntry {
  messageId: string;
  sequenceId: string;
  lead: { name: string; email: string };
  step: { position: number; kind: string; variant: string | null; subject: string | null };
  mailbox: string;
  status: 'scheduled' | 'claimed' | 'parked';
  /** the window occurrence it is queued for (UTC) and the same in the lead's wall-clock time */
  scheduledAt: string;
  windowEndsAt: string;
  localTime: string;
  timeZone: string;
  zoneSource: string;
  priority: number;
  attempts: number;
  nextRetryAt: string | null;
  /** the reason stored when it was deferred (a missed window), if any */
  deferredReason: string | null;
  /** true when the next send run would claim it */
  sendableNow: boolean;
  /** why it is not sendable now (null when it is) */
  reason: string | null;
  /** the earliest moment it may go, when known (UTC) */
  next: string | null;
}

interface Row {
  message_id: string;
  sequence_id: string;
  lead_name: string;
  lead_email: string;
  position: number;
  kind: string;
  variant: string | null;
  subject: string | null;
  mailbox_id: string;
  mailbox_address: string;
  mailbox_active: boolean;
  status: 'scheduled' | 'claimed' | 'parked';
  scheduled_at: string;
  window_ends_at: string;
  time_zone: string;
  zone_source: string;
  priority: number;
  attempts: number;
  next_retry_at: string | null;
  deferred_reason: string | null;
  claimed_at: string | null;
  claimed_by: string | null;
  icp_id: string | null;
  seq_status: string;
  seq_reason: string | null;
  grounding: string;
  replied: boolean;
  suppression: string | null;
  assigned_variant: string | null;
  live_attempt: string | null;
}

const ROWS_SQL = `
SELECT sm.message_id, sm.sequence_id, l.name AS lead_name, l.email AS lead_email, st.position, st.kind, msg.variant, msg.subject,
       mb.id AS mailbox_id, mb.address AS mailbox_address, mb.active AS mailbox_active,
       sm.status, sm.scheduled_at, sm.window_ends_at, sm.time_zone, sm.zone_source, sm.priority, sm.attempts, sm.next_retry_at,
       sm.deferred_reason, sm.claimed_at, sm.claimed_by, s.icp_id, s.status AS seq_status, s.status_reason AS seq_reason, msg.grounding,
       EXISTS (SELECT 1 FROM reply r WHERE (r.sequence_id = s.id OR r.lead_id = s.lead_id) AND ${CONVERSATION_REPLY}) AS replied,
       (SELECT sp.kind || ' ' || sp.value || ': ' || sp.reason FROM suppression sp
         WHERE sp.workspace_id = sm.workspace_id
           AND ((sp.kind = 'email' AND sp.value = l.email)
             OR (sp.kind = 'domain' AND (split_part(l.email, '@', 2) = sp.value OR split_part(l.email, '@', 2) LIKE '%.' || sp.value)))
         ORDER BY sp.kind DESC LIMIT 1) AS suppression,
       (SELECT va.variant FROM variant_assignment va WHERE va.experiment_id = s.experiment_id AND va.lead_id = s.lead_id) AS assigned_variant,
       (SELECT sa.status FROM send_attempt sa WHERE sa.message_id = sm.message_id AND sa.status <> 'failed' LIMIT 1) AS live_attempt
  FROM scheduled_message sm
  JOIN sequence s ON s.id = sm.sequence_id
  JOIN message msg ON msg.id = sm.message_id
  JOIN sequence_step st ON st.id = msg.step_id
  JOIN lead l ON l.id = s.lead_id
  JOIN mailbox mb ON mb.id = sm.mailbox_id
 WHERE sm.workspace_id = :ws::uuid AND sm.status IN ('scheduled', 'claimed', 'parked')
 ORDER BY sm.priority DESC, sm.scheduled_at, sm.message_id
 LIMIT :limit`;

interface Usage {
  count: number;
  oldest: Date | null;
}

/** Sends (and claims not yet sent) from a mailbox or to a domain in the 24 hours before `now`. */
async function usage(sql: Sql, workspaceId: string, now: Date, by: { mailbox: MailboxRow } | { domain: string }): Promise<Usage> {
  const mailbox = 'mailbox' in by;
  const rows = await sql.query<{ n: number; oldest: string | null }>(
    `SELECT count(*) AS n, min(at) AS oldest FROM (
       SELECT sa.started_at AS at FROM send_attempt sa JOIN message m ON m.id = sa.message_id JOIN sequence q ON q.id = m.sequence_id
        WHERE sa.status <> 'failed' AND sa.started_at > :now::timestamptz - interval '24 hours'
          -- a mailbox's reputation is its address's, whatever the workspace (as the claim counts)
          AND ${mailbox ? 'sa.from_email = :key' : "q.workspace_id = :ws::uuid AND split_part(sa.to_email, '@', 2) = :key"}
       UNION ALL
       SELECT x.claimed_at FROM scheduled_message x JOIN sequence q ON q.id = x.sequence_id JOIN lead ll ON ll.id = q.lead_id
        WHERE x.workspace_id = :ws::uuid AND x.status = 'claimed'
          AND NOT EXISTS (SELECT 1 FROM send_attempt sa WHERE sa.message_id = x.message_id AND sa.status <> 'failed')
          AND ${mailbox ? 'x.mailbox_id = :mailbox::uuid' : "split_part(ll.email, '@', 2) = :key"}
     ) used`,
    { ws: workspaceId, now, key: mailbox ? by.mailbox.address : by.domain, mailbox: mailbox ? by.mailbox.id : null },
  );
  const r = rows.rows[0];
  return { count: r?.n ?? 0, oldest: r?.oldest ? new Date(r.oldest) : null };
}

/** The workspace's queued messages with when each may go and why not now. */
export async function listOutbox(sql: Sql, workspaceId: string, now: Date, options: { limit?: number } = {}): Promise<OutboxEntry[]> {
  const rows = (await sql.query<Row>(ROWS_SQL, { ws: workspaceId, limit: options.limit ?? 500 })).rows;
  const mailboxes = new Map((await activeMailboxes(sql, workspaceId)).map((m) => [m.id, m]));
  const windows = new Map<string, SendWindow>();
  const mailboxUsage = new Map<string, Usage>();
  const domainUsage = new Map<string, Usage>();
  const entries: OutboxEntry[] = [];
  for (const row of rows) {
    const zone = row.time_zone;
    const when = (at: Date) => `${localTime(at, zone)} ${zone}`;
    let reason: string | null = null;
    let next: Date | null = null;
    const scheduledAt = new Date(row.scheduled_at);
    const windowEnds = new Date(row.window_ends_at);
    const mailbox = mailboxes.get(row.mailbox_id);
    const key = row.icp_id ?? '';
    if (!windows.has(key)) windows.set(key, await loadWindow(sql, workspaceId, row.icp_id));
    const window = windows.get(key)!;

    if (row.status === 'parked') {
      reason = `parked: ${row.deferred_reason ?? 'no reason recorded'} (never sent by itself; a person decides)`;
    } else if (row.status === 'claimed') {
      reason = `claimed by ${row.claimed_by} at ${when(new Date(row.claimed_at!))}: being sent`;
    } else if (!['approved', 'active'].includes(row.seq_status)) {
      reason = `sequence ${row.seq_status}${row.seq_reason ? `: ${row.seq_reason}` : ''}`;
    } else if (row.replied) {
      reason = 'the lead replied: the sequence stops';
    } else if (row.suppression) {
      reason = `suppressed (${row.suppression})`;
    } else if (!['grounded', 'flagged'].includes(row.grounding)) {
      reason = `message is ${row.grounding} by the grounding checker`;
    } else if (!['email', 'follow_up_email'].includes(row.kind)) {
      reason = `a ${row.kind} step is not sent by email`;
    } else if (row.variant !== null && row.variant !== row.assigned_variant) {
      reason = `variant ${row.variant} is not the lead's assigned variant (${row.assigned_variant ?? 'none assigned'})`;
    } else if (row.live_attempt) {
      reason = `already has a send attempt (${row.live_attempt})`;
    } else if (!row.mailbox_active || !mailbox) {
      reason = `mailbox ${row.mailbox_address} is inactive`;
    } else if (scheduledAt.getTime() > now.getTime()) {
      next = scheduledAt;
      reason = `scheduled for ${when(scheduledAt)} (${describeWindow(window, zone)})`;
    } else if (row.next_retry_at && new Date(row.next_retry_at).getTime() > now.getTime()) {
      next = new Date(row.next_retry_at);
      reason = `retry ${row.attempts + 1} at ${when(next)}`;
    } else if (windowEnds.getTime() <= now.getTime()) {
      next = nextSlot(now, window, zone).start;
      reason = `missed its window (closed ${when(windowEnds)}); next ${when(next)}`;
    } else {
      if (!mailboxUsage.has(mailbox.id)) mailboxUsage.set(mailbox.id, await usage(sql, workspaceId, now, { mailbox }));
      const domain = row.lead_email.split('@')[1];
      if (!domainUsage.has(domain)) domainUsage.set(domain, await usage(sql, workspaceId, now, { domain }));
      const mu = mailboxUsage.get(mailbox.id)!;
      const du = domainUsage.get(domain)!;
      const verdict = checkSend({
        now,
        window,
        zone,
        limits: mailbox,
        recipientDomain: domain,
        usage: { mailboxSends: mu.count, oldestMailboxSend: mu.oldest, domainSends: du.count, oldestDomainSend: du.oldest, nextSendAt: mailbox.nextSendAt },
      });
      if (!verdict.ok) {
        reason = verdict.reason;
        next = verdict.next;
      }
    }
    entries.push({
      messageId: row.message_id,
      sequenceId: row.sequence_id,
      lead: { name: row.lead_name, email: row.lead_email },
      step: { position: row.position, kind: row.kind, variant: row.variant, subject: row.subject },
      mailbox: row.mailbox_address,
      status: row.status,
      scheduledAt: row.scheduled_at,
      windowEndsAt: row.window_ends_at,
      localTime: localTime(scheduledAt, zone),
      timeZone: zone,
      zoneSource: row.zone_source,
      priority: row.priority,
      attempts: row.attempts,
      nextRetryAt: row.next_retry_at,
      deferredReason: row.deferred_reason,
      sendableNow: reason === null,
      reason,
      next: next ? next.toISOString() : null,
    });
  }
  return entries;
}
