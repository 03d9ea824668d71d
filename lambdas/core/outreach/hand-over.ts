/**
 * Handing a rep's drafts and open tasks over to another rep: when a rep leaves (or moves to
 * other accounts), what they had not yet approved would otherwise wait in the queue for ever,
 * refused approval once they are no longer a user (lambdas/core/sending/queue-approved.ts), and
 * the prospects who answered them would wait for a call nobody makes.
 *
 * - **Drafts** (sequences not yet approved) move to the new rep and are **re-signed**: each email
 *   ends with the new rep's signature instead of the old one's, and the grounding checker judges
 *   the words again as an edit would. The database keeps each change marked as a re-signing
 *   (sql/0034_hand_over.sql), so the edit statistics and the drafting examples never read a
 *   signature swap as a rep's edit; the sequence records who it came from and when, and the
 *   review queue says so.
 * - A draft is left with the old rep, with the reason, when its words cannot be re-signed safely:
 *   an email that does not end with the old rep's signature (a rep or the model changed it), or
 *   a message that names the old rep anywhere else ("I'm Lukas…"). Edit it, then hand over again.
 * - **Suggested responses** to replies, not yet approved, move the same way: re-signed, checked
 *   again against the passages they cite, and sent from the new rep's mailbox
 *   (lambdas/core/sending/reply-send.ts; the thread's mailbox is the old rep's).
 * - **Open tasks** from replies (call the prospect who is interested) go to the new rep: those
 *   the old rep owns, and those whose owner was removed by a re-import while their reply answers
 *   one of the old rep's sequences.
 * - **Sequences already approved** are not moved: their words were approved as the old rep's and
 *   go out from the old rep's mailbox, threaded as replies to what the prospect already has. They
 *   are counted in the result; `stopSending` stops them instead (their queued emails cancelled),
 *   for when the old rep's mailbox is gone or nothing more should go out under their name.
 */
import { ProspectorError } from '../errors.ts';
import type { Sql } from '../ports.ts';
import { checkAndSaveResponse } from '../replies/response-repository.ts';
import { cancelScheduled } from '../sending/schedule.ts';
import type { SellerEvidence } from './grounding.ts';
import { checkAndSaveWords, loadSellerEvidence, worstGrounding, type MessageGrounding } from './repository.ts';

export interface HandedOverDraft {
  /** a draft sequence, or a suggested response to a reply */
  kind: 'sequence' | 'response';
  id: string;
  lead: string;
  company: string;
  /** the messages whose words changed (emails re-signed) */
  resigned: number;
  /** the checker's verdict on the sequence's messages after the re-signing */
  grounding: MessageGrounding | null;
}

export interface KeptDraft {
  kind: 'sequence' | 'response';
  id: string;
  lead: string;
  company: string;
  reason: string;
}

export interface HandOverResult {
  from: string;
  to: string;
  /** who handed over (a user of the workspace), or null when not said */
  by: string | null;
  dryRun: boolean;
  handedOver: HandedOverDraft[];
  kept: KeptDraft[];
  /** open tasks moved to the new rep (or that would be, on a dry run) */
  tasks: number;
  /** the old rep's sequences past approval, which go on from their mailbox */
  stillSending: { approved: number; active: number; paused: number };
  /** with `stopSending`: the old rep's approved, active and paused sequences stopped (or that would be, on a dry run) */
  stopped: number;
  /** drafts and responses not looked at because the `deadline` came first: hand over again for them */
  remaining: { drafts: number; responses: number };
}

/** What a re-signing changes in one message, or why it cannot. */
export type Resigning = { body: string; changed: boolean } | { refused: string };

const EMAIL_KINDS = new Set(['email', 'follow_up_email']);

/**
 * Tells the edit triggers that the words changed in this transaction are a re-signing, not a
 * rep's edit (sql/0034_hand_over.sql, sql/0035_response_hand_over.sql): a transaction-local
 * setting, gone with the transaction.
 */
const markReSigning = (tx: Sql) => tx.query(`SELECT set_config('prospector.edit_kind', 're_sign', true)`);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The words of one message signed by `toSignature` instead of `fromSignature`. An email must end
 * with the old signature on a line of its own (or already with the new one); no message may name
 * the old rep (`fromNames`, matched as whole words) anywhere else. Pure: the hand-over and its
 * dry run both ask it.
 */
