/**
 * The steps of statemachine/replies.asl.json over the replies core: ParseReply, ClassifyReply,
 * MatchThread, ActOnReply and RecordReplyFailure (the Catch of each). The execution starts from
 * a raw mail already in the lake under `inbound/` (the CLI import and the local mail sink store
 * it, SES receiving writes it in the cloud); payloads carry keys, ids and a label, never a body.
 *
 * - ParseReply reads the hostile bytes (mailparser, size-capped; no LLM, no mailer), finds the
 *   workspace (given, or the mailbox the mail was sent to), keeps the typed mail in the lake
 *   (`replies/ws=<ws>/<sha>/mail.json`) and says whether this mail was already recorded: a mail
 *   imported twice goes straight to the end, without a second classification or action.
 * - ClassifyReply labels it (rules, then the model or the offline heuristic; classify.ts) and
 *   keeps the classification beside the mail; throttling and outages propagate as
 *   `RateLimited` / `LlmUnavailable` for the machine's Retry.
 * - MatchThread finds the thread (match.ts); ActOnReply records the reply and its action in one
 *   transaction (act.ts). Their output is the `ReplyOutcome` the execution ends with.
 * - RecordReplyFailure records what could not be finished, unlabelled and not acted on; the raw
 *   mail stays in the lake.
 */
import { z } from 'zod';
import { NotFoundError } from '../errors.ts';
import { lakeKeys } from '../lake-keys.ts';
import type { Deps } from '../pipeline/deps.ts';
import { parseStatesError } from '../pipeline/record-failure.ts';
import type { Sql } from '../ports.ts';
import { recordReply, recordReplyFailure, replyMessageId } from './act.ts';
import { LlmCallRecord } from '../llm/records.ts';
import { classifyReply, ReplyClassification } from './classify.ts';
import { matchThread, type ThreadMatch } from './match.ts';
import { parseMail, readStoredMail, type InboundMail } from './parse.ts';

/** The execution's input: where the raw mail is, and (when the caller knows it) the workspace. */
export const ReplyFlowInput = z.object({
  key: z
    .string()
    .min(9)
    .max(1024)
    .refine((k) => k.startsWith('inbound/') && !k.split('/').includes('..'), 'must be a lake key under inbound/'),
  workspaceId: z.uuid().optional(),
});
export type ReplyFlowInput = z.infer<typeof ReplyFlowInput>;

/** What the whole execution ends with, also for a mail recorded before or one that failed. */
export const ReplyOutcome = z.object({
  replyId: z.string().nullable(),
  duplicate: z.boolean(),
  rawKey: z.string(),
  from: z.string().nullable(),
  subject: z.string().nullable(),
  thread: z.object({ match: z.string(), sequenceId: z.string().nullable(), leadId: z.string().nullable() }).nullable(),
  label: z.string().nullable(),
  classifiedBy: z.string().nullable(),
  confidence: z.number().nullable(),
  needsReview: z.boolean(),
  action: z.string().nullable(),
  /** `<ErrorName>: <reason>` when the mail could not be processed */
  error: z.string().nullable(),
  /** the response DraftResponse wrote for interest, questions and objections (respond.ts) */
  response: z
    .object({
      replyId: z.string(),
      responseId: z.string().nullable(),
      status: z.enum(['drafted', 'exists', 'skipped']),
      grounding: z.string().nullable(),
      source: z.string().nullable(),
      reason: z.string().nullable(),
    })
    .optional(),
  /** why DraftResponse failed past its retries (the reply and its action stand; the rep answers by hand) */
  responseError: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});
export type ReplyOutcome = z.infer<typeof ReplyOutcome>;

/** ParseReply's result, at `$.mail` of the execution's state. */
export const ParsedRef = z.object({
  workspaceId: z.uuid(),
  rawKey: z.string(),
  mailKey: z.string(),
  /** the mail was recorded before: `existing` is its outcome and nothing more is done */
  duplicate: z.boolean(),
  existing: ReplyOutcome.nullable(),
});
export type ParsedRef = z.infer<typeof ParsedRef>;

/** ClassifyReply's result, at `$.classification`: the label for the Choice, the bounce for matching. */
export const ClassifiedRef = z.object({
  key: z.string(),
  label: z.string(),
  needsReview: z.boolean(),
  bounce: z.object({ recipient: z.string().nullable(), originalMessageId: z.string().nullable() }).nullable(),
});
export type ClassifiedRef = z.infer<typeof ClassifiedRef>;

const Match = z.object({
  kind: z.enum(['in_reply_to', 'references', 'bounce_report', 'address_subject', 'address', 'unmatched']),
  sendAttemptId: z.string().nullable(),
  sequenceId: z.string().nullable(),
  leadId: z.string().nullable(),
  address: z.string().nullable(),
  messageId: z.string().nullable(),
});

