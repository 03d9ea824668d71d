/**
 * Sending one claimed message, at most once.
 *
 * The order is what makes a double send impossible:
 * 1. In one transaction: the row is still claimed by this execution, the sequence still approved
 *    or active, the recipient not suppressed *now* (an opt-out may have landed since the claim),
 *    and no attempt that may have reached the recipient exists. Then the attempt is written
 *    `sending` with its final Message-ID (the idempotency key); the unique live attempt per
 *    message (sql/0003) refuses a second one, and the database's guard refuses a suppressed
 *    address even if this code forgot.
 * 2. Only then is the mailer called.
 * 3. Its answer settles the attempt: `sent` (and the next step is queued), `failed` with the
 *    server's reply, back to the queue with a backoff for a temporary failure, or `uncertain`
 *    when the server may have the message. An attempt left `sending` by a crash becomes
 *    `uncertain` (`settleAbandoned`); nothing `uncertain` is ever sent again without a person.
 *
 * `MailerBlocked` (the mailbox cannot send at all) fails nothing: the message and every other
 * message this execution claimed go back to the queue, and the rest of the batch stops.
 *
 * A message that can never be composed as it stands (no subject on a first email, a body that is
 * empty without its citation markers, an address that is not one) is `parked` with the reason:
 * it is never claimed again by itself, and `prospector outbox` lists it for the rep.
 */
import { randomUUID } from 'node:crypto';
import {
  MailError,
  ValidationError,
  MailerBlockedError,
  MailPermanentError,
  MailTemporaryError,
  MailUncertainError,
  SendingNotConfiguredError,
} from '../errors.ts';
import type { Clock, Log, Mailer, Sql } from '../ports.ts';
import type { ClaimedMessage } from './claim.ts';
import { composeMail, loadMessageToCompose, loadSender, newMessageId } from './compose-mail.ts';
import { scheduleFollowUp } from './schedule.ts';
import { suppressAddress } from './suppress.ts';
import { signUnsubscribeToken, unsubscribeUrl } from './unsubscribe.ts';

/** Waits after the 1st, 2nd and 3rd temporary failure; the next one fails the message. */
export const RETRY_BACKOFF_SECONDS = [5 * 60, 15 * 60, 60 * 60] as const;

/** What sending needs besides the database. */
export interface SendDeps {
  sql: Sql;
  mailer: Mailer;
  clock: Clock;
  log: Log;
  /** Base of the one-click unsubscribe route (`https://…/unsubscribe`) and the key that signs its tokens. */
  unsubscribe: { baseUrl: string; secret: Buffer };
}

/** Every outcome of one message's send step. */
export const SEND_OUTCOMES = ['sent', 'deferred', 'failed', 'uncertain', 'skipped', 'parked', 'blocked', 'released'] as const;

export type SendOutcome =
  /** accepted by the provider */
  | { messageId: string; outcome: 'sent'; rfcMessageId: string; deliveredMessageId: string; followUpAt: string | null }
  /** temporary failure: back in the queue until `retryAt` */
  | { messageId: string; outcome: 'deferred'; reason: string; retryAt: string }
  /** refused for good (or too many temporary failures) */
  | { messageId: string; outcome: 'failed'; reason: string }
  /** the server may have it: never resent automatically, a person decides */
  | { messageId: string; outcome: 'uncertain'; reason: string }
  /** not sent and not to be: suppressed since the claim, or the sequence stopped */
  | { messageId: string; outcome: 'skipped'; reason: string }
  /** its words cannot be composed into a valid mail: set aside with the reason until a person acts */
  | { messageId: string; outcome: 'parked'; reason: string }
  /** the mailbox cannot send: back in the queue, the batch stops */
  | { messageId: string; outcome: 'blocked'; reason: string }
  /** not this execution's any more (released after a block, or the lease passed): left alone */
  | { messageId: string; outcome: 'released'; reason: string };

interface Recheck {
  claimed_by: string | null;
  status: string;
  seq_status: string;
  workspace_id: string;
  sequence_id: string;
  to_email: string;
  suppressed: boolean;
  live_attempt: boolean;
}

