/**
 * The steps of statemachine/sending.asl.json over the sending core: ClaimDue, SendMessage (once
 * per claimed message, in a Map), RecordSendFailure (the Map's Catch) and FinishSend. Each
 * parses its event with zod; payloads carry ids and small outcomes, never a message body.
 *
 * One claim takes at most one message per mailbox (the spacing between two sends from one
 * mailbox is written by the claim). An execution given `keepSendingSeconds` therefore loops:
 * FinishSend adds the round to the totals and says when the next mailbox's spacing has passed;
 * the machine waits until then (a Wait state: free on Standard workflows) and claims again, until
 * nothing more is due within that time, the execution's `limit` is reached or the mailbox is
 * blocked. Without it an execution is one round: one message per mailbox.
 */
import { z } from 'zod';
import { resumePausedSequences } from '../replies/act.ts';
import { SendingNotConfiguredError, ValidationError } from '../errors.ts';
import { findWorkspace } from '../onboarding/import.ts';
import type { Deps } from '../pipeline/deps.ts';
import type { Sql } from '../ports.ts';
import { parseStatesError } from '../pipeline/record-failure.ts';
import { claimDue, type ClaimedMessage } from './claim.ts';
import { cannotSend } from './compose-mail.ts';
import { rescheduleMissed } from './schedule.ts';
import { addSummaries, recordSendFailure, SEND_OUTCOMES, sendClaimed, settleAbandoned, summarise, type SendOutcome, type SendSummary } from './send.ts';

/** The execution's input. */
export const SendBatchInput = z.object({
  /** the workspace by id (local runs) */
  workspaceId: z.uuid().optional(),
  /** or by slug (the cloud's schedule); neither means the only workspace */
  workspace: z.string().min(1).max(100).optional(),
  /**
   * The moment this execution sends as (`prospector send --now`): accepted only where the
   * runtime's clock is pinned to it (local runs); the cloud refuses it (ValidationError).
   */
  now: z.iso.datetime({ offset: true }).optional(),
  /** at most this many messages per execution (default 25) */
  limit: z.number().int().min(1).max(500).optional(),
  /**
   * An attempt still `sending` this long is abandoned and becomes `uncertain` (default 900 s,
   * longer than any send step). A local run holding the home lock passes 0.
   */
  abandonedAfterSeconds: z.number().int().min(0).max(86_400).optional(),
  /**
   * Keep claiming for this long after the execution began, waiting out each mailbox's spacing
   * between rounds (default 0: one round, one message per mailbox). The cloud schedule passes a
   * little less than its interval, so executions do not overlap for long.
   */
  keepSendingSeconds: z.number().int().min(0).max(86_400).optional(),
});
export type SendBatchInput = z.infer<typeof SendBatchInput>;

const Claimed = z.object({
  messageId: z.uuid(),
  sequenceId: z.uuid(),
  mailboxId: z.uuid(),
  fromEmail: z.string().min(3),
  toEmail: z.string().min(3),
  priority: z.number(),
  // the company's intent score the claim ordered by (absent in events written before it existed)
  intent: z.number().min(0).max(100).default(0),
  scheduledAt: z.string(),
  attempts: z.number().int().min(0),
});

/** The counts FinishSend carries from round to round. */
const SummarySchema: z.ZodType<SendSummary> = z.object({
  claimed: z.number().int().min(0),
  sent: z.number().int().min(0),
  deferred: z.number().int().min(0),
  failed: z.number().int().min(0),
  uncertain: z.number().int().min(0),
  skipped: z.number().int().min(0),
  parked: z.number().int().min(0),
  blocked: z.boolean(),
  blockedReason: z.string().optional(),
  abandoned: z.number().int().min(0),
  rounds: z.number().int().min(0),
});

/** What the rounds of one execution have done so far (the Begin state starts it at `{rounds: 0}`). */
const Totals = z.object({
  rounds: z.number().int().min(0),
  startedAt: z.iso.datetime().optional(),
  summary: SummarySchema.optional(),
});

export interface ClaimDueOutput {
  workspaceId: string;
  claimer: string;
  abandoned: number;
  messages: ClaimedMessage[];
  /** when the execution's first round began, on the step's clock */
  startedAt: string;
  /** set when nothing could be claimed because the workspace cannot send at all (no postal address) */
  blockedReason?: string;
}

const DEFAULT_LIMIT = 25;

