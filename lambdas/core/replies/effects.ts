/**
 * What a reply leaves behind beyond its sequence, written by `recordReply` inside the reply's own
 * transaction (`tx`), so a reply is never stored without them nor given them twice:
 *
 * - `referral`: the referred person becomes a lead at the referrer's company, noting who referred
 *   them and from which reply. Nothing is queued for them: a sequence is drafted only when a run
 *   researches them, and drafting never approves it on autopilot (a rep approves the first word
 *   to someone who never heard from us).
 * - `interested`, `needs_info`, `objection`: a task for the rep who owns the thread, due a
 *   business day or two after the mail (`TASK_DUE_BUSINESS_DAYS`).
 * - `not_interested`: the company is kept out of new sequences until `cooling_off_until` (the
 *   workspace's `cooling_off_days` after the mail; a later date already set stays).
 * - `bounce` hard: the lead's address is marked invalid, with the status code and the reply.
 *
 * Reply text is untrusted: the referred name and address come from the validated classification
 * (an address the reply itself contains), are checked again here, and are stored as data.
 */
import { randomUUID } from 'node:crypto';
import type { Sql } from '../ports.ts';

/** Business days from the mail to a task's due date, by the reply's label. */
export const TASK_DUE_BUSINESS_DAYS = { interested: 1, needs_info: 1, objection: 2 } as const;
export type TaskKind = keyof typeof TASK_DUE_BUSINESS_DAYS;
export const TASK_KINDS = Object.keys(TASK_DUE_BUSINESS_DAYS) as TaskKind[];

const DAY_MS = 86_400_000;
const ADDRESS = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;

/** What the effects know about the reply they follow. */
export interface ReplyContext {
  workspaceId: string;
  replyId: string;
  /** the lead the reply came from, when known */
  leadId: string | null;
  sequenceId: string | null;
  /** the sender (or the bounced address), lower case */
  address: string | null;
  /** the addresses the mail was sent to: the mailbox it reached says whose it is */
  to: string[];
  /** YYYY-MM-DD, the day the mail arrived (UTC) */
  receivedDay: string;
  now: Date;
}

/** `day` plus `n` weekdays (Saturday and Sunday skipped), as YYYY-MM-DD. */
export function addBusinessDays(day: string, n: number): string {
  let t = Date.parse(`${day}T00:00:00Z`);
  let left = n;
  while (left > 0) {
    t += DAY_MS;
    const weekday = new Date(t).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left -= 1;
  }
  return new Date(t).toISOString().slice(0, 10);
}

/**
 * The rep who owns the thread: the sequence's rep (by id, else by its rep email), else the rep
 * whose mailbox (or own address) the reply was sent to, else the rep of the lead's latest
 * sequence. Null when none is known: the task is open for anyone.
 */
export async function threadOwner(tx: Sql, r: ReplyContext): Promise<{ id: string; email: string } | null> {
  const found = await tx.query<{ id: string; email: string }>(
    `SELECT u.id, u.email FROM (
       SELECT 1 AS rank, u.id FROM sequence s JOIN app_user u ON u.workspace_id = s.workspace_id AND (u.id = s.rep_id OR u.email = s.rep_email)
        WHERE s.id = :seq::uuid
       UNION ALL
       SELECT 2, u.id FROM app_user u LEFT JOIN mailbox mb ON mb.rep_id = u.id AND mb.workspace_id = u.workspace_id
        WHERE u.workspace_id = :ws::uuid AND (mb.address IN (SELECT jsonb_array_elements_text(:to::jsonb)) OR u.email IN (SELECT jsonb_array_elements_text(:to::jsonb)))
       UNION ALL
       SELECT 3, u.id FROM (SELECT rep_id, rep_email, workspace_id FROM sequence WHERE lead_id = :lead::uuid ORDER BY created_at DESC LIMIT 1) s
         JOIN app_user u ON u.workspace_id = s.workspace_id AND (u.id = s.rep_id OR u.email = s.rep_email)
     ) o JOIN app_user u ON u.id = o.id
     ORDER BY o.rank, u.email LIMIT 1`,
    { seq: r.sequenceId, ws: r.workspaceId, to: r.to.map((a) => a.toLowerCase()), lead: r.leadId },
  );
  return found.rows[0] ?? null;
}

/** Opens the rep's task for an answer that needs one; returns the words for the action. */
export async function openRepTask(tx: Sql, r: ReplyContext, kind: TaskKind, detail: { questions: string[]; objection: string | null }): Promise<string> {
  const owner = await threadOwner(tx, r);
  const due = addBusinessDays(r.receivedDay, TASK_DUE_BUSINESS_DAYS[kind]);
  const who = r.address ?? 'the sender';
  const title =
    kind === 'interested'
      ? `${who} is interested: answer and propose a meeting`
      : kind === 'needs_info'
        ? `${who} asked ${detail.questions.length || 'some'} question(s): answer them`
        : `${who} objected (${detail.objection ?? 'unspecified'}): respond to the objection`;
  const inserted = await tx.query(
    `INSERT INTO rep_task (id, workspace_id, lead_id, reply_id, kind, owner_id, title, due_on, created_at)
     VALUES (:id::uuid, :ws::uuid, :lead::uuid, :reply::uuid, :kind, :owner::uuid, :title, :due::date, :now::timestamptz)
     ON CONFLICT (reply_id) DO NOTHING`,
    { id: randomUUID(), ws: r.workspaceId, lead: r.leadId, reply: r.replyId, kind, owner: owner?.id ?? null, title: title.slice(0, 500), due, now: r.now },
  );
  if (inserted.rowCount === 0) return 'task already open';
  return `task for ${owner?.email ?? 'the team (no owning rep known)'} due ${due}`;
}

