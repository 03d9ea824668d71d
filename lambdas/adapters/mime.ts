/**
 * Builds the raw RFC 5322 bytes of an `OutgoingMail` with nodemailer's MailComposer, so the SMTP
 * adapter and the SES adapter (raw content) send byte-for-byte the same message, and the
 * Message-ID is the one the caller recorded, never one a library made up.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailAddress, OutgoingMail } from '#core/ports.ts';

const formatAddress = (a: MailAddress): { name: string; address: string } | string => (a.name ? { name: a.name, address: a.address } : a.address);

/** The message as the bytes that go over the wire (CRLF line ends, quoted-printable text). */
export async function buildMime(mail: OutgoingMail): Promise<Buffer> {
  const composer = new MailComposer({
    from: formatAddress(mail.from),
    to: formatAddress(mail.to),
    ...(mail.replyTo ? { replyTo: formatAddress(mail.replyTo) } : {}),
    subject: mail.subject,
    text: mail.text,
    ...(mail.html ? { html: mail.html } : {}),
    messageId: mail.messageId,
    date: mail.date,
    ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
    ...(mail.references?.length ? { references: mail.references } : {}),
    headers: mail.headers,
    // Plain words in, plain words out: no tracking, no rewriting of links.
    textEncoding: 'quoted-printable',
    // Content is always given as strings; never let a value make the composer read a file or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return new Promise<Buffer>((resolve, reject) => {
    composer.compile().build((error, message) => (error ? reject(error) : resolve(message)));
  });
}
