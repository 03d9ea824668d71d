/**
 * Claiming due messages: ONE SQL statement finds what may go now and marks it `claimed`, so two
 * executions running at the same time never claim the same message.
 *
 * How the statement stays safe under concurrency. It locks the queue rows and their mailboxes
 * with `FOR UPDATE ... SKIP LOCKED`: a row another execution is claiming is skipped, not waited
 * for. A row another execution claimed and committed after this statement's snapshot is
 * re-checked on its new version (PostgreSQL re-evaluates the locking query's conditions), where
 * it is no longer `scheduled`, so it drops out. Each claim takes at most one message per mailbox
 * and moves the mailbox's `next_send_at` on by a randomised spacing in the same statement, so
 * the locked mailbox row also serialises the mailbox's daily cap. The statement locks every due
 * row it weighs, not only those it takes, for its own few milliseconds: a claim running at the
 * same moment skips them and comes back with less rather than waiting. (Checked on PostgreSQL 15
 * with six sessions claiming in parallel: every message claimed once, one per mailbox per round,
 * and a claim made while another transaction held its locks returned at once with nothing.)
 * PGlite, whose one session runs statements one at a time, and the Data API run the same text.
 *
 * The cap per recipient domain is counted over the workspace. Two executions claiming from
 * different mailboxes at the same instant both count the domain before either commits, so that
 * cap can be passed by one message per concurrent execution; the mailbox cap cannot.
 *
 * Due means: the sequence is approved or active (no reply, bounce or opt-out has stopped it), no
 * reply from the lead is recorded, the message passed the grounding checker and is an email,
 * a first touch is in the lead's assigned variant, the row's window occurrence has begun and not
 * ended, a retry's time has come, the recipient (address or domain) is not suppressed now, no
 * attempt that may have reached the recipient exists, the mailbox is active and its spacing has
 * passed, and the mailbox's (warming) daily cap and the recipient domain's cap over the last 24
 * hours have room (responses to replies sent from the mailbox count towards its cap).
 *
 * Order (the sending priority): the ordering key is
 *   (intent DESC, priority DESC, scheduled_at ASC, message_id ASC)
 * where `intent` is the company's intent score (0-100, `company_intent.score`) for the
 * sequence's ICP (else the lead's ICP; with neither, the company's highest score over its ICPs;
 * 0 when the company has no intent row) and `priority` is the fit score stored on the queue row
 * when it was scheduled. So a lead whose company shows a buying signal goes before a better-fit
 * lead at a quiet company, fit breaks ties between equal intent, and the oldest scheduled moment
 * breaks ties between equal fit. The same key picks the one message per mailbox, the messages
 * within a recipient domain's cap and the `limit`; caps, spacing and the warm-up are unchanged.
 * Intent is read at claim time, so a score recomputed after scheduling counts at once.
 *
 * A claim whose execution died before it wrote a send attempt is claimable again after the
 * lease; once an attempt exists, the unique attempt per message keeps a second send out.
 */
import type { Sql } from '../ports.ts';
import { effectiveDailyCap, effectiveDomainCap, spacingSeconds, type MailboxLimits, type Random } from './policy.ts';

/** One claimed message, with what the send step needs to address it. */
export interface ClaimedMessage {
  messageId: string;
  sequenceId: string;
  mailboxId: string;
  fromEmail: string;
  toEmail: string;
  /** The fit score stored when the message was scheduled. */
  priority: number;
  /** The company's intent score (0-100) the claim ordered by; 0 when none is recorded. */
  intent: number;
  scheduledAt: string;
  attempts: number;
}

export interface ClaimOptions {
  workspaceId: string;
  now: Date;
  /** Who claims (an execution id): written on the row for the outbox and for debugging. */
  claimer: string;
  /** At most this many messages (default 25). */
  limit?: number;
  /** Random source for the spacing (default Math.random). */
  random?: Random;
  /** How long a claim with no send attempt holds before another execution may take it (default 15 min). */
  leaseSeconds?: number;
}

/** A mailbox's stored limits. */
export interface MailboxRow extends MailboxLimits {
  id: string;
  address: string;
  nextSendAt: Date | null;
}

/** The workspace's active mailboxes and their limits. */
export async function activeMailboxes(sql: Sql, workspaceId: string): Promise<MailboxRow[]> {
  const rows = await sql.query<{
    id: string;
    address: string;
    daily_cap: number;
    per_domain_daily_cap: number;
    min_spacing_seconds: number;
    warmup_started_at: string | null;
    next_send_at: string | null;
  }>(
    `SELECT id, address, daily_cap, per_domain_daily_cap, min_spacing_seconds, warmup_started_at, next_send_at
       FROM mailbox WHERE workspace_id = :ws::uuid AND active ORDER BY address`,
    { ws: workspaceId },
  );
  return rows.rows.map((r) => ({
    id: r.id,
    address: r.address,
    dailyCap: r.daily_cap,
    perDomainDailyCap: r.per_domain_daily_cap,
    minSpacingSeconds: r.min_spacing_seconds,
    warmupStartedAt: r.warmup_started_at ? new Date(r.warmup_started_at) : null,
    nextSendAt: r.next_send_at ? new Date(r.next_send_at) : null,
  }));
}

