/**
 * Migration 0010 on PGlite: the classifier's labels and details are stored with their checks, and
 * 0003's invariants hold with the new labels: a person's reply stops its sequence, an opt-out or a
 * hard bounce suppresses the address in the same statement; an out-of-office, an automatic reply
 * and a soft bounce do not stop it; a label under review suppresses nothing until confirmed.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { loadMigrations, migrate } from '#core/db/migrate.ts';
import { emptyDb, onboardedDb } from '#test/helpers/db.ts';
import { decide, draftSequence, failure, seedResearchedLead, type SeededLead } from '#test/helpers/outreach.ts';

let db: PgliteSql;
let workspaceId: string;

beforeAll(async () => {
  ({ db, workspaceId } = await onboardedDb());
}, 120_000);
afterAll(async () => {
  await db?.close();
});

let n = 0;
async function approvedSequence(): Promise<{ lead: SeededLead; sequenceId: string }> {
  n += 1;
  const lead = await seedResearchedLead(db, workspaceId, `replies-${n}.example`);
  const seq = await draftSequence(db, workspaceId, lead);
  await db.query(`UPDATE message SET grounding = 'grounded', checker_version = 'test', checked_at = now() WHERE sequence_id = :seq::uuid`, { seq: seq.sequenceId });
  await decide(db, seq.sequenceId, 'approved');
  return { lead, sequenceId: seq.sequenceId };
}

/** Casts for the columns whose parameter the Data API (and so `PgliteSql`) binds as varchar. */
const CASTS: Record<string, string> = { return_date: '::date', questions: '::jsonb' };

async function reply(lead: SeededLead, sequenceId: string | null, columns: Record<string, unknown>): Promise<string> {
  const id = randomUUID();
  const names = Object.keys(columns);
  await db.query(
    `INSERT INTO reply (id, workspace_id, rfc_message_id, sequence_id, lead_id, from_email, received_at, raw_key${names.map((c) => `, ${c}`).join('')})
     VALUES (:id::uuid, :ws::uuid, :rfc, :seq::uuid, :lead::uuid, :from, '2026-12-02T12:00:00Z', 'inbound/x.eml'${names.map((c) => `, :${c}${CASTS[c] ?? ''}`).join('')})`,
    { id, ws: workspaceId, rfc: `<${id}@prospect.example>`, seq: sequenceId, lead: lead.leadId, from: lead.email, ...columns },
  );
  return id;
}

const statusOf = async (sequenceId: string) =>
  (await db.query<{ status: string }>(`SELECT status FROM sequence WHERE id = :id::uuid`, { id: sequenceId })).rows[0].status;
const suppressionsOf = async (email: string) =>
  (await db.query<{ value: string; source: string; reason: string }>(`SELECT value, source, reason FROM suppression WHERE workspace_id = :ws::uuid AND value = :email`, { ws: workspaceId, email })).rows;

