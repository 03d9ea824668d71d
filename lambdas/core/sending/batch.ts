/**
 * The steps of statemachine/sending.asl.json over the sending core: ClaimDue, SendMessage (once
 * per claimed message, in a Map), RecordSendFailure (the Map's Catch) and FinishSend. Each
 * parses its event with zod; payloads carry ids and small outcomes, never a message body.
 */
import { z } from 'zod';
import { resumePausedSequences } from '../replies/act.ts';
import { SendingNotConfiguredError, ValidationError } from '../errors.ts';
import { findWorkspace } from '../onboarding/import.ts';
import type { Deps } from '../pipeline/deps.ts';
import { parseStatesError } from '../pipeline/record-failure.ts';
import { claimDue, type ClaimedMessage } from './claim.ts';
import { rescheduleMissed } from './schedule.ts';
import { recordSendFailure, sendClaimed, settleAbandoned, summarise, type SendOutcome, type SendSummary } from './send.ts';

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
});
export type SendBatchInput = z.infer<typeof SendBatchInput>;

const Claimed = z.object({
  messageId: z.uuid(),
  sequenceId: z.uuid(),
  mailboxId: z.uuid(),
  fromEmail: z.string().min(3),
  toEmail: z.string().min(3),
  priority: z.number(),
  scheduledAt: z.string(),
  attempts: z.number().int().min(0),
});

export interface ClaimDueOutput {
  workspaceId: string;
  claimer: string;
  abandoned: number;
  messages: ClaimedMessage[];
}

/**
 * ClaimDue: settles abandoned attempts, resumes sequences paused by an out-of-office whose
 * return day has come, moves missed windows on, claims what may go now.
 */
export async function claimDueStep(deps: Deps, event: unknown): Promise<ClaimDueOutput> {
  const { batch: input, claimer } = z.object({ batch: SendBatchInput, claimer: z.string().min(1).max(300) }).parse(event);
  if (input.now !== undefined) assertClockAt(deps.clock, input.now);
  const workspaceId = input.workspaceId ?? (await workspaceIdOf(deps, input.workspace));
  const now = deps.clock.now();
  const abandoned = await settleAbandoned(deps.sql, workspaceId, now, input.abandonedAfterSeconds ?? 900);
  const resumed = await resumePausedSequences(deps.sql, workspaceId, now);
  if (resumed.length) deps.log.info('resumed after out-of-office', { sequences: resumed.length });
  await rescheduleMissed(deps.sql, workspaceId, now);
  const messages = await claimDue(deps.sql, { workspaceId, now, claimer, limit: input.limit });
  deps.log.info('claimed', { claimer, claimed: messages.length, abandoned });
  return { workspaceId, claimer, abandoned, messages };
}

/**
 * An execution may name the moment it sends as only where the runtime pinned its clock to that
 * moment: a real clock (the cloud's) cannot be set by whoever starts an execution, or windows,
 * caps and spacing could be stepped around.
 */
function assertClockAt(clock: Deps['clock'], now: string): void {
  if (clock.fixedAt === undefined) {
    throw new ValidationError('sending execution input', [
      { path: 'now', message: 'cannot be set here: this runtime sends on the real clock (`--now` is for local runs: prospector send --now ISO_TIME)' },
    ]);
  }
  if (clock.fixedAt.getTime() !== Date.parse(now)) {
    throw new ValidationError('sending execution input', [{ path: 'now', message: `is ${now}, but this run's clock is pinned to ${clock.fixedAt.toISOString()}` }]);
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
  claim: z.object({ abandoned: z.number().int().min(0), messages: z.array(z.unknown()) }),
  results: z.array(z.object({ outcome: z.enum(['sent', 'deferred', 'failed', 'uncertain', 'skipped', 'blocked', 'released']) }).loose()),
});

/** FinishSend: the execution's counts. */
export async function finishSendStep(deps: Deps, event: unknown): Promise<SendSummary> {
  const input = FinishEvent.parse(event);
  const summary = summarise(input.claim.messages.length, input.claim.abandoned, input.results);
  deps.log.info('send batch done', { ...summary });
  return summary;
}