/**
 * ClaimDue: settles abandoned attempts, resumes sequences paused by an out-of-office whose
 * return day has come, moves missed windows on, claims what may go now. A workspace that cannot
 * compose any mail (no postal address) claims nothing: its waiting messages say why in the
 * outbox and go once the address is added, instead of being claimed and released every round.
 */
export async function claimDueStep(deps: Deps, event: unknown): Promise<ClaimDueOutput> {
  const { batch: input, claimer, totals } = z
    .object({ batch: SendBatchInput, claimer: z.string().min(1).max(300), totals: Totals.optional() })
    .parse(event);
  if (input.now !== undefined) assertClockAt(deps.clock, input.now);
  const workspaceId = input.workspaceId ?? (await workspaceIdOf(deps, input.workspace));
  const now = deps.clock.now();
  const startedAt = totals?.startedAt ?? now.toISOString();
  const abandoned = await settleAbandoned(deps.sql, workspaceId, now, input.abandonedAfterSeconds ?? 900);
  const resumed = await resumePausedSequences(deps.sql, workspaceId, now);
  if (resumed.length) deps.log.info('resumed after out-of-office', { sequences: resumed.length });
  await rescheduleMissed(deps.sql, workspaceId, now);
  const notConfigured = await cannotSend(deps.sql, workspaceId);
  if (notConfigured) {
    await noteWaiting(deps.sql, workspaceId, now, notConfigured);
    deps.log.warn('nothing claimed: the workspace cannot send', { reason: notConfigured });
    return { workspaceId, claimer, abandoned, messages: [], startedAt, blockedReason: notConfigured };
  }
  const left = (input.limit ?? DEFAULT_LIMIT) - (totals?.summary?.claimed ?? 0);
  const messages = left > 0 ? await claimDue(deps.sql, { workspaceId, now, claimer, limit: left }) : [];
  deps.log.info('claimed', { claimer, claimed: messages.length, abandoned, round: (totals?.rounds ?? 0) + 1 });
  return { workspaceId, claimer, abandoned, messages, startedAt };
}

/** Writes `reason` on the workspace's messages that would be due now, so the outbox shows it. */
async function noteWaiting(sql: Sql, workspaceId: string, now: Date, reason: string): Promise<void> {
  await sql.query(
    `UPDATE scheduled_message SET deferred_reason = :why, updated_at = :now::timestamptz
      WHERE workspace_id = :ws::uuid AND status = 'scheduled' AND scheduled_at <= :now::timestamptz
        AND deferred_reason IS DISTINCT FROM :why`,
    { ws: workspaceId, now, why: reason.slice(0, 500) },
  );
}

/**
 * An execution may name the moment it sends as only where the runtime runs a simulated clock
 * that started at that moment: a real clock (the cloud's) cannot be set by whoever starts an execution, or windows,
 * caps and spacing could be stepped around.
 */
function assertClockAt(clock: Deps['clock'], now: string): void {
  if (clock.simulatedFrom === undefined) {
    throw new ValidationError('sending execution input', [
      { path: 'now', message: 'cannot be set here: this runtime sends on the real clock (`--now` is for local runs: prospector send --now ISO_TIME)' },
    ]);
  }
  if (clock.simulatedFrom.getTime() !== Date.parse(now)) {
    throw new ValidationError('sending execution input', [{ path: 'now', message: `is ${now}, but this run's clock started at ${clock.simulatedFrom.toISOString()}` }]);
  }
}

async function workspaceIdOf(deps: Deps, slug: string | undefined): Promise<string> {
  const found = await findWorkspace(deps.sql, slug);
  if (!found) {
    throw new ValidationError('sending execution input', [
      { path: slug ? 'workspace' : 'workspaceId', message: slug ? `workspace "${slug}" is not onboarded` : 'no workspace is onboarded' },
    ]);
  }
  return found.id;
}

const SendEvent = z.object({ message: Claimed, claimer: z.string().min(1) });

/** SendMessage: sends one claimed message (the only step given the mailer). */
export async function sendMessageStep(deps: Deps, event: unknown): Promise<SendOutcome> {
  const input = SendEvent.parse(event);
  if (!deps.mail) throw new SendingNotConfiguredError('the send step has no mailer: set the mail settings of this runtime (in the cloud, deploy with the sendingDomain context)');
  return sendClaimed(
    { sql: deps.sql, mailer: deps.mail.mailer, clock: deps.clock, log: deps.log, unsubscribe: deps.mail.unsubscribe },
    input.message,
    input.claimer,
  );
}

const FailureEvent = SendEvent.extend({ error: z.object({ Error: z.string(), Cause: z.string().optional() }) });

