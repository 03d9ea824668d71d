/**
 * `prospector replies import PATH [--json]`, `prospector replies listen [--port N] [--json]` and
 * `prospector replies list [--label L] [--unmatched] [--json]`. Import reads an .eml, a folder or
 * an mbox; listen runs the loopback mail sink and takes what reaches a workspace mailbox. Either
 * way each mail is stored in the lake under `inbound/` and run through the replies state machine
 * (statemachine/replies.asl.json: parse, classify, match, act), one mail at a time; one bad mail
 * is reported and the rest go on; an import in which no mail could be imported exits 2.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { ProspectorError } from '#core/errors.ts';
import { listReplies } from '#core/views/replies.ts';
import type { DraftResponseOutput } from '#core/replies/respond.ts';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { resolveRepEmail, resolveWorkspace } from './resolve.ts';

export type { ListedReply } from '#core/views/replies.ts';
export { listReplies };

const LABELS = ['interested', 'needs_info', 'referral', 'objection', 'not_interested', 'unsubscribe', 'out_of_office', 'auto_reply', 'bounce', 'wrong_person'] as const;

/** `--port`: a TCP port, 0 for any free one. */
function smtpPort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535) throw new InvalidArgumentError(`"${text}" is not a port: use a whole number from 0 to 65535`);
  return port;
}

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

