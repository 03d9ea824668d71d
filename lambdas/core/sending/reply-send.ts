/**
 * Sending approved responses to prospects' replies, in the thread and at most once.
 *
 * A response is not a step of a sequence (the reply stopped the sequence), so it is not in the
 * outreach queue: its claim and attempt are one `reply_response_send` row (sql/0025), written
 * `sending` with its final Message-ID before the mailer is called; the row's key refuses a
 * second one. A row left `sending` by a crash becomes `uncertain` and is never resent.
 *
 * It goes from the mailbox the thread used (the one the prospect replied to), or, for a response
 * handed over to another rep (lambdas/core/outreach/hand-over.ts), from that rep's mailbox: it is
 * signed as them, and the thread's mailbox is the old rep's. Within that
 * mailbox's daily cap (its sends and outreach's together), spacing and the lead's send window;
 * never to a suppressed address (an opt-out after approval cancels it); with In-Reply-To the
 * prospect's reply, References the thread, "Re:" subject, and the same postal-address and
 * unsubscribe footer as outreach.
 */
import type { Clock, Log, Mailer, Sql } from '../ports.ts';
import { MailerBlockedError, MailPermanentError, MailTemporaryError, SendingNotConfiguredError, ValidationError } from '../errors.ts';
import { composeMail, loadSender, newMessageId } from './compose-mail.ts';
import { effectiveDailyCap, spacingSeconds, windowSlot, type Random } from './policy.ts';
import { leadZone, loadWindow, repMailboxSql } from './schedule.ts';
import type { ResponseCounts } from './send.ts';
import { signUnsubscribeToken, unsubscribeUrl } from './unsubscribe.ts';

export interface ResponseSendDeps {
  sql: Sql;
  mailer: Mailer;
  clock: Clock;
  log: Log;
  unsubscribe: { baseUrl: string; secret: Buffer };
  random?: Random;
}

export type ResponseSendOutcome = { responseId: string; outcome: 'sent' | 'failed' | 'uncertain' | 'cancelled' | 'waiting'; reason?: string };

interface Pending {
  id: string;
  workspace_id: string;
  to_email: string;
  rep_email: string;
  body: string;
  subject: string | null;
  lead_id: string | null;
  lead_name: string | null;
  rep_name: string | null;
  reply_rfc: string;
  reply_subject: string | null;
  sequence_id: string | null;
  thread_from: string | null;
  /** set when the response was handed over: the new rep's active mailbox, if they have one */
  handed_over_from: string | null;
  rep_mailbox: string | null;
}

const SUPPRESSED = `EXISTS (SELECT 1 FROM suppression sp WHERE sp.workspace_id = :ws::uuid
  AND ((sp.kind = 'email' AND sp.value = :to) OR (sp.kind = 'domain' AND (split_part(:to, '@', 2) = sp.value OR split_part(:to, '@', 2) LIKE '%.' || sp.value))))`;

/** Marks responses left `sending` (their execution died before the server answered) `uncertain`. */
export async function settleAbandonedResponses(sql: Sql, workspaceId: string, now: Date, olderThanSeconds: number): Promise<number> {
  const r = await sql.query(
    `UPDATE reply_response_send SET status = 'uncertain', finished_at = :now::timestamptz,
            error = 'the sender stopped between handing the response over and the server''s answer; check the mailbox before resending'
      WHERE workspace_id = :ws::uuid AND status = 'sending' AND started_at <= :now::timestamptz - make_interval(secs => :age)`,
    { ws: workspaceId, now, age: olderThanSeconds },
  );
  return r.rowCount;
}

/** Sends the workspace's approved responses that have not been sent (or cancelled) yet. */
export async function sendApprovedResponses(deps: ResponseSendDeps, workspaceId: string, limit = 25): Promise<ResponseSendOutcome[]> {
  const { sql } = deps;
  const pending = await sql.query<Pending>(
    `SELECT rr.id, rr.workspace_id, rr.to_email, rr.rep_email, rr.body, rr.subject, rr.lead_id, l.name AS lead_name,
            (SELECT u.name FROM app_user u WHERE u.workspace_id = rr.workspace_id AND u.email = rr.rep_email LIMIT 1) AS rep_name,
            r.rfc_message_id AS reply_rfc, r.subject AS reply_subject, r.sequence_id,
            coalesce((SELECT sa.from_email FROM send_attempt sa WHERE sa.id = r.send_attempt_id),
                     (SELECT sa.from_email FROM send_attempt sa JOIN message m ON m.id = sa.message_id
                       WHERE m.sequence_id = r.sequence_id AND sa.status IN ('sent', 'uncertain') ORDER BY sa.started_at DESC LIMIT 1)) AS thread_from,
            rr.handed_over_from,
            (${repMailboxSql('mb.address', 'rr.workspace_id', 'rr.rep_email')}) AS rep_mailbox
       FROM reply_response rr JOIN reply r ON r.id = rr.reply_id LEFT JOIN lead l ON l.id = rr.lead_id
      WHERE rr.workspace_id = :ws::uuid AND rr.status = 'approved'
        AND NOT EXISTS (SELECT 1 FROM reply_response_send x WHERE x.response_id = rr.id)
      ORDER BY rr.decided_at, rr.id LIMIT :limit`,
    { ws: workspaceId, limit },
  );
  const out: ResponseSendOutcome[] = [];
  for (const row of pending.rows) out.push(await sendOne(deps, row));
  return out;
}