/** Sends one message this execution (`claimer`) claimed; see the module comment for the order. */
export async function sendClaimed(deps: SendDeps, claimed: ClaimedMessage, claimer: string): Promise<SendOutcome> {
  const { sql, mailer, log } = deps;
  const now = deps.clock.now();
  const messageId = claimed.messageId;

  // Everything the mail needs is read before anything is written: a set-up problem (no postal
  // address) must not leave an attempt behind.
  let prepared: { rfcMessageId: string; composed: ReturnType<typeof composeMail> };
  try {
    const base = await loadMessageToCompose(sql, messageId);
    const sender = await loadSender(sql, base.workspaceId);
    const rfcMessageId = newMessageId(sender.domain);
    const token = signUnsubscribeToken(deps.unsubscribe.secret, { workspaceId: base.workspaceId, sequenceId: base.sequenceId, address: base.lead.email });
    const composed = composeMail({
      ...base,
      messageId: rfcMessageId,
      unsubscribe: { url: unsubscribeUrl(deps.unsubscribe.baseUrl, token), mailto: `mailto:${claimed.fromEmail}?subject=unsubscribe` },
      date: now,
    });
    prepared = { rfcMessageId, composed };
  } catch (error) {
    if (error instanceof ValidationError && error.issues.every((i) => MESSAGE_FIELDS.has(i.path))) {
      const reason = `cannot be composed: ${error.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`;
      return (await parkMessage(sql, messageId, claimer, reason, now)) ? { messageId, outcome: 'parked', reason } : { messageId, outcome: 'released', reason: 'no longer claimed by this execution' };
    }
    if (!(error instanceof SendingNotConfiguredError)) throw error;
    await releaseClaims(sql, claimer, now, error.message);
    return { messageId, outcome: 'blocked', reason: error.message };
  }

  const begun = await sql.transaction(async (tx): Promise<SendOutcome | { attemptId: string }> => {
    const found = await tx.query<Recheck>(
      `SELECT sm.claimed_by, sm.status, s.status AS seq_status, s.workspace_id, s.id AS sequence_id, l.email AS to_email,
              EXISTS (SELECT 1 FROM suppression sp WHERE sp.workspace_id = s.workspace_id
                        AND ((sp.kind = 'email' AND sp.value = l.email)
                          OR (sp.kind = 'domain' AND (split_part(l.email, '@', 2) = sp.value OR split_part(l.email, '@', 2) LIKE '%.' || sp.value)))) AS suppressed,
              EXISTS (SELECT 1 FROM send_attempt sa WHERE sa.message_id = sm.message_id AND sa.status <> 'failed') AS live_attempt
         FROM scheduled_message sm JOIN sequence s ON s.id = sm.sequence_id JOIN lead l ON l.id = s.lead_id
        WHERE sm.message_id = :id::uuid
        FOR UPDATE OF sm`,
      { id: messageId },
    );
    const row = found.rows[0];
    if (!row || row.status !== 'claimed' || row.claimed_by !== claimer) {
      return { messageId, outcome: 'released', reason: 'no longer claimed by this execution' } as const;
    }
    if (row.live_attempt) {
      // an earlier execution already handed it over (or may have): never again
      await settleRow(tx, messageId, 'done', now);
      return { messageId, outcome: 'released', reason: 'an attempt that may have reached the recipient already exists' } as const;
    }
    const stop = row.suppressed
      ? `${row.to_email} is suppressed (opted out or bounced since it was queued)`
      : !['approved', 'active'].includes(row.seq_status)
        ? `the sequence is ${row.seq_status}`
        : null;
    if (stop) {
      await settleRow(tx, messageId, 'cancelled', now);
      return { messageId, outcome: 'skipped', reason: stop } as const;
    }
    const attemptId = randomUUID();
    await tx.query(
      `INSERT INTO send_attempt (id, message_id, idempotency_key, status, from_email, to_email, rfc_message_id, provider, started_at)
       VALUES (:id::uuid, :message::uuid, :key, 'sending', :from, :to, :rfc, :provider, :now::timestamptz)`,
      {
        id: attemptId,
        message: messageId,
        key: `${messageId}:${claimed.attempts + 1}`,
        from: claimed.fromEmail.toLowerCase(),
        to: row.to_email,
        rfc: prepared.rfcMessageId,
        provider: mailer.provider,
        now,
      },
    );
    return { attemptId };
  });
  if ('outcome' in begun) return begun;
  const { attemptId } = begun;

  let receipt;
  try {
    receipt = await mailer.send(prepared.composed);
  } catch (error) {
    return settleFailure(deps, claimed, claimer, attemptId, error);
  }

  const sentAt = deps.clock.now();
  // The send is recorded on its own first: whatever happens after, it is never sent again.
  await sql.transaction(async (tx) => {
    await tx.query(
      `UPDATE send_attempt SET status = 'sent', provider_message_id = :pid, delivered_message_id = :delivered, finished_at = :at::timestamptz
        WHERE id = :id::uuid AND status = 'sending'`,
      { id: attemptId, pid: receipt.providerMessageId, delivered: receipt.deliveredMessageId, at: sentAt },
    );
    await settleRow(tx, messageId, 'done', sentAt);
    await tx.query(`UPDATE sequence SET status = 'active' WHERE id = :seq::uuid AND status = 'approved'`, { seq: claimed.sequenceId });
  });
  log.info('sent', { messageId, to: claimed.toEmail, rfcMessageId: prepared.rfcMessageId });
  let followUpAt: string | null = null;
  try {
    // the next step goes from the same mailbox, so the thread keeps one sender
    const next = await scheduleFollowUp(sql, messageId, sentAt, sentAt, claimed.mailboxId);
    followUpAt = next ? new Date(next.scheduledAt).toISOString() : null;
  } catch (error) {
    log.error('follow-up not scheduled', { messageId, error: describe(error) });
  }
  return { messageId, outcome: 'sent', rfcMessageId: prepared.rfcMessageId, deliveredMessageId: receipt.deliveredMessageId, followUpAt };
}