/** RecordSendFailure: the send step itself failed; settle the message without ever resending blindly. */
export async function recordSendFailureStep(deps: Deps, event: unknown): Promise<SendOutcome> {
  const input = FailureEvent.parse(event);
  const { name, message } = parseStatesError({ Error: input.error.Error, Cause: input.error.Cause ?? '' });
  deps.log.warn('send step failed', { messageId: input.message.messageId, error: name, reason: message });
  return recordSendFailure(deps.sql, input.message.messageId, input.claimer, `${name}: ${message}`, deps.clock.now());
}


const FinishEvent = z.object({
  batch: SendBatchInput,
  claim: z.object({
    workspaceId: z.uuid(),
    abandoned: z.number().int().min(0),
    messages: z.array(z.unknown()),
    startedAt: z.iso.datetime(),
    blockedReason: z.string().optional(),
  }),
  results: z.array(z.object({ outcome: z.enum(SEND_OUTCOMES), reason: z.string().optional() }).loose()),
  totals: Totals,
});

/** FinishSend's answer: the totals so far, and whether (and when) to claim again. */
export interface SendTotals {
  rounds: number;
  startedAt: string;
  summary: SendSummary;
  /** claim again after waiting `waitSeconds` */
  again: boolean;
  waitSeconds: number;
  /** the moment the next claim is meant for (the earliest mailbox spacing to pass) */
  nextClaimAt: string | null;
}

/** A runaway guard: no execution claims more rounds than this. */
const MAX_ROUNDS = 200;

/**
 * FinishSend: adds the round to the execution's counts and decides whether to claim again:
 * only when the execution was given time (`keepSendingSeconds`), nothing blocked the mailbox,
 * the limit is not reached, and a mailbox with messages still waiting becomes free again (its
 * spacing passes) before that time is up. (A round that claimed nothing because an earlier
 * execution's spacing still holds waits for it too; the clock always moves on between rounds,
 * so the loop ends.)
 */
export async function finishSendStep(deps: Deps, event: unknown): Promise<SendTotals> {
  const input = FinishEvent.parse(event);
  const round = summarise(input.claim.messages.length, input.claim.abandoned, input.results);
  const summary = addSummaries(input.totals.summary, { ...round, ...(input.claim.blockedReason ? { blocked: true, blockedReason: input.claim.blockedReason } : {}) });
  const rounds = input.totals.rounds + 1;
  const now = deps.clock.now();
  const until = new Date(Date.parse(input.claim.startedAt) + (input.batch.keepSendingSeconds ?? 0) * 1000);
  const mayGoOn =
    (input.batch.keepSendingSeconds ?? 0) > 0 &&
    !summary.blocked &&
    summary.claimed < (input.batch.limit ?? DEFAULT_LIMIT) &&
    rounds < MAX_ROUNDS;
  const next = mayGoOn ? await nextClaimMoment(deps.sql, input.claim.workspaceId, now, until) : null;
  const again = next !== null;
  const waitSeconds = next ? Math.max(1, Math.ceil((next.getTime() - now.getTime()) / 1000)) : 0;
  deps.log.info(again ? 'send round done, claiming again' : 'send batch done', { ...summary, waitSeconds });
  return { rounds, startedAt: input.claim.startedAt, summary, again, waitSeconds, nextClaimAt: next ? next.toISOString() : null };
}

/**
 * The earliest moment before `until` at which a mailbox whose spacing has not yet passed
 * becomes free while it still has messages waiting inside their window; null if none. A mailbox
 * already free but not claimed from is held by its caps or by another execution: waiting for it
 * within this execution would claim nothing.
 */
async function nextClaimMoment(sql: Sql, workspaceId: string, now: Date, until: Date): Promise<Date | null> {
  const r = await sql.query<{ at: string | null }>(
    `SELECT min(mb.next_send_at) AS at FROM mailbox mb
      WHERE mb.workspace_id = :ws::uuid AND mb.active
        AND mb.next_send_at > :now::timestamptz AND mb.next_send_at <= :until::timestamptz
        AND EXISTS (SELECT 1 FROM scheduled_message sm
                     WHERE sm.mailbox_id = mb.id AND sm.status = 'scheduled'
                       AND sm.scheduled_at <= mb.next_send_at AND sm.window_ends_at > mb.next_send_at
                       AND (sm.next_retry_at IS NULL OR sm.next_retry_at <= mb.next_send_at))`,
    { ws: workspaceId, now, until },
  );
  return r.rows[0]?.at ? new Date(r.rows[0].at) : null;
}
