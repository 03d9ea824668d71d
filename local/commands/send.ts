/**
 * `prospector send [--json] [--every 5m] [--now ISO]`: runs the sending state machine once (or
 * on an interval until Ctrl-C) under the home's lock, into the loopback mail sink unless
 * PROSPECTOR_SMTP_URL names an SMTP server.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { parseNow } from './outbox.ts';
import { resolveWorkspace } from './resolve.ts';

/** `5m`, `30s`, `1h` in milliseconds (at least 10 s). */
function interval(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`"${text}" is not an interval: use a number and a unit, e.g. 30s, 5m, 1h`);
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  if (ms < 10_000) throw new InvalidArgumentError('the interval must be at least 10s');
  return ms;
}

/** Registers `prospector send`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('send')
    .description('send the approved messages that are due now (the sending state machine), once or on an interval')
    .option('--json', 'print {claimed, sent, deferred, failed, uncertain, skipped, blocked, abandoned} as JSON (last line)')
    .option('--every <interval>', 'keep sending on this interval until stopped (e.g. 5m)', interval)
    .option('--now <iso>', 'send as if it were this moment (try windows and caps; local runs only)')
    .addHelpText(
      'after',
      `
Mail goes to the loopback sink (kept as .eml under the lake's outbox/, nothing leaves this
machine) unless PROSPECTOR_SMTP_URL=smtp://user:pass@host:port names an SMTP server. Each message
is sent at most once: a send whose answer was lost is left "uncertain" for you to check, never
sent again by itself.

Examples:
  $ prospector send
  $ prospector send --now 2026-12-08T09:00:00-05:00 --json
  $ prospector send --every 5m`,
    )
    .action(async (opts: { json?: boolean; every?: number; now?: string }) => {
      const now = opts.now === undefined ? undefined : parseNow(opts.now);
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await ctx.withRuntime(async (rt) => {
          const workspace = await resolveWorkspace(rt.deps.sql, ctx.workspace());
          const { openLocalMail } = await import('../mail.ts');
          const { sendOnce } = await import('../sending.ts');
          const { sinkInbound } = await import('../replies.ts');
          // a reply sent to the sink meanwhile (to a mailbox's address) is labelled and acted on
          const inbound = sinkInbound(rt.deps, (o) => process.stderr.write(`reply from ${o.from ?? 'unknown'}: ${o.error ?? `${o.label}: ${o.action}`}\n`));
          const mail = await openLocalMail({ home: rt.config.home, lake: rt.deps.lake, sql: rt.deps.sql, log: rt.deps.log, inbound });
          try {
            process.stderr.write(`${mail.describe}\n`);
            for (;;) {
              const summary = await sendOnce(rt.deps, { mailer: mail.mailer, unsubscribe: { baseUrl: mail.unsubscribeBaseUrl, secret: mail.unsubscribeSecret } }, {
                workspaceId: workspace.id,
                now,
              });
              if (opts.json) ctx.print(JSON.stringify(summary));
              else {
                ctx.print(
                  `Claimed ${summary.claimed} in ${workspace.slug}: ${summary.sent} sent, ${summary.deferred} deferred, ${summary.failed} failed, ` +
                    `${summary.uncertain} uncertain, ${summary.skipped} skipped.` +
                    (summary.blocked ? ' The mailbox could not send: the batch stopped and its messages wait in the queue (prospector outbox).' : ''),
                );
              }
              if (!opts.every || controller.signal.aborted) break;
              process.stderr.write(`next send in ${opts.every / 1000} s (Ctrl-C to stop)\n`);
              await new Promise<void>((resolve) => {
                const t = setTimeout(resolve, opts.every);
                controller.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
              });
              if (controller.signal.aborted) break;
            }
          } finally {
            await mail.close();
          }
        }, { sampleWeb: false, write: true });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