/** A permanent refusal that says the mailbox does not exist (SMTP 550/551/553 with 5.1.x, or 5.1.1 in the text). */
function isUnknownRecipient(error: MailPermanentError): boolean {
  const text = `${error.code ?? ''} ${error.response ?? error.message}`;
  return /\b5\.1\.[0-3]\b/.test(text) || /^\s*55[013]\b.*(no such user|user unknown|does not exist|mailbox unavailable)/i.test(text);
}

/** The server's words for an error, for the attempt's `error` column. */
function describe(error: unknown): string {
  if (error instanceof MailError) return [error.code, error.response ?? error.message].filter((x) => x !== undefined && x !== '').join(' ').slice(0, 2000);
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2000);
}

async function settleFailure(deps: SendDeps, claimed: ClaimedMessage, claimer: string, attemptId: string, error: unknown): Promise<SendOutcome> {
  const { sql } = deps;
  const now = deps.clock.now();
  const messageId = claimed.messageId;
  const reason = describe(error);
  if (error instanceof MailerBlockedError) {
    // nothing was delivered and it is not the message's fault: the attempt is closed as failed
    // (a failed attempt never blocks a later one) and the message goes back untouched
    await sql.transaction(async (tx) => {
      await finishAttempt(tx, attemptId, 'failed', `mailer blocked: ${reason}`, now);
    });
    await releaseClaims(sql, claimer, now, `the mailbox cannot send: ${reason}`);
    return { messageId, outcome: 'blocked', reason };
  }
  if (error instanceof MailTemporaryError) {
    const attempts = claimed.attempts + 1;
    const wait = RETRY_BACKOFF_SECONDS[attempts - 1];
    return sql.transaction(async (tx) => {
      await finishAttempt(tx, attemptId, 'failed', `temporary: ${reason}`, now);
      if (wait === undefined) {
        await settleRow(tx, messageId, 'done', now, attempts);
        return { messageId, outcome: 'failed', reason: `gave up after ${attempts} temporary failures; last: ${reason}` } as const;
      }
      const retryAt = new Date(now.getTime() + wait * 1000);
      await tx.query(
        `UPDATE scheduled_message SET status = 'scheduled', claimed_at = NULL, claimed_by = NULL, attempts = :attempts,
                next_retry_at = :retry::timestamptz, deferred_reason = :why, updated_at = :now::timestamptz
          WHERE message_id = :id::uuid`,
        { id: messageId, attempts, retry: retryAt, why: `temporary failure ${attempts} (${reason}); retry at ${retryAt.toISOString()}`, now },
      );
      return { messageId, outcome: 'deferred', reason, retryAt: retryAt.toISOString() } as const;
    });
  }
  if (error instanceof MailPermanentError) {
    const hardBounce = isUnknownRecipient(error);
    await sql.transaction(async (tx) => {
      await finishAttempt(tx, attemptId, 'failed', reason, now);
      await settleRow(tx, messageId, 'done', now);
      if (hardBounce) {
        // the address does not exist: suppressed and its sequences stopped, in this transaction
        const seq = await tx.query<{ workspace_id: string }>('SELECT workspace_id FROM sequence WHERE id = :seq::uuid', { seq: claimed.sequenceId });
        await suppressAddress(tx, {
          workspaceId: seq.rows[0].workspace_id,
          address: claimed.toEmail,
          source: 'bounce',
          reason: `hard bounce at send: ${reason}`,
          stopReason: 'bounced',
          now,
        });
      }
    });
    return { messageId, outcome: 'failed', reason };
  }
  // MailUncertain, or anything unexpected after the attempt was written: the server may have it
  await markUncertain(sql, attemptId, error instanceof MailUncertainError ? reason : `unexpected: ${reason}`, now);
  return { messageId, outcome: 'uncertain', reason };
}

