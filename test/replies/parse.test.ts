/**
 * Parse and import: real MIME shapes (Gmail and Postfix delivery reports, quoted-printable Latin-1,
 * base64 UTF-8, encoded-word headers, multipart/alternative, HTML-only) into `InboundMail`, and
 * the three import shapes (a file, a folder, an mbox) with the size cap.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '#core/errors.ts';
import { MailTooLargeError, MailUnreadableError } from '#core/replies/errors.ts';
import { readMailSource } from '#core/replies/import.ts';
import { InboundMail, parseMail } from '#core/replies/parse.ts';

const FIXTURES = new URL('../fixtures/replies/', import.meta.url);
const fixture = (name: string) => readFile(new URL(name, FIXTURES));
const parseFixture = async (name: string) => parseMail(await fixture(name), { source: name });

describe('parseMail', () => {
  it('reads a Gmail delivery report: per-recipient fields, the returned Message-ID, and a text without the report fields', async () => {
    const mail = await parseFixture('dsn-gmail-hard.eml');
    expect(mail.from).toEqual({ address: 'mailer-daemon@googlemail.com', name: 'Mail Delivery Subsystem' });
    expect(mail.headers['auto-submitted']).toBe('auto-replied');
    expect(mail.deliveryStatus).toEqual({
      reportingMta: 'dns; googlemail.com',
      recipients: [
        {
          finalRecipient: 'nobody@acme.example',
          originalRecipient: null,
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: expect.stringMatching(/^smtp; 550-5\.1\.1 The email account that you tried to reach does not exist\. .*NoSuchUser$/),
          remoteMta: expect.stringContaining('mx.acme.example'),
        },
      ],
      originalMessageId: '<msg-001@mail.seller.example>',
    });
    expect(mail.text).toContain("Your message wasn't delivered to nobody@acme.example");
    expect(mail.text).not.toContain('Final-Recipient');
    // the returned original (which says "unsubscribe") is not part of the text
    expect(mail.text).not.toContain('unsubscribe');
  });

  it('reads a Postfix delay report (Return-Path <>, folded Content-Type, text/rfc822-headers)', async () => {
    const mail = await parseFixture('dsn-postfix-soft.eml');
    expect(mail.headers['return-path']).toBe('<>');
    expect(mail.deliveryStatus?.recipients).toEqual([
      expect.objectContaining({ finalRecipient: 'lena.berg@northwind.example', originalRecipient: 'lena.berg@northwind.example', action: 'delayed', status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2 Mailbox full' }),
    ]);
    expect(mail.deliveryStatus?.originalMessageId).toBe('<msg-002@mail.seller.example>');
  });

  it('decodes quoted-printable Latin-1 bodies and encoded-word headers', async () => {
    const mail = await parseFixture('ooo-de.eml');
    expect(mail.from).toEqual({ address: 'juergen.mueller@bauhaus-beispiel.example', name: 'Jürgen Müller' });
    expect(mail.subject).toBe('Abwesenheitsnotiz: Ihre Anfrage');
    expect(mail.text).toContain('Ich bin bis einschließlich 18. Dezember 2026\nnicht im Büro');
    expect(mail.headers['x-autoreply']).toBe('yes');
    expect(mail.deliveryStatus).toBeNull();
    expect(mail.date).toBe('2026-12-02T14:45:00.000Z');
  });

  it('decodes base64 UTF-8 and keeps Precedence', async () => {
    const mail = await parseFixture('ooo-fr.eml');
    expect(mail.from?.name).toBe('Élise Martin');
    expect(mail.text).toContain('je serai de retour le 11 janvier 2027');
    expect(mail.headers.precedence).toBe('auto_reply');
  });

  it('prefers the text part of multipart/alternative and reads threading headers', async () => {
    const mail = await parseFixture('quoted-unsubscribe-interested.eml');
    expect(mail.messageId).toBe('<CAF-quoted-1@mail.gmail.com>');
    expect(mail.inReplyTo).toBe('<msg-015@mail.seller.example>');
    expect(mail.references).toEqual(['<msg-014@mail.seller.example>', '<msg-015@mail.seller.example>']);
    expect(mail.textFromHtml).toBe(false);
  });

  it('turns an HTML-only mail into text without tags or styles', async () => {
    const mail = await parseFixture('html-only.eml');
    expect(mail.textFromHtml).toBe(true);
    expect(mail.text).toContain('Yes, this sounds interesting — we\'re definitely keen.');
    expect(mail.text).not.toMatch(/<p>|margin:0/);
  });

  it('checks its own output with the InboundMail schema (JSON round trip for the state machine)', async () => {
    const mail = await parseFixture('referral.eml');
    expect(InboundMail.parse(JSON.parse(JSON.stringify(mail)))).toEqual(mail);
    expect(mail.contentSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a mail over the cap before parsing, naming the source and the sizes', async () => {
    const raw = await fixture('referral.eml');
    await expect(parseMail(raw, { source: 'big.eml', maxBytes: 100 })).rejects.toThrow(MailTooLargeError);
    await expect(parseMail(raw, { source: 'big.eml', maxBytes: 100 })).rejects.toThrow(`big.eml: the mail is ${raw.length} bytes, over the 100-byte limit`);
  });

  it('reads CRLF mail without a Message-ID or a Date (the content hash identifies it)', async () => {
    const raw = 'From: Ana <ana@prospect.example>\r\nTo: anna.rep@seller.example\r\nSubject: =?utf-8?b?wr9QcmVjaW8/?=\r\n\r\n\xbfCu\xe1nto cuesta?\r\n';
    const mail = await parseMail(Buffer.from(raw.replace('\xbfCu\xe1nto', '¿Cuánto'), 'utf8'));
    expect(mail).toMatchObject({ messageId: null, inReplyTo: null, references: [], date: null, subject: '¿Precio?' });
    expect(mail.text).toBe('¿Cuánto cuesta?');
    expect(mail.contentSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses bytes that are not a mail', async () => {
    await expect(parseMail('just some words\nand more', { source: 'notes.txt' })).rejects.toThrow(MailUnreadableError);
  });
});

describe('readMailSource', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prospector-replies-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a folder of .eml files in name order, ignoring other files', async () => {
    const items = await readMailSource(new URL('.', FIXTURES).pathname);
    expect(items).toHaveLength(15);
    expect(items.map((i) => i.source.split('/').pop())).toEqual([...items.map((i) => i.source.split('/').pop())].sort());
    expect(items.every((i) => 'raw' in i)).toBe(true);
  });

  it('splits an mbox, undoes >From quoting, and caps each message on its own', async () => {
    const a = (await fixture('referral.eml')).toString('utf8');
    const b = (await fixture('question.eml')).toString('utf8').replace('Possibly.', 'Possibly.\n>From our side, yes.');
    const big = `From: x@y.example\nSubject: big\n\n${'x'.repeat(5000)}\n`;
    const mbox = `From MAILER-DAEMON Wed Dec  2 10:00:00 2026\n${a}\nFrom someone Wed Dec  2 11:00:00 2026\n${b}\nFrom big Wed Dec  2 12:00:00 2026\n${big}`;
    const file = join(dir, 'inbox.mbox');
    await writeFile(file, mbox);

    const items = await readMailSource(file, { maxBytes: 4000 });

    expect(items.map((i) => i.source)).toEqual([`${file}#1`, `${file}#2`, `${file}#3`]);
    const [first, second, third] = items;
    if (!('raw' in first) || !('raw' in second)) throw new Error('expected two readable mails');
    expect((await parseMail(first.raw)).messageId).toBe('<referral-1@acme.example>');
    const parsed = await parseMail(second.raw);
    expect(parsed.messageId).toBe('<question-1@umbrella.example>');
    expect(parsed.text).toContain('Possibly.\nFrom our side, yes.');
    expect('error' in third && third.error).toBeInstanceOf(MailTooLargeError);
  });

  it('says which path is missing or empty', async () => {
    await expect(readMailSource(join(dir, 'nope'))).rejects.toThrow(NotFoundError);
    const empty = await mkdtemp(join(dir, 'empty-'));
    await expect(readMailSource(empty)).rejects.toThrow(ValidationError);
    await expect(readMailSource(empty)).rejects.toThrow('the folder holds no .eml or .mbox file');
  });
});
