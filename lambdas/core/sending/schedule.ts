/**
 * Putting approved email messages in the sending queue (`scheduled_message`), each with the
 * window occurrence it may go in, computed by the policy in the lead's time zone.
 *
 * The first touch is queued when a sequence is approved: the message of the lead's assigned
 * variant (or the step's only message), at the next window moment. A follow-up is queued when
 * the step before it was sent, its offset in business days later. A row whose window passed
 * before it could go (the worker did not run, caps were full) is moved to the next occurrence
 * with the reason written down.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError, ProspectorError } from '../errors.ts';
import type { Sql } from '../ports.ts';
import {
  DEFAULT_WINDOW,
  followUpSlot,
  localTime,
  locationTexts,
  nextSlot,
  parseWindow,
  resolveTimeZone,
  type ResolvedZone,
  type SendWindow,
  type Slot,
} from './policy.ts';

/** A queue row as written. */
export interface Scheduled {
  messageId: string;
  sequenceId: string;
  mailboxId: string;
  scheduledAt: string;
  windowEndsAt: string;
  timeZone: string;
  zoneSource: ResolvedZone['source'];
  priority: number;
}

/** The window for an ICP: its own row, else the workspace's, else Tue–Thu 08:00–11:00. */
export async function loadWindow(sql: Sql, workspaceId: string, icpId: string | null): Promise<SendWindow> {
  const rows = await sql.query<{ days: string; start_local: string; end_local: string }>(
    `SELECT days, to_char(start_local, 'HH24:MI') AS start_local, to_char(end_local, 'HH24:MI') AS end_local
       FROM send_window
      WHERE workspace_id = :ws::uuid AND (icp_id IS NULL OR icp_id = :icp::uuid)
      ORDER BY icp_id IS NULL
      LIMIT 1`,
    { ws: workspaceId, icp: icpId },
  );
  const row = rows.rows[0];
  return row ? parseWindow({ days: row.days, start: row.start_local, end: row.end_local }) : DEFAULT_WINDOW;
}

interface ResearchRow {
  lead_id: string;
  findings: unknown;
  facts: { category: string; claim: string; quote: string }[] | null;
}

/**
 * The lead's zone: its own latest research, else the latest research of another lead at the
 * same company, else the rep's time zone from onboarding (UTC when the rep is gone).
 */
export async function leadZone(sql: Sql, leadId: string, repEmail: string | null): Promise<ResolvedZone> {
  const research = await sql.query<ResearchRow>(
    `SELECT r.lead_id, r.findings,
            (SELECT jsonb_agg(jsonb_build_object('category', f.category, 'claim', f.claim, 'quote', f.quote) ORDER BY length(f.local_id), f.local_id)
               FROM fact f WHERE f.research_id = r.id AND f.verified) AS facts
       FROM lead me
       JOIN lead other ON other.company_id = me.company_id
       JOIN research r ON r.lead_id = other.id
      WHERE me.id = :lead::uuid
      ORDER BY other.id = me.id DESC, r.created_at DESC
      LIMIT 5`,
    { lead: leadId },
  );
  const lead: string[] = [];
  const company: string[] = [];
  for (const row of research.rows) {
    const texts = locationTexts({ findings: row.findings, facts: row.facts ?? [] });
    // another lead's own location says nothing about this one; its company facts do
    if (row.lead_id === leadId) lead.push(...texts.lead);
    company.push(...texts.company);
  }
  const rep = await sql.query<{ timezone: string }>(
    `SELECT u.timezone FROM app_user u JOIN lead l ON l.workspace_id = u.workspace_id
      WHERE l.id = :lead::uuid AND u.email = :rep
      LIMIT 1`,
    { lead: leadId, rep: repEmail ?? '' },
  );
  return resolveTimeZone({ lead, company, workspace: rep.rows[0]?.timezone ?? 'UTC' });
}

interface SequenceRow {
  id: string;
  workspace_id: string;
  lead_id: string;
  icp_id: string | null;
  rep_email: string;
  status: string;
  experiment_id: string | null;
  fit_score: number | null;
  mailbox_id: string | null;
}

async function loadSequence(sql: Sql, sequenceId: string, mailboxId?: string): Promise<SequenceRow> {
  const rows = await sql.query<SequenceRow>(
    `SELECT s.id, s.workspace_id, s.lead_id, s.icp_id, s.rep_email, s.status, s.experiment_id, r.fit_score,
            (SELECT mb.id FROM mailbox mb
               LEFT JOIN app_user u ON u.id = mb.rep_id
              WHERE mb.workspace_id = s.workspace_id AND mb.active AND (u.email = s.rep_email OR mb.address = s.rep_email)
              ORDER BY u.email = s.rep_email DESC NULLS LAST
              LIMIT 1) AS mailbox_id
       FROM sequence s JOIN research r ON r.id = s.research_id
      WHERE s.id = :id::uuid`,
    { id: sequenceId },
  );
  const row = rows.rows[0];
  if (!row) throw new NotFoundError(`sequence ${sequenceId} does not exist`);
  if (!['approved', 'active'].includes(row.status)) {
    throw new ProspectorError(`sequence ${sequenceId} is ${row.status}: only an approved or active sequence is scheduled`);
  }
  if (mailboxId) row.mailbox_id = mailboxId;
  if (!row.mailbox_id) throw new NotFoundError(`rep ${row.rep_email} has no active mailbox to send sequence ${sequenceId} from`);
  return row;
}

