/**
 * Composing from the database: an approved message, its rep and lead, the seller's postal
 * address from onboarding, and the thread of earlier sends; and the clear refusals when
 * something every email must carry is missing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { parseOnboarding } from '#core/onboarding/schema.ts';
import { loadOnboardingFile } from '#core/onboarding/import.ts';
import { composeMail, loadMessageToCompose, newMessageId, recipientText } from '#core/sending/compose-mail.ts';
import { onboardedDb, SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { decide, draftSequence, seedResearchedLead } from '#test/helpers/outreach.ts';

const unsubscribe = { url: 'https://go.tallyhand.com/unsubscribe/v1.a.b', mailto: 'mailto:maya.okafor@tallyhand.com?subject=unsubscribe' };
const AT = new Date('2026-12-01T14:05:00Z');

describe('composing an approved message from the database', () => {
  let db: PgliteSql;
  let workspaceId: string;

  beforeAll(async () => {
    ({ db, workspaceId } = await onboardedDb());
  }, 180_000);
  afterAll(async () => {
    await db?.close();
  });

  it('a first email: the rep from onboarding as sender, the lead as recipient, the postal address in the footer', async () => {
    const lead = await seedResearchedLead(db, workspaceId, 'keelhaul.example', 'Dana Ruiz');
    const seq = await draftSequence(db, workspaceId, lead);
    await decide(db, seq.sequenceId, 'approved');

    const loaded = await loadMessageToCompose(db, seq.messages.a);
    const mail = composeMail({ ...loaded, messageId: newMessageId('tallyhand.com'), unsubscribe, date: AT });

    expect(loaded.thread).toBeUndefined();
    expect(mail.from).toEqual({ name: 'Maya Okafor', address: 'maya.okafor@tallyhand.com' });
    expect(mail.to).toEqual({ name: 'Dana Ruiz', address: lead.email });
    expect(mail.subject).toBe('Cross-dock sites');
    expect(mail.text).toContain('548 Market St PMB 72015, San Francisco, CA 94104, USA');
    expect(mail.tags).toEqual({ workspace: workspaceId, sequence: seq.sequenceId, message: seq.messages.a });
  });

  it('a follow-up threads under what was sent (or may have been) earlier in its sequence', async () => {
    const lead = await seedResearchedLead(db, workspaceId, 'northwind.example', 'Ola Berg');
    const seq = await draftSequence(db, workspaceId, lead);
    await decide(db, seq.sequenceId, 'approved');
    await db.query(`INSERT INTO variant_assignment (experiment_id, lead_id, variant) VALUES (:e::uuid, :l::uuid, 'a')`, { e: seq.experimentId, l: lead.leadId });
    const firstId = newMessageId('tallyhand.com');
    await db.query(
      `INSERT INTO send_attempt (id, message_id, idempotency_key, status, from_email, to_email, rfc_message_id, provider, finished_at)
       VALUES (:id::uuid, :m::uuid, :key, 'sent', 'maya.okafor@tallyhand.com', :to, :rfc, 'smtp', now())`,
      { id: randomUUID(), m: seq.messages.a, key: randomUUID(), to: lead.email, rfc: firstId },
    );

    const loaded = await loadMessageToCompose(db, seq.messages.followUp);
    const mail = composeMail({ ...loaded, messageId: newMessageId('tallyhand.com'), unsubscribe, date: AT });

    expect(loaded.thread).toEqual({ subject: 'Cross-dock sites', messageIds: [firstId] });
    expect(mail.subject).toBe('Re: Cross-dock sites');
    expect(mail.inReplyTo).toBe(firstId);
    expect(mail.references).toEqual([firstId]);
  });

  it('without a postal address nothing is composed, and the error names the onboarding field', async () => {
    const lead = await seedResearchedLead(db, workspaceId, 'contoso.example', 'Kim Lee');
    const seq = await draftSequence(db, workspaceId, lead);
    await decide(db, seq.sequenceId, 'approved');
    await db.query('UPDATE seller_company SET postal_address = NULL WHERE workspace_id = :ws::uuid', { ws: workspaceId });
    try {
      const loaded = await loadMessageToCompose(db, seq.messages.a);
      expect(() => composeMail({ ...loaded, messageId: newMessageId('tallyhand.com'), unsubscribe, date: AT })).toThrow(
        expect.objectContaining({ name: 'SendingNotConfigured', message: expect.stringContaining('company.postalAddress') }),
      );
    } finally {
      await db.query(`UPDATE seller_company SET postal_address = 'Tallyhand Inc., 548 Market St PMB 72015, San Francisco, CA 94104, USA' WHERE workspace_id = :ws::uuid`, { ws: workspaceId });
    }
  });
});

describe('composing: the words and the refusals', () => {
  const base = {
    workspaceId: randomUUID(),
    sequenceId: randomUUID(),
    messageRowId: randomUUID(),
    subject: 'Cross-dock sites',
    body: 'You opened two sites [f1].',
    rep: { name: 'Maya Okafor', email: 'maya.okafor@tallyhand.com' },
    lead: { name: 'Dana Ruiz', email: 'dana@keelhaul.example' },
    seller: { companyName: 'Tallyhand', postalAddress: '548 Market St, San Francisco, CA 94104, USA' },
    messageId: '<a1@tallyhand.com>',
    unsubscribe,
    date: AT,
  };

  it('removes every citation marker form, including ids joined by commas and fact UUIDs', () => {
    expect(recipientText('Two sites [f1]. Cut by 72% [f2, f3]; see [9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d].\r\n\r\n\r\nThanks')).toBe(
      'Two sites. Cut by 72%; see.\n\nThanks',
    );
  });

  it('keeps header values on one line: a subject or name with line breaks cannot add headers', () => {
    const mail = composeMail({ ...base, subject: 'Hello\r\nBcc: everyone@example.com', rep: { name: 'Maya\nX-Evil: 1', email: 'maya.okafor@tallyhand.com' } });
    expect(mail.subject).toBe('Hello Bcc: everyone@example.com');
    expect(mail.from.name).toBe('Maya X-Evil: 1');
  });

  it('refuses an http unsubscribe URL off loopback, a first email without a subject, and a bad Message-ID, all at once', () => {
    expect(() => composeMail({ ...base, subject: ' [f1] ', messageId: 'a1@tallyhand.com', unsubscribe: { ...unsubscribe, url: 'http://go.tallyhand.com/u/x' } })).toThrow(
      /messageId: must look like[\s\S]*subject: a first email needs a subject[\s\S]*unsubscribe\.url: must be https/,
    );
    expect(() => composeMail({ ...base, unsubscribe: { ...unsubscribe, url: 'http://127.0.0.1:4100/unsubscribe/v1.a.b' } })).not.toThrow();
  });

  it('the onboarding file takes company.postalAddress and refuses one too short to be an address', async () => {
    const sample = await loadOnboardingFile(SAMPLE_ONBOARDING);
    expect(sample.company.postalAddress).toContain('San Francisco');
    const raw = JSON.parse(JSON.stringify(sample)) as { company: Record<string, unknown> };
    raw.company.postalAddress = 'SF';
    expect(() => parseOnboarding(raw)).toThrow(/company\.postalAddress: must be a full postal address/);
  });
});
