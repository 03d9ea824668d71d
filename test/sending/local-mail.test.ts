/**
 * The local mail wiring: with no PROSPECTOR_SMTP_URL the loopback sink receives everything into
 * the lake; with one set, the same message arrives at that server instead and the local sink is
 * not started; a bad URL is refused naming the variable.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderLake } from '#adapters/folder-lake.ts';
import type { Sql } from '#core/ports.ts';
import { composeMail, newMessageId, unsubscribeMailto } from '#core/sending/compose-mail.ts';
import { signUnsubscribeToken, unsubscribeUrl } from '#core/sending/unsubscribe.ts';
import { MailSink } from '#local/mail-sink.ts';
import { openLocalMail } from '#local/mail.ts';
import { migratedHome } from '#test/helpers/home.ts';

// The route only touches the database when a one-click POST arrives; none does here.
const noDb = {} as Sql;

function message(base: string, secret: Buffer) {
  const token = signUnsubscribeToken(secret, { workspaceId: '0b8f9a58-5c2e-4b43-a3c0-6d3f2c1b0a99', sequenceId: '5f0c7a1e-8d2b-4c3a-9e4f-1a2b3c4d5e6f', address: 'dana@keelhaul.example' });
  return composeMail({
    workspaceId: '0b8f9a58-5c2e-4b43-a3c0-6d3f2c1b0a99',
    sequenceId: '5f0c7a1e-8d2b-4c3a-9e4f-1a2b3c4d5e6f',
    messageRowId: '9d8c7b6a-5f4e-4d3c-8b2a-190817161514',
    subject: 'Cross-dock sites',
    body: 'You opened two cross-dock sites.',
    rep: { name: 'Maya Okafor', email: 'maya.okafor@tallyhand.com' },
    lead: { name: 'Dana Ruiz', email: 'dana@keelhaul.example' },
    seller: { companyName: 'Tallyhand', postalAddress: '548 Market St, San Francisco, CA 94104, USA' },
    messageId: newMessageId('tallyhand.com'),
    unsubscribe: { url: unsubscribeUrl(base, token), mailto: unsubscribeMailto('maya.okafor@tallyhand.com') },
    date: new Date(),
  });
}

describe('local mail wiring', () => {
  let home: string;
  beforeAll(async () => {
    home = await migratedHome('prospector-mail-');
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('without PROSPECTOR_SMTP_URL, mail goes to the loopback sink and lands in the lake', async () => {
    const lake = new FolderLake(join(home, 'lake-a'));
    const mail = await openLocalMail({ env: {}, home, lake, sql: noDb });
    try {
      expect(mail.sink).toBeDefined();
      expect(mail.describe).toContain('nothing leaves this machine');
      expect(mail.unsubscribeBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/unsubscribe$/);
      const sent = message(mail.unsubscribeBaseUrl, mail.unsubscribeSecret);
      await mail.mailer.send(sent);
      const keys = await lake.list('outbox/');
      expect(keys).toHaveLength(1);
      expect((await lake.get(keys[0]))!.toString()).toContain(`Message-ID: ${sent.messageId}`);
      // The link in the message opens the running route.
      const confirm = await fetch(sent.headers['List-Unsubscribe'].match(/<(http[^>]+)>/)![1]);
      expect(confirm.status).toBe(200);
    } finally {
      await mail.close();
    }
  });

  it('with PROSPECTOR_SMTP_URL, the same message arrives at that server and no local sink runs', async () => {
    const elsewhere = new FolderLake(join(home, 'other-server'));
    const other = await MailSink.start({ lake: elsewhere });
    const lake = new FolderLake(join(home, 'lake-b'));
    const mail = await openLocalMail({ env: { PROSPECTOR_SMTP_URL: other.url, PROSPECTOR_UNSUBSCRIBE_BASE_URL: 'https://go.tallyhand.com/unsubscribe' }, home, lake, sql: noDb });
    try {
      expect(mail.sink).toBeUndefined();
      expect(mail.unsubscribeBaseUrl).toBe('https://go.tallyhand.com/unsubscribe');
      const sent = message(mail.unsubscribeBaseUrl, mail.unsubscribeSecret);
      await mail.mailer.send(sent);
      expect(other.deliveries.map((d) => d.messageId)).toEqual([sent.messageId]);
      expect(await lake.list('outbox/')).toEqual([]);
    } finally {
      await mail.close();
      await other.close();
    }
  });

  it('refuses a PROSPECTOR_SMTP_URL that is not smtp:// and an http unsubscribe base, naming both', async () => {
    const lake = new FolderLake(join(home, 'lake-c'));
    await expect(
      openLocalMail({ env: { PROSPECTOR_SMTP_URL: 'mail.example.com:25', PROSPECTOR_UNSUBSCRIBE_BASE_URL: 'http://go.example.com/u' }, home, lake, sql: noDb }),
    ).rejects.toThrow(/PROSPECTOR_SMTP_URL: must use smtp:\/\/ or smtps:\/\/[\s\S]*PROSPECTOR_UNSUBSCRIBE_BASE_URL: must be an https:\/\/ URL/);
  });
});