/** Registers `prospector replies`. */
export function register(program: Command, ctx: CliContext): void {
  const replies = program.command('replies').description('import inbound replies (or take them by SMTP), and list them with their thread, label and action');

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
      let imported = 0;
      const out: ImportedReply[] = [];
      await ctx.withRuntime(async (rt) => {
        const { sql, lake } = rt.deps;
        const workspace = await resolveWorkspace(sql, ctx.workspace());
        const { resumePausedSequences, storeInboundMail } = await import('#core/replies/act.ts');
        const { processReplyLocally } = await import('../replies.ts');
        await resumePausedSequences(sql, workspace.id, rt.deps.clock.now());
        for (const item of items) {
          const row: ImportedReply = { source: item.source, replyId: null, duplicate: false, from: null, subject: null, thread: null, label: null, classifiedBy: null, confidence: null, needsReview: false, action: null, response: null, error: null };
          out.push(row);
          if ('error' in item) {
            row.error = item.error.message;
            continue;
          }
          // Stored first, as SES receiving stores it in the cloud: a failed step never loses the mail.
          const key = await storeInboundMail(lake, item.raw, rt.deps.clock.now());
          const outcome = await processReplyLocally(rt.deps, { key, workspaceId: workspace.id });
          const { rawKey: _rawKey, response, responseError, ...shown } = outcome;
          const error = outcome.error?.replaceAll(key, item.source) ?? (responseError ? `the response could not be drafted: ${responseError.Error}: ${responseError.Cause ?? ''}` : null);
          Object.assign(row, shown, { response: response ?? null, error });
          // A rate limit or an outage past the machine's retries stops the import (the rest would
          // fail the same way); the mail is recorded with its error and a re-import retries it.
          if (outcome.error && /^(RateLimited|LlmUnavailable|DailyLimitReached|Database)/.test(outcome.error)) {
            throw new ProspectorError(`${item.source}: ${outcome.error}; the import stopped after ${out.length} of ${items.length} mail(s): import again later`);
          }
          // (a response that could not be drafted leaves the reply imported and acted on)
          if (!outcome.error) imported += 1;
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
      // Nothing imported is a failed import (a wrong file, say), not an empty success; some
      // failures among imported mails are listed above and the import succeeded.
      if (imported === 0 && out.length > 0) {
        throw new ProspectorError(
          out.length === 1
            ? `${out[0].source} could not be imported: ${out[0].error}`
            : `none of the ${out.length} mails in ${path} could be imported (each is listed with its error)`,
        );
      }
    });

  replies
    .command('listen')
    .description('run the loopback mail sink and label each reply sent to a workspace mailbox as it arrives, until Ctrl-C')
    .option('--port <port>', 'the SMTP port on 127.0.0.1 (default: any free port)', smtpPort)
    .option('--json', 'print one JSON line per reply processed (the fields of replies import --json, source = its lake key)')
    .addHelpText(
      'after',
      `
Mail whose envelope recipient is a workspace mailbox (the address a rep sends from) is a reply: it
is kept under the lake's inbound/ and run through the replies state machine (parse, classify, match
the thread, act), as SES receiving does in the cloud. Any other mail is kept under outbox/, as
\`prospector send\` keeps what it sends. \`prospector send --every 5m\` does the same with its sink.

Examples:
  $ prospector replies listen --port 2525
  $ swaks --server 127.0.0.1:2525 --to maya.okafor@tallyhand.com --header 'In-Reply-To: <...>'`,
    )
    .action(async (opts: { port?: number; json?: boolean }) => {
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await ctx.withRuntime(async (rt) => {
          const { MailSink } = await import('../mail-sink.ts');
          const { sinkInbound } = await import('../replies.ts');
          const mailboxes = await rt.deps.sql.query<{ address: string }>(`SELECT DISTINCT address FROM mailbox WHERE active ORDER BY address`);
          const inbound = sinkInbound(rt.deps, (outcome, key) => {
            const { rawKey: _rawKey, ...shown } = outcome;
            if (opts.json) ctx.print(JSON.stringify({ source: key, ...shown }));
            else ctx.print(`${outcome.from ?? 'unknown sender'}: ${outcome.error ?? `${outcome.label}${outcome.needsReview ? ' (review)' : ''} by ${outcome.classifiedBy}: ${outcome.action}`}`);
          });
          const sink = await MailSink.start({ lake: rt.deps.lake, clock: rt.deps.clock, log: rt.deps.log, port: opts.port ?? 0, inbound });
          process.stderr.write(
            `listening for replies on ${sink.url} (Ctrl-C to stop): ` +
              (mailboxes.rows.length
                ? `mail to ${mailboxes.rows.map((m) => m.address).join(', ')} is labelled and acted on\n`
                : 'no workspace has a mailbox yet (approving a sequence creates its rep\'s), so every mail is kept under outbox/\n'),
          );
          if (!controller.signal.aborted) await new Promise((resolve) => controller.signal.addEventListener('abort', resolve, { once: true }));
          await sink.close();
        }, { sampleWeb: false, write: true });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  replies
    .command('list')
    .description('list stored replies with their thread, label, confidence and the action taken')
    .option('--label <label>', `only this label (${LABELS.join(', ')}) or needs_review`)
    .option('--unmatched', 'only replies matched to no sequence (kept for a rep to look at)')
    .option('--rep <email>', 'only replies to the sequences this rep sends')
    .option('--json', 'print {workspace, replies: [...]} as JSON')
    .action(async (opts: { label?: string; unmatched?: boolean; rep?: string; json?: boolean }) => {
      if (opts.label !== undefined && !(LABELS as readonly string[]).includes(opts.label) && opts.label !== 'needs_review') {
        throw new ProspectorError(`--label ${opts.label}: not a reply label; use needs_review or one of ${LABELS.join(', ')}`);
      }
      await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const workspace = await resolveWorkspace(sql, ctx.workspace());
        const repEmail = opts.rep === undefined ? null : await resolveRepEmail(sql, opts.rep, { id: workspace.id, where: `workspace ${workspace.slug}` });
        const list = await listReplies(sql, workspace.id, { label: opts.label, unmatched: opts.unmatched ?? false, repEmail });
        if (opts.json) {
          ctx.print(JSON.stringify({ workspace: workspace.slug, replies: list }));
          return;
        }
        if (list.length === 0) {
          ctx.print(`No replies${opts.label ? ` labelled ${opts.label}` : ''}${opts.unmatched ? ' unmatched' : ''}${repEmail ? ` to ${repEmail}'s sequences` : ''} in ${workspace.slug}: import some with \`prospector replies import PATH\`.`);
          return;
        }
        ctx.print(
          table(
            list.map((r) => ({
              received: r.receivedAt.slice(0, 16).replace('T', ' '),
              from: r.from,
              thread: r.thread.sequenceId ? `${r.thread.leadEmail} (${r.thread.match})` : r.thread.match === 'address' ? `${r.thread.leadEmail} (no thread)` : 'unmatched',
              rep: r.thread.repEmail ?? '',
              label: r.error ? 'not processed' : `${r.label ?? '-'}${r.needsReview ? ' (review)' : ''}`,
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
