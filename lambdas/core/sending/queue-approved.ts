/**
 * What approval does for sending: the approved sequence's first email goes in the queue, in the
 * same transaction as the approval, so an approved sequence is never left unscheduled and a
 * rolled-back approval leaves nothing queued.
 *
 * A rep with no mailbox yet gets a default one on the address from onboarding (the sequence's
 * rep email): a new mailbox, so it warms up (policy.ts) with the default caps and spacing. The
 * onboarding of mailboxes is not a command yet; `addMailbox` with other limits (or an
 * established mailbox, no warm-up) is the way to change that before the first approval.
 *
 * Nothing is queued for a lead drafting would leave out now (`exclusionFor`, the same reasons): a
 * suppressed address or domain, an address a hard bounce marked invalid, a company cooling off
 * after a "not interested" reply, the seller's own, a customer's or a competitor's domain. A draft
 * written before one of those arrived (an opt-out, a customer added to the onboarding) is refused
 * approval with the reason (it rolls back with it), so a rep never approves something that must
 * not be sent, on any channel. So is a draft whose rep is no longer a user of the workspace.
 */
import { NotFoundError } from '../errors.ts';
import { repIsUserSql } from '../outreach/assign-rep.ts';
import { ApprovalRefusedError } from '../outreach/errors.ts';
import { leadExclusion, type Exclusion } from '../pipeline/search-leads.ts';
import type { Sql } from '../ports.ts';
import { addMailbox, repMailboxSql, scheduleFirstTouch, type Scheduled } from './schedule.ts';

/**
 * The refusal of a draft (`what`: "sequence ID" or "response ID") whose rep is no longer a user
 * (removed by a re-import), saying what to do on the command line and in the web app: `harm` says
 * what approving it would do.
 */
export function repGoneRefusal(id: string, what: string, repEmail: string, harm = 'it would go out from their address under their signature'): ApprovalRefusedError {
  const gone = `its rep ${repEmail} is no longer a user of this workspace, and ${harm}. Reject it, hand their drafts to another rep`;
  return new ApprovalRefusedError(
    id,
    `${what} cannot be approved: ${gone} (\`prospector reps hand-over ${repEmail} --to REP\`), or add them back to the onboarding's users.`,
    `Not approved: ${gone} on the Team page, or add them back to the onboarding's users.`,
  );
}

/** The rep's active mailbox, created with the defaults when there is none. Returns its id. */
export async function ensureRepMailbox(sql: Sql, workspaceId: string, repEmail: string, now: Date, provider: 'smtp' | 'ses' = 'smtp'): Promise<string> {
  const found = await sql.query<{ id: string }>(repMailboxSql('mb.id', ':ws::uuid', ':email'), { ws: workspaceId, email: repEmail.toLowerCase() });
  if (found.rows[0]) return found.rows[0].id;
  return addMailbox(sql, { workspaceId, repEmail, provider, warmupStartedAt: now });
}

/**
 * Queues the first email of an approved sequence (on the rep's mailbox, made if missing).
 * Undefined when the sequence has no email step (a LinkedIn- or call-only sequence) or none
 * in the variant the lead was assigned.
 */
export async function queueApprovedSequence(sql: Sql, sequenceId: string, now: Date): Promise<Scheduled | undefined> {
  const seq = await sql.query<{ workspace_id: string; rep_email: string; emails: number; rep_is_user: boolean }>(
    `SELECT s.workspace_id, s.rep_email,
            (SELECT count(*)::int FROM sequence_step st WHERE st.sequence_id = s.id AND st.kind = 'email') AS emails,
            ${repIsUserSql('s')} AS rep_is_user
       FROM sequence s WHERE s.id = :id::uuid`,
    { id: sequenceId },
  );
  const row = seq.rows[0];
  if (!row) return undefined;
  if (!row.rep_is_user) throw repGoneRefusal(sequenceId, `sequence ${sequenceId}`, row.rep_email);
  const hold = await contactHold(sql, sequenceId, now);
  if (hold) {
    const later = hold.kind === 'cooling_off' ? ' or approve it after that date' : '';
    throw new ApprovalRefusedError(
      sequenceId,
      `sequence ${sequenceId} cannot be approved: ${hold.reason}. Reject it (\`prospector drafts reject ${sequenceId.slice(0, 8)} --reason "…"\`)${later}.`,
      `Not approved: ${hold.reason}. Reject it${later}.`,
    );
  }
  if (row.emails === 0) return undefined;
  await ensureRepMailbox(sql, row.workspace_id, row.rep_email, now);
  try {
    return await scheduleFirstTouch(sql, sequenceId, now);
  } catch (error) {
    // no first email in the variant the lead was assigned (or no assignment at all): nothing
    // can be sent, which the claim would refuse anyway; the approval itself stands
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** What keeps the sequence's lead from being written to now, as drafting would say it (`leadExclusion`), or null. */
export async function contactHold(sql: Sql, sequenceId: string, now: Date): Promise<Exclusion | null> {
  const lead = await sql.query<{ workspace_id: string; email: string; domain: string }>(
    `SELECT s.workspace_id, l.email, c.domain FROM sequence s JOIN lead l ON l.id = s.lead_id JOIN lead_company c ON c.id = l.company_id WHERE s.id = :id::uuid`,
    { id: sequenceId },
  );
  const h = lead.rows[0];
  return h ? ((await leadExclusion(sql, h.workspace_id, now, h)) ?? null) : null;
}
