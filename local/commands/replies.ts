/**
 * `prospector replies import PATH [--json]` and `prospector replies list [--label L] [--unmatched]
 * [--json]`: inbound mail read from an .eml, a folder or an mbox, matched to its thread,
 * classified and acted on, one mail at a time (parse, classify, match, act: the core functions in
 * order; one bad mail is reported and the import goes on).
 */
import type { Command } from 'commander';
import { ProspectorError } from '#core/errors.ts';
import type { Sql } from '#core/ports.ts';
import type { DraftResponseOutput } from '#core/replies/respond.ts';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { resolveWorkspace } from './resolve.ts';

const LABELS = ['interested', 'needs_info', 'referral', 'objection', 'not_interested', 'unsubscribe', 'out_of_office', 'auto_reply', 'bounce', 'wrong_person'] as const;

/** One imported mail, as printed. */
export interface ImportedReply {
  source: string;
  replyId: string | null;
  duplicate: boolean;
  from: string | null;
  subject: string | null;
  thread: { match: string; sequenceId: string | null; leadId: string | null } | null;
  label: string | null;
  classifiedBy: string | null;
  confidence: number | null;
  needsReview: boolean;
  action: string | null;
  /** the response drafted for it (interested, needs_info, objection), or why none was */
  response: DraftResponseOutput | null;
  /** why the mail could not be read or stored */
  error: string | null;
}

/** One stored reply, as `replies list` prints it. */
export interface ListedReply {
  id: string;
  receivedAt: string;
  from: string;
  subject: string | null;
  thread: { match: string; sequenceId: string | null; leadEmail: string | null; sequenceStatus: string | null };
  label: string | null;
  classifiedBy: string | null;
  confidence: number | null;
  needsReview: boolean;
  returnDate: string | null;
  referral: { name: string | null; email: string } | null;
  bounce: { kind: string; status: string | null; recipient: string | null } | null;
  action: string | null;
  /** the response draft in the approval queue (`prospector drafts show ID`), if one was drafted */
  response: { id: string; status: string; grounding: string; source: string } | null;
  rawKey: string;
}

