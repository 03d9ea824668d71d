/**
 * The outreach migration's invariants, on PGlite and through the Data API adapter against the
 * loopback Data API (the real RDSDataClient): each one refuses what it should and lets the
 * normal journey through.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataApiSql } from '#adapters/data-api-sql.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { migrate } from '#core/db/migrate.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { parseOnboarding, type Onboarding } from '#core/onboarding/schema.ts';
import type { Sql } from '#core/ports.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';
import { onboardedDb, SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { decide, draftSequence, failure, seedResearchedLead } from '#test/helpers/outreach.ts';

interface Backend {
  name: string;
  open(): Promise<{ sql: Sql; workspaceId: string }>;
}

let sample: Onboarding;
let fake: FakeDataApi | undefined;
const pglites: PgliteSql[] = [];

// One database per backend for the whole file, opened on first use; each test writes its own
// leads under fresh domains, so tests stay independent.
let pglite: Promise<{ sql: Sql; workspaceId: string }> | undefined;
const pgliteBackend: Backend = {
  name: 'PGlite',
  open() {
    pglite ??= onboardedDb().then(({ db, workspaceId }) => {
      pglites.push(db);
      return { sql: db, workspaceId };
    });
    return pglite;
  },
};

// One database behind the loopback Data API for the whole file (migrating and onboarding
// through HTTP takes seconds); each test writes its own leads under fresh domains.
let dataApi: Promise<{ sql: Sql; workspaceId: string }> | undefined;
const dataApiBackend: Backend = {
  name: 'Data API',
  open() {
    dataApi ??= (async () => {
      fake = await FakeDataApi.start();
      const sql = new DataApiSql({
        resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:prospector',
        secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
        database: 'prospector',
        client: fake.client(),
      });
      await migrate(sql);
      const { workspaceId } = await importOnboarding(sql, sample);
      return { sql, workspaceId };
    })();
    return dataApi;
  },
};

/** A domain no other test of the file uses. */
const fresh = (name: string) => `${name}-${randomUUID().slice(0, 8)}.example`;

beforeAll(async () => {
  sample = await loadOnboardingFile(SAMPLE_ONBOARDING);
});
afterAll(async () => {
  await Promise.all(pglites.map((db) => db.close()));
  await fake?.close();
});

