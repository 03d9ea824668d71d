/**
 * Outcomes on PGlite: `recordOutcome` (what `prospector outcome` calls) on the lead's sequence,
 * once per kind, stopping a running sequence and cancelling what it had scheduled; bad input
 * named; and the INSERT a CRM sync runs (as the README documents it) having the same effect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { NotFoundError, ValidationError } from '#core/errors.ts';
import { recordOutcome } from '#core/outreach/outcomes.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { seedResearchedLead } from '#test/helpers/outreach.ts';
import { enqueue, seedApprovedLead, seedMailbox } from '#test/helpers/sending.ts';

const START = new Date('2026-12-08T14:00:00Z');

describe('outcomes', () => {
  let db: PgliteSql;
  let workspaceId: string;
  let mailboxId: string;

  beforeAll(async () => {
    ({ db, workspaceId } = await onboardedDb());
    mailboxId = (await seedMailbox(db, workspaceId)).id;
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  const sequence = async (id: string) =>
    (await db.query<{ status: string; status_reason: string | null }>(`SELECT status, status_reason FROM sequence WHERE id = :id::uuid`, { id })).rows[0];
  const scheduled = async (messageId: string) =>
    (await db.query<{ status: string }>(`SELECT status FROM scheduled_message WHERE message_id = :id::uuid`, { id: messageId })).rows[0].status;

  it('records a meeting on the lead\'s sequence once, stopping it and cancelling its scheduled email', async () => {
    const lead = await seedApprovedLead(db, workspaceId, 'meeting.example', { name: 'Rui Costa' });
    const messageId = await enqueue(db, workspaceId, lead, mailboxId, { start: START, end: new Date(START.getTime() + 3_600_000) });
    const first = await recordOutcome(db, workspaceId, { leadEmail: ` ${lead.email.toUpperCase()} `, kind: 'meeting_booked', note: 'demo Tuesday', by: 'maya.okafor@tallyhand.com' });
    expect(first).toMatchObject({ leadEmail: lead.email, sequenceId: lead.seq.sequenceId, kind: 'meeting_booked', recorded: true, stoppedSequence: true, note: 'demo Tuesday' });
    expect(await sequence(lead.seq.sequenceId)).toEqual({ status: 'stopped', status_reason: 'outcome: meeting_booked' });
    expect(await scheduled(messageId)).toBe('cancelled');

    const again = await recordOutcome(db, workspaceId, { leadEmail: lead.email, kind: 'meeting_booked', note: 'other note' });
    expect(again).toMatchObject({ recorded: false, outcomeId: first.outcomeId, note: 'demo Tuesday', stoppedSequence: false });
    const won = await recordOutcome(db, workspaceId, { leadEmail: lead.email, kind: 'won' });
    expect(won).toMatchObject({ recorded: true, stoppedSequence: false });
    const rows = await db.query<{ kind: string; recorded_by: string | null }>(
      `SELECT o.kind, u.email AS recorded_by FROM outcome o LEFT JOIN app_user u ON u.id = o.recorded_by WHERE o.sequence_id = :seq::uuid ORDER BY o.kind`,
      { seq: lead.seq.sequenceId },
    );
    expect(rows.rows).toEqual([{ kind: 'meeting_booked', recorded_by: 'maya.okafor@tallyhand.com' }, { kind: 'won', recorded_by: null }]);
  });

  it('names what is wrong: the kind, the address, an unknown lead or rep, a lead without a sequence', async () => {
    const lead = await seedApprovedLead(db, workspaceId, 'errors.example', { name: 'Bo Lie' });
    await expect(recordOutcome(db, workspaceId, { leadEmail: lead.email, kind: 'meeting' })).rejects.toThrow(ValidationError);
    await expect(recordOutcome(db, workspaceId, { leadEmail: lead.email, kind: 'meeting' })).rejects.toThrow(
      /KIND: "meeting" is not an outcome; use one of meeting_booked, opportunity, won, lost, not_a_fit/,
    );
    await expect(recordOutcome(db, workspaceId, { leadEmail: 'bo at errors', kind: 'won' })).rejects.toThrow(/LEAD_EMAIL: "bo at errors" is not an email address/);
    await expect(recordOutcome(db, workspaceId, { leadEmail: 'nobody@errors.example', kind: 'won' })).rejects.toThrow(NotFoundError);
    await expect(recordOutcome(db, workspaceId, { leadEmail: lead.email, kind: 'won', by: 'ghost@tallyhand.com' })).rejects.toThrow(/--by: "ghost@tallyhand.com" is not a user/);
    const bare = await seedResearchedLead(db, workspaceId, 'no-sequence.example', 'Kim Yu');
    await expect(recordOutcome(db, workspaceId, { leadEmail: bare.email, kind: 'not_a_fit' })).rejects.toThrow(/has no sequence yet/);
    expect((await sequence(lead.seq.sequenceId)).status).toBe('approved');
  });

  it('a CRM\'s INSERT (as documented) records the outcome and stops the sequence the same way', async () => {
    const lead = await seedApprovedLead(db, workspaceId, 'crm.example', { name: 'Ines Vale' });
    const messageId = await enqueue(db, workspaceId, lead, mailboxId, { start: START, end: new Date(START.getTime() + 3_600_000) });
    const crm = `INSERT INTO outcome (id, sequence_id, kind, note)
SELECT gen_random_uuid(), s.id, 'not_a_fit', 'from the CRM'
  FROM lead l JOIN workspace w ON w.id = l.workspace_id
  JOIN LATERAL (SELECT id FROM sequence WHERE lead_id = l.id
                 ORDER BY (status NOT IN ('draft', 'rejected')) DESC, created_at DESC LIMIT 1) s ON true
 WHERE w.slug = 'tallyhand' AND l.email = 'ines@crm.example'
ON CONFLICT (sequence_id, kind) DO NOTHING`;
    expect((await db.query(crm)).rowCount).toBe(1);
    expect((await db.query(crm)).rowCount).toBe(0);
    expect(await sequence(lead.seq.sequenceId)).toEqual({ status: 'stopped', status_reason: 'outcome: not_a_fit' });
    expect(await scheduled(messageId)).toBe('cancelled');
    await expect(db.query(`INSERT INTO outcome (id, sequence_id, kind) VALUES (gen_random_uuid(), :seq::uuid, 'booked')`, { seq: lead.seq.sequenceId })).rejects.toThrow(/outcome_kind_check/);
  });
});