async function insert(sql: Sql, seq: SequenceRow, messageId: string, slot: Slot, zone: ResolvedZone, now: Date): Promise<Scheduled> {
  const priority = Math.max(0, Math.min(1000, seq.fit_score ?? 0));
  const rows = await sql.query<{ scheduled_at: string; window_ends_at: string; time_zone: string; zone_source: ResolvedZone['source']; priority: number; mailbox_id: string }>(
    `INSERT INTO scheduled_message (message_id, sequence_id, workspace_id, mailbox_id, scheduled_at, window_ends_at, time_zone, zone_source, priority, created_at, updated_at)
     VALUES (:message::uuid, :seq::uuid, :ws::uuid, :mailbox::uuid, :start::timestamptz, :end::timestamptz, :zone, :source, :priority, :now::timestamptz, :now::timestamptz)
     ON CONFLICT (message_id) DO UPDATE SET updated_at = scheduled_message.updated_at
     RETURNING scheduled_at, window_ends_at, time_zone, zone_source, priority, mailbox_id`,
    {
      message: messageId,
      seq: seq.id,
      ws: seq.workspace_id,
      mailbox: seq.mailbox_id,
      start: slot.start,
      end: slot.end,
      zone: zone.zone,
      source: zone.source,
      priority,
      now,
    },
  );
  const r = rows.rows[0];
  return {
    messageId,
    sequenceId: seq.id,
    mailboxId: r.mailbox_id,
    scheduledAt: r.scheduled_at,
    windowEndsAt: r.window_ends_at,
    timeZone: r.time_zone,
    zoneSource: r.zone_source,
    priority: r.priority,
  };
}

/**
 * Queues the first email of an approved sequence at the next window moment in the lead's time.
 * Queuing twice keeps the first row. Throws when the sequence is not approved, the rep has no
 * mailbox, or the first touch has no message for the lead's assigned variant.
 */
export async function scheduleFirstTouch(sql: Sql, sequenceId: string, now: Date): Promise<Scheduled> {
  const seq = await loadSequence(sql, sequenceId);
  const message = await sql.query<{ id: string }>(
    `SELECT m.id FROM message m JOIN sequence_step st ON st.id = m.step_id
      WHERE st.sequence_id = :seq::uuid AND st.kind = 'email'
        AND (m.variant IS NULL OR m.variant = (
              SELECT va.variant FROM variant_assignment va WHERE va.experiment_id = :experiment::uuid AND va.lead_id = :lead::uuid))
      ORDER BY st.position
      LIMIT 1`,
    { seq: sequenceId, experiment: seq.experiment_id, lead: seq.lead_id },
  );
  const messageId = message.rows[0]?.id;
  if (!messageId) throw new NotFoundError(`sequence ${sequenceId} has no first email for the lead's assigned variant`);
  const zone = await leadZone(sql, seq.lead_id, seq.rep_email);
  const window = await loadWindow(sql, seq.workspace_id, seq.icp_id);
  return insert(sql, seq, messageId, nextSlot(now, window, zone.zone), zone, now);
}

/**
 * Queues the email step after the one `sentMessageId` belongs to, the difference of their day
 * offsets in business days after `sentAt`, inside the window. Undefined when no email follows.
 */
export async function scheduleFollowUp(
  sql: Sql,
  sentMessageId: string,
  sentAt: Date,
  now: Date = sentAt,
  /** the mailbox the step before went from (a thread stays with one sender); default the rep's */
  mailboxId?: string,
): Promise<Scheduled | undefined> {
  const next = await sql.query<{ sequence_id: string; message_id: string; days: number }>(
    `SELECT sent_step.sequence_id, m.id AS message_id, st.day_offset - sent_step.day_offset AS days
       FROM message sent
       JOIN sequence_step sent_step ON sent_step.id = sent.step_id
       JOIN sequence_step st ON st.sequence_id = sent_step.sequence_id AND st.position > sent_step.position
                            AND st.kind IN ('email', 'follow_up_email')
       JOIN message m ON m.step_id = st.id AND m.variant IS NULL
      WHERE sent.id = :sent::uuid
      ORDER BY st.position
      LIMIT 1`,
    { sent: sentMessageId },
  );
  const row = next.rows[0];
  if (!row) return undefined;
  const seq = await loadSequence(sql, row.sequence_id, mailboxId);
  const zone = await leadZone(sql, seq.lead_id, seq.rep_email);
  const window = await loadWindow(sql, seq.workspace_id, seq.icp_id);
  return insert(sql, seq, row.message_id, followUpSlot(sentAt, Math.max(0, row.days), window, zone.zone), zone, now);
}

