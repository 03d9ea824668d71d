/**
 * Act: store a classified reply and do what its label asks, in ONE transaction with the row, so a
 * reply is never recorded without its effect nor acted on twice.
 *
 * - `unsubscribe`: the address is suppressed (source `opt_out`, by the `reply_effects` trigger)
 *   and every open sequence to it, in every ICP, stops; nothing scheduled for them stays claimable.
 * - `bounce` hard: suppressed (source `bounce`) and stopped the same way. Soft: noted; sending
 *   goes on, and the address is suppressed at the `SOFT_BOUNCE_LIMIT`th soft bounce.
 * - `out_of_office`: the sequence pauses until the return date (or `DEFAULT_OOO_DAYS` after the
 *   mail when none is given); its scheduled emails move to the first window from that day, and
 *   `resumePausedSequences` makes it active again on the day.
 * - `interested`, `needs_info`, `referral`, `objection`, `not_interested`, `wrong_person`: a person
 *   answered, so the sequence stops and an outcome is recorded (`positive_reply` for interest,
 *   `replied` otherwise). Then, by label (effects.ts): `interested`, `needs_info` and `objection`
 *   open a task for the owning rep; a `referral` adds the referred person as a lead at the same
 *   company, noting the referrer (nothing is queued for them: no message without approval);
 *   `not_interested` keeps the company out of new sequences for the workspace's cooling-off days.
 * - `bounce` hard also marks the lead's address invalid, so it never gets a new sequence.
 * - `auto_reply`: nothing. A label under review: nothing but what the trigger does (a person's
 *   label stops the sequence meanwhile) until a rep confirms it.
 *
 * The raw mail is already in the lake (under `inbound/`, stored before the replies machine
 * started: `storeInboundMail`); the reply keeps its key. The same Message-ID imported twice is one
 * reply (UNIQUE workspace, rfc_message_id): the second import returns the first one's action and
 * does nothing again (no second task, lead or outcome). A row left by a failed attempt at the
 * same mail (`recordReplyFailure`) is replaced in the same transaction. The classification's model calls are stored as `llm_call` rows of the reply in the same
 * transaction (also on a duplicate: they were paid).
 */
import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { lakeKeys } from '../lake-keys.ts';
import type { LlmCallRecord } from '../llm/records.ts';
import { insertLlmCalls } from '../pipeline/llm-call-repo.ts';
import type { Lake, Sql } from '../ports.ts';
import { nextSlot } from '../sending/policy.ts';
import { cancelScheduled, loadWindow } from '../sending/schedule.ts';
import type { ReplyClassification } from './classify.ts';
import { addReferredLead, coolOffCompany, markEmailInvalid, openRepTask, type ReplyContext } from './effects.ts';
import type { ThreadMatch } from './match.ts';
import type { InboundMail } from './parse.ts';

/** Days an out-of-office without a return date pauses its sequence. */
export const DEFAULT_OOO_DAYS = 7;
/** Soft bounces from one address after which it is suppressed as a bounce. */
export const SOFT_BOUNCE_LIMIT = 3;

const PERSON_LABELS = new Set(['interested', 'needs_info', 'referral', 'objection', 'not_interested', 'wrong_person']);
const OPEN = `('approved', 'active', 'paused')`;
const DAY_MS = 86_400_000;

export interface ActDeps {
  sql: Sql;
  now?: () => Date;
  newId?: () => string;
}

export interface ActInput {
  workspaceId: string;
  mail: InboundMail;
  /** where the raw mail is in the lake (under `inbound/`) */
  rawKey: string;
  match: ThreadMatch;
  classification: ReplyClassification;
  /** the classification's model calls, stored with the reply */
  llmCalls?: readonly LlmCallRecord[];
}

export interface ActResult {
  replyId: string;
  /** the same mail was imported before: nothing was done again */
  duplicate: boolean;
  rawKey: string;
  /** what was done, in words a rep reads */
  action: string;
  stoppedSequenceIds: string[];
  /** the address suppressed by this reply, if any */
  suppressed: string | null;
  /** YYYY-MM-DD, for an out-of-office that paused a sequence */
  resumeOn: string | null;
}