async function finishAttempt(sql: Sql, attemptId: string, status: 'failed' | 'uncertain', error: string, now: Date): Promise<void> {
  await sql.query(
    `UPDATE send_attempt SET status = :status, error = :error, finished_at = :now::timestamptz WHERE id = :id::uuid AND status = 'sending'`,
    { id: attemptId, status, error, now },
  );
}

async function markUncertain(sql: Sql, attemptId: string, reason: string, now: Date): Promise<void> {
  await sql.transaction(async (tx) => {
    const r = await tx.query<{ message_id: string }>(
      `UPDATE send_attempt SET status = 'uncertain', error = :error, finished_at = :now::timestamptz
        WHERE id = :id::uuid AND status = 'sending' RETURNING message_id`,
      { id: attemptId, error: reason, now },
    );
    if (r.rows[0]) await settleRow(tx, r.rows[0].message_id, 'done', now);
  });
}

/** Ends a queue row's wait: `done` (an attempt holds the outcome) or `cancelled` (never sent). */
async function settleRow(sql: Sql, messageId: string, status: 'done' | 'cancelled', now: Date, attempts?: number): Promise<void> {
  await sql.query(
    `UPDATE scheduled_message SET status = :status, claimed_at = NULL, claimed_by = NULL, deferred_reason = NULL,
            next_retry_at = CASE WHEN :attempts::int IS NULL THEN next_retry_at ELSE NULL END,
            attempts = coalesce(:attempts::int, attempts), updated_at = :now::timestamptz
      WHERE message_id = :id::uuid`,
    { id: messageId, status, attempts: attempts ?? null, now },
  );
}

/** Composer problems that lie in one message's stored words or people, not in the sender's set-up. */
const MESSAGE_FIELDS = new Set(['subject', 'body', 'lead.email', 'rep.email', 'thread.messageIds']);

/** Sets a claimed message aside as `parked` with the reason; false if it is no longer this claimer's. */
async function parkMessage(sql: Sql, messageId: string, claimer: string, reason: string, now: Date): Promise<boolean> {
  const r = await sql.query(
    `UPDATE scheduled_message SET status = 'parked', claimed_at = NULL, claimed_by = NULL, deferred_reason = :why, updated_at = :now::timestamptz
      WHERE message_id = :id::uuid AND status = 'claimed' AND claimed_by = :claimer`,
    { id: messageId, claimer, why: reason.slice(0, 500), now },
  );
  return r.rowCount > 0;
}

/**
 * Puts every message `claimer` claimed and has not attempted back in the queue, with the reason
 * (a blocked mailbox, a stopped batch). Returns how many.
 */
export async function releaseClaims(sql: Sql, claimer: string, now: Date, reason: string): Promise<number> {
  const r = await sql.query(
    `UPDATE scheduled_message sm SET status = 'scheduled', claimed_at = NULL, claimed_by = NULL, deferred_reason = :why, updated_at = :now::timestamptz
      WHERE sm.status = 'claimed' AND sm.claimed_by = :claimer
        AND NOT EXISTS (SELECT 1 FROM send_attempt sa WHERE sa.message_id = sm.message_id AND sa.status <> 'failed')`,
    { claimer, why: reason.slice(0, 500), now },
  );
  return r.rowCount;
}

/**
 * An attempt still `sending` after `olderThanSeconds` lost its execution between writing it
 * and the provider's answer: it becomes `uncertain` (the server may have the message) and its
 * queue row is done. A local run that holds the home lock passes 0: no other sender is alive.
 */