/** ParseReply: reads and parses the raw mail, keeps the typed mail, finds its workspace and any earlier record. */
export async function parseReplyStep(deps: Deps, event: unknown): Promise<ParsedRef> {
  const input = ReplyFlowInput.parse(event);
  const raw = await deps.lake.get(input.key);
  if (!raw) throw new NotFoundError(`ParseReply: no mail at lake key ${input.key}`);
  const mail = await parseMail(raw, { source: input.key });
  const workspaceId = input.workspaceId ?? (await workspaceOfMail(deps.sql, mail));
  const mailKey = lakeKeys.replyMail(workspaceId, mail.contentSha256);
  await deps.lake.put(mailKey, JSON.stringify(mail), { contentType: 'application/json' });
  const existing = await recordedOutcome(deps.sql, workspaceId, replyMessageId(mail));
  if (existing) deps.log.info('reply already recorded', { replyId: existing.replyId });
  return { workspaceId, rawKey: input.key, mailKey, duplicate: existing !== null, existing };
}

const ClassifyEvent = z.object({ mail: ParsedRef });

/** What ClassifyReply keeps in the lake for ActOnReply: the label and the model calls it cost. */
const StoredClassification = z.object({ classification: ReplyClassification, llmCalls: z.array(LlmCallRecord) });
type StoredClassification = z.infer<typeof StoredClassification>;

/** ClassifyReply: the label and its details, kept in the lake beside the mail. */
export async function classifyReplyStep(deps: Deps, event: unknown): Promise<ClassifiedRef> {
  const { mail: ref } = ClassifyEvent.parse(event);
  const mail = await readMail(deps, ref);
  const { classification, calls } = await classifyReply(
    mail,
    {
      llm: deps.llm,
      archive: async (record, callId, at) => {
        const key = lakeKeys.llmCall(at, callId);
        await deps.lake.put(key, JSON.stringify({ ...record, workspaceId: ref.workspaceId, replyMessageId: mail.messageId }), { contentType: 'application/json' });
        return key;
      },
      now: () => deps.clock.now(),
      newId: deps.newId,
    },
    { model: deps.config.factsModel, ...(deps.config.modelPrices ? { modelPrices: deps.config.modelPrices } : {}) },
  );
  const key = lakeKeys.replyClassification(ref.workspaceId, mail.contentSha256);
  // The model calls travel with the label (this step has no database): ActOnReply stores them as the reply's llm_call rows.
  await deps.lake.put(key, JSON.stringify({ classification, llmCalls: calls } satisfies StoredClassification), { contentType: 'application/json' });
  const bounce = classification.bounce ? { recipient: classification.bounce.recipient, originalMessageId: classification.bounce.originalMessageId } : null;
  return { key, label: classification.label, needsReview: classification.needsReview, bounce };
}

const MatchEvent = ClassifyEvent.extend({ classification: ClassifiedRef });

/** MatchThread: which of our threads the mail answers (ids only). */
export async function matchThreadStep(deps: Deps, event: unknown): Promise<ThreadMatch> {
  const input = MatchEvent.parse(event);
  const mail = await readMail(deps, input.mail);
  return matchThread(deps.sql, input.mail.workspaceId, mail, input.classification.bounce);
}

const ActEvent = MatchEvent.extend({ match: Match });

/** ActOnReply: the reply and its action in one transaction; the execution's outcome. */
export async function actOnReplyStep(deps: Deps, event: unknown): Promise<ReplyOutcome> {
  const input = ActEvent.parse(event);
  const mail = await readMail(deps, input.mail);
  const stored = await deps.lake.get(input.classification.key);
  if (!stored) throw new NotFoundError(`ActOnReply: no classification at lake key ${input.classification.key}`);
  const { classification, llmCalls } = StoredClassification.parse(JSON.parse(stored.toString('utf8')));
  const match = input.match;
  const result = await recordReply(
    { sql: deps.sql, now: () => deps.clock.now(), newId: deps.newId },
    { workspaceId: input.mail.workspaceId, mail, rawKey: input.mail.rawKey, match, classification, llmCalls },
  );
  deps.log.info('reply recorded', { replyId: result.replyId, label: classification.label, duplicate: result.duplicate, thread: match.kind });
  return {
    replyId: result.replyId,
    duplicate: result.duplicate,
    rawKey: result.rawKey,
    from: mail.from?.address ?? null,
    subject: mail.subject,
    thread: { match: match.kind, sequenceId: match.sequenceId, leadId: match.leadId },
    label: classification.label,
    classifiedBy: classification.classifiedBy,
    confidence: classification.confidence,
    needsReview: classification.needsReview,
    action: result.action,
    error: null,
  };
}

const FailureEvent = z.object({
  key: z.string(),
  workspaceId: z.uuid().optional(),
  mail: ParsedRef.optional(),
  error: z.object({ Error: z.string(), Cause: z.string().optional() }),
});