/** Stores the reply and its action in one transaction; see the module comment. */
export async function recordReply(deps: ActDeps, input: ActInput): Promise<ActResult> {
  const { sql } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const { mail, match, workspaceId, rawKey } = input;
  const c = storable(input.classification);
  const receivedAt = mail.date ? new Date(mail.date) : now;
  const receivedDay = receivedAt.toISOString().slice(0, 10);
  const rfcMessageId = replyMessageId(mail);

  const address = match.address ?? mail.from?.address ?? null;
  const bounce = c.label === 'bounce' ? (c.bounce ?? { kind: 'soft' as const, status: null, recipient: null, diagnostic: null, originalMessageId: null }) : null;
  const bounceStatus = bounce?.status && /^([245]\.\d{1,3}\.\d{1,3}|[245]\d{2})$/.test(bounce.status) ? bounce.status : null;
  const returnDate = c.label === 'out_of_office' && c.returnDate && c.returnDate > receivedDay ? c.returnDate : null;

  return sql.transaction(async (tx) => {
    await tx.query(
      `DELETE FROM reply WHERE workspace_id = :ws::uuid AND error IS NOT NULL AND (rfc_message_id = :rfc OR content_sha256 = :sha OR raw_key = :rawKey)`,
      { ws: workspaceId, rfc: rfcMessageId, sha: mail.contentSha256, rawKey },
    );
    const replyId = (deps.newId ?? randomUUID)();
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO reply (id, workspace_id, rfc_message_id, in_reply_to, send_attempt_id, sequence_id, lead_id, from_email, subject,
                          received_at, raw_key, content_sha256, classification, classified_by, confidence, needs_review, questions,
                          referral_name, referral_email, objection_kind, return_date, bounce_kind, bounce_status, bounce_recipient,
                          evidence, thread_match)
       VALUES (:id::uuid, :ws::uuid, :rfc, :inReplyTo, :attempt::uuid, :seq::uuid, :lead::uuid, :from, :subject,
               :received::timestamptz, :rawKey, :sha, :label, :by, :confidence, :review, :questions::jsonb,
               :refName, :refEmail, :objection, :returnDate::date, :bounceKind, :bounceStatus, :bounceRecipient,
               :evidence, :thread)
       ON CONFLICT (workspace_id, rfc_message_id) DO NOTHING
       RETURNING id`,
      {
        id: replyId,
        ws: workspaceId,
        rfc: rfcMessageId,
        inReplyTo: mail.inReplyTo,
        attempt: match.sendAttemptId,
        seq: match.sequenceId,
        lead: match.leadId,
        from: (mail.from?.address ?? address ?? '').toLowerCase(),
        subject: mail.subject || null,
        received: receivedAt,
        rawKey,
        sha: mail.contentSha256,
        label: c.label,
        by: c.classifiedBy,
        confidence: Math.round(c.confidence * 100) / 100,
        review: c.needsReview,
        questions: c.label === 'needs_info' ? c.questions : [],
        refName: c.label === 'referral' && c.referral ? c.referral.name : null,
        refEmail: c.label === 'referral' && c.referral ? c.referral.email.toLowerCase() : null,
        objection: c.label === 'objection' ? c.objection : null,
        returnDate,
        bounceKind: bounce?.kind ?? null,
        bounceStatus,
        bounceRecipient: bounce?.recipient?.toLowerCase() ?? null,
        evidence: c.evidence,
        thread: match.kind,
      },
    );
    if (inserted.rowCount === 0) {
      const first = await tx.query<{ id: string; action: string | null; raw_key: string }>(
        `SELECT id, action, raw_key FROM reply WHERE workspace_id = :ws::uuid AND rfc_message_id = :rfc`,
        { ws: workspaceId, rfc: rfcMessageId },
      );
      const row = first.rows[0];
      await insertLlmCalls(tx, { replyId: row.id, leadId: match.leadId }, input.llmCalls ?? []);
      return { replyId: row.id, duplicate: true, rawKey: row.raw_key, action: `already imported: ${row.action ?? 'no action'}`, stoppedSequenceIds: [], suppressed: null, resumeOn: null };
    }

    await insertLlmCalls(tx, { replyId, leadId: match.leadId }, input.llmCalls ?? []);
    const acted = await actOnLabel(tx, {
      workspaceId, replyId, classification: c, match, address, to: mail.to.map((a) => a.address), receivedDay, now, bounce, bounceStatus, returnDate,
    });
    return { replyId, duplicate: false, rawKey, ...acted };
  });
}

/** What a label's action did (see the module comment). */
export interface LabelAction {
  action: string;
  stoppedSequenceIds: string[];
  suppressed: string | null;
  resumeOn: string | null;
}

/** A stored reply's label and where it belongs, as the label's action reads them. */
export interface LabelActionInput {
  workspaceId: string;
  replyId: string;
  classification: ReplyClassification;
  match: Pick<ThreadMatch, 'kind' | 'sequenceId' | 'leadId'>;
  /** the sender (or the bounced address), lower case */
  address: string | null;
  to: string[];
  /** YYYY-MM-DD, the day the mail arrived (UTC) */
  receivedDay: string;
  now: Date;
  bounce: { kind: 'hard' | 'soft'; recipient: string | null } | null;
  bounceStatus: string | null;
  /** an out-of-office's return date, after the day it arrived */
  returnDate: string | null;
}

/**
 * Does what the reply's (stored) label asks, inside the caller's transaction, and writes the
 * action's words on the reply: the replies flow after storing a reply, and a rep's reviewed
 * label (review.ts) run this same code. Every effect is idempotent (outcomes, tasks, leads and
 * suppressions are unique per reply or address), so running it again does nothing new.
 */
export async function actOnLabel(tx: Sql, input: LabelActionInput): Promise<LabelAction> {
  const { workspaceId, replyId, match, address, now, bounce, bounceStatus, returnDate, receivedDay } = input;
  const c = input.classification;
  {
    const result: LabelAction = { action: '', stoppedSequenceIds: [], suppressed: null, resumeOn: null };
    const context: ReplyContext = {
      workspaceId, replyId, leadId: match.leadId, sequenceId: match.sequenceId, address, to: input.to, receivedDay, now,
    };
    // Every open sequence to the address (the lead's, in every ICP), or the matched one.
    const stopAll = async (reason: string) => {
      const stopped = await tx.query<{ id: string }>(
        `UPDATE sequence s SET status = 'stopped', status_reason = :reason, resume_on = NULL, updated_at = :now::timestamptz
           FROM lead l
          WHERE l.id = s.lead_id AND l.workspace_id = :ws::uuid AND s.workspace_id = :ws::uuid AND s.status IN ${OPEN}
            AND (l.email = :address OR s.id = :seq::uuid)
         RETURNING s.id`,
        { ws: workspaceId, address: address ?? '', seq: match.sequenceId, reason, now },
      );
      return stopped.rows.map((r) => r.id);
    };
    const outcome = async (sequenceIds: string[], kind: string) => {
      for (const sequenceId of sequenceIds) {
        await tx.query(
          `INSERT INTO outcome (id, sequence_id, kind, reply_id, note) VALUES (:id::uuid, :seq::uuid, :kind, :reply::uuid, :note)
           ON CONFLICT (sequence_id, kind) DO NOTHING`,
          { id: randomUUID(), seq: sequenceId, kind, reply: replyId, note: `reply labelled ${c.label} (${c.classifiedBy})` },
        );
      }
    };
    const suppressed = async () => {
      const row = await tx.query<{ value: string }>(`SELECT value FROM suppression WHERE reply_id = :reply::uuid LIMIT 1`, { reply: replyId });
      return row.rows[0]?.value ?? null;
    };
    // The trigger stopped the matched sequence already for a person's label: count it as stopped here.
    const matchedStopped = async () => {
      if (!match.sequenceId) return [];
      const row = await tx.query<{ id: string }>(`SELECT id FROM sequence WHERE id = :seq::uuid AND status = 'stopped'`, { seq: match.sequenceId });
      return row.rows.map((r) => r.id);
    };

    if (c.needsReview) {
      result.stoppedSequenceIds = await matchedStopped();
      result.action = `needs review (${c.label}, confidence ${c.confidence.toFixed(2)}): no action until a rep confirms the label${result.stoppedSequenceIds.length ? '; the sequence is stopped meanwhile' : ''}`;
    } else if (c.label === 'unsubscribe' || (c.label === 'bounce' && bounce?.kind === 'hard')) {
      const optOut = c.label === 'unsubscribe';
      result.suppressed = await suppressed();
      const stopped = [...new Set([...(await matchedStopped()), ...(await stopAll(optOut ? 'opted_out' : 'bounced'))])].sort();
      result.stoppedSequenceIds = stopped;
      await outcome(stopped, optOut ? 'opted_out' : 'bounced');
      const what = optOut ? 'opted out' : `hard bounce${bounceStatus ? ` ${bounceStatus}` : ''}`;
      const bounced = optOut ? null : (result.suppressed ?? bounce?.recipient ?? address);
      const invalid = bounced ? await markEmailInvalid(tx, context, bounced, bounceStatus) : '';
      result.action = `${what}: ${result.suppressed ?? address ?? 'the address'} suppressed; ${stopped.length} sequence(s) stopped${invalid ? `; ${invalid}` : ''}`;
    } else if (c.label === 'bounce') {
      const soft = await tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM reply
          WHERE workspace_id = :ws::uuid AND classification = 'bounce' AND bounce_kind = 'soft' AND NOT needs_review
            AND coalesce(bounce_recipient, from_email) = :address`,
        { ws: workspaceId, address: bounce?.recipient?.toLowerCase() ?? address ?? '' },
      );
      const count = soft.rows[0]?.n ?? 0;
      if (count >= SOFT_BOUNCE_LIMIT && address) {
        await tx.query(
          `INSERT INTO suppression (id, workspace_id, kind, value, reason, source, reply_id)
           VALUES (:id::uuid, :ws::uuid, 'email', :address, :reason, 'bounce', :reply::uuid)
           ON CONFLICT (workspace_id, kind, value) DO NOTHING`,
          { id: randomUUID(), ws: workspaceId, address, reason: `Soft-bounced ${count} times`, reply: replyId },
        );
        result.suppressed = address;
        result.stoppedSequenceIds = await stopAll('bounced');
        await outcome(result.stoppedSequenceIds, 'bounced');
        result.action = `soft bounce ${count} of ${SOFT_BOUNCE_LIMIT}${bounceStatus ? ` (${bounceStatus})` : ''}: ${address} suppressed; ${result.stoppedSequenceIds.length} sequence(s) stopped`;
      } else {
        result.action = `soft bounce${bounceStatus ? ` ${bounceStatus}` : ''} noted (${count} of ${SOFT_BOUNCE_LIMIT}): sending goes on; suppressed at ${SOFT_BOUNCE_LIMIT}`;
      }
    } else if (c.label === 'out_of_office') {
      const resumeOn = returnDate ?? new Date(Date.parse(`${receivedDay}T00:00:00Z`) + DEFAULT_OOO_DAYS * DAY_MS).toISOString().slice(0, 10);
      const paused = await pause(tx, workspaceId, match, resumeOn, now);
      result.resumeOn = paused ? resumeOn : null;
      result.action = paused
        ? `out of office until ${resumeOn}${returnDate ? '' : ` (no return date given: ${DEFAULT_OOO_DAYS} days)`}: sequence paused, resumes ${resumeOn}; ${paused.moved} scheduled email(s) moved past it`
        : `out of office until ${resumeOn}: no open sequence to pause`;
    } else if (PERSON_LABELS.has(c.label)) {
      const stopped = [...new Set([...(await matchedStopped()), ...(match.kind === 'address' ? await stopAll('replied') : [])])].sort();
      result.stoppedSequenceIds = stopped;
      await outcome(stopped, c.label === 'interested' ? 'positive_reply' : 'replied');
      const kind = c.label === 'interested' ? 'positive_reply' : 'replied';
      const follow =
        c.label === 'interested' || c.label === 'needs_info' || c.label === 'objection'
          ? await openRepTask(tx, context, c.label, { questions: c.questions, objection: c.objection })
          : c.label === 'referral' && c.referral
            ? await addReferredLead(tx, context, c.referral)
            : c.label === 'not_interested'
              ? await coolOffCompany(tx, context)
              : '';
      result.action = `${c.label}: ${stopped.length ? `${stopped.length} sequence(s) stopped, outcome ${kind}` : 'no open sequence to stop'}${follow ? `; ${follow}` : ''}`;
    } else {
      result.action = 'automatic reply: no action';
    }

    await cancelScheduled(tx, result.stoppedSequenceIds, now);
    await tx.query(`UPDATE reply SET action = :action WHERE id = :id::uuid`, { id: replyId, action: result.action });
    return result;
  }
}