/**
 * The joins the claim reads a queue row through. Aliases:
 * sm scheduled_message, s sequence, msg message, st sequence_step, l lead, mb mailbox.
 */
/**
 * SQL over a `reply r`: a reply that ends the conversation, so nothing more is sent to the lead.
 * An automatic reply, an out-of-office (its sequence is paused until the return day instead) and
 * a soft bounce (retried; suppressed after repeated ones) do not. An unlabelled reply does.
 */
export const CONVERSATION_REPLY = `NOT (coalesce(r.classification, '') IN ('auto_reply', 'out_of_office') OR coalesce(r.classification = 'bounce' AND r.bounce_kind = 'soft', false))`;

const DUE_JOINS = `
  JOIN sequence s ON s.id = sm.sequence_id
  JOIN message msg ON msg.id = sm.message_id
  JOIN sequence_step st ON st.id = msg.step_id
  JOIN lead l ON l.id = s.lead_id
  JOIN mailbox mb ON mb.id = sm.mailbox_id`;

/** SQL: a live attempt (one that may have reached the recipient) exists for `ref`'s message. */
const liveAttempt = (ref: string) => `EXISTS (SELECT 1 FROM send_attempt sa WHERE sa.message_id = ${ref} AND sa.status <> 'failed')`;

/** SQL: the address in `email` is suppressed in workspace `ws` (address, or domain and subdomains). */
const suppressed = (ws: string, email: string) => `EXISTS (
    SELECT 1 FROM suppression sp WHERE sp.workspace_id = ${ws}
       AND ((sp.kind = 'email' AND sp.value = ${email})
         OR (sp.kind = 'domain' AND (split_part(${email}, '@', 2) = sp.value OR split_part(${email}, '@', 2) LIKE '%.' || sp.value))))`;

/**
 * SQL: the intent score (0-100) a queue row is ordered by: the company's score for the
 * sequence's ICP, else the lead's ICP, else the company's highest over its ICPs; 0 without one.
 */
export const INTENT_OF_ROW = `coalesce((SELECT max(ci.score) FROM company_intent ci
           WHERE ci.company_id = l.company_id AND (coalesce(s.icp_id, l.icp_id) IS NULL OR ci.icp_id = coalesce(s.icp_id, l.icp_id))), 0)`;

