/**
 * Composes the email that actually leaves, from a message a rep approved: the words as
 * approved (citation markers removed: they are for the rep and the grounding checker, never
 * for the recipient), plus what every message must carry:
 * - `List-Unsubscribe` with an https one-click URL and a mailto, and
 *   `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058; Gmail and Yahoo require
 *   both from bulk senders since 2024);
 * - a visible opt-out line and the seller's postal address in the footer (CAN-SPAM);
 * - threading on follow-ups: `In-Reply-To` the previous send, `References` every earlier send
 *   of the sequence, and "Re: " plus the first subject, so the follow-up lands under the first
 *   message in the recipient's client.
 *
 * Plain text only, on purpose: a one-to-one sales email reads as a person's mail, HTML adds
 * nothing the words need, and no tracking pixel or rewritten link is ever added. The port
 * keeps an optional HTML part for other uses.
 */
import { randomUUID } from 'node:crypto';
import { SendingNotConfiguredError, ValidationError } from '../errors.ts';
import { stripCitations } from '../outreach/grounding.ts';
import type { OutgoingMail, Sql } from '../ports.ts';

/** A Message-ID as `send_attempt.rfc_message_id` accepts it. */
const MESSAGE_ID = /^<[^<>@ ]+@[^<>@ ]+>$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** What the compose step needs to know about one approved message and its people. */
export interface ComposeInput {
  workspaceId: string;
  sequenceId: string;
  /** `message.id` of the approved words. */
  messageRowId: string;
  subject: string | null;
  body: string;
  rep: { name: string | null; email: string };
  lead: { name: string | null; email: string };
  seller: { companyName: string; postalAddress: string | null };
  /** The Message-ID fixed for this send (recorded before the provider is called). */
  messageId: string;
  /** Earlier sends of the same sequence: the first subject and their Message-IDs, oldest first. */
  thread?: { subject: string; messageIds: string[] };
  unsubscribe: { url: string; mailto: string };
  date: Date;
}

/** A new Message-ID on the sender's domain. */
export function newMessageId(domain: string, id: string = randomUUID()): string {
  const value = `<${id}@${domain.toLowerCase()}>`;
  if (!MESSAGE_ID.test(value)) throw new ValidationError('Message-ID', [{ path: 'domain', message: `"${domain}" cannot be used in a Message-ID` }]);
  return value;
}

/** The mailto of `List-Unsubscribe`: a message to the rep's own mailbox that the replies flow reads as an opt-out. */
export function unsubscribeMailto(address: string): string {
  return `mailto:${address}?subject=unsubscribe`;
}

/** One line, no control characters: header-safe text. */
function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** The words as the recipient reads them: citation markers out, tidy line ends and spacing. */
export function recipientText(body: string): string {
  return stripCitations(body.replace(/\r\n?/g, '\n'))
    .text.split('\n')
    .map((line) => line.replace(/[ \t]+$/g, '').replace(/ {2,}/g, ' ').replace(/ +([.,;:!?])/g, '$1'))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** "Re: " plus the subject without any "Re:"/"Fwd:" it already has. */
export function replySubject(subject: string): string {
  return `Re: ${oneLine(subject).replace(/^(?:(?:re|fwd?|aw|sv)\s*:\s*)+/i, '')}`;
}

function problems(input: ComposeInput): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  if (!MESSAGE_ID.test(input.messageId)) issues.push({ path: 'messageId', message: 'must look like <id@domain>' });
  if (!EMAIL.test(input.rep.email)) issues.push({ path: 'rep.email', message: 'must be an email address' });
  if (!EMAIL.test(input.lead.email)) issues.push({ path: 'lead.email', message: 'must be an email address' });
  if (!input.thread && !(input.subject && oneLine(stripCitations(input.subject).text))) {
    issues.push({ path: 'subject', message: 'a first email needs a subject' });
  }
  if (!recipientText(input.body)) issues.push({ path: 'body', message: 'is empty once citation markers are removed' });
  for (const id of input.thread?.messageIds ?? []) if (!MESSAGE_ID.test(id)) issues.push({ path: 'thread.messageIds', message: `${id} is not a Message-ID` });
  let url: URL | undefined;
  try {
    url = new URL(input.unsubscribe.url);
  } catch {
    issues.push({ path: 'unsubscribe.url', message: 'must be an absolute URL' });
  }
  // RFC 8058 requires https; plain http is accepted only on loopback, for the local route.
  if (url && url.protocol !== 'https:' && !(url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))) {
    issues.push({ path: 'unsubscribe.url', message: 'must be https:// (RFC 8058), or http:// on 127.0.0.1 for local runs' });
  }
  if (!/^mailto:[^\s<>]+$/.test(input.unsubscribe.mailto)) issues.push({ path: 'unsubscribe.mailto', message: 'must be a mailto: URL' });
  return issues;
}