export function resign(
  message: { kind: string; subject: string | null; body: string },
  fromSignature: string,
  toSignature: string,
  fromNames: readonly string[],
): Resigning {
  const body = message.body.trimEnd();
  const isEmail = EMAIL_KINDS.has(message.kind);
  const endsWith = (sig: string) => sig.length > 0 && (body === sig || body.endsWith(`\n${sig}`));
  let rest = body;
  let next = body;
  if (isEmail) {
    if (endsWith(fromSignature)) {
      rest = body.slice(0, body.length - fromSignature.length);
      next = `${rest}${toSignature}`;
    } else if (endsWith(toSignature)) {
      rest = body.slice(0, body.length - toSignature.length);
    } else {
      return { refused: `does not end with the signature "${fromSignature.split('\n')[0]}…" (edited since it was drafted)` };
    }
  }
  const text = `${message.subject ?? ''}\n${rest}`;
  for (const name of fromNames) {
    if (name && namesWord(text, name)) return { refused: `names ${name} outside the signature` };
  }
  return { body: next, changed: next !== body };
}

/**
 * The names a message may call the old rep by: their user name, their signature's first line, and
 * the first word of each; less any the prospect's own name or company holds ("Hi Lukas," to a
 * Lukas is the lead's name, not the rep's).
 */
export function repNames(name: string | null, signature: string, prospect: readonly (string | null)[] = []): string[] {
  const full = [name ?? '', signature.split('\n')[0] ?? ''].map((s) => s.trim()).filter((s) => s.length >= 2);
  const first = full.map((s) => s.split(/\s+/)[0]).filter((s) => s.length >= 2);
  const theirs = prospect.filter((p): p is string => !!p);
  return [...new Set([...full, ...first])].filter((n) => !theirs.some((p) => namesWord(p, n)));
}