export async function settleAbandoned(sql: Sql, workspaceId: string, now: Date, olderThanSeconds: number): Promise<number> {
  const stale = await sql.query<{ id: string }>(
    `SELECT sa.id FROM send_attempt sa JOIN message m ON m.id = sa.message_id JOIN sequence s ON s.id = m.sequence_id
      WHERE s.workspace_id = :ws::uuid AND sa.status = 'sending' AND sa.started_at <= :now::timestamptz - make_interval(secs => :age)`,
    { ws: workspaceId, now, age: olderThanSeconds },
  );
  for (const row of stale.rows) {
    await markUncertain(sql, row.id, 'the sender stopped between handing the message over and the server\'s answer; check the mailbox before resending', now);
  }
  return stale.rows.length;
}

/** Settles a message whose send step failed outside the mailer (the state machine's Catch). */
export async function recordSendFailure(sql: Sql, messageId: string, claimer: string, reason: string, now: Date): Promise<SendOutcome> {
  const open = await sql.query<{ id: string }>(`SELECT id FROM send_attempt WHERE message_id = :id::uuid AND status = 'sending'`, { id: messageId });
  if (open.rows[0]) {
    await markUncertain(sql, open.rows[0].id, `the send step failed after the attempt was written: ${reason}`.slice(0, 2000), now);
    return { messageId, outcome: 'uncertain', reason };
  }
  // nothing was handed over: back to the queue for the next execution
  const r = await sql.query(
    `UPDATE scheduled_message SET status = 'scheduled', claimed_at = NULL, claimed_by = NULL, deferred_reason = :why, updated_at = :now::timestamptz
      WHERE message_id = :id::uuid AND status = 'claimed' AND claimed_by = :claimer`,
    { id: messageId, claimer, why: `the send step failed before sending: ${reason}`.slice(0, 500), now },
  );
  return r.rowCount
    ? { messageId, outcome: 'deferred', reason, retryAt: now.toISOString() }
    : { messageId, outcome: 'released', reason: 'no longer claimed by this execution' };
}

/** The batch's counts, as `prospector send --json` prints them. */
export interface SendSummary {
  claimed: number;
  sent: number;
  deferred: number;
  failed: number;
  uncertain: number;
  skipped: number;
  /** could not be composed: set aside with the reason (`prospector outbox`), never retried by itself */
  parked: number;
  /** the mailbox or the workspace could not send: the batch stopped and its messages wait in the queue */
  blocked: boolean;
  /** why, when blocked */
  blockedReason?: string;
  /** attempts found abandoned by an earlier execution and marked uncertain */
  abandoned: number;
  /** claim rounds in this execution (one per spacing; see batch.ts) */
  rounds: number;
  /** approved responses to replies handled after the rounds (reply-send.ts), by outcome */
  responses?: ResponseCounts;
}

/** Approved responses to replies by what happened to them in one run. */
export interface ResponseCounts {
  sent: number;
  cancelled: number;
  waiting: number;
  failed: number;
  uncertain: number;
}

/** Counts one round's outcomes into a summary. */
export function summarise(claimed: number, abandoned: number, outcomes: readonly { outcome: SendOutcome['outcome']; reason?: string }[]): SendSummary {
  const count = (o: SendOutcome['outcome']) => outcomes.filter((x) => x.outcome === o).length;
  const block = outcomes.find((x) => x.outcome === 'blocked');
  return {
    claimed,
    sent: count('sent'),
    deferred: count('deferred'),
    failed: count('failed'),
    uncertain: count('uncertain') + abandoned,
    skipped: count('skipped'),
    parked: count('parked'),
    blocked: block !== undefined,
    ...(block?.reason ? { blockedReason: block.reason } : {}),
    abandoned,
    rounds: 1,
  };
}

/** The counts of two parts of one execution together. */
export function addSummaries(a: SendSummary | undefined, b: SendSummary): SendSummary {
  if (!a) return b;
  const reason = a.blockedReason ?? b.blockedReason;
  return {
    claimed: a.claimed + b.claimed,
    sent: a.sent + b.sent,
    deferred: a.deferred + b.deferred,
    failed: a.failed + b.failed,
    uncertain: a.uncertain + b.uncertain,
    skipped: a.skipped + b.skipped,
    parked: a.parked + b.parked,
    blocked: a.blocked || b.blocked,
    ...(reason ? { blockedReason: reason } : {}),
    abandoned: a.abandoned + b.abandoned,
    rounds: a.rounds + b.rounds,
  };
}