describe('reply labels (migration 0010)', () => {
  it('an out-of-office with a return date neither stops the sequence nor suppresses', async () => {
    const { lead, sequenceId } = await approvedSequence();
    await reply(lead, sequenceId, { classification: 'out_of_office', classified_by: 'rules', confidence: 1, return_date: '2026-12-14' });
    expect(await statusOf(sequenceId)).toBe('approved');
    expect(await suppressionsOf(lead.email)).toEqual([]);
  });

  it('refuses a return date on or before the day the mail arrived, or on another label', async () => {
    const { lead } = await approvedSequence();
    expect(await failure(reply(lead, null, { classification: 'out_of_office', classified_by: 'llm', confidence: 0.9, return_date: '2026-12-02' }))).toMatchObject({ code: '23514' });
    expect(await failure(reply(lead, null, { classification: 'interested', classified_by: 'llm', confidence: 0.9, return_date: '2026-12-20' }))).toMatchObject({ code: '23514' });
  });

  it('keeps each detail with its label', async () => {
    const { lead } = await approvedSequence();
    const refused = (columns: Record<string, unknown>) => failure(reply(lead, null, { classified_by: 'llm', confidence: 0.9, ...columns }));
    expect(await refused({ classification: 'referral' })).toMatchObject({ code: '23514' });
    expect(await refused({ classification: 'interested', referral_email: 'jane@acme.example' })).toMatchObject({ code: '23514' });
    expect(await refused({ classification: 'objection' })).toMatchObject({ code: '23514' });
    expect(await refused({ classification: 'objection', objection_kind: 'weather' })).toMatchObject({ code: '23514' });
    expect(await refused({ classification: 'interested', questions: JSON.stringify(['How much?']) })).toMatchObject({ code: '23514' });
    expect(await refused({ classification: 'bounce' })).toMatchObject({ code: '23514' });
    expect(await refused({ classification: 'opt_out' })).toMatchObject({ code: '23514' });
    expect(await refused({ classification: 'interested', classified_by: 'guess' })).toMatchObject({ code: '23514' });

    await reply(lead, null, { classification: 'referral', classified_by: 'llm', confidence: 0.9, referral_name: 'Jane Doe', referral_email: 'jane.doe@acme.example' });
    await reply(lead, null, { classification: 'objection', classified_by: 'heuristic', confidence: 0.6, objection_kind: 'budget' });
    await reply(lead, null, { classification: 'needs_info', classified_by: 'llm', confidence: 0.8, questions: JSON.stringify(['How much?']) });
  });

  it('an opt-out stops the sequence and suppresses the address; under review it waits for the rep', async () => {
    const { lead, sequenceId } = await approvedSequence();
    const id = await reply(lead, sequenceId, { classification: 'unsubscribe', classified_by: 'llm', confidence: 0.5, needs_review: true });
    expect(await statusOf(sequenceId)).toBe('stopped');
    expect(await suppressionsOf(lead.email)).toEqual([]);

    await db.query(`UPDATE reply SET needs_review = false, classified_by = 'rep' WHERE id = :id::uuid`, { id });
    expect(await suppressionsOf(lead.email)).toEqual([{ value: lead.email, source: 'opt_out', reason: 'Opted out by reply' }]);
  });

  it('a hard bounce suppresses the bounced recipient; a soft one neither suppresses nor stops', async () => {
    const { lead, sequenceId } = await approvedSequence();
    await reply(lead, sequenceId, { classification: 'bounce', classified_by: 'rules', confidence: 1, bounce_kind: 'soft', bounce_status: '4.2.2', bounce_recipient: lead.email });
    expect(await statusOf(sequenceId)).toBe('approved');
    expect(await suppressionsOf(lead.email)).toEqual([]);

    await reply(lead, sequenceId, { classification: 'bounce', classified_by: 'rules', confidence: 1, bounce_kind: 'hard', bounce_status: '5.1.1', bounce_recipient: lead.email });
    expect(await statusOf(sequenceId)).toBe('stopped');
    expect(await suppressionsOf(lead.email)).toEqual([{ value: lead.email, source: 'bounce', reason: 'Hard bounce' }]);
    expect(await failure(reply(lead, null, { classification: 'bounce', classified_by: 'rules', confidence: 1, bounce_kind: 'hard', bounce_status: 'five' }))).toMatchObject({ code: '23514' });
  });

  it('an interested reply stops the sequence without suppressing', async () => {
    const { lead, sequenceId } = await approvedSequence();
    await reply(lead, sequenceId, { classification: 'interested', classified_by: 'heuristic', confidence: 0.7, evidence: 'offline heuristic classifier (no language model): "interested"' });
    expect(await statusOf(sequenceId)).toBe('stopped');
    expect(await suppressionsOf(lead.email)).toEqual([]);
  });
});

describe('migration 0010 over replies stored with the early labels', () => {
  it('renames question and opt_out, clears other, makes an old bounce hard, and keeps the one suppression', async () => {
    const old = await emptyDb();
    try {
      const all = await loadMigrations();
      const files = (until: string) => all.filter((m) => m.version < until).map((m) => ({ name: m.file, text: m.text }));
      await migrate(old, { files: files('0010') });
      // The workspace as the schema stood before 0010 (today's onboarding import writes later columns).
      const ws = randomUUID();
      await old.query(`INSERT INTO workspace (id, slug, name) VALUES (:ws::uuid, 'old-labels', 'Old labels')`, { ws });
      const ids: Record<string, string> = {};
      for (const label of ['question', 'opt_out', 'other', 'bounce', 'interested']) {
        ids[label] = randomUUID();
        await old.query(
          `INSERT INTO reply (id, workspace_id, rfc_message_id, from_email, received_at, raw_key, classification, classified_by, confidence)
           VALUES (:id::uuid, :ws::uuid, :rfc, :from, now(), 'inbound/x.eml', :label, 'rules', 0.9)`,
          { id: ids[label], ws, rfc: `<${label}@old.example>`, from: `${label}@old.example`, label },
        );
      }
      expect((await old.query(`SELECT value FROM suppression WHERE source IN ('opt_out', 'bounce') ORDER BY value`)).rows).toEqual([
        { value: 'bounce@old.example' },
        { value: 'opt_out@old.example' },
      ]);

      expect((await migrate(old, { files: files('9999') })).applied).toContain('0010_reply_labels.sql');

      const rows = await old.query<{ rfc_message_id: string; classification: string | null; classified_by: string | null; bounce_kind: string | null }>(
        `SELECT rfc_message_id, classification, classified_by, bounce_kind FROM reply ORDER BY rfc_message_id`,
      );
      expect(rows.rows).toEqual([
        { rfc_message_id: '<bounce@old.example>', classification: 'bounce', classified_by: 'rules', bounce_kind: 'hard' },
        { rfc_message_id: '<interested@old.example>', classification: 'interested', classified_by: 'rules', bounce_kind: null },
        { rfc_message_id: '<opt_out@old.example>', classification: 'unsubscribe', classified_by: 'rules', bounce_kind: null },
        { rfc_message_id: '<other@old.example>', classification: null, classified_by: null, bounce_kind: null },
        { rfc_message_id: '<question@old.example>', classification: 'needs_info', classified_by: 'rules', bounce_kind: null },
      ]);
      expect((await old.query(`SELECT count(*)::int AS n FROM suppression WHERE source IN ('opt_out', 'bounce')`)).rows).toEqual([{ n: 2 }]);
    } finally {
      await old.close();
    }
  }, 120_000);
});