/** A reply already stored, as the import reports it. */
export interface StoredReply {
  replyId: string;
  action: string | null;
  label: string | null;
  classifiedBy: string | null;
  confidence: number | null;
  needsReview: boolean;
  threadMatch: string | null;
  sequenceId: string | null;
  leadId: string | null;
}

/**
 * The reply stored for this mail, if it was imported before: the import then neither classifies
 * it again (no tokens spent twice) nor acts on it again.
 */
export async function findStoredReply(sql: Sql, workspaceId: string, mail: InboundMail): Promise<StoredReply | undefined> {
  const found = await sql.query<{
    id: string; action: string | null; classification: string | null; classified_by: string | null; confidence: string | number | null;
    needs_review: boolean; thread_match: string | null; sequence_id: string | null; lead_id: string | null;
  }>(
    `SELECT id, action, classification, classified_by, confidence, needs_review, thread_match, sequence_id, lead_id
       FROM reply WHERE workspace_id = :ws::uuid AND rfc_message_id = :rfc`,
    { ws: workspaceId, rfc: replyMessageId(mail) },
  );
  const r = found.rows[0];
  if (!r) return undefined;
  return {
    replyId: r.id, action: r.action, label: r.classification, classifiedBy: r.classified_by, confidence: r.confidence === null ? null : Number(r.confidence),
    needsReview: r.needs_review, threadMatch: r.thread_match, sequenceId: r.sequence_id, leadId: r.lead_id,
  };
}

