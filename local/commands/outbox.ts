/**
 * `prospector outbox [--json] [--now ISO_TIME]`: the messages waiting to be sent, when each may
 * go in the lead's local time, and why not now (window, caps, warm-up, spacing, suppression, a
 * stopped sequence).
 */
import type { Command } from 'commander';
import { ProspectorError } from '#core/errors.ts';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { resolveWorkspace } from './resolve.ts';

/** Where a lead's time zone came from, as the table says it (`zone_source`, sql/0008_sending.sql). */
const ZONE_FROM: Record<string, string> = { lead: "the lead's research", company: "the company's research", workspace: "the rep's zone" };

/** `--now` as a moment: an ISO-8601 date and time with a zone (Z or an offset). */
export function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text.trim());
  const at = new Date(text.trim());
  if (!ok || Number.isNaN(at.getTime())) {
    throw new ProspectorError(`--now "${text}" is not an ISO time with a zone, such as 2026-12-08T14:00:00Z or 2026-12-08T09:00-05:00`);
  }
  return at;
}

/** Registers `prospector outbox`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('outbox')
    .description('list approved messages waiting to be sent: when each may go in the lead\'s time, and why not now')
    .option('--json', 'print {now, workspace, messages: [...]} as JSON')
    .option('--now <iso>', 'judge the queue at this moment instead of now (try windows and caps)')
    .addHelpText(
      'after',
      `
A message waits for the send window in the lead's local time (default Tue–Thu 08:00–11:00; the
lead's zone comes from research, else the company's, else the rep's), the mailbox's daily cap
(a new mailbox warms up: 5 a day the first week, doubling weekly), a cap per recipient domain,
and a random spacing between two sends from one mailbox. Suppressed people, stopped sequences
and unassigned variants are never sent; the reason column says which rule holds a message back.

Examples:
  $ prospector outbox
  $ prospector outbox --json | jq '.messages[] | select(.sendableNow | not) | .reason'
  $ prospector outbox --now 2026-12-08T14:00:00Z`,
    )
    .action(async (opts: { json?: boolean; now?: string }) => {
      const now = parseNow(opts.now);
      await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const workspace = await resolveWorkspace(sql, ctx.workspace());
        const { listOutbox } = await import('#core/sending/outbox.ts');
        const messages = await listOutbox(sql, workspace.id, now);
        if (opts.json) {
          ctx.print(JSON.stringify({ now: now.toISOString(), workspace: workspace.slug, messages }));
          return;
        }
        if (messages.length === 0) {
          ctx.print(`Nothing is waiting to be sent in workspace ${workspace.slug}: approved sequences are queued when they are approved.`);
          return;
        }
        const ready = messages.filter((m) => m.sendableNow).length;
        ctx.print(`${messages.length} message(s) waiting in ${workspace.slug}, ${ready} sendable at ${now.toISOString()}:`);
        ctx.print(
          table(
            messages.map((m) => ({
              lead: m.lead.email,
              step: `${m.step.position} ${m.step.kind}${m.step.variant ? ` (${m.step.variant})` : ''}`,
              'lead time': `${m.localTime} ${m.timeZone} (${ZONE_FROM[m.zoneSource] ?? m.zoneSource})`,
              status: m.sendableNow ? 'ready' : m.status,
              'why not now': m.reason ?? '',
            })),
            110,
          ),
        );
      }, { sampleWeb: false });
    });
}