/** The outgoing email for an approved message; throws when something it must carry is missing. */
export function composeMail(input: ComposeInput): OutgoingMail {
  const postal = input.seller.postalAddress?.trim();
  if (!postal) {
    throw new SendingNotConfiguredError(
      `${input.seller.companyName} has no postal address: add company.postalAddress to the onboarding file and import it again ` +
        '(every email carries the sender\'s physical postal address in its footer; nothing is sent without it)',
    );
  }
  const issues = problems(input);
  if (issues.length) throw new ValidationError('the message to send', issues);

  const subject = input.thread ? replySubject(input.thread.subject) : oneLine(stripCitations(input.subject ?? '').text);
  const footer = [
    `${oneLine(input.seller.companyName)}, ${oneLine(postal)}`,
    `Not interested? Unsubscribe with one click: ${input.unsubscribe.url} (or reply "unsubscribe").`,
  ];
  const text = `${recipientText(input.body)}\n\n--\n${footer.join('\n')}\n`;
  const previous = input.thread?.messageIds ?? [];

  return {
    from: { ...(input.rep.name ? { name: oneLine(input.rep.name) } : {}), address: input.rep.email },
    to: { ...(input.lead.name ? { name: oneLine(input.lead.name) } : {}), address: input.lead.email },
    subject,
    text,
    messageId: input.messageId,
    ...(previous.length ? { inReplyTo: previous.at(-1), references: previous } : {}),
    headers: {
      'List-Unsubscribe': `<${input.unsubscribe.url}>, <${input.unsubscribe.mailto}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    date: input.date,
    tags: { workspace: input.workspaceId, sequence: input.sequenceId, message: input.messageRowId },
  };
}

/** The seller's name, domain and postal address; a clear error when the workspace has none. */
export async function loadSender(sql: Sql, workspaceId: string): Promise<{ companyName: string; domain: string; postalAddress: string | null }> {
  const result = await sql.query<{ name: string; domain: string; postal_address: string | null }>(
    'SELECT name, domain, postal_address FROM seller_company WHERE workspace_id = :ws::uuid',
    { ws: workspaceId },
  );
  const row = result.rows[0];
  if (!row) throw new SendingNotConfiguredError(`workspace ${workspaceId} has no seller company: import an onboarding file first`);
  return { companyName: row.name, domain: row.domain, postalAddress: row.postal_address };
}

/**
 * Everything `composeMail` needs from the database for one approved message, except what the
 * sender fixes at send time (Message-ID, unsubscribe link, date). The thread is the sequence's
 * earlier sends that may have reached the recipient (`sent` or `uncertain`), oldest first, by
 * the Message-ID the recipient got (`delivered_message_id` when the provider replaced ours).
 */
export async function loadMessageToCompose(
  sql: Sql,
  messageRowId: string,
): Promise<Omit<ComposeInput, 'messageId' | 'unsubscribe' | 'date'>> {
  const found = await sql.query<{
    workspace_id: string;
    sequence_id: string;
    subject: string | null;
    body: string;
    rep_email: string;
    rep_name: string | null;
    lead_email: string;
    lead_name: string | null;
  }>(
    `SELECT s.workspace_id, s.id AS sequence_id, m.subject, m.body, s.rep_email,
            coalesce(u.name, u2.name) AS rep_name, l.email AS lead_email, l.name AS lead_name
       FROM message m
       JOIN sequence s ON s.id = m.sequence_id
       JOIN lead l ON l.id = s.lead_id
       LEFT JOIN app_user u ON u.id = s.rep_id
       LEFT JOIN app_user u2 ON u2.workspace_id = s.workspace_id AND u2.email = s.rep_email
      WHERE m.id = :id::uuid`,
    { id: messageRowId },
  );
  const row = found.rows[0];
  if (!row) throw new ValidationError('the message to send', [{ path: 'messageId', message: `no message ${messageRowId}` }]);
  const earlier = await sql.query<{ rfc_message_id: string; subject: string | null }>(
    `SELECT coalesce(a.delivered_message_id, a.rfc_message_id) AS rfc_message_id, m.subject
       FROM send_attempt a
       JOIN message m ON m.id = a.message_id
       JOIN sequence_step st ON st.id = m.step_id
      WHERE m.sequence_id = :seq::uuid AND a.status IN ('sent', 'uncertain') AND a.message_id <> :id::uuid
      ORDER BY st.position, a.started_at`,
    { seq: row.sequence_id, id: messageRowId },
  );
  const seller = await loadSender(sql, row.workspace_id);
  const first = earlier.rows.find((r) => r.subject);
  return {
    workspaceId: row.workspace_id,
    sequenceId: row.sequence_id,
    messageRowId,
    subject: row.subject,
    body: row.body,
    rep: { name: row.rep_name, email: row.rep_email },
    lead: { name: row.lead_name, email: row.lead_email },
    seller: { companyName: seller.companyName, postalAddress: seller.postalAddress },
    ...(earlier.rows.length && first?.subject ? { thread: { subject: first.subject, messageIds: earlier.rows.map((r) => r.rfc_message_id) } } : {}),
  };
}

/**
 * Why no mail of the workspace can be composed (no seller, no postal address), or null: the send
 * run parks its messages with it, and the review queue says it before anything is approved.
 */
export async function cannotSend(sql: Sql, workspaceId: string): Promise<string | null> {
  try {
    const sender = await loadSender(sql, workspaceId);
    if (!sender.postalAddress?.trim()) {
      return `${sender.companyName} has no postal address: add company.postalAddress to the onboarding file and import it again (every email carries it)`;
    }
    return null;
  } catch (error) {
    if (error instanceof SendingNotConfiguredError) return error.message;
    throw error;
  }
}
