/**
 * `prospector send [--json] [--every 5m] [--for 3h] [--now ISO]`: runs the sending state machine
 * once (or on an interval until Ctrl-C) under the home's lock, into the loopback mail sink unless
 * PROSPECTOR_SMTP_URL names an SMTP server. With `--now` the clock starts at that moment and
 * moves on with real time, and the machine's waits for the spacing pass at once (simulated).
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { parseInterval } from '../interval.ts';
import { parseNow } from './outbox.ts';
import { resolveWorkspace } from './resolve.ts';

/** Registers `prospector send`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('send')
    .description('send the approved messages that are due now (the sending state machine), once or on an interval')
    .option('--json', 'print {at, claimed, sent, deferred, failed, uncertain, skipped, parked, blocked, abandoned, rounds} as JSON (last line of each execution)')
    .option('--every <interval>', 'keep sending on this interval until stopped (e.g. 5m)', parseInterval)
    .option('--for <interval>', 'in one execution, keep claiming for this long, waiting out the spacing between two sends from a mailbox (default: one round, one mail per mailbox)', parseInterval)
    .option('--now <iso>', 'send as if it were this moment (try windows and caps; local runs only): the clock starts there and moves on, waits pass at once')
    .addHelpText(
      'after',
      `
Mail goes to the loopback sink (kept as .eml under the lake's outbox/, nothing leaves this
machine) unless PROSPECTOR_SMTP_URL=smtp://user:pass@host:port names an SMTP server. Each message
is sent at most once: a send whose answer was lost is left "uncertain" for you to check, never
sent again by itself.

Two sends from one mailbox are at least its spacing apart (2-3 minutes by default), so one
round sends one mail per mailbox. --for keeps the execution claiming, waiting between rounds,
up to the caps. With --now the waits are simulated: the clock jumps to the end of each wait.

Examples:
  $ prospector send
  $ prospector send --now 2026-12-08T09:00:00-05:00 --for 3h --json
  $ prospector send --every 5m --for 4m`,
    )
    .action(async (opts: { json?: boolean; every?: number; for?: number; now?: string }) => {
      const now = opts.now === undefined ? undefined : parseNow(opts.now);
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await ctx.withRuntime(async (rt) => {
          const workspace = await resolveWorkspace(rt.deps.sql, ctx.workspace());
          const { openLocalMail } = await import('../mail.ts');
          const { sendOnce, SimulatedClock } = await import('../sending.ts');
          const { sinkInbound } = await import('../replies.ts');
          // one clock for every tick: with --now, tick n runs at T + the time since the command began
          const clock = now ? new SimulatedClock(now) : rt.deps.clock;
          // a reply sent to the sink meanwhile (to a mailbox's address) is labelled and acted on
          const inbound = sinkInbound(rt.deps, (o) => process.stderr.write(`reply from ${o.from ?? 'unknown'}: ${o.error ?? `${o.label}: ${o.action}`}\n`));
          const mail = await openLocalMail({ home: rt.config.home, lake: rt.deps.lake, sql: rt.deps.sql, log: rt.deps.log, inbound });
          try {
            process.stderr.write(`${mail.describe}\n`);
            for (;;) {
              const at = clock.now().toISOString();
              const summary = await sendOnce(rt.deps, { mailer: mail.mailer, unsubscribe: { baseUrl: mail.unsubscribeBaseUrl, secret: mail.unsubscribeSecret } }, {
                workspaceId: workspace.id,
                clock,
                keepSendingSeconds: opts.for === undefined ? 0 : Math.round(opts.for / 1000),
                stopAfterRound: controller.signal,
              });
              if (opts.json) ctx.print(JSON.stringify({ at, ...summary }));
              else {
                ctx.print(
                  `At ${at}, claimed ${summary.claimed} in ${workspace.slug} (${summary.rounds} round${summary.rounds === 1 ? '' : 's'}): ` +
                    `${summary.sent} sent, ${summary.deferred} deferred, ${summary.failed} failed, ` +
                    `${summary.uncertain} uncertain, ${summary.skipped} skipped, ${summary.parked} parked.` +
                    (summary.responses && Object.values(summary.responses).some((n) => n > 0)
                      ? ` Responses to replies: ${summary.responses.sent} sent, ${summary.responses.waiting} waiting, ${summary.responses.cancelled} cancelled, ` +
                        `${summary.responses.failed} failed, ${summary.responses.uncertain} uncertain.`
                      : '') +
                    (summary.blocked ? ` Nothing more could be sent (${summary.blockedReason ?? 'the mailbox refused'}): the messages wait in the queue (prospector outbox).` : ''),
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
