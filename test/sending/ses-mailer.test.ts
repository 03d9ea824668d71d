/**
 * The SES v2 mailer with the real SDK client against a loopback endpoint that answers in SES
 * v2's documented shapes (test/fakes/fake-ses.ts): what is sent (raw MIME, configuration set,
 * tags) and how each answer is classified.
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SesMailer } from '#adapters/ses-mailer.ts';
import type { OutgoingMail } from '#core/ports.ts';
import { FakeSes } from '#test/fakes/fake-ses.ts';

const mail: OutgoingMail = {
  from: { name: 'Maya Okafor', address: 'maya.okafor@tallyhand.com' },
  to: { name: 'Dana Ruiz', address: 'dana@keelhaul.example' },
  subject: 'Cross-dock sites',
  text: 'You opened two cross-dock sites.\n',
  messageId: '<7c1d2a6e-5a40-4f0e-9b43-2f1f3f4f1a01@tallyhand.com>',
  headers: { 'List-Unsubscribe': '<https://tallyhand.example/unsubscribe/v1.x.y>, <mailto:maya.okafor@tallyhand.com?subject=unsubscribe>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  date: new Date('2026-12-01T14:05:00Z'),
  tags: { workspace: '0b8f9a58-5c2e-4b43-a3c0-6d3f2c1b0a99', message: 'm 1/2' },
};

describe('SES v2 mailer', () => {
  let ses: FakeSes;
  let mailer: SesMailer;

  beforeEach(async () => {
    ses = new FakeSes();
    await ses.start();
    mailer = new SesMailer({ configurationSetName: 'prospector-sending', client: ses.client() });
  });
  afterEach(async () => {
    await mailer.close();
    await ses.close();
  });

  it('sends the composed MIME as raw content with the configuration set and tags, and returns SES\'s MessageId', async () => {
    const receipt = await mailer.send(mail);

    expect(receipt).toMatchObject({ provider: 'ses', providerMessageId: '0100018f-fake-1-000000', accepted: ['dana@keelhaul.example'] });
    // SES replaces the Message-ID it is given: follow-ups must thread on the one delivered.
    expect(receipt.deliveredMessageId).toBe('<0100018f-fake-1-000000@email.amazonses.com>');
    expect(ses.requests).toHaveLength(1);
    const request = ses.requests[0];
    expect(request.configurationSetName).toBe('prospector-sending');
    expect(request.fromEmailAddress).toBe('maya.okafor@tallyhand.com');
    expect(request.to).toEqual(['dana@keelhaul.example']);
    // Tag values allow only letters, digits, _ and -: the rest is replaced, nothing is dropped.
    expect(request.tags).toEqual([
      { Name: 'workspace', Value: '0b8f9a58-5c2e-4b43-a3c0-6d3f2c1b0a99' },
      { Name: 'message', Value: 'm_1_2' },
    ]);
    const parsed = await simpleParser(request.raw);
    expect(parsed.messageId).toBe(mail.messageId);
    expect(parsed.subject).toBe('Cross-dock sites');
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  });

  it('429 TooManyRequestsException is a temporary failure', async () => {
    ses.answer('throttle');
    await expect(mailer.send(mail)).rejects.toMatchObject({ name: 'MailTemporary', code: 'TooManyRequestsException' });
    expect(ses.requests).toHaveLength(1); // the SDK did not retry by itself
  });

  it('400 MessageRejected is a permanent failure carrying SES\'s reason', async () => {
    ses.answer('reject');
    const error = await mailer.send(mail).catch((e: unknown) => e as { name: string; code: string; response: string });
    expect(error).toMatchObject({ name: 'MailRejected', code: 'MessageRejected' });
    expect(error.response).toContain('Email address is not verified');
  });

  it('SendingPausedException blocks the mailer instead of failing the message; 503 is temporary', async () => {
    ses.answer('paused', 'unavailable');
    await expect(mailer.send(mail)).rejects.toMatchObject({ name: 'MailerBlocked', code: 'SendingPausedException' });
    await expect(mailer.send(mail)).rejects.toMatchObject({ name: 'MailTemporary' });
  });

  it('a connection lost after the request arrived is uncertain, and is not resent', async () => {
    ses.answer('drop');
    await expect(mailer.send(mail)).rejects.toMatchObject({ name: 'MailUncertain' });
    expect(ses.requests).toHaveLength(1);
  });

  it('an endpoint that refuses connections is temporary: nothing left', async () => {
    const url = ses.url;
    await ses.close();
    const client = new SESv2Client({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' }, maxAttempts: 1 });
    const refused = new SesMailer({ configurationSetName: 'prospector-sending', client });
    await expect(refused.send(mail)).rejects.toMatchObject({ name: 'MailTemporary' });
    client.destroy();
  });
});
