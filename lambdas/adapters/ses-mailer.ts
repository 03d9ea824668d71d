/**
 * The Mailer port on Amazon SES v2 (`SendEmail` with raw content), for the cloud. The raw bytes
 * are the same MIME the SMTP adapter sends (mime.ts), so the Message-ID, List-Unsubscribe and
 * threading headers are ours; the configuration set routes bounce and complaint events, and the
 * message tags let those events be matched back to the workspace and the send attempt.
 *
 * The client is built with `maxAttempts: 1`: the SDK's own retry would resend after a timeout,
 * and a timeout after the request left may mean SES already took the message. Retrying is the
 * sender's decision, made with the database's record.
 *
 * Errors, as SES documents them for SendEmail
 * (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html#API_SendEmail_Errors)
 * and for every action (https://docs.aws.amazon.com/ses/latest/APIReference-V2/CommonErrors.html):
 * - `TooManyRequestsException` (429), `LimitExceededException` (400), and the common
 *   `ThrottlingException` ("Maximum sending rate exceeded" / "Daily message quota exceeded",
 *   https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-errors.html: wait, then
 *   retry) → `MailTemporaryError`; so are 5xx (`InternalFailure`, `ServiceUnavailable`): when a
 *   call fails, SES "does not send the email"
 *   (https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-error-messages.html);
 * - `MessageRejected` (400, "the message can't be sent because it contains invalid content")
 *   and `BadRequestException` (400, invalid input) → `MailPermanentError` with SES's message;
 * - `AccountSuspendedException`, `SendingPausedException`, `MailFromDomainNotVerifiedException`,
 *   `NotFoundException` (for example the configuration set), and credential or permission errors
 *   → `MailerBlockedError`: nothing is wrong with the message;
 * - no HTTP answer at all: a refused connection or a failed DNS lookup means the request never
 *   left → `MailTemporaryError`; a reset or a timeout after it left → `MailUncertainError`.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { MailerBlockedError, MailPermanentError, MailTemporaryError, MailUncertainError } from '#core/errors.ts';
import type { Mailer, MailReceipt, OutgoingMail } from '#core/ports.ts';
import { buildMime } from './mime.ts';

export interface SesMailerOptions {
  /** The configuration set whose event destination records bounces and complaints. */
  configurationSetName: string;
  /** Defaults to a client that never retries by itself. */
  client?: SESv2Client;
  /**
   * The domain of the Message-ID SES writes into the delivered message: SES replaces any
   * Message-ID it is given (https://docs.aws.amazon.com/ses/latest/dg/header-fields.html) with
   * `<MessageId@...amazonses.com>`; `email.amazonses.com` in us-east-1, the region's own
   * subdomain elsewhere: check the header of one delivered message and set it.
   */
  messageIdDomain?: string;
}

const TEMPORARY = new Set(['TooManyRequestsException', 'LimitExceededException', 'ThrottlingException', 'Throttling']);
const PERMANENT = new Set(['MessageRejected', 'BadRequestException']);
const BLOCKED = new Set([
  'AccountSuspendedException',
  'SendingPausedException',
  'MailFromDomainNotVerifiedException',
  'NotFoundException',
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'MissingAuthenticationToken',
]);
/** Network errors that mean the request never reached SES. */
const NEVER_LEFT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** SES tag names and values allow ASCII letters, digits, `_` and `-`, up to 256 characters. */
function tagText(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) || '_';
}

interface SdkFailure extends Error {
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

export class SesMailer implements Mailer {
  readonly provider = 'ses';
  private readonly client: SESv2Client;
  private readonly configurationSetName: string;
  private readonly ownsClient: boolean;
  private readonly messageIdDomain: string;

  constructor(options: SesMailerOptions) {
    this.messageIdDomain = options.messageIdDomain ?? 'email.amazonses.com';
    this.configurationSetName = options.configurationSetName;
    this.ownsClient = !options.client;
    this.client = options.client ?? new SESv2Client({ maxAttempts: 1 });
  }

  async send(mail: OutgoingMail): Promise<MailReceipt> {
    const raw = await buildMime(mail);
    try {
      const out = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: mail.from.address,
          Destination: { ToAddresses: [mail.to.address] },
          Content: { Raw: { Data: raw } },
          ConfigurationSetName: this.configurationSetName,
          EmailTags: Object.entries(mail.tags ?? {}).map(([name, value]) => ({ Name: tagText(name), Value: tagText(value) })),
        }),
      );
      return {
        provider: this.provider,
        providerMessageId: out.MessageId ?? null,
        accepted: [mail.to.address],
        response: `SES MessageId ${out.MessageId ?? '(none)'}`,
        deliveredMessageId: out.MessageId ? `<${out.MessageId}@${this.messageIdDomain}>` : mail.messageId,
      };
    } catch (error) {
      throw this.classify(error as SdkFailure);
    }
  }

  private classify(error: SdkFailure): Error {
    const status = error.$metadata?.httpStatusCode;
    const details = { code: error.name, response: error.message, cause: error };
    const what = `SES SendEmail: ${error.name}${status ? ` (HTTP ${status})` : ''}: ${error.message}`;
    if (TEMPORARY.has(error.name)) return new MailTemporaryError(this.provider, what, details);
    if (PERMANENT.has(error.name)) return new MailPermanentError(this.provider, what, details);
    if (BLOCKED.has(error.name) || status === 401 || status === 403) return new MailerBlockedError(this.provider, what, details);
    if (status !== undefined && status >= 500) return new MailTemporaryError(this.provider, what, details);
    if (status !== undefined) return new MailPermanentError(this.provider, what, details);
    // No HTTP answer: did the request leave?
    const code = error.code ?? (error.cause as { code?: string } | undefined)?.code ?? error.name;
    if (NEVER_LEFT.has(code)) return new MailTemporaryError(this.provider, `SES SendEmail: the request never reached SES (${code}: ${error.message})`, { code, cause: error });
    return new MailUncertainError(
      this.provider,
      `SES SendEmail: no answer after the request was sent (${code}: ${error.message}); SES may have accepted the message`,
      { code, cause: error },
    );
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }
}