const CLAIM_SQL = `
WITH limits AS (
  SELECT * FROM jsonb_to_recordset(:limits::jsonb) AS t(mailbox_id uuid, daily_cap integer, domain_cap integer, spacing_seconds integer)
),
candidate AS (
  SELECT sm.message_id, sm.mailbox_id, sm.priority, sm.scheduled_at, l.email AS to_email,
         ${INTENT_OF_ROW} AS intent,
         split_part(l.email, '@', 2) AS domain, mb.address AS from_email
    FROM scheduled_message sm ${DUE_JOINS}
   WHERE sm.workspace_id = :ws::uuid
     AND (sm.status = 'scheduled'
          OR (sm.status = 'claimed' AND sm.claimed_at <= :now::timestamptz - make_interval(secs => :lease) AND NOT ${liveAttempt('sm.message_id')}))
     AND sm.scheduled_at <= :now::timestamptz AND :now::timestamptz < sm.window_ends_at
     AND (sm.next_retry_at IS NULL OR sm.next_retry_at <= :now::timestamptz)
     AND s.status IN ('approved', 'active')
     AND NOT EXISTS (SELECT 1 FROM reply r WHERE (r.sequence_id = s.id OR r.lead_id = s.lead_id) AND ${CONVERSATION_REPLY})
     AND msg.grounding IN ('grounded', 'flagged')
     AND st.kind IN ('email', 'follow_up_email')
     AND (msg.variant IS NULL OR EXISTS (SELECT 1 FROM variant_assignment va
            WHERE va.experiment_id = s.experiment_id AND va.lead_id = s.lead_id AND va.variant = msg.variant))
     AND NOT ${suppressed('sm.workspace_id', 'l.email')}
     AND NOT ${liveAttempt('sm.message_id')}
     AND mb.active AND (mb.next_send_at IS NULL OR mb.next_send_at <= :now::timestamptz)
   ORDER BY intent DESC, sm.priority DESC, sm.scheduled_at, sm.message_id
   FOR UPDATE OF sm, mb SKIP LOCKED
),
mailbox_used AS (
  SELECT li.mailbox_id,
         (SELECT count(*) FROM send_attempt sa
           WHERE sa.from_email = mb.address AND sa.status <> 'failed' AND sa.started_at > :now::timestamptz - interval '24 hours')
       + (SELECT count(*) FROM reply_response_send rs
           WHERE rs.from_email = mb.address AND rs.status NOT IN ('failed', 'cancelled') AND rs.started_at > :now::timestamptz - interval '24 hours')
       + (SELECT count(*) FROM scheduled_message x
           WHERE x.mailbox_id = li.mailbox_id AND x.status = 'claimed' AND NOT ${liveAttempt('x.message_id')}) AS used
    FROM limits li JOIN mailbox mb ON mb.id = li.mailbox_id
),
domain_used AS (
  SELECT d.domain,
         (SELECT count(*) FROM send_attempt sa JOIN message m ON m.id = sa.message_id JOIN sequence q ON q.id = m.sequence_id
           WHERE q.workspace_id = :ws::uuid AND split_part(sa.to_email, '@', 2) = d.domain AND sa.status <> 'failed'
             AND sa.started_at > :now::timestamptz - interval '24 hours')
       + (SELECT count(*) FROM scheduled_message x JOIN sequence q ON q.id = x.sequence_id JOIN lead ll ON ll.id = q.lead_id
           WHERE x.workspace_id = :ws::uuid AND x.status = 'claimed' AND split_part(ll.email, '@', 2) = d.domain
             AND NOT ${liveAttempt('x.message_id')}) AS used
    FROM (SELECT DISTINCT domain FROM candidate) d
),
eligible AS (
  SELECT c.*, li.domain_cap, li.spacing_seconds, du.used AS domain_used,
         row_number() OVER (PARTITION BY c.mailbox_id ORDER BY c.intent DESC, c.priority DESC, c.scheduled_at, c.message_id) AS nth_of_mailbox
    FROM candidate c
    JOIN limits li ON li.mailbox_id = c.mailbox_id
    JOIN mailbox_used mu ON mu.mailbox_id = c.mailbox_id
    JOIN domain_used du ON du.domain = c.domain
   WHERE mu.used < li.daily_cap AND du.used < li.domain_cap
),
one_per_mailbox AS (
  SELECT e.*, row_number() OVER (PARTITION BY e.domain ORDER BY e.intent DESC, e.priority DESC, e.scheduled_at, e.message_id) AS nth_of_domain
    FROM eligible e WHERE e.nth_of_mailbox = 1
),
chosen AS (
  SELECT o.message_id, o.mailbox_id, o.from_email, o.to_email, o.spacing_seconds, o.intent
    FROM one_per_mailbox o
   WHERE o.domain_used + o.nth_of_domain <= o.domain_cap
   ORDER BY o.intent DESC, o.priority DESC, o.scheduled_at, o.message_id
   LIMIT :limit
),
-- a data-modifying CTE runs whether or not it is referenced
spaced AS (
  UPDATE mailbox mb SET next_send_at = :now::timestamptz + make_interval(secs => c.spacing_seconds)
    FROM chosen c WHERE mb.id = c.mailbox_id
  RETURNING mb.id
)
UPDATE scheduled_message sm
   SET status = 'claimed', claimed_at = :now::timestamptz, claimed_by = :claimer, deferred_reason = NULL, updated_at = :now::timestamptz
  FROM chosen c
 WHERE sm.message_id = c.message_id
RETURNING sm.message_id, sm.sequence_id, sm.mailbox_id, c.from_email, c.to_email, sm.priority, c.intent, sm.scheduled_at, sm.attempts`;

/**
 * Claims what may go now, in one statement; returns the claimed messages in the
 * sending priority (intent, then fit, then the oldest scheduled moment). Caps and spacing come
 * from the policy (warm-up ramp, random gap) per mailbox.
 */
export async function claimDue(sql: Sql, options: ClaimOptions): Promise<ClaimedMessage[]> {
  const { now } = options;
  const random = options.random ?? Math.random;
  const mailboxes = await activeMailboxes(sql, options.workspaceId);
  if (mailboxes.length === 0) return [];
  const limits = mailboxes.map((mb) => ({
    mailbox_id: mb.id,
    daily_cap: effectiveDailyCap(mb, now),
    domain_cap: effectiveDomainCap(mb, now),
    spacing_seconds: spacingSeconds(mb.minSpacingSeconds, random),
  }));
  const result = await sql.query<{
    message_id: string;
    sequence_id: string;
    mailbox_id: string;
    from_email: string;
    to_email: string;
    priority: number;
    intent: number;
    scheduled_at: string;
    attempts: number;
  }>(CLAIM_SQL, {
    ws: options.workspaceId,
    now,
    claimer: options.claimer,
    limit: options.limit ?? 25,
    lease: options.leaseSeconds ?? 900,
    limits,
  });
  return result.rows
    .map((r) => ({
      messageId: r.message_id,
      sequenceId: r.sequence_id,
      mailboxId: r.mailbox_id,
      fromEmail: r.from_email,
      toEmail: r.to_email,
      priority: r.priority,
      intent: Number(r.intent),
      scheduledAt: r.scheduled_at,
      attempts: r.attempts,
    }))
    .sort((a, b) => b.intent - a.intent || b.priority - a.priority || a.scheduledAt.localeCompare(b.scheduledAt) || a.messageId.localeCompare(b.messageId));
}
