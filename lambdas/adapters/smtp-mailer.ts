/**
 * The Mailer port over SMTP with nodemailer: any server an `smtp://` or `smtps://` URL names (a
 * company mailbox, SES SMTP, the local sink). One connection per message, no pool and no
 * automatic retry: whether a failed send may be retried depends on what the server saw, which
 * only this adapter knows, and is decided by the sender with the database's record.
 *
 * How a failure is classified:
 * - the server answered 4xx at any stage → `MailTemporaryError` (RFC 5321 §4.2.1: transient);
 * - it answered 5xx → `MailPermanentError` carrying the reply (an authentication 5xx is the
 *   mailbox's problem, not the message's → `MailerBlockedError`);
 * - no answer (refused, reset, timed out): before the whole message was handed to the
 *   connection → `MailTemporaryError`; after → `MailUncertainError`, because the server may have
 *   taken it and only its reply was lost (RFC 5321 §4.1.1.4: the message is accepted with the
 *   reply to the final ".").
 */
import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import { MailerBlockedError, MailPermanentError, MailTemporaryError, MailUncertainError, ValidationError } from '#core/errors.ts';
import type { Mailer, MailReceipt, OutgoingMail } from '#core/ports.ts';
import { buildMime } from './mime.ts';

export interface SmtpMailerOptions {
  /** `smtp://user:pass@host:port` or `smtps://...`; query options as nodemailer reads them. */
  url: string;
  /** How long to wait for the TCP connection, the greeting, and any one reply (ms). */
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
}

const defaults = { connectionTimeoutMs: 30_000, greetingTimeoutMs: 30_000, socketTimeoutMs: 120_000 };

/** nodemailer's error fields that matter here. */
interface SmtpFailure extends Error {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
}

/** Whether `url` is an SMTP URL this adapter takes; the reason if not (never echoes credentials). */
export function smtpUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be a URL such as smtp://127.0.0.1:2525 or smtps://user:password@mail.example.com:465';
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') return `must use smtp:// or smtps://, not ${parsed.protocol}//`;
  if (!parsed.hostname) return 'must name a host';
  return undefined;
}

/**
 * Uses nodemailer's `SMTPConnection` rather than its transport: the transport reads a message
 * into its own buffers before the server has said anything, while the connection pipes the
 * message only once the server answered DATA with 354, so "the whole message was handed over"
 * is known exactly (the message stream ended).
 */
export class SmtpMailer implements Mailer {
  readonly provider = 'smtp';
  private readonly connectionOptions: Record<string, unknown>;
  private readonly auth: { user: string; pass: string } | undefined;
  private readonly host: string;
  private readonly open = new Set<SMTPConnection>();

  constructor(options: SmtpMailerOptions) {
    const problem = smtpUrlProblem(options.url);
    if (problem) throw new ValidationError('PROSPECTOR_SMTP_URL', [{ path: 'PROSPECTOR_SMTP_URL', message: problem }]);
    const o = { ...defaults, ...options };
    const { auth, ...fromUrl } = parseConnectionUrl(o.url);
    this.auth = auth?.user ? auth : undefined;
    this.host = new URL(o.url).host;
    this.connectionOptions = {
      ...fromUrl,
      connectionTimeout: o.connectionTimeoutMs,
      greetingTimeout: o.greetingTimeoutMs,
      socketTimeout: o.socketTimeoutMs,
    };
  }

  async send(mail: OutgoingMail): Promise<MailReceipt> {
    const raw = await buildMime(mail);
    let handedOver = false;
    const body = Readable.from([raw], { objectMode: false });
    body.on('end', () => (handedOver = true));
    const connection = new SMTPConnection(this.connectionOptions as ConstructorParameters<typeof SMTPConnection>[0]);
    this.open.add(connection);
    try {
      const info = await new Promise<{ response?: string; accepted?: unknown[] }>((resolve, reject) => {
        let settled = false;
        const finish = (error: Error | null, result?: { response?: string; accepted?: unknown[] }) => {
          if (settled) return;
          settled = true;
          if (error) reject(error);
          else resolve(result ?? {});
        };
        // `on`, not `once`: a late error (a QUIT to a server that already hung up) must find a
        // listener, or the EventEmitter would throw it at the process.
        connection.on('error', (error: Error) => finish(error));
        connection.connect((error?: Error | null) => {
          if (error) return finish(error);
          const go = () =>
            connection.send({ from: mail.from.address, to: [mail.to.address] }, body, (sendError, result) =>
              finish(sendError ?? null, result as { response?: string; accepted?: unknown[] }),
            );
          if (this.auth && connection.allowsAuth) {
            connection.login(this.auth, (loginError?: Error | null) => (loginError ? finish(loginError) : go()));
          } else go();
        });
      });
      const response = String(info.response ?? '').trim();
      return {
        provider: this.provider,
        providerMessageId: queueId(response),
        accepted: (info.accepted ?? []).map((a) => (typeof a === 'string' ? a : String((a as { address?: string }).address ?? a))),
        response,
        deliveredMessageId: mail.messageId,
      };
    } catch (error) {
      throw this.classify(error as SmtpFailure, handedOver);
    } finally {
      this.open.delete(connection);
      try {
        connection.quit();
      } catch {
        connection.close();
      }
    }
  }

  private classify(error: SmtpFailure, handedOver: boolean): Error {
    const code = error.responseCode;
    const response = error.response?.trim();
    const at = `${this.host}${error.command ? ` at ${error.command}` : ''}`;
    const details = { code, response, cause: error };
    if (code && code >= 400 && code < 500) return new MailTemporaryError(this.provider, `${at}: the server deferred the message: ${response}`, details);
    if (code && code >= 500) {
      if (error.code === 'EAUTH') return new MailerBlockedError(this.provider, `${at}: the server refused the login: ${response}`, details);
      return new MailPermanentError(this.provider, `${at}: the server rejected the message: ${response}`, details);
    }
    if (error.code === 'EAUTH' || error.code === 'ETLS') {
      return new MailerBlockedError(this.provider, `${at}: ${error.message}`, { code: error.code, cause: error });
    }
    // Refused before any byte left (an address nodemailer will not put in an envelope, a
    // message over the server's SIZE): the same message would be refused again.
    if (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') {
      return new MailPermanentError(this.provider, `${at}: ${error.message}`, { code: error.code, response: error.message, cause: error });
    }
    const reason = `${error.code ?? error.name}: ${error.message}`;
    if (handedOver) {
      return new MailUncertainError(
        this.provider,
        `${at}: the connection ended after the whole message was sent but before the server answered (${reason}); it may have been delivered`,
        { code: error.code, cause: error },
      );
    }
    return new MailTemporaryError(this.provider, `${at}: the message was not handed over (${reason})`, { code: error.code, cause: error });
  }

  async close(): Promise<void> {
    for (const connection of this.open) connection.close();
    this.open.clear();
  }
}

/** The queue id many servers put in their final reply (`250 2.0.0 Ok: queued as 4F2A1`). */
function queueId(response: string): string | null {
  return /queued as ([A-Za-z0-9._@<>-]+)/i.exec(response)?.[1] ?? null;
}