/**
 * The referred person as a new lead at the referrer's company (the lead the reply came from, else
 * the company of the referred address's domain). Returns the words for the action.
 */
export async function addReferredLead(tx: Sql, r: ReplyContext, referral: { name: string | null; email: string }): Promise<string> {
  const email = referral.email.trim().toLowerCase();
  if (!ADDRESS.test(email)) return `referred address "${email}" is not an address: not added as a lead`;
  if (email === r.address) return 'the reply refers to its own sender: no new lead';
  const company = await tx.query<{ company_id: string; icp_id: string | null; domain: string }>(
    `SELECT c.id AS company_id, l.icp_id, c.domain FROM lead l JOIN lead_company c ON c.id = l.company_id
      WHERE l.id = :lead::uuid AND l.workspace_id = :ws::uuid
     UNION ALL
     SELECT c.id, NULL, c.domain FROM lead_company c WHERE c.workspace_id = :ws::uuid AND c.domain = :domain
     LIMIT 1`,
    { lead: r.leadId, ws: r.workspaceId, domain: email.slice(email.indexOf('@') + 1) },
  );
  const at = company.rows[0];
  if (!at) return `referred <${email}> kept on the reply: the referrer's company is not a known one, so no lead was added`;
  const name = referral.name?.trim() || email.slice(0, email.indexOf('@'));
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO lead (id, workspace_id, company_id, email, name, icp_id, referred_by_email, referred_by_lead_id, referred_by_reply_id, first_seen_at)
     VALUES (:id::uuid, :ws::uuid, :company::uuid, :email, :name, :icp::uuid, :by, :byLead::uuid, :reply::uuid, :now::timestamptz)
     ON CONFLICT (workspace_id, email) DO NOTHING
     RETURNING id`,
    { id: randomUUID(), ws: r.workspaceId, company: at.company_id, email, name: name.slice(0, 200), icp: at.icp_id, by: r.address, byLead: r.leadId, reply: r.replyId, now: r.now },
  );
  return inserted.rowCount === 0
    ? `referred <${email}> is already a lead`
    : `referred <${email}> added as a lead at ${at.domain} (referred by ${r.address ?? 'the sender'}; nothing is sent without a rep's approval)`;
}

/** Keeps the reply's company out of new sequences for the workspace's cooling-off days. */
export async function coolOffCompany(tx: Sql, r: ReplyContext): Promise<string> {
  const days = (await tx.query<{ days: number }>(`SELECT cooling_off_days AS days FROM workspace WHERE id = :ws::uuid`, { ws: r.workspaceId })).rows[0]?.days ?? 0;
  if (days <= 0) return 'no cooling off (the workspace sets 0 days)';
  const cooled = await tx.query<{ domain: string; until: string }>(
    `WITH target AS (
       SELECT c.id FROM lead l JOIN lead_company c ON c.id = l.company_id WHERE l.id = :lead::uuid AND l.workspace_id = :ws::uuid
       UNION ALL
       SELECT c.id FROM lead_company c WHERE :lead::uuid IS NULL AND c.workspace_id = :ws::uuid AND c.domain = :domain
       LIMIT 1
     )
     UPDATE lead_company c
        SET cooling_off_until = greatest(c.cooling_off_until, :day::date + :days::int),
            cooling_off_reply_id = CASE WHEN c.cooling_off_until >= :day::date + :days::int THEN c.cooling_off_reply_id ELSE :reply::uuid END
       FROM target
      WHERE c.id = target.id
     RETURNING c.domain, to_char(c.cooling_off_until, 'YYYY-MM-DD') AS until`,
    { lead: r.leadId, ws: r.workspaceId, domain: r.address?.slice(r.address.indexOf('@') + 1) ?? '', day: r.receivedDay, days, reply: r.replyId },
  );
  const row = cooled.rows[0];
  return row ? `${row.domain} cooling off until ${row.until}: no new sequence there before then` : 'no known company to cool off';
}

/** Marks the bounced address invalid on its lead. */
export async function markEmailInvalid(tx: Sql, r: ReplyContext, email: string, status: string | null): Promise<string> {
  const marked = await tx.query(
    `UPDATE lead SET email_invalid_at = :now::timestamptz, email_invalid_reason = :reason
      WHERE workspace_id = :ws::uuid AND email = :email AND email_invalid_at IS NULL`,
    { ws: r.workspaceId, email: email.toLowerCase(), now: r.now, reason: `hard bounce${status ? ` ${status}` : ''} (reply ${r.replyId})` },
  );
  return marked.rowCount > 0 ? `${email.toLowerCase()} marked invalid` : '';
}