/**
 * A label whose details are missing (a referral without an address, an objection without its
 * kind) cannot be stored as such: it goes to the rep as a question to review, never dropped.
 */
function storable(c: ReplyClassification): ReplyClassification {
  const missing = c.label === 'referral' && !c.referral ? 'a referral without an address' : c.label === 'objection' && !c.objection ? 'an objection without its kind' : null;
  if (!missing) return c;
  return { ...c, label: 'needs_info', needsReview: true, referral: null, objection: null, questions: [], evidence: `${c.evidence}; the classifier gave ${missing}: a rep decides` };
}

/**
 * Pauses the matched sequence (or, matched by address only, the lead's open one) until
 * `resumeOn`, and moves its scheduled emails to the first window occurrence from that day.
 */
async function pause(tx: Sql, workspaceId: string, match: Pick<ThreadMatch, 'sequenceId' | 'leadId'>, resumeOn: string, now: Date): Promise<{ sequenceId: string; moved: number } | undefined> {
  const found = await tx.query<{ id: string; status: string; icp_id: string | null }>(
    `SELECT s.id, s.status, s.icp_id FROM sequence s
      WHERE s.workspace_id = :ws::uuid AND s.status IN ${OPEN}
        AND (s.id = :seq::uuid OR (:seq::uuid IS NULL AND s.lead_id = :lead::uuid))
      ORDER BY s.created_at DESC LIMIT 1`,
    { ws: workspaceId, seq: match.sequenceId, lead: match.leadId },
  );
  const seq = found.rows[0];
  if (!seq) return undefined;
  // approved is sending's first state; its lifecycle pauses only from active
  if (seq.status === 'approved') await tx.query(`UPDATE sequence SET status = 'active', updated_at = :now::timestamptz WHERE id = :id::uuid`, { id: seq.id, now });
  await tx.query(
    `UPDATE sequence SET status = 'paused', status_reason = 'out of office', resume_on = :day::date, updated_at = :now::timestamptz WHERE id = :id::uuid`,
    { id: seq.id, day: resumeOn, now },
  );
  const from = new Date(Math.max(Date.parse(`${resumeOn}T00:00:00Z`), now.getTime()));
  const rows = await tx.query<{ message_id: string; time_zone: string }>(
    `SELECT message_id, time_zone FROM scheduled_message WHERE sequence_id = :seq::uuid AND status = 'scheduled' AND scheduled_at < :from::timestamptz`,
    { seq: seq.id, from },
  );
  if (rows.rows.length === 0) return { sequenceId: seq.id, moved: 0 };
  const window = await loadWindow(tx, workspaceId, seq.icp_id);
  for (const row of rows.rows) {
    const slot = nextSlot(from, window, row.time_zone);
    await tx.query(
      `UPDATE scheduled_message SET scheduled_at = :start::timestamptz, window_ends_at = :end::timestamptz, deferred_reason = :reason,
              updated_at = :now::timestamptz
        WHERE message_id = :id::uuid`,
      { id: row.message_id, start: slot.start, end: slot.end, reason: `the lead is out of office until ${resumeOn}`, now },
    );
  }
  return { sequenceId: seq.id, moved: rows.rows.length };
}