/** Registers `prospector replies`. */
export function register(program: Command, ctx: CliContext): void {
  const replies = program.command('replies').description('import inbound replies and list them with their thread, label and action');

  replies
    .command('import <path>')
    .description('read an .eml, a folder of them or an mbox: match each mail to its thread, label it, act on it')
    .option('--json', 'print {workspace, replies: [...]} as JSON')
    .addHelpText(
      'after',
      `
Each mail is matched to the sequence it answers (In-Reply-To/References to our Message-IDs, then
sender and subject), labelled (rules first, then the model, or the offline heuristic without a
key) and acted on in the same transaction: an opt-out or hard bounce suppresses the address and
stops every sequence to it, an out-of-office pauses the sequence until the return date, a person's
answer stops the sequence. An unmatched mail is kept and listed. Importing the same mail twice
records it once.

Examples:
  $ prospector replies import ~/Downloads/reply.eml
  $ prospector replies import ./inbox.mbox --json | jq '.replies[] | {label, action}'`,
    )
    .action(async (path: string, opts: { json?: boolean }) => {
      const { readMailSource } = await import('#core/replies/import.ts');
      const items = await readMailSource(path);
      await ctx.withRuntime(async (rt) => {
        const { sql, lake, llm } = rt.deps;
        const workspace = await resolveWorkspace(sql, ctx.workspace());
        const { parseMail } = await import('#core/replies/parse.ts');
        const { classifyReply } = await import('#core/replies/classify.ts');
        const { matchThread } = await import('#core/replies/match.ts');
        const { recordReply, resumePausedSequences } = await import('#core/replies/act.ts');
        const { draftResponseStep } = await import('#core/replies/respond.ts');
        const { lakeKeys } = await import('#core/lake-keys.ts');
        const now = rt.deps.clock.now();
        await resumePausedSequences(sql, workspace.id, now);
        const out: ImportedReply[] = [];
        for (const item of items) {
          const row: ImportedReply = { source: item.source, replyId: null, duplicate: false, from: null, subject: null, thread: null, label: null, classifiedBy: null, confidence: null, needsReview: false, action: null, response: null, error: null };
          out.push(row);
          if ('error' in item) {
            row.error = item.error.message;
            continue;
          }
          try {
            const mail = await parseMail(item.raw, { source: item.source });
            row.from = mail.from?.address ?? null;
            row.subject = mail.subject;
            const { classification } = await classifyReply(
              mail,
              {
                llm,
                archive: async (record, callId, at) => {
                  const key = lakeKeys.llmCall(at, callId);
                  await lake.put(key, JSON.stringify({ ...record, workspaceId: workspace.id, replyMessageId: mail.messageId }), { contentType: 'application/json' });
                  return key;
                },
                now: () => rt.deps.clock.now(),
                newId: rt.deps.newId,
              },
              { model: rt.deps.config.factsModel },
            );
            const match = await matchThread(sql, workspace.id, mail, classification.bounce);
            const result = await recordReply({ sql, lake, now: () => rt.deps.clock.now() }, { workspaceId: workspace.id, mail, raw: item.raw, match, classification });
            Object.assign(row, {
              replyId: result.replyId,
              duplicate: result.duplicate,
              thread: { match: match.kind, sequenceId: match.sequenceId, leadId: match.leadId },
              label: classification.label,
              classifiedBy: classification.classifiedBy,
              confidence: classification.confidence,
              needsReview: classification.needsReview,
              action: result.action,
            });
            row.response = await draftResponseStep(rt.deps, { workspaceId: workspace.id, replyId: result.replyId });
          } catch (error) {
            // A rate limit or an outage stops the import (the rest would fail the same way); a bad mail does not.
            if (error instanceof Error && /^(RateLimited|LlmUnavailable|Database)/.test(error.name)) throw error;
            row.error = error instanceof Error ? error.message : String(error);
          }
        }
        if (opts.json) {
          ctx.print(JSON.stringify({ workspace: workspace.slug, replies: out }));
          return;
        }
        ctx.print(`${out.length} mail(s) read from ${path} into ${workspace.slug}:`);
        ctx.print(
          table(
            out.map((r) => ({
              mail: r.source.split('/').at(-1),
              from: r.from ?? '',
              thread: r.error ? '' : r.thread?.sequenceId ? `sequence ${r.thread.sequenceId.slice(0, 8)} (${r.thread.match})` : (r.thread?.match ?? ''),
              label: r.error ? 'error' : `${r.label}${r.needsReview ? ' (review)' : ''} by ${r.classifiedBy}`,
              action: r.error ?? r.action ?? '',
              response: r.response?.responseId ? `${r.response.responseId.slice(0, 8)} ${r.response.grounding} (${r.response.source})` : '',
            })),
            100,
          ),
        );
        const drafted = out.filter((r) => r.response?.status === 'drafted').length;
        if (drafted > 0) ctx.print(`${drafted} response draft(s) wait for review: prospector drafts list --status draft`);
      }, { sampleWeb: false, write: true });
    });

  replies
    .command('list')
    .description('list stored replies with their thread, label, confidence and the action taken')
    .option('--label <label>', `only this label (${LABELS.join(', ')}) or needs_review`)
    .option('--unmatched', 'only replies matched to no sequence (kept for a rep to look at)')
    .option('--json', 'print {workspace, replies: [...]} as JSON')
    .action(async (opts: { label?: string; unmatched?: boolean; json?: boolean }) => {
      if (opts.label !== undefined && !(LABELS as readonly string[]).includes(opts.label) && opts.label !== 'needs_review') {
        throw new ProspectorError(`--label ${opts.label}: not a reply label; use needs_review or one of ${LABELS.join(', ')}`);
      }
      await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const workspace = await resolveWorkspace(sql, ctx.workspace());
        const list = await listReplies(sql, workspace.id, { label: opts.label, unmatched: opts.unmatched ?? false });
        if (opts.json) {
          ctx.print(JSON.stringify({ workspace: workspace.slug, replies: list }));
          return;
        }
        if (list.length === 0) {
          ctx.print(`No replies${opts.label ? ` labelled ${opts.label}` : ''}${opts.unmatched ? ' unmatched' : ''} in ${workspace.slug}: import some with \`prospector replies import PATH\`.`);
          return;
        }
        ctx.print(
          table(
            list.map((r) => ({
              received: r.receivedAt.slice(0, 16).replace('T', ' '),
              from: r.from,
              thread: r.thread.sequenceId ? `${r.thread.leadEmail} (${r.thread.match})` : r.thread.match === 'address' ? `${r.thread.leadEmail} (no thread)` : 'unmatched',
              label: `${r.label ?? '-'}${r.needsReview ? ' (review)' : ''}`,
              confidence: r.confidence ?? '',
              action: r.action ?? '',
              response: r.response ? `${r.response.id.slice(0, 8)} ${r.response.status}, ${r.response.grounding}` : '',
            })),
            80,
          ),
        );
      }, { sampleWeb: false });
    });
}