/**
 * Moves waiting rows whose window occurrence ended before they went to their next occurrence,
 * writing why. Returns how many moved.
 */
export async function rescheduleMissed(sql: Sql, workspaceId: string, now: Date): Promise<number> {
  const missed = await sql.query<{ message_id: string; time_zone: string; icp_id: string | null; window_ends_at: string }>(
    `SELECT sm.message_id, sm.time_zone, s.icp_id, sm.window_ends_at
       FROM scheduled_message sm JOIN sequence s ON s.id = sm.sequence_id
      WHERE sm.workspace_id = :ws::uuid AND sm.status = 'scheduled' AND sm.window_ends_at <= :now::timestamptz
      ORDER BY sm.window_ends_at
      LIMIT 500`,
    { ws: workspaceId, now },
  );
  const windows = new Map<string, SendWindow>();
  for (const row of missed.rows) {
    const key = row.icp_id ?? '';
    if (!windows.has(key)) windows.set(key, await loadWindow(sql, workspaceId, row.icp_id));
    const window = windows.get(key)!;
    const slot = nextSlot(now, window, row.time_zone);
    const when = (at: Date) => `${localTime(at, row.time_zone)} ${row.time_zone}`;
    // the same words as the outbox, where a rep reads them
    const reason = `missed its window (closed ${when(new Date(row.window_ends_at))}); next ${when(slot.start)}`;
    await sql.query(
      `UPDATE scheduled_message SET scheduled_at = :start::timestamptz, window_ends_at = :end::timestamptz, deferred_reason = :reason,
              updated_at = :now::timestamptz
        WHERE message_id = :id::uuid AND status = 'scheduled' AND window_ends_at <= :now::timestamptz`,
      { id: row.message_id, start: slot.start, end: slot.end, reason, now },
    );
  }
  return missed.rows.length;
}

/** Adds a rep's sending mailbox (the onboarding of mailboxes is not a command yet). */
export async function addMailbox(
  sql: Sql,
  input: {
    workspaceId: string;
    repEmail: string;
    provider: 'smtp' | 'ses';
    dailyCap?: number;
    perDomainDailyCap?: number;
    minSpacingSeconds?: number;
    /** null: an established mailbox with no warm-up */
    warmupStartedAt?: Date | null;
  },
): Promise<string> {
  const id = randomUUID();
  await sql.query(
    `INSERT INTO mailbox (id, workspace_id, rep_id, address, provider, daily_cap, per_domain_daily_cap, min_spacing_seconds, warmup_started_at)
     SELECT :id::uuid, :ws::uuid, (SELECT u.id FROM app_user u WHERE u.workspace_id = :ws::uuid AND u.email = :email), :email, :provider,
            :cap, :domainCap, :spacing, :warmup::timestamptz`,
    {
      id,
      ws: input.workspaceId,
      email: input.repEmail.toLowerCase(),
      provider: input.provider,
      cap: input.dailyCap ?? 40,
      domainCap: input.perDomainDailyCap ?? 3,
      spacing: input.minSpacingSeconds ?? 120,
      warmup: input.warmupStartedAt === undefined ? new Date() : input.warmupStartedAt,
    },
  );
  return id;
}

/**
 * SQL: `column` of a rep's active mailbox, the one whose user is the rep (else one on the rep's
 * address), in the workspace `ws`; `ws` and `email` are SQL (parameters or columns of an outer row).
 * Approval sends a sequence's first email from it (`ensureRepMailbox`), and a handed-over response
 * goes from it (lambdas/core/sending/reply-send.ts).
 */
export function repMailboxSql(column: string, ws: string, email: string): string {
  return `SELECT ${column} FROM mailbox mb LEFT JOIN app_user u ON u.id = mb.rep_id
           WHERE mb.workspace_id = ${ws} AND mb.active AND (u.email = ${email} OR mb.address = ${email})
           ORDER BY u.email = ${email} DESC NULLS LAST, mb.created_at LIMIT 1`;
}

/** Cancels the emails still waiting in the queue for stopped sequences, so no claim can take them. */
export async function cancelScheduled(tx: Sql, sequenceIds: readonly string[], now: Date): Promise<void> {
  for (const id of sequenceIds) {
    await tx.query(
      `UPDATE scheduled_message SET status = 'cancelled', deferred_reason = NULL, updated_at = :now::timestamptz
        WHERE sequence_id = :seq::uuid AND status = 'scheduled'`,
      { seq: id, now },
    );
  }
}