/** Paused sequences whose return day has come become active again; returns their ids. */
export async function resumePausedSequences(sql: Sql, workspaceId: string, now: Date): Promise<string[]> {
  const resumed = await sql.query<{ id: string }>(
    `UPDATE sequence SET status = 'active', status_reason = NULL, resume_on = NULL, updated_at = :now::timestamptz
      WHERE workspace_id = :ws::uuid AND status = 'paused' AND resume_on IS NOT NULL AND resume_on <= (:now::timestamptz AT TIME ZONE 'UTC')::date
     RETURNING id`,
    { ws: workspaceId, now },
  );
  return resumed.rows.map((r) => r.id).sort();
}

/** The Message-ID a reply is stored under: its own, or one made from its content hash. */
export function replyMessageId(mail: Pick<InboundMail, 'messageId' | 'contentSha256'>): string {
  return mail.messageId ?? `<${mail.contentSha256}@no-message-id.invalid>`;
}

/**
 * Stores a raw inbound mail under `inbound/`, named by its content hash, before anything reads
 * it: the same bytes stored again the same day write the same object. Returns the key.
 */
export async function storeInboundMail(lake: Lake, raw: Buffer, at: Date): Promise<string> {
  const key = lakeKeys.inbound(at, createHash('sha256').update(raw).digest('hex'));
  await lake.put(key, raw, { contentType: 'message/rfc822' });
  return key;
}

