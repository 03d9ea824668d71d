/**
 * The sending SQL through the cloud's database adapter: DataApiSql and the real RDSDataClient
 * against the loopback Data API. Composing reads an approved message, its thread and the postal
 * address; an opt-out writes its suppression and stops the sequence in one Data API transaction.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataApiSql } from '#adapters/data-api-sql.ts';
import { migrate } from '#core/db/migrate.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { composeMail, loadMessageToCompose, newMessageId } from '#core/sending/compose-mail.ts';
import { recordOptOut } from '#core/sending/unsubscribe.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { DATA_API_TARGET } from '#test/helpers/data-api-runtime.ts';
import { decide, draftSequence, seedResearchedLead } from '#test/helpers/outreach.ts';

describe('sending SQL over the Data API', () => {
  let fake: FakeDataApi;
  let sql: DataApiSql;
  let workspaceId: string;

  beforeAll(async () => {
    fake = await FakeDataApi.start();
    sql = new DataApiSql({ ...DATA_API_TARGET, client: fake.client(), sleep: async () => {} });
    await migrate(sql);
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
});