async function sendOne(deps: ResponseSendDeps, row: Pending): Promise<ResponseSendOutcome> {
  const { sql, mailer, log } = deps;
  const now = deps.clock.now();
  const responseId = row.id;
  const fromAddress = (row.handed_over_from ? (row.rep_mailbox ?? row.rep_email) : (row.thread_from ?? row.rep_email)).toLowerCase();
  const mb = (
    await sql.query<{ id: string; address: string; daily_cap: number; warmup_started_at: string | null; min_spacing_seconds: number; next_send_at: string | null }>(
      `SELECT id, address, daily_cap, warmup_started_at, min_spacing_seconds, next_send_at FROM mailbox
        WHERE workspace_id = :ws::uuid AND address = :a AND active`,
      { ws: row.workspace_id, a: fromAddress },
    )
  ).rows[0];
  if (!mb) return { responseId, outcome: 'waiting', reason: `no active mailbox ${fromAddress} to answer from` };

  // the lead's window, in the lead's zone
  if (row.lead_id) {
    const zone = await leadZone(sql, row.lead_id, row.rep_email);
    const window = await loadWindow(sql, row.workspace_id, null);
    if (!windowSlot(now, window, zone.zone).inside) return { responseId, outcome: 'waiting', reason: 'outside the lead\'s send window' };
  }

  let composed;
  let rfcMessageId: string;
  try {
    const sender = await loadSender(sql, row.workspace_id);
    rfcMessageId = newMessageId(sender.domain);
    const sequenceId = row.sequence_id ?? responseId;
    const earlier = row.sequence_id
      ? (
          await sql.query<{ id: string }>(
            `SELECT coalesce(sa.delivered_message_id, sa.rfc_message_id) AS id FROM send_attempt sa JOIN message m ON m.id = sa.message_id
              WHERE m.sequence_id = :seq::uuid AND sa.status IN ('sent', 'uncertain') ORDER BY sa.started_at`,
            { seq: row.sequence_id },
          )
        ).rows.map((r) => r.id)
      : [];
    const token = signUnsubscribeToken(deps.unsubscribe.secret, { workspaceId: row.workspace_id, sequenceId, address: row.to_email });
    composed = composeMail({
      workspaceId: row.workspace_id,
      sequenceId,
      messageRowId: responseId,
      subject: row.subject,
      body: row.body,
      rep: { name: row.rep_name, email: fromAddress },
      lead: { name: row.lead_name, email: row.to_email },
      seller: { companyName: sender.companyName, postalAddress: sender.postalAddress },
      messageId: rfcMessageId,
      thread: { subject: row.reply_subject ?? row.subject ?? '', messageIds: [...earlier.filter((id) => id !== row.reply_rfc), row.reply_rfc] },
      unsubscribe: { url: unsubscribeUrl(deps.unsubscribe.baseUrl, token), mailto: `mailto:${fromAddress}?subject=unsubscribe` },
      date: now,
    });
  } catch (error) {
    if (error instanceof SendingNotConfiguredError || error instanceof ValidationError) {
      return { responseId, outcome: 'waiting', reason: error.message };
    }
    throw error;
  }

  // claim: suppression, cap and spacing checked and the row written in one transaction
  const begun = await sql.transaction(async (tx): Promise<ResponseSendOutcome | null> => {
    const locked = await tx.query<{ next_send_at: string | null }>('SELECT next_send_at FROM mailbox WHERE id = :id::uuid FOR UPDATE', { id: mb.id });
    const suppressed = (await tx.query<{ s: boolean }>(`SELECT ${SUPPRESSED} AS s`, { ws: row.workspace_id, to: row.to_email })).rows[0].s;
    if (suppressed) {
      await tx.query(
        `INSERT INTO reply_response_send (response_id, workspace_id, mailbox_id, status, from_email, to_email, error, started_at, finished_at)
         VALUES (:id::uuid, :ws::uuid, :mb::uuid, 'cancelled', :from, :to, :why, :now::timestamptz, :now::timestamptz) ON CONFLICT (response_id) DO NOTHING`,
        { id: responseId, ws: row.workspace_id, mb: mb.id, from: fromAddress, to: row.to_email, why: `${row.to_email} is suppressed (opted out or bounced since approval)`, now },
      );
      return { responseId, outcome: 'cancelled', reason: `${row.to_email} is suppressed` };
    }
    const next = locked.rows[0]?.next_send_at;
    if (next && new Date(next).getTime() > now.getTime()) return { responseId, outcome: 'waiting', reason: `the mailbox's spacing holds until ${new Date(next).toISOString()}` };
    const used = (
      await tx.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM send_attempt WHERE from_email = :a AND status <> 'failed' AND started_at > :now::timestamptz - interval '24 hours')
              + (SELECT count(*) FROM reply_response_send WHERE from_email = :a AND status NOT IN ('failed', 'cancelled') AND started_at > :now::timestamptz - interval '24 hours') AS n`,
        { a: fromAddress, now },
      )
    ).rows[0].n;
    const cap = effectiveDailyCap({ dailyCap: mb.daily_cap, warmupStartedAt: mb.warmup_started_at ? new Date(mb.warmup_started_at) : null }, now);
    if (Number(used) >= cap) return { responseId, outcome: 'waiting', reason: `the mailbox's daily cap (${cap}) is reached` };
    const inserted = await tx.query(
      `INSERT INTO reply_response_send (response_id, workspace_id, mailbox_id, status, from_email, to_email, rfc_message_id, provider, started_at)
       VALUES (:id::uuid, :ws::uuid, :mb::uuid, 'sending', :from, :to, :rfc, :provider, :now::timestamptz) ON CONFLICT (response_id) DO NOTHING`,
      { id: responseId, ws: row.workspace_id, mb: mb.id, from: fromAddress, to: row.to_email, rfc: rfcMessageId, provider: mailer.provider, now },
    );
    if (inserted.rowCount === 0) return { responseId, outcome: 'waiting', reason: 'already sent or being sent' };
    await tx.query(`UPDATE mailbox SET next_send_at = :now::timestamptz + make_interval(secs => :gap) WHERE id = :id::uuid`, {
      id: mb.id,
      now,
      gap: spacingSeconds(mb.min_spacing_seconds, deps.random ?? Math.random),
    });
    return null;
  });
  if (begun) return begun;

  try {
    const receipt = await mailer.send(composed);
    await sql.query(
      `UPDATE reply_response_send SET status = 'sent', provider_message_id = :pid, delivered_message_id = :delivered, finished_at = :at::timestamptz
        WHERE response_id = :id::uuid AND status = 'sending'`,
      { id: responseId, pid: receipt.providerMessageId, delivered: receipt.deliveredMessageId, at: deps.clock.now() },
    );
    log.info('response sent', { responseId, to: row.to_email, rfcMessageId });
    return { responseId, outcome: 'sent' };
  } catch (error) {
    // a refusal the server stated is a failure; anything else may have reached the recipient
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 2000) || 'unknown error';
    if (error instanceof MailTemporaryError || error instanceof MailerBlockedError) {
      // nothing was delivered: the claim is withdrawn and the next run tries again
      await sql.query(`DELETE FROM reply_response_send WHERE response_id = :id::uuid AND status = 'sending'`, { id: responseId });
      return { responseId, outcome: 'waiting', reason };
    }
    const definite = error instanceof MailPermanentError;
    await sql.query(
      `UPDATE reply_response_send SET status = :status, error = :why, finished_at = :at::timestamptz WHERE response_id = :id::uuid AND status = 'sending'`,
      { id: responseId, status: definite ? 'failed' : 'uncertain', why: reason, at: deps.clock.now() },
    );
    return { responseId, outcome: definite ? 'failed' : 'uncertain', reason };
  }
}

/** The outcomes counted, as `prospector send --json` prints them under `responses`. */
export function countResponses(outcomes: readonly ResponseSendOutcome[]): ResponseCounts {
  const n = (o: ResponseSendOutcome['outcome']) => outcomes.filter((x) => x.outcome === o).length;
  return { sent: n('sent'), cancelled: n('cancelled'), waiting: n('waiting'), failed: n('failed'), uncertain: n('uncertain') };
}