/** Stored replies of the workspace, newest first. */
export async function listReplies(sql: Sql, workspaceId: string, filter: { label?: string; unmatched: boolean }): Promise<ListedReply[]> {
  const rows = await sql.query<{
    id: string; received_at: string | Date; from_email: string; subject: string | null; thread_match: string | null; sequence_id: string | null;
    lead_email: string | null; sequence_status: string | null; classification: string | null; classified_by: string | null;
    confidence: string | number | null; needs_review: boolean; return_date: string | Date | null; referral_name: string | null;
    referral_email: string | null; bounce_kind: string | null; bounce_status: string | null; bounce_recipient: string | null;
    action: string | null; raw_key: string; response_id: string | null; response_status: string | null; response_grounding: string | null; response_source: string | null;
  }>(
    `SELECT r.id, r.received_at, r.from_email, r.subject, r.thread_match, r.sequence_id, l.email AS lead_email, s.status AS sequence_status,
            r.classification, r.classified_by, r.confidence, r.needs_review, to_char(r.return_date, 'YYYY-MM-DD') AS return_date,
            r.referral_name, r.referral_email, r.bounce_kind, r.bounce_status, r.bounce_recipient, r.action, r.raw_key,
            rr.id AS response_id, rr.status AS response_status, rr.grounding AS response_grounding, rr.source AS response_source
       FROM reply r
       LEFT JOIN lead l ON l.id = r.lead_id
       LEFT JOIN sequence s ON s.id = r.sequence_id
       LEFT JOIN reply_response rr ON rr.reply_id = r.id
      WHERE r.workspace_id = :ws::uuid
        AND (:label::text IS NULL OR (:label = 'needs_review' AND r.needs_review) OR r.classification = :label)
        AND (NOT :unmatched::boolean OR r.sequence_id IS NULL)
      ORDER BY r.received_at DESC, r.id`,
    { ws: workspaceId, label: filter.label ?? null, unmatched: filter.unmatched },
  );
  return rows.rows.map((r) => ({
    id: r.id,
    receivedAt: new Date(r.received_at).toISOString(),
    from: r.from_email,
    subject: r.subject,
    thread: { match: r.thread_match ?? (r.sequence_id ? 'recorded' : 'unmatched'), sequenceId: r.sequence_id, leadEmail: r.lead_email, sequenceStatus: r.sequence_status },
    label: r.classification,
    classifiedBy: r.classified_by,
    confidence: r.confidence === null ? null : Number(r.confidence),
    needsReview: r.needs_review,
    returnDate: r.return_date === null ? null : String(r.return_date),
    referral: r.referral_email ? { name: r.referral_name, email: r.referral_email } : null,
    bounce: r.bounce_kind ? { kind: r.bounce_kind, status: r.bounce_status, recipient: r.bounce_recipient } : null,
    action: r.action,
    response: r.response_id ? { id: r.response_id, status: r.response_status!, grounding: r.response_grounding!, source: r.response_source! } : null,
    rawKey: r.raw_key,
  }));
}
