/**
 * Nodemailer → the in-process mail sink over loopback: the composed message as a recipient's
 * client reads it (parsed back from the stored .eml with mailparser), and every failure the
 * sender must tell apart, injected at the sink.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FolderLake } from '#adapters/folder-lake.ts';
import { SmtpMailer } from '#adapters/smtp-mailer.ts';
import { lakeKeys } from '#core/lake-keys.ts';
import type { OutgoingMail } from '#core/ports.ts';
import { composeMail, newMessageId, type ComposeInput } from '#core/sending/compose-mail.ts';
import { MailSink } from '#local/mail-sink.ts';

const WORKSPACE = '0b8f9a58-5c2e-4b43-a3c0-6d3f2c1b0a99';
const SEQUENCE = '5f0c7a1e-8d2b-4c3a-9e4f-1a2b3c4d5e6f';
const POSTAL = 'Tallyhand Inc., 548 Market St PMB 72015, San Francisco, CA 94104, USA';
const AT = new Date('2026-12-01T14:05:00Z');

function input(overrides: Partial<ComposeInput> = {}): ComposeInput {
  return {
    workspaceId: WORKSPACE,
    sequenceId: SEQUENCE,
    messageRowId: '9d8c7b6a-5f4e-4d3c-8b2a-190817161514',
    subject: 'Cross-dock sites [f1]',
    body: 'Hi Dana,\n\nYou opened two cross-dock sites in Reno [f1]. Keelhaul Freight cut invoice time by 72% [f2, f3].\n\nWorth a 15-minute look next week?\n\nMaya',
    rep: { name: 'Maya Okafor', email: 'maya.okafor@tallyhand.com' },
    lead: { name: 'Dana Ruiz', email: 'dana@keelhaul.example' },
    seller: { companyName: 'Tallyhand', postalAddress: POSTAL },
    messageId: newMessageId('tallyhand.com'),
    unsubscribe: { url: 'https://go.tallyhand.com/unsubscribe/v1.abc.def', mailto: 'mailto:maya.okafor@tallyhand.com?subject=unsubscribe' },
    date: AT,
    ...overrides,
  };
}

describe('SMTP mailer into the loopback sink', () => {
  let dir: string;
  let lake: FolderLake;
  let sink: MailSink;
  let mailer: SmtpMailer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prospector-sink-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    lake = new FolderLake(join(dir, String(Math.random()).slice(2)));
    sink = await MailSink.start({ lake, clock: { now: () => AT } });
    mailer = new SmtpMailer({ url: sink.url });
  });
  afterEach(async () => {
    await mailer.close();
    await sink.close();
  });

  async function stored(mail: OutgoingMail): Promise<ParsedMail> {
    const raw = await lake.get(lakeKeys.outbox(AT, mail.messageId));
    expect(raw, `no .eml stored for ${mail.messageId}`).toBeDefined();
    return simpleParser(raw!);
  }
  const header = (parsed: ParsedMail, name: string) => parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line;

  it('a first email arrives with its Message-ID, one-click unsubscribe headers, opt-out line, postal address and no citation markers', async () => {
    const mail = composeMail(input());

    const receipt = await mailer.send(mail);

    expect(receipt.accepted).toEqual(['dana@keelhaul.example']);
    expect(receipt.response).toMatch(/^250 /);
    expect(receipt.deliveredMessageId).toBe(mail.messageId);
    expect(sink.deliveries).toHaveLength(1);
    expect(sink.deliveries[0]).toMatchObject({ from: 'maya.okafor@tallyhand.com', to: ['dana@keelhaul.example'] });
    const parsed = await stored(mail);
    expect(parsed.messageId).toBe(mail.messageId);
    expect(parsed.subject).toBe('Cross-dock sites');
    expect(parsed.from?.value).toEqual([{ name: 'Maya Okafor', address: 'maya.okafor@tallyhand.com' }]);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value : []).toEqual([{ name: 'Dana Ruiz', address: 'dana@keelhaul.example' }]);
    expect(header(parsed, 'List-Unsubscribe')?.replace(/\r?\n\s+/g, ' ')).toBe(
      'List-Unsubscribe: <https://go.tallyhand.com/unsubscribe/v1.abc.def>, <mailto:maya.okafor@tallyhand.com?subject=unsubscribe>',
    );
    expect(header(parsed, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(parsed.inReplyTo).toBeUndefined();
    expect(parsed.html).toBe(false);
    const text = parsed.text ?? '';
    expect(text).toContain('You opened two cross-dock sites in Reno. Keelhaul Freight cut invoice time by 72%.');
    expect(text).not.toMatch(/\[f\d/);
    expect(text).toContain(POSTAL);
    expect(text).toContain('Unsubscribe with one click: https://go.tallyhand.com/unsubscribe/v1.abc.def');
  });

  it('a follow-up threads under the earlier sends: In-Reply-To, References and "Re: " on the first subject', async () => {
    const first = newMessageId('tallyhand.com');
    const second = newMessageId('tallyhand.com');
    const mail = composeMail(
      input({ subject: 'One more thought', body: 'One more thought on the new sites.', thread: { subject: 'Cross-dock sites', messageIds: [first, second] } }),
    );

    await mailer.send(mail);

    const parsed = await stored(mail);
    expect(parsed.subject).toBe('Re: Cross-dock sites');
    expect(parsed.inReplyTo).toBe(second);
    expect(parsed.references).toEqual([first, second]);
    expect(parsed.text).toContain(POSTAL);
  });

  it('a 4xx after DATA is a temporary failure and nothing is stored', async () => {
    sink.injectFault({ kind: 'reply', stage: 'data', code: 451, message: '4.7.1 Greylisted, try again in 5 minutes' });

    const error = await mailer.send(composeMail(input())).catch((e: unknown) => e as { name: string; code: number; response: string });

    expect(error).toMatchObject({ name: 'MailTemporary', code: 451 });
    expect(error.response).toBe('451 4.7.1 Greylisted, try again in 5 minutes');
    expect(await lake.list('outbox/')).toEqual([]);
  });

  it('a 5xx is a permanent failure carrying the server\'s reply', async () => {
    sink.injectFault({ kind: 'reply', stage: 'rcpt', code: 550, message: '5.1.1 <dana@keelhaul.example>: Recipient address rejected: User unknown' });

    const error = await mailer.send(composeMail(input())).catch((e: unknown) => e as { name: string; code: number; response: string; message: string });

    expect(error).toMatchObject({ name: 'MailRejected', code: 550 });
    expect(error.response).toBe('550 5.1.1 <dana@keelhaul.example>: Recipient address rejected: User unknown');
    expect(await lake.list('outbox/')).toEqual([]);
  });

  it('a connection dropped after the whole message went out, before the reply, is uncertain (and the server may well have it)', async () => {
    sink.injectFault({ kind: 'drop-after-data' });
    const mail = composeMail(input());

    await expect(mailer.send(mail)).rejects.toMatchObject({ name: 'MailUncertain' });

    expect(sink.pendingFaults).toBe(0);
    expect((await stored(mail)).messageId).toBe(mail.messageId);
  });

  it('a connection dropped before DATA, or refused, is temporary: the message never left', async () => {
    sink.injectFault({ kind: 'drop-before-data' });
    await expect(mailer.send(composeMail(input()))).rejects.toMatchObject({ name: 'MailTemporary' });

    const url = sink.url;
    await sink.close();
    const refused = new SmtpMailer({ url });
    await expect(refused.send(composeMail(input()))).rejects.toMatchObject({ name: 'MailTemporary' });
    await refused.close();
  });

  it('a server that stops answering before DATA times out as temporary: nothing was handed over', async () => {
    sink.injectFault({ kind: 'stall-before-data' });
    // Whichever stage the timeout hits on a loaded machine, the message has not left yet.
    const impatient = new SmtpMailer({ url: sink.url, socketTimeoutMs: 2_000 });

    const error = await impatient.send(composeMail(input())).catch((e: unknown) => e as { name: string; code: string });
    await impatient.close();

    expect(error).toMatchObject({ name: 'MailTemporary', code: 'ETIMEDOUT' });
    expect(await lake.list('outbox/')).toEqual([]);
  });

  it('a second message with the same Message-ID is kept beside the first, so a double send shows', async () => {
    const mail = composeMail(input());
    await mailer.send(mail);
    await mailer.send(mail);

    const keys = await lake.list('outbox/');
    expect(keys).toHaveLength(2);
    expect(keys.some((k) => k.endsWith('~dup2.eml'))).toBe(true);
  });

  it('accepts an SMTP URL with credentials (the sink takes any login)', async () => {
    const withLogin = new SmtpMailer({ url: sink.url.replace('smtp://', 'smtp://maya:app-password@') });
    await withLogin.send(composeMail(input()));
    await withLogin.close();
    expect(sink.deliveries).toHaveLength(1);
  });

  it('refuses a URL that is not SMTP, naming the variable', () => {
    expect(() => new SmtpMailer({ url: 'https://mail.example.com' })).toThrow(/PROSPECTOR_SMTP_URL[\s\S]*smtp:\/\/ or smtps:\/\//);
  });
});