/** What is known of a mail whose processing failed: as much as the steps before the failure learnt. */
export interface ReplyFailureInput {
  workspaceId: string;
  rawKey: string;
  /** `<ErrorName>: <reason>` */
  error: string;
  mail?: Pick<InboundMail, 'messageId' | 'contentSha256' | 'inReplyTo' | 'from' | 'subject' | 'date'> | null;
}

/**
 * Records a mail the replies machine could not finish, with no label and no action (nothing is
 * suppressed, stopped or paused), so it is listed for a rep and its raw mail stays findable. A
 * mail already recorded as a reply is left as it is; a failure recorded before is updated.
 * Returns the reply's id.
 */
export async function recordReplyFailure(sql: Sql, input: ReplyFailureInput, now: Date, newId: () => string = randomUUID): Promise<{ replyId: string; recorded: boolean }> {
  const mail = input.mail ?? null;
  const rfc = mail ? replyMessageId(mail) : `<${createHash('sha256').update(input.rawKey).digest('hex')}@unreadable.invalid>`;
  const received = mail?.date ? new Date(mail.date) : now;
  const error = input.error.slice(0, 2000) || 'unknown error';
  const rows = await sql.query<{ id: string; error: string | null }>(
    `INSERT INTO reply (id, workspace_id, rfc_message_id, in_reply_to, from_email, subject, received_at, raw_key, content_sha256, thread_match, action, error)
     VALUES (:id::uuid, :ws::uuid, :rfc, :inReplyTo, :from, :subject, :received::timestamptz, :rawKey, :sha, 'unmatched', :action, :error)
     ON CONFLICT (workspace_id, rfc_message_id) DO UPDATE SET error = EXCLUDED.error, action = EXCLUDED.action, raw_key = EXCLUDED.raw_key
       WHERE reply.error IS NOT NULL
     RETURNING id, error`,
    {
      id: newId(),
      ws: input.workspaceId,
      rfc,
      inReplyTo: mail?.inReplyTo ?? null,
      from: (mail?.from?.address ?? '').toLowerCase(),
      subject: mail?.subject || null,
      received,
      rawKey: input.rawKey,
      sha: mail?.contentSha256 ?? null,
      action: `not processed: ${error}`,
      error,
    },
  );
  if (rows.rows[0]) return { replyId: rows.rows[0].id, recorded: true };
  const existing = await sql.query<{ id: string }>(`SELECT id FROM reply WHERE workspace_id = :ws::uuid AND rfc_message_id = :rfc`, { ws: input.workspaceId, rfc });
  return { replyId: existing.rows[0].id, recorded: false };
}