/**
 * RecordReplyFailure: a step failed past its retries. The mail is recorded unlabelled with the
 * error (nothing acted on) when its workspace is known; the raw mail stays in the lake either way.
 */
export async function recordReplyFailureStep(deps: Deps, event: unknown): Promise<ReplyOutcome> {
  const input = FailureEvent.parse(event);
  const { name, message } = parseStatesError({ Error: input.error.Error, Cause: input.error.Cause ?? '' });
  const error = `${name}: ${message}`;
  const workspaceId = input.mail?.workspaceId ?? input.workspaceId ?? (await onlyWorkspace(deps.sql));
  const mail = input.mail ? await readMail(deps, input.mail).catch(() => null) : null;
  const outcome: ReplyOutcome = {
    replyId: null,
    duplicate: false,
    rawKey: input.key,
    from: mail?.from?.address ?? null,
    subject: mail?.subject ?? null,
    thread: null,
    label: null,
    classifiedBy: null,
    confidence: null,
    needsReview: false,
    action: null,
    error,
  };
  if (!workspaceId) {
    deps.log.error('reply not processed, and no workspace to record it in: the raw mail stays in the lake', { key: input.key, error: name });
    return outcome;
  }
  const { replyId } = await recordReplyFailure(deps.sql, { workspaceId, rawKey: input.key, error, mail }, deps.clock.now(), deps.newId);
  deps.log.warn('reply not processed: recorded with its error', { replyId, key: input.key, error: name });
  return { ...outcome, replyId };
}

async function readMail(deps: Deps, ref: ParsedRef): Promise<InboundMail> {
  const mail = await readStoredMail(deps.lake, ref.mailKey);
  if (!mail) throw new NotFoundError(`no parsed mail at lake key ${ref.mailKey}`);
  return mail;
}

/**
 * The workspace a mail was sent to: the one whose mailbox address is among its recipients, else
 * the only workspace there is. Several or none: `NotFound`, naming the recipients.
 */
export async function workspaceOfMail(sql: Sql, mail: Pick<InboundMail, 'to' | 'cc'>): Promise<string> {
  const recipients = [...mail.to, ...mail.cc].map((a) => a.address.toLowerCase());
  const owners = await sql.query<{ workspace_id: string }>(
    `SELECT DISTINCT workspace_id FROM mailbox WHERE address IN (SELECT jsonb_array_elements_text(:addresses::jsonb))`,
    { addresses: JSON.stringify(recipients) },
  );
  if (owners.rows.length === 1) return owners.rows[0].workspace_id;
  const only = owners.rows.length === 0 ? await onlyWorkspace(sql) : undefined;
  if (only) return only;
  throw new NotFoundError(
    owners.rows.length > 1
      ? `the mail is addressed to mailboxes of ${owners.rows.length} workspaces (${recipients.join(', ')}): start the replies machine with its workspaceId`
      : `no workspace has a mailbox among the mail's recipients (${recipients.join(', ') || 'none'}), and there are several workspaces: start the replies machine with its workspaceId`,
  );
}

/** The workspace's id when there is exactly one. */
async function onlyWorkspace(sql: Sql): Promise<string | undefined> {
  const rows = await sql.query<{ id: string }>(`SELECT id FROM workspace ORDER BY created_at LIMIT 2`);
  return rows.rows.length === 1 ? rows.rows[0].id : undefined;
}

/** The outcome of a mail already recorded (and not failed) in the workspace, or null. */
async function recordedOutcome(sql: Sql, workspaceId: string, rfcMessageId: string): Promise<ReplyOutcome | null> {
  const rows = await sql.query<{
    id: string; raw_key: string; from_email: string; subject: string | null; thread_match: string | null; sequence_id: string | null; lead_id: string | null;
    classification: string | null; classified_by: string | null; confidence: string | number | null; needs_review: boolean; action: string | null;
  }>(
    `SELECT id, raw_key, from_email, subject, thread_match, sequence_id, lead_id, classification, classified_by, confidence, needs_review, action
       FROM reply WHERE workspace_id = :ws::uuid AND rfc_message_id = :rfc AND error IS NULL`,
    { ws: workspaceId, rfc: rfcMessageId },
  );
  const r = rows.rows[0];
  if (!r) return null;
  return {
    replyId: r.id,
    duplicate: true,
    rawKey: r.raw_key,
    from: r.from_email || null,
    subject: r.subject,
    thread: { match: r.thread_match ?? (r.sequence_id ? 'recorded' : 'unmatched'), sequenceId: r.sequence_id, leadId: r.lead_id },
    label: r.classification,
    classifiedBy: r.classified_by,
    confidence: r.confidence === null ? null : Number(r.confidence),
    needsReview: r.needs_review,
    action: `already imported: ${r.action ?? 'no action'}`,
    error: null,
  };
}
