/**
 * Local mail wiring for the sending commands: one call that picks the mailer and serves the
 * one-click unsubscribe route, from its own small zod schema over the environment.
 *
 * - `PROSPECTOR_SMTP_URL` set: every message goes to that SMTP server (a company mailbox, SES
 *   SMTP, any test server).
 * - unset: the project's loopback mail sink starts in-process and keeps every message as `.eml`
 *   under the lake's `outbox/`: real SMTP, and no mail leaves the machine. With `inbound`, mail
 *   to a workspace mailbox reaching the sink is a reply, processed by the replies machine.
 * - The unsubscribe route listens on 127.0.0.1 (`PROSPECTOR_UNSUBSCRIBE_PORT`, default any free
 *   port); `PROSPECTOR_UNSUBSCRIBE_BASE_URL` (https) replaces its address in links, for a route
 *   reachable from outside (a tunnel, or the cloud's function URL).
 */
import { z } from 'zod';
import { SmtpMailer, smtpUrlProblem } from '#adapters/smtp-mailer.ts';
import { ValidationError } from '#core/errors.ts';
import { plainWords } from '#core/issue-words.ts';
import type { Clock, Lake, Log, Mailer, Sql } from '#core/ports.ts';
import { MailSink, type InboundRouting } from './mail-sink.ts';
import { loadUnsubscribeSecret, startUnsubscribeServer, type UnsubscribeServer } from './unsubscribe-server.ts';

const MailEnv = z.object({
  PROSPECTOR_SMTP_URL: z
    .string()
    .trim()
    .min(1)
    .superRefine((v, ctx) => {
      const problem = smtpUrlProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  PROSPECTOR_UNSUBSCRIBE_BASE_URL: z
    .url()
    .refine((v) => v.startsWith('https://'), 'must be an https:// URL (RFC 8058), e.g. https://go.example.com/unsubscribe')
    .optional(),
  PROSPECTOR_UNSUBSCRIBE_PORT: z.coerce.number().int().min(0).max(65535).default(0),
});

export interface LocalMail {
  mailer: Mailer;
  /** The loopback sink, when no PROSPECTOR_SMTP_URL was given. */
  sink?: MailSink;
  /** Where one-click links point (`.../unsubscribe`). */
  unsubscribeBaseUrl: string;
  unsubscribeSecret: Buffer;
  /** One line for the operator: where mail goes. */
  describe: string;
  close(): Promise<void>;
}

/** Opens the mailer and the unsubscribe route for a local run; `close()` stops both. */
export async function openLocalMail(options: { env?: NodeJS.ProcessEnv; home: string; lake: Lake; sql: Sql; clock?: Clock; log?: Log; inbound?: InboundRouting }): Promise<LocalMail> {
  const parsed = MailEnv.safeParse(options.env ?? process.env, { error: plainWords(options.env ?? process.env) });
  if (!parsed.success) {
    throw new ValidationError('the mail settings', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const env = parsed.data;
  const secret = await loadUnsubscribeSecret({ env: options.env ?? process.env, home: options.home });
  let sink: MailSink | undefined;
  let route: UnsubscribeServer | undefined;
  try {
    route = await startUnsubscribeServer({ sql: options.sql, secret, port: env.PROSPECTOR_UNSUBSCRIBE_PORT, log: options.log });
    if (!env.PROSPECTOR_SMTP_URL) sink = await MailSink.start({ lake: options.lake, clock: options.clock, log: options.log, inbound: options.inbound });
  } catch (error) {
    await route?.close();
    throw error;
  }
  const url = env.PROSPECTOR_SMTP_URL ?? sink!.url;
  const mailer = new SmtpMailer({ url });
  return {
    mailer,
    sink,
    unsubscribeBaseUrl: env.PROSPECTOR_UNSUBSCRIBE_BASE_URL ?? route.baseUrl,
    unsubscribeSecret: secret,
    describe: sink
      ? `mail goes to the loopback sink (${sink.url}), kept as .eml under ${options.lake.location}/outbox/; nothing leaves this machine` +
        (options.inbound ? `; replies sent there to a workspace mailbox are kept under inbound/ and labelled` : '')
      : `mail goes to the SMTP server at ${new URL(url).host}`,
    close: async () => {
      await mailer.close();
      await sink?.close();
      await route?.close();
    },
  };
}
