/**
 * A reply's effects, tasks, outcomes and the calibration through the cloud's database adapter:
 * DataApiSql and the real RDSDataClient against the loopback Data API, so the SQL (JSON array
 * parameters, NULL uuids, date arithmetic, the outcome trigger) runs the way Aurora receives it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataApiSql } from '#adapters/data-api-sql.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { recordOutcome } from '#core/outreach/outcomes.ts';
import { exclusionReason, loadExclusions } from '#core/pipeline/search-leads.ts';
import { recordReply, storeInboundMail } from '#core/replies/act.ts';
import type { ReplyClassification } from '#core/replies/classify.ts';
import { matchThread } from '#core/replies/match.ts';
import { parseMail } from '#core/replies/parse.ts';
import { completeTask, listOpenTasks } from '#core/replies/tasks.ts';
import { loadCalibration } from '#local/report-calibration.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';
import { dataApiSqlOn } from '#test/helpers/data-api-runtime.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { draftSequence, seedResearchedLead } from '#test/helpers/outreach.ts';
import { handOver } from '#core/outreach/hand-over.ts';
import { labelled, replyMail } from '#test/helpers/replies.ts';
import { seedApprovedLead } from '#test/helpers/sending.ts';
import { memoryLake } from '#test/hostile/support.ts';

const NOW = new Date('2026-12-02T12:00:00Z');

describe('reply effects over the Data API', () => {
  let fake: FakeDataApi;
  let sql: DataApiSql;
  let workspaceId: string;
  const lake = memoryLake();

  beforeAll(async () => {
    fake = await FakeDataApi.start({ schema: 'migrated' });
    sql = dataApiSqlOn(fake);
    ({ workspaceId } = await importOnboarding(sql, await loadOnboardingFile(SAMPLE_ONBOARDING)));
  }, 300_000);
  afterAll(async () => {
    await sql?.close();
    await fake?.close();
  });

  const act = async (raw: string, classification: ReplyClassification) => {
    const mail = await parseMail(raw);
    const match = await matchThread(sql, workspaceId, mail, classification.bounce);
    const call = { id: crypto.randomUUID(), pass: 'classify', provider: 'groq', model: 'openai/gpt-oss-20b', promptVersion: 'classify.v1', promptTokens: 410, completionTokens: 60, latencyMs: 300, costUsd: 0.000049, requestId: null, outcome: 'ok' as const, lakeKey: 'llm/dt=2026-12-02/x.json' };
    return recordReply({ sql, now: () => NOW }, { workspaceId, mail, rawKey: await storeInboundMail(lake, Buffer.from(raw), NOW), match, classification, llmCalls: [call] });
  };

  it('opens a task, adds a referred lead, cools a company off, marks a bounced address invalid, and records an outcome', async () => {
    const keen = await seedApprovedLead(sql, workspaceId, 'keen.example', { name: 'Ana Reis', fit: 88 });
    await sql.query(
      `INSERT INTO send_attempt (id, message_id, idempotency_key, status, from_email, to_email, rfc_message_id, provider, started_at, finished_at)
       VALUES (gen_random_uuid(), :m::uuid, 'da-send-1', 'sent', 'maya.okafor@tallyhand.com', :to, '<da-send-1@tallyhand.test>', 'ses', :at::timestamptz, :at::timestamptz)`,
      { m: keen.seq.messages.a, to: keen.email, at: NOW },
    );
    const interested = await act(replyMail(keen.email, 'Re: Cross-dock sites', 'da-1'), labelled('interested'));
    expect(interested.action).toContain('task for maya.okafor@tallyhand.com due 2026-12-03');
    const tasks = await listOpenTasks(sql, workspaceId);
    expect(tasks.map((t) => [t.kind, t.lead?.email, t.owner])).toEqual([['interested', keen.email, 'maya.okafor@tallyhand.com']]);
    expect((await completeTask(sql, workspaceId, tasks[0].id.slice(0, 8), NOW)).task.status).toBe('done');
    const calls = await sql.query<{ run_id: string | null; n: number }>(`SELECT run_id, count(*)::int AS n FROM llm_call WHERE reply_id = :r::uuid GROUP BY run_id`, { r: interested.replyId });
    expect(calls.rows).toEqual([{ run_id: null, n: 1 }]);

    const referrer = await seedApprovedLead(sql, workspaceId, 'refer.example', { name: 'Tom Baker' });
    const referral = await act(replyMail(referrer.email, 'Re: Cross-dock sites', 'da-2', 'Talk to jane@refer.example'), labelled('referral', { referral: { name: 'Jane Doe', email: 'jane@refer.example' } }));
    expect(referral.action).toContain('referred <jane@refer.example> added as a lead at refer.example');

    const cold = await seedApprovedLead(sql, workspaceId, 'cold.example', { name: 'Noa Dahl' });
    const notInterested = await act(replyMail(cold.email, 'Re: Cross-dock sites', 'da-3', 'Not interested.'), labelled('not_interested'));
    expect(notInterested.action).toContain('cold.example cooling off until 2027-05-31');

    const gone = await seedApprovedLead(sql, workspaceId, 'gone.example', { name: 'Max Roe' });
    const bounce = { kind: 'hard' as const, status: '5.1.1', recipient: gone.email, diagnostic: null, originalMessageId: null };
    const bounced = await act(replyMail('mailer-daemon@mx.example', 'Undelivered', 'da-4', 'User unknown'), labelled('bounce', { classifiedBy: 'rules', bounce }));
    expect(bounced.action).toContain(`${gone.email} marked invalid`);

    const exclusions = await loadExclusions(sql, workspaceId, NOW, [{ email: 'ola@cold.example', domain: 'cold.example' }, { email: gone.email, domain: 'gone.example' }]);
    expect(exclusionReason(exclusions, 'ola@cold.example', 'cold.example')).toBe('company cooling off until 2027-05-31 (not interested)');
    expect(exclusionReason(exclusions, gone.email, 'gone.example')).toMatch(/^suppressed: Hard bounce|^email invalid/);

    // A workspace that has sent for a while: 20,000 opted-out addresses and 2,500 suppressed
    // domains. Read whole in one statement they were over the Data API's 1 MiB response, and every
    // search and drafting step failed; read for the leads at hand, one is found among them.
    await sql.query(
      `INSERT INTO suppression (id, workspace_id, kind, value, reason, source)
       SELECT gen_random_uuid(), :ws::uuid, 'email', 'person' || g || '@company' || g || '.example', 'Opted out by reply on 2026-11-0' || (g % 9 + 1), 'opt_out' FROM generate_series(1, 20000) g
       UNION ALL
       SELECT gen_random_uuid(), :ws::uuid, 'domain', 'www.blocked' || g || '.example', 'Legal asked us to stop', 'onboarding' FROM generate_series(1, 2500) g`,
      { ws: workspaceId },
    );
    const many = await loadExclusions(sql, workspaceId, NOW, [
      { email: 'person12345@company12345.example', domain: 'company12345.example' },
      { email: 'ceo@sub.blocked2499.example', domain: 'sub.blocked2499.example' },
      { email: 'ola@cold.example', domain: 'cold.example' },
      { email: 'new@fresh.example', domain: 'fresh.example' },
    ]);
    expect(exclusionReason(many, 'person12345@company12345.example', 'company12345.example')).toBe('suppressed: Opted out by reply on 2026-11-07');
    // a domain suppression spelt with www. excludes the company and its subdomains, past the first page
    expect(exclusionReason(many, 'ceo@sub.blocked2499.example', 'sub.blocked2499.example')).toBe('suppressed: Legal asked us to stop');
    expect(exclusionReason(many, 'ola@cold.example', 'cold.example')).toBe('company cooling off until 2027-05-31 (not interested)');
    expect(exclusionReason(many, 'new@fresh.example', 'fresh.example')).toBeUndefined();
    // only the leads' own addresses were read, not the workspace's 20,000
    expect(many.emails.size).toBe(1);

    const meeting = await recordOutcome(sql, workspaceId, { leadEmail: keen.email, kind: 'meeting_booked' });
    expect(meeting).toMatchObject({ recorded: true });
    const calibration = await loadCalibration(sql, workspaceId);
    expect(calibration.contacted).toBe(1);
    expect(calibration.byFitBand.find((r) => r.group === '80–89')).toMatchObject({ contacted: 1, positive: 1, meetings: 1, positiveRate: 1, meetingRate: 1 });
    expect(calibration.byVariant).toMatchObject([{ group: 'a', contacted: 1, meetings: 1 }]);
  });

  it("hands a rep's draft over through the Data API: re-signed in one transaction, the change kept as a re-signing, what they still send stopped", async () => {
    const maya = 'maya.okafor@tallyhand.com';
    const lukas = 'lukas.brenner@tallyhand.com';
    const lead = await seedResearchedLead(sql, workspaceId, 'handover-da.example', 'Hal Over');
    const seq = await draftSequence(sql, workspaceId, lead, 'da-handover');
    // signed as drafting signs: the tone's signature ("Maya") on the emails' last line
    await sql.query(`UPDATE message SET body = body || :tail, checked_at = now() + interval '1 second' WHERE id IN (:a::uuid, :b::uuid, :f::uuid)`, {
      tail: '\n\nBest,\nMaya', a: seq.messages.a, b: seq.messages.b, f: seq.messages.followUp,
    });
    const sending = await seedApprovedLead(sql, workspaceId, 'handover-da-sending.example', { name: 'Sam Sending' });

    const before = fake.stats.calls;
    const r = await handOver(sql, workspaceId, maya, lukas, { now: NOW, stopSending: true });
    // the seller's onboarding is read once for the whole hand-over, not for each re-signed email (53 calls then)
    expect(fake.stats.calls - before).toBeLessThanOrEqual(43);
    expect(r.handedOver).toEqual([expect.objectContaining({ kind: 'sequence', id: seq.sequenceId, resigned: 3 })]);
    expect(r.stopped).toBeGreaterThanOrEqual(1);
    const bodies = await sql.query<{ body: string; grounding: string }>(`SELECT body, grounding FROM message WHERE id IN (:a::uuid, :f::uuid)`, { a: seq.messages.a, f: seq.messages.followUp });
    for (const b of bodies.rows) {
      expect(b.body).toMatch(/\n\nBest,\nLukas Brenner\nAccount Executive, Tallyhand$/);
      expect(b.grounding).not.toBe('unchecked');
    }
    // the transaction-local setting reached the trigger through the Data API's transaction
    const kinds = await sql.query<{ kind: string; n: number }>(
      `SELECT e.kind, count(*)::int AS n FROM message_edit e JOIN message m ON m.id = e.message_id WHERE m.sequence_id = :s::uuid GROUP BY e.kind ORDER BY e.kind`,
      { s: seq.sequenceId },
    );
    expect(kinds.rows).toEqual([{ kind: 'edit', n: 3 }, { kind: 're_sign', n: 3 }]);
    // and is gone after it: a later change is an edit again
    await sql.query(`UPDATE message SET body = body || ' ' WHERE id = :a::uuid`, { a: seq.messages.linkedin });
    expect((await sql.query<{ kind: string }>(`SELECT kind FROM message_edit WHERE message_id = :a::uuid`, { a: seq.messages.linkedin })).rows).toEqual([{ kind: 'edit' }]);
    expect((await sql.query<{ status: string }>(`SELECT status FROM sequence WHERE id = :s::uuid`, { s: sending.seq.sequenceId })).rows[0].status).toBe('stopped');
  });
});