describe.each([pgliteBackend, dataApiBackend])('outreach schema on $name', (backend) => {
  // Building the database (initdb, migrations, onboarding) is the slow part: done once, here.
  beforeAll(() => backend.open(), 120_000);

  it('lets the journey through: draft, approve, send once, reply stops it and an opt-out suppresses', async () => {
    const { sql, workspaceId } = await backend.open();
    const lead = await seedResearchedLead(sql, workspaceId, fresh('northwind'));
    const seq = await draftSequence(sql, workspaceId, lead);
    await sql.query(
      `INSERT INTO citation (message_id, research_id, sentence_index, sentence, fact_id)
       VALUES (:m::uuid, :r::uuid, 0, 'You opened two cross-dock sites.', :f::uuid)`,
      { m: seq.messages.a, r: lead.researchId, f: lead.verifiedFactId },
    );
    await decide(sql, seq.sequenceId, 'approved');
    await sql.query(`INSERT INTO variant_assignment (experiment_id, lead_id, variant) VALUES (:e::uuid, :l::uuid, 'a')`, {
      e: seq.experimentId,
      l: lead.leadId,
    });
    await sql.query(`UPDATE sequence SET status = 'active' WHERE id = :id::uuid`, { id: seq.sequenceId });

    const attempt = (key: string, messageId: string, to = lead.email) =>
      sql.query(
        `INSERT INTO send_attempt (id, message_id, idempotency_key, from_email, to_email, rfc_message_id, provider)
         VALUES (:id::uuid, :m::uuid, :key, 'maya.okafor@tallyhand.com', :to, :rfc, 'smtp')`,
        { id: randomUUID(), m: messageId, key, to, rfc: `<${randomUUID()}@tallyhand.com>` },
      );
    await attempt('send-1', seq.messages.a);
    // The same key again (a retried step): refused by the unique key, nothing sent twice.
    expect(await failure(attempt('send-1', seq.messages.a))).toMatchObject({ code: '23505' });
    // Another key for a message whose attempt may have reached the recipient: refused too.
    expect(await failure(attempt('send-2', seq.messages.a))).toMatchObject({ code: '23505' });
    // The variant the lead was not assigned is never sent.
    expect((await failure(attempt('send-3', seq.messages.b))).message).toMatch(/variant b, which lead .* was not assigned/);
    // Nor a LinkedIn note (not an email), nor to someone other than the lead.
    expect((await failure(attempt('send-4', seq.messages.linkedin))).message).toMatch(/linkedin_connection_note step, not an email/);
    expect((await failure(attempt('send-5', seq.messages.followUp, 'someone@else.example'))).message).toMatch(/is not the lead's address/);

    await sql.query(`UPDATE send_attempt SET status = 'sent', finished_at = now(), provider_message_id = 'p-1' WHERE idempotency_key = 'send-1'`);
    expect(await failure(sql.query(`UPDATE send_attempt SET status = 'sending', finished_at = NULL WHERE idempotency_key = 'send-1'`))).toMatchObject({
      code: '23514',
    });

    await sql.query(
      `INSERT INTO reply (id, workspace_id, rfc_message_id, sequence_id, lead_id, from_email, received_at, raw_key, classification, classified_by)
       VALUES (:id::uuid, :ws::uuid, '<r1@reply.example>', :seq::uuid, :lead::uuid, :from, now(), 'inbound/x.eml', 'unsubscribe', 'rules')`,
      { id: randomUUID(), ws: workspaceId, seq: seq.sequenceId, lead: lead.leadId, from: lead.email },
    );
    const after = await sql.query<{ status: string; status_reason: string }>(`SELECT status, status_reason FROM sequence WHERE id = :id::uuid`, {
      id: seq.sequenceId,
    });
    expect(after.rows[0]).toEqual({ status: 'stopped', status_reason: 'replied' });
    const suppressed = await sql.query<{ value: string; source: string }>(`SELECT value, source FROM suppression WHERE value = :email`, {
      email: lead.email,
    });
    expect(suppressed.rows).toEqual([{ value: lead.email, source: 'opt_out' }]);
    // The same inbound email imported twice is one reply.
    expect(
      await failure(
        sql.query(
          `INSERT INTO reply (id, workspace_id, rfc_message_id, from_email, received_at, raw_key) VALUES (:id::uuid, :ws::uuid, '<r1@reply.example>', :from, now(), 'k')`,
          { id: randomUUID(), ws: workspaceId, from: lead.email },
        ),
      ),
    ).toMatchObject({ code: '23505' });
  });

  it('freezes an approved sequence: no edited words, no new steps, no changed tone, no removed citation', async () => {
    const { sql, workspaceId } = await backend.open();
    const lead = await seedResearchedLead(sql, workspaceId, fresh('northwind'));
    const seq = await draftSequence(sql, workspaceId, lead);
    await sql.query(
      `INSERT INTO citation (message_id, research_id, sentence_index, sentence, fact_id) VALUES (:m::uuid, :r::uuid, 0, 'S.', :f::uuid)`,
      { m: seq.messages.a, r: lead.researchId, f: lead.verifiedFactId },
    );
    await decide(sql, seq.sequenceId, 'approved');

    const refusals = [
      sql.query(`UPDATE message SET body = 'Changed after approval' WHERE id = :id::uuid`, { id: seq.messages.a }),
      sql.query(`INSERT INTO sequence_step (id, sequence_id, position, kind, day_offset) VALUES (:id::uuid, :s::uuid, 9, 'call_task', 8)`, {
        id: randomUUID(),
        s: seq.sequenceId,
      }),
      sql.query(`UPDATE sequence SET tone = jsonb_set(tone, '{maxWords}', '300') WHERE id = :id::uuid`, { id: seq.sequenceId }),
      sql.query(`DELETE FROM citation WHERE message_id = :id::uuid`, { id: seq.messages.a }),
      sql.query(`UPDATE sequence SET status = 'draft' WHERE id = :id::uuid`, { id: seq.sequenceId }),
    ];
    for (const refused of refusals) {
      const error = await failure(refused);
      expect(error.code).toMatch(/^23/);
      expect(error.message).toMatch(/can no longer change|cannot go from approved to draft/);
    }
    const body = await sql.query<{ body: string }>(`SELECT body FROM message WHERE id = :id::uuid`, { id: seq.messages.a });
    expect(body.rows[0].body).toMatch(/^You opened two cross-dock sites/);
    // Decisions are history, not rewritten.
    expect((await failure(sql.query(`UPDATE approval SET reason = 'later' WHERE sequence_id = :id::uuid`, { id: seq.sequenceId }))).message).toMatch(
      /decisions are not changed/,
    );
    // The lifecycle still moves on.
    await sql.query(`UPDATE sequence SET status = 'active' WHERE id = :id::uuid`, { id: seq.sequenceId });
  });

  it("refuses a citation to another lead's fact and to an unverified fact", async () => {
    const { sql, workspaceId } = await backend.open();
    const lead = await seedResearchedLead(sql, workspaceId, fresh('northwind'));
    const other = await seedResearchedLead(sql, workspaceId, fresh('southwind'), 'Sam Other');
    const seq = await draftSequence(sql, workspaceId, lead);
    const cite = (researchId: string, factId: string) =>
      sql.query(
        `INSERT INTO citation (message_id, research_id, sentence_index, sentence, fact_id) VALUES (:m::uuid, :r::uuid, 0, 'S.', :f::uuid)`,
        { m: seq.messages.a, r: researchId, f: factId },
      );
    // Claiming the other lead's research for this message breaks the message key; claiming this
    // research for the other lead's fact breaks the fact key: either way a foreign key violation.
    expect(await failure(cite(lead.researchId, other.verifiedFactId))).toMatchObject({ code: '23503' });
    expect(await failure(cite(other.researchId, other.verifiedFactId))).toMatchObject({ code: '23503' });
    expect((await failure(cite(lead.researchId, lead.unverifiedFactId))).message).toMatch(/is not a verified fact/);
    await cite(lead.researchId, lead.verifiedFactId);
    // A sequence drafted from the other lead's research is refused the same way.
    expect(
      await failure(
        sql.query(
          `INSERT INTO sequence (id, workspace_id, lead_id, research_id, persona_name, rep_email, tone, source, idempotency_key)
           SELECT :id::uuid, workspace_id, :otherLead::uuid, research_id, persona_name, rep_email, tone, source, :key FROM sequence WHERE id = :seq::uuid`,
          { id: randomUUID(), otherLead: other.leadId, seq: seq.sequenceId, key: randomUUID() },
        ),
      ),
    ).toMatchObject({ code: '23503' });
  });

  it('approves only checked, unblocked drafts, and flagged ones only with a reason from a person', async () => {
    const { sql, workspaceId } = await backend.open();
    const lead = await seedResearchedLead(sql, workspaceId, fresh('northwind'));
    const seq = await draftSequence(sql, workspaceId, lead);
    const setGrounding = (grounding: string) =>
      sql.query(`UPDATE message SET grounding = :g, checked_at = now() + interval '1 second' WHERE id = :id::uuid`, { g: grounding, id: seq.messages.b });

    await setGrounding('blocked');
    expect((await failure(decide(sql, seq.sequenceId, 'approved', { reason: 'looks fine' }))).message).toMatch(/blocked or not yet checked/);

    // An edit sends the message back to the checker and is kept as before/after.
    await setGrounding('grounded');
    await sql.query(`UPDATE message SET body = 'Edited by the rep.' WHERE id = :id::uuid`, { id: seq.messages.b });
    const edited = await sql.query<{ grounding: string; checked_at: string | null }>(`SELECT grounding, checked_at FROM message WHERE id = :id::uuid`, {
      id: seq.messages.b,
    });
    expect(edited.rows[0]).toEqual({ grounding: 'unchecked', checked_at: null });
    const edits = await sql.query(`SELECT before_body, after_body FROM message_edit WHERE message_id = :id::uuid`, { id: seq.messages.b });
    expect(edits.rows).toEqual([{ before_body: 'Keelhaul Freight cut invoice time by 72%. Worth a 15-minute look next week?', after_body: 'Edited by the rep.' }]);
    expect((await failure(decide(sql, seq.sequenceId, 'approved'))).message).toMatch(/blocked or not yet checked/);

    await setGrounding('flagged');
    expect((await failure(decide(sql, seq.sequenceId, 'approved'))).message).toMatch(/carry risk flags; a rep must approve them with a reason/);
    expect((await failure(decide(sql, seq.sequenceId, 'approved', { autopilot: true }))).message).toMatch(/carry risk flags/);
    // A rep overriding flags must say why (a CHECK on the decision itself).
    expect(await failure(decide(sql, seq.sequenceId, 'approved', { flagsOverridden: 1 }))).toMatchObject({ code: '23514' });
    await decide(sql, seq.sequenceId, 'approved', { reason: 'the spam word is the product name', flagsOverridden: 1 });
    const approved = await sql.query<{ status: string; approved_at: string | null }>(`SELECT status, approved_at FROM sequence WHERE id = :id::uuid`, {
      id: seq.sequenceId,
    });
    expect(approved.rows[0].status).toBe('approved');
    expect(approved.rows[0].approved_at).not.toBeNull();
  });

  it('sends nothing before approval or to a suppressed address, and keeps one open sequence per lead', async () => {
    const { sql, workspaceId } = await backend.open();
    // keelhaul-freight.example is suppressed as an existing customer in the sample onboarding.
    const lead = await seedResearchedLead(sql, workspaceId, `ap-${randomUUID().slice(0, 8)}.keelhaul-freight.example`);
    const seq = await draftSequence(sql, workspaceId, lead);
    const attempt = () =>
      sql.query(
        `INSERT INTO send_attempt (id, message_id, idempotency_key, from_email, to_email, rfc_message_id, provider)
         VALUES (:id::uuid, :m::uuid, :key, 'maya.okafor@tallyhand.com', :to, :rfc, 'smtp')`,
        { id: randomUUID(), m: seq.messages.followUp, key: randomUUID(), to: lead.email, rfc: `<${randomUUID()}@tallyhand.com>` },
      );
    expect((await failure(attempt())).message).toMatch(/is draft, not approved/);
    await decide(sql, seq.sequenceId, 'approved');
    expect((await failure(attempt())).message).toMatch(/is suppressed/);

    expect(await failure(draftSequence(sql, workspaceId, lead, 'another-key'))).toMatchObject({ code: '23505' });
    // A rejected sequence is closed, so the lead may be drafted for again.
    const second = await seedResearchedLead(sql, workspaceId, fresh('eastwind'));
    const first = await draftSequence(sql, workspaceId, second);
    await decide(sql, first.sequenceId, 'rejected', { reason: 'wrong persona' });
    await draftSequence(sql, workspaceId, second, 'redraft');
  });

  it('deletes a lead with its approved sequence, drafts and decisions', async () => {
    const { sql, workspaceId } = await backend.open();
    const lead = await seedResearchedLead(sql, workspaceId, fresh('northwind'));
    const seq = await draftSequence(sql, workspaceId, lead);
    await decide(sql, seq.sequenceId, 'approved');
    await sql.query(`DELETE FROM lead WHERE id = :id::uuid`, { id: lead.leadId });
    const left = await sql.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM sequence WHERE id = :s::uuid) + (SELECT count(*) FROM message WHERE sequence_id = :s::uuid)
            + (SELECT count(*) FROM approval WHERE sequence_id = :s::uuid) AS n`,
      { s: seq.sequenceId },
    );
    expect(Number(left.rows[0].n)).toBe(0);
  });
});

describe('outreach settings in the onboarding file', () => {

  it('defaults the fit threshold to 60 and autopilot to off, and stores given values', async () => {
    expect(sample.icps.map((i) => [i.fitThreshold, i.autopilot])).toEqual([
      [60, false],
      [60, false],
      [60, false],
    ]);
    const { sql } = await pgliteBackend.open();
    const edited = structuredClone(sample);
    edited.icps[0].fitThreshold = 75;
    edited.icps[0].autopilot = true;
    await importOnboarding(sql, edited);
    const rows = await sql.query(`SELECT slug, fit_threshold, autopilot FROM icp ORDER BY slug`);
    expect(rows.rows).toEqual([
      { slug: 'b2b-saas-scaleups', fit_threshold: 60, autopilot: false },
      { slug: 'healthcare-groups', fit_threshold: 60, autopilot: false },
      { slug: 'midmarket-logistics', fit_threshold: 75, autopilot: true },
    ]);
  });

  it('names a threshold outside 0-100 or a non-boolean autopilot by path', () => {
    const raw = JSON.parse(JSON.stringify(sample)) as Record<string, unknown> & { icps: Record<string, unknown>[] };
    raw.icps[1].fitThreshold = 140;
    raw.icps[2].autopilot = 'yes';
    expect(() => parseOnboarding(raw)).toThrow(/icps\[1\]\.fitThreshold: must be between 0 and 100[\s\S]*icps\[2\]\.autopilot: must be a boolean/);
  });
});
