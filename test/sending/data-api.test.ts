/**
 * The sending SQL through the cloud's database adapter: DataApiSql and the real RDSDataClient
 * against the loopback Data API. Composing reads an approved message, its thread and the postal
 * address; an opt-out writes its suppression and stops the sequence in one Data API transaction;
 * the sending state machine claims, sends and loops its rounds over the Data API.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataApiSql } from '#adapters/data-api-sql.ts';
import { FolderLake } from '#adapters/folder-lake.ts';
import { SmtpMailer } from '#adapters/smtp-mailer.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { composeMail, loadMessageToCompose, newMessageId } from '#core/sending/compose-mail.ts';
import { recordOptOut } from '#core/sending/unsubscribe.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { dataApiSqlOn } from '#test/helpers/data-api-runtime.ts';
import { decide, draftSequence, seedResearchedLead } from '#test/helpers/outreach.ts';
import { enqueue, seedApprovedLead, seedMailbox, sendingDeps } from '#test/helpers/sending.ts';
import { MailSink } from '#local/mail-sink.ts';
import { sendOnce } from '#local/sending.ts';

describe('sending SQL over the Data API', () => {
  let fake: FakeDataApi;
  let sql: DataApiSql;
  let workspaceId: string;

  beforeAll(async () => {
    fake = await FakeDataApi.start({ schema: 'migrated' });
    sql = dataApiSqlOn(fake);
    ({ workspaceId } = await importOnboarding(sql, await loadOnboardingFile(SAMPLE_ONBOARDING)));
  }, 300_000);
  afterAll(async () => {
    await sql?.close();
    await fake?.close();
  });

  it('loads an approved follow-up with its thread and the postal address, and composes it', async () => {
    const lead = await seedResearchedLead(sql, workspaceId, 'keelhaul.example', 'Dana Ruiz');
    const seq = await draftSequence(sql, workspaceId, lead);
    await decide(sql, seq.sequenceId, 'approved');
    await sql.query(`INSERT INTO variant_assignment (experiment_id, lead_id, variant) VALUES (:e::uuid, :l::uuid, 'b')`, { e: seq.experimentId, l: lead.leadId });
    // Sent through SES, which replaced our Message-ID with its own: the thread uses SES's.
    const firstId = '<0100018f-abc-000000@email.amazonses.com>';
    await sql.query(
      `INSERT INTO send_attempt (id, message_id, idempotency_key, status, from_email, to_email, rfc_message_id, delivered_message_id, provider, finished_at)
       VALUES (:id::uuid, :m::uuid, :key, 'uncertain', 'maya.okafor@tallyhand.com', :to, :rfc, :delivered, 'ses', now())`,
      { id: randomUUID(), m: seq.messages.b, key: randomUUID(), to: lead.email, rfc: newMessageId('tallyhand.com'), delivered: firstId },
    );

    const loaded = await loadMessageToCompose(sql, seq.messages.followUp);
    const mail = composeMail({
      ...loaded,
      messageId: newMessageId('tallyhand.com'),
      unsubscribe: { url: 'https://go.tallyhand.com/unsubscribe/v1.a.b', mailto: 'mailto:maya.okafor@tallyhand.com?subject=unsubscribe' },
      date: new Date('2026-12-03T14:00:00Z'),
    });

    expect(loaded.thread).toEqual({ subject: 'Keelhaul Freight', messageIds: [firstId] });
    expect(mail.subject).toBe('Re: Keelhaul Freight');
    expect(mail.text).toContain('548 Market St PMB 72015');
  });

  it('records an opt-out: suppression and stopped sequence in one transaction', async () => {
    const lead = await seedResearchedLead(sql, workspaceId, 'northwind.example', 'Ola Berg');
    const seq = await draftSequence(sql, workspaceId, lead);
    await decide(sql, seq.sequenceId, 'approved');

    const result = await recordOptOut(sql, { workspaceId, sequenceId: seq.sequenceId, address: lead.email });

    expect(result).toEqual({ address: lead.email, workspaceId, newlySuppressed: true, stoppedSequenceIds: [seq.sequenceId] });
    const rows = await sql.query<{ source: string }>(`SELECT source FROM suppression WHERE workspace_id = :ws::uuid AND value = :v`, { ws: workspaceId, v: lead.email });
    expect(rows.rows).toEqual([{ source: 'opt_out' }]);
    expect((await recordOptOut(sql, { workspaceId, sequenceId: seq.sequenceId, address: lead.email })).newlySuppressed).toBe(false);
  });

  it('runs the sending state machine over the Data API: rounds spaced by the mailbox, up to its cap', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'send-data-api-'));
    const lake = new FolderLake(join(dir, 'lake'));
    const now = new Date('2026-12-08T14:00:00Z'); // Tuesday 09:00 in New York
    const sink = await MailSink.start({ lake, clock: { now: () => now } });
    const mailer = new SmtpMailer({ url: sink.url });
    try {
      const mb = await seedMailbox(sql, workspaceId, { spacing: 60, dailyCap: 2, domainCap: 2 });
      for (const name of ['one', 'two', 'three']) {
        const lead = await seedApprovedLead(sql, workspaceId, `${name}-${randomUUID().slice(0, 8)}.example`);
        await enqueue(sql, workspaceId, lead, mb.id, { start: new Date('2026-12-08T13:00:00Z'), end: new Date('2026-12-08T16:00:00Z') });
      }

      const summary = await sendOnce(sendingDeps(sql, lake, now), { mailer, unsubscribe: { baseUrl: 'https://go.tallyhand.example/unsubscribe', secret: Buffer.alloc(32, 7) } }, {
        workspaceId,
        now,
        keepSendingSeconds: 3600,
      });

      expect(summary).toMatchObject({ claimed: 2, sent: 2, failed: 0, uncertain: 0, blocked: false });
      expect(sink.deliveries).toHaveLength(2);
      const attempts = await sql.query<{ started_at: string }>(
        `SELECT sa.started_at FROM send_attempt sa WHERE sa.from_email = :from AND sa.status = 'sent' ORDER BY sa.started_at`,
        { from: mb.address },
      );
      const [first, second] = attempts.rows.map((r) => Date.parse(r.started_at));
      expect((second - first) / 1000).toBeGreaterThanOrEqual(60);
      expect((second - first) / 1000).toBeLessThanOrEqual(91);
    } finally {
      await mailer.close();
      await sink.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
