/**
 * Rules first: bounces from delivery reports (Gmail hard, Postfix soft) and from plain-text
 * mailer-daemons, out-of-office with return dates in four languages, automatic mail without
 * out-of-office words, and opt-outs in four languages, read from the fixture mails.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseMail, type InboundMail } from '#core/replies/parse.ts';
import { applyRules, returnDateFrom } from '#core/replies/rules.ts';

const mailOf = async (name: string) => parseMail(await readFile(new URL(`../fixtures/replies/${name}`, import.meta.url)), { source: name });

const plain = (over: Partial<InboundMail> & { text: string }): InboundMail => ({
  messageId: '<x@example.test>',
  inReplyTo: null,
  references: [],
  from: { address: 'someone@prospect.example', name: 'Someone' },
  to: [{ address: 'anna.rep@seller.example', name: 'Anna Rep' }],
  cc: [],
  replyTo: [],
  subject: 'Re: Your close',
  date: '2026-12-02T12:00:00.000Z',
  headers: {},
  textFromHtml: false,
  textTruncated: false,
  deliveryStatus: null,
  sizeBytes: 100,
  contentSha256: '0'.repeat(64),
  ...over,
});

describe('applyRules: bounces', () => {
  it('a Gmail delivery report with 5.1.1 is a hard bounce naming the recipient and our Message-ID', async () => {
    const verdict = applyRules(await mailOf('dsn-gmail-hard.eml'));
    expect(verdict).toMatchObject({
      label: 'bounce',
      rule: 'delivery-report',
      final: true,
      bounce: { kind: 'hard', status: '5.1.1', recipient: 'nobody@acme.example', originalMessageId: '<msg-001@mail.seller.example>' },
    });
  });

  it('a Postfix delay report with 4.2.2 is a soft bounce', async () => {
    const verdict = applyRules(await mailOf('dsn-postfix-soft.eml'));
    expect(verdict).toMatchObject({ label: 'bounce', bounce: { kind: 'soft', status: '4.2.2', recipient: 'lena.berg@northwind.example', diagnostic: 'smtp; 452 4.2.2 Mailbox full' } });
  });

  it('a plain-text mailer-daemon bounce without a report is still a bounce, with the code from its text', () => {
    const mail = plain({
      from: { address: 'mailer-daemon@mx.prospect.example', name: '' },
      subject: 'Undelivered Mail Returned to Sender',
      headers: { 'x-failed-recipients': 'gone@prospect.example' },
      text: 'This is the mail system.\n\n<gone@prospect.example>: host mx said: 550 5.7.1 Recipient rejected\n\n> Reply "unsubscribe"',
    });
    expect(applyRules(mail)).toMatchObject({ label: 'bounce', rule: 'bounce-text', bounce: { kind: 'hard', status: '5.7.1', recipient: 'gone@prospect.example' } });
  });

  it('a full mailbox is a soft bounce even with a 5.x.x status (RFC 3463: a persistent transient failure)', () => {
    const mail = plain({
      subject: 'Undelivered Mail Returned to Sender',
      text: 'The mail system',
      deliveryStatus: { reportingMta: null, originalMessageId: null, recipients: [{ finalRecipient: 'full@prospect.example', originalRecipient: null, action: 'failed', status: '5.2.2', diagnosticCode: 'smtp; 552 5.2.2 Mailbox full', remoteMta: null }] },
    });
    expect(applyRules(mail)).toMatchObject({ label: 'bounce', bounce: { kind: 'soft', status: '5.2.2' } });
  });

  it("Exim's plain-text delay warning is a soft bounce, not an automatic reply", () => {
    const mail = plain({
      from: { address: 'mailer-daemon@mx.seller.example', name: 'Mail Delivery System' },
      subject: 'Warning: message 1vQ3Ab-0001Cd-Ef delayed 24 hours',
      headers: { 'auto-submitted': 'auto-replied' },
      text: 'A message that you sent has not yet been delivered to one or more of its recipients.\n  Delay reason: 451 4.7.1 Greylisted, please try again later',
    });
    expect(applyRules(mail)).toMatchObject({ label: 'bounce', rule: 'bounce-text', bounce: { kind: 'soft', status: '4.7.1' } });
  });

  it('a delivery report that says "delivered" is no bounce', () => {
    const mail = plain({
      text: 'Your message was delivered.',
      deliveryStatus: { reportingMta: null, originalMessageId: null, recipients: [{ finalRecipient: 'a@b.example', originalRecipient: null, action: 'delivered', status: '2.0.0', diagnosticCode: null, remoteMta: null }] },
    });
    expect(applyRules(mail)?.label).not.toBe('bounce');
  });
});

describe('applyRules: automatic mail', () => {
  it.each([
    ['ooo-en.eml', 'Auto-Submitted', '2026-12-14'],
    ['ooo-de.eml', 'x-autoreply', '2026-12-21'],
    ['ooo-fr.eml', 'Precedence', '2027-01-11'],
    ['ooo-es.eml', 'Auto-Submitted', '2027-01-09'],
  ])('%s is out_of_office (signal %s) back on %s', async (name, signal, date) => {
    const verdict = applyRules(await mailOf(name));
    expect(verdict).toMatchObject({ label: 'out_of_office', final: true, returnDate: date });
    expect(verdict?.evidence).toContain(signal);
  });

  it.each([
    ['Regresaré el 7 de enero de 2027.', '2027-01-07'],
    ["Je suis en congé jusqu'au 5 janvier 2027.", '2027-01-06'],
  ])('reads words that end in an accented letter: "%s"', (text, date) => {
    expect(applyRules(plain({ headers: { 'auto-submitted': 'auto-replied' }, subject: 'Re: close', text }))).toMatchObject({ label: 'out_of_office', returnDate: date });
  });

  it('automatic mail without out-of-office words is auto_reply, and not final', async () => {
    expect(applyRules(await mailOf('auto-reply-ticket.eml'))).toMatchObject({ label: 'auto_reply', final: false });
  });

  it('out-of-office words without any automatic marker are left to the classifier', () => {
    expect(applyRules(plain({ text: 'I am out of the office until Monday, December 14.' }))).toBeUndefined();
  });

  it('Auto-Submitted: no is a person', () => {
    expect(applyRules(plain({ headers: { 'auto-submitted': 'no' }, text: 'I am out of office, back December 14.' }))).toBeUndefined();
  });
});

describe('applyRules: opt-outs', () => {
  it.each([
    ['optout-en-gmail.eml', 'take me off'],
    ['optout-de-outlook.eml', 'tragen Sie mich aus'],
    ['optout-fr-apple.eml', 'désinscrire'],
    ['optout-es.eml', 'denme de baja'],
  ])('%s is unsubscribe ("%s")', async (name, words) => {
    const verdict = applyRules(await mailOf(name));
    expect(verdict).toMatchObject({ label: 'unsubscribe', final: true });
    expect(verdict?.evidence).toContain(words);
  });

  it('our own quoted "unsubscribe" never makes an interested reply an opt-out', async () => {
    expect(applyRules(await mailOf('quoted-unsubscribe-interested.eml'))).toBeUndefined();
    expect(applyRules(await mailOf('question.eml'))).toBeUndefined();
    expect(applyRules(await mailOf('html-only.eml'))).toBeUndefined();
  });

  it('a bare "Unsubscribe" subject is an opt-out; "Re: <our subject>" is not read', () => {
    expect(applyRules(plain({ subject: 'Unsubscribe', text: '' }))?.label).toBe('unsubscribe');
    expect(applyRules(plain({ subject: 'Re: How to unsubscribe from manual close work', text: 'Tell me more.' }))).toBeUndefined();
  });

  it.each([['Please stop emailing me.'], ['Bitte keine weiteren E-Mails.'], ['Ne plus me contacter, merci.'], ['No me escriban más, gracias.']])('"%s" is an opt-out', (text) => {
    expect(applyRules(plain({ text }))?.label).toBe('unsubscribe');
  });

  it.each([
    ['Bitte nehmen Sie mich aus Ihrem Verteiler. Danke.'],
    ['Veuillez me retirer de votre liste de diffusion.'],
    ['Por favor, dénme de baja.'],
    ['STOP'],
    ['Remove.'],
  ])('"%s" is an opt-out (verb before the list, accents, a bare stop word)', (text) => {
    expect(applyRules(plain({ text }))?.label).toBe('unsubscribe');
  });

  it('"stop" inside a sentence is not a bare stop word', () => {
    expect(applyRules(plain({ text: "Let's stop by your booth next week." }))).toBeUndefined();
  });

  it('a referral or a question is no rule', async () => {
    expect(applyRules(await mailOf('referral.eml'))).toBeUndefined();
  });
});

describe('returnDateFrom', () => {
  const at = '2026-12-02T12:00:00.000Z';
  it('reads "back on" as that day and "until" as the day after', () => {
    expect(returnDateFrom("I'm away and back on January 5, 2027.", at)).toBe('2027-01-05');
    expect(returnDateFrom('Out of office until December 18.', at)).toBe('2026-12-19');
    expect(returnDateFrom('Ich bin vom 1.12. bis 15.12.2026 nicht im Büro.', at)).toBe('2026-12-16');
  });

  it('takes the longest reading where locales disagree, and "je reviendrai le" as the day back', () => {
    // English alone reads "18 d" of "18 décembre" as eighteen days from now
    expect(returnDateFrom("Je suis absente jusqu'au 18 décembre inclus. Je serai de retour le lundi 21 décembre.", at)).toBe('2026-12-21');
    expect(returnDateFrom('Je suis en congés du 21 décembre au 3 janvier. Je reviendrai le 4 janvier.', at)).toBe('2027-01-04');
  });

  it('ignores dates before the mail and texts without a date', () => {
    expect(returnDateFrom('I was out on November 20, 2026.', at)).toBeNull();
    expect(returnDateFrom('I am out of the office.', at)).toBeNull();
  });
});