/** Whether `text` holds `name` as whole words, case aside. */
function namesWord(text: string, name: string): boolean {
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escape(name)}($|[^\\p{L}\\p{N}])`, 'iu').test(text);
}

/**
 * Hands `from`'s drafts and open tasks over to `to` (see the module comment). `to` must be a
 * user of the workspace; `from` a user or an address open sequences still name. Each draft moves
 * in a transaction of its own: one that cannot move, or that a rep decided on meanwhile, never
 * holds back the others.
 */
export async function handOver(
  sql: Sql,
  workspaceId: string,
  fromEmail: string,
  toEmail: string,
  options: {
    dryRun?: boolean;
    stopSending?: boolean;
    by?: string | null;
    now: Date;
    /**
     * A `performance.now()` moment after which no further draft or response is started (the web
     * app's request must answer before API Gateway's 29-second integration timeout). At least one
     * is always handled, so each call makes progress; the rest are counted in `remaining`, and
     * calling again carries on, since a moved draft is no longer the old rep's.
     */
    deadline?: number;
  },
): Promise<HandOverResult> {
  const from = fromEmail.trim().toLowerCase();
  const to = toEmail.trim().toLowerCase();
  const users = await sql.query<{ id: string; email: string; name: string; signature: string | null }>(
    `SELECT id, email, name, signature FROM app_user WHERE workspace_id = :ws::uuid ORDER BY email`,
    { ws: workspaceId },
  );
  const toUser = users.rows.find((u) => u.email === to);
  if (!toUser) throw new ProspectorError(`--to ${toEmail}: not a user of this workspace; use one of ${users.rows.map((u) => u.email).join(', ') || '(none onboarded)'}`);
  if (from === to) throw new ProspectorError(`${fromEmail}: hands over to themselves; name another rep with --to`);
  const fromUser = users.rows.find((u) => u.email === from);
  if (!fromUser) {
    // someone removed: only an address sequences or responses still name
    const named = await sql.query<{ n: number }>(
      `SELECT (SELECT count(*)::int FROM sequence WHERE workspace_id = :ws::uuid AND rep_email = :from)
            + (SELECT count(*)::int FROM reply_response WHERE workspace_id = :ws::uuid AND rep_email = :from) AS n`,
      { ws: workspaceId, from },
    );
    if (named.rows[0].n === 0) {
      throw new ProspectorError(`${fromEmail}: neither a user of this workspace nor the rep of any sequence or response; \`prospector reps\` lists who carries what`);
    }
  }
  const toSignature = (toUser.signature ?? toUser.name).trim();
  // read once for every message the checker reads again (the seller's onboarding does not change here)
  let seller: SellerEvidence | undefined;
  const sellerEvidence = async (tx: Sql) => (seller ??= await loadSellerEvidence(tx, workspaceId));
  const by = options.by?.trim().toLowerCase() || null;
  if (by !== null && !users.rows.some((u) => u.email === by)) {
    throw new ProspectorError(`--by ${options.by}: not a user of this workspace; use one of ${users.rows.map((u) => u.email).join(', ')}`);
  }

  const drafts = await sql.query<{ id: string; tone: { signature?: string | null }; lead: string; company: string }>(
    `SELECT s.id, s.tone, l.name AS lead, c.name AS company
       FROM sequence s JOIN lead l ON l.id = s.lead_id JOIN lead_company c ON c.id = l.company_id
      WHERE s.workspace_id = :ws::uuid AND s.rep_email = :from AND s.status = 'draft'
      ORDER BY s.created_at, s.id`,
    { ws: workspaceId, from },
  );
  const result: HandOverResult = {
    from, to, by, dryRun: options.dryRun === true, handedOver: [], kept: [], tasks: 0,
    stillSending: { approved: 0, active: 0, paused: 0 }, stopped: 0, remaining: { drafts: 0, responses: 0 },
  };
  let started = 0;
  /** Whether the deadline stops the next draft or response from starting (never the first). */
  const outOfTime = () => started++ > 0 && options.deadline !== undefined && performance.now() > options.deadline;

  for (const [i, d] of drafts.rows.entries()) {
    if (outOfTime()) {
      result.remaining.drafts = drafts.rows.length - i;
      break;
    }
    const fromSignature = (d.tone.signature ?? fromUser?.name ?? '').trim();
    const names = repNames(fromUser?.name ?? null, fromSignature, [d.lead, d.company]);
    const messages = await sql.query<{ id: string; kind: string; subject: string | null; body: string; grounding: MessageGrounding; variant: string | null; position: number }>(
      `SELECT m.id, st.kind, m.subject, m.body, m.grounding, m.variant, st.position
         FROM message m JOIN sequence_step st ON st.id = m.step_id WHERE m.sequence_id = :s::uuid ORDER BY st.position, m.variant NULLS FIRST`,
      { s: d.id },
    );
    const plans = messages.rows.map((m) => ({ m, r: resign(m, fromSignature, toSignature, names) }));
    const refused = plans.find((p) => 'refused' in p.r);
    if (refused) {
      const { m } = refused;
      result.kept.push({
        kind: 'sequence', id: d.id, lead: d.lead, company: d.company,
        reason: `message ${m.id.slice(0, 8)} (step ${m.position} ${m.kind.replace(/_/g, ' ')}${m.variant ? `, variant ${m.variant}` : ''}) ${(refused.r as { refused: string }).refused}: edit it, then hand over again`,
      });
      continue;
    }
    const changes = plans.filter((p) => 'changed' in p.r && p.r.changed);
    if (options.dryRun) {
      result.handedOver.push({ kind: 'sequence', id: d.id, lead: d.lead, company: d.company, resigned: changes.length, grounding: worstGrounding(messages.rows.map((m) => m.grounding)) });
      continue;
    }
    const moved = await sql.transaction(async (tx) => {
      const claimed = await tx.query(
        `UPDATE sequence SET rep_email = :to, rep_id = :toId::uuid, tone = jsonb_set(tone, '{signature}', to_jsonb(:sig::text)),
                            handed_over_from = :from, handed_over_at = :now::timestamptz, handed_over_by = :by
          WHERE id = :s::uuid AND status = 'draft' AND rep_email = :from RETURNING id`,
        { s: d.id, to, toId: toUser.id, sig: toSignature, from, by, now: options.now.toISOString() },
      );
      if (claimed.rows.length === 0) return null;
      await markReSigning(tx);
      for (const p of changes) await checkAndSaveWords(tx, p.m.id, { body: (p.r as { body: string }).body, resign: true, seller: await sellerEvidence(tx) });
      const after = await tx.query<{ grounding: MessageGrounding }>(`SELECT grounding FROM message WHERE sequence_id = :s::uuid`, { s: d.id });
      return worstGrounding(after.rows.map((r) => r.grounding));
    });
    if (moved === null) {
      result.kept.push({ kind: 'sequence', id: d.id, lead: d.lead, company: d.company, reason: 'decided on or handed over while this ran' });
      continue;
    }
    result.handedOver.push({ kind: 'sequence', id: d.id, lead: d.lead, company: d.company, resigned: changes.length, grounding: moved });
  }

  // Suggested responses: signed as the old rep (their user's signature, or the answered sequence's).
  const answers = await sql.query<{ id: string; subject: string | null; body: string; grounding: MessageGrounding; lead: string | null; company: string | null; to_email: string; signature: string | null }>(
    `SELECT rr.id, rr.subject, rr.body, rr.grounding, l.name AS lead, c.name AS company, rr.to_email, s.tone ->> 'signature' AS signature
       FROM reply_response rr JOIN reply r ON r.id = rr.reply_id
       LEFT JOIN sequence s ON s.id = r.sequence_id
       LEFT JOIN lead l ON l.id = rr.lead_id LEFT JOIN lead_company c ON c.id = l.company_id
      WHERE rr.workspace_id = :ws::uuid AND rr.rep_email = :from AND rr.status = 'draft'
      ORDER BY rr.created_at, rr.id`,
    { ws: workspaceId, from },
  );
  for (const [i, a] of answers.rows.entries()) {
    if (result.remaining.drafts > 0 || outOfTime()) {
      result.remaining.responses = answers.rows.length - i;
      break;
    }
    const fromSignature = (fromUser ? (fromUser.signature ?? fromUser.name) : (a.signature ?? '')).trim();
    const r = resign({ kind: 'email', subject: a.subject, body: a.body }, fromSignature, toSignature, repNames(fromUser?.name ?? null, fromSignature, [a.lead, a.company]));
    const who = { kind: 'response' as const, id: a.id, lead: a.lead ?? a.to_email, company: a.company ?? a.to_email.split('@')[1] ?? '' };
    if ('refused' in r) {
      result.kept.push({ ...who, reason: `the response ${r.refused}: edit it, then hand over again` });
      continue;
    }
    if (options.dryRun) {
      result.handedOver.push({ ...who, resigned: r.changed ? 1 : 0, grounding: a.grounding });
      continue;
    }
    const moved = await sql.transaction(async (tx) => {
      const claimed = await tx.query(
        `UPDATE reply_response SET rep_email = :to, handed_over_from = :from, handed_over_at = :now::timestamptz, handed_over_by = :by
          WHERE id = :id::uuid AND status = 'draft' AND rep_email = :from RETURNING id`,
        { id: a.id, to, from, by, now: options.now.toISOString() },
      );
      if (claimed.rows.length === 0) return null;
      await markReSigning(tx);
      if (r.changed) return (await checkAndSaveResponse(tx, a.id, { body: r.body, resign: true, seller: await sellerEvidence(tx) })).grounding;
      return a.grounding;
    });
    if (moved === null) result.kept.push({ ...who, reason: 'decided on or handed over while this ran' });
    else result.handedOver.push({ ...who, resigned: r.changed ? 1 : 0, grounding: moved });
  }

  // Open tasks: the old rep's, and those a re-import left without an owner on the old rep's sequences.
  const taskWhere = `t.workspace_id = :ws::uuid AND t.status = 'open'
        AND (t.owner_id = :fromId::uuid
             OR (t.owner_id IS NULL AND EXISTS (SELECT 1 FROM reply r JOIN sequence s ON s.id = r.sequence_id WHERE r.id = t.reply_id AND s.rep_email = :from)))`;
  const taskParams = { ws: workspaceId, fromId: fromUser?.id ?? null, from, toId: toUser.id };
  const tasks = options.dryRun
    ? await sql.query(`SELECT t.id FROM rep_task t WHERE ${taskWhere}`, taskParams)
    : await sql.query(`UPDATE rep_task t SET owner_id = :toId::uuid WHERE ${taskWhere} RETURNING t.id`, taskParams);
  result.tasks = tasks.rows.length;

  if (options.stopSending && !options.dryRun) {
    result.stopped = await sql.transaction(async (tx) => {
      const stopped = await tx.query<{ id: string }>(
        `UPDATE sequence SET status = 'stopped', status_reason = :why, resume_on = NULL, updated_at = :now::timestamptz
          WHERE workspace_id = :ws::uuid AND rep_email = :from AND status IN ('approved', 'active', 'paused') RETURNING id`,
        { ws: workspaceId, from, now: options.now.toISOString(), why: `stopped when ${from}'s work was handed over to ${to}: it would go on from ${from}'s mailbox under their signature` },
      );
      await cancelScheduled(tx, stopped.rows.map((r) => r.id), options.now);
      return stopped.rows.length;
    });
  }
  const sending = await sql.query<{ status: 'approved' | 'active' | 'paused'; n: number }>(
    `SELECT status, count(*)::int AS n FROM sequence WHERE workspace_id = :ws::uuid AND rep_email = :from AND status IN ('approved', 'active', 'paused') GROUP BY status`,
    { ws: workspaceId, from },
  );
  for (const r of sending.rows) result.stillSending[r.status] = r.n;
  if (options.stopSending && options.dryRun) result.stopped = sending.rows.reduce((n, r) => n + r.n, 0);
  return result;
}

/**
 * What a removed user leaves to hand over, in words (the onboarding import's report), or null
 * when nothing waits: "2 draft(s), 1 suggested response(s) and 1 open task(s)".
 */
export function workLeft(u: { drafts: number; responses: number; tasks: number }): string | null {
  const parts = [
    u.drafts ? `${u.drafts} draft(s)` : '',
    u.responses ? `${u.responses} suggested response(s)` : '',
    u.tasks ? `${u.tasks} open task(s)` : '',
  ].filter(Boolean);
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}
