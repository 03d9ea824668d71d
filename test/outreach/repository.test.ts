/**
 * The sequence and message repository on PGlite: the lifecycle's transitions, approval (blocked
 * never, flagged only with a reason, the lead's variant only), rejection, edits re-checked by
 * the grounding checker with their citations, and the queue's filters.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataApiSql } from '#adapters/data-api-sql.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { editStats } from '#core/outreach/edit-stats.ts';
import {
  advanceSequence,
  approveAllUnflagged,
  approveSequence,
  assertTransition,
  editMessage,
  getSequence,
  listSequenceIds,
  rejectSequence,
  resolveId,
  resolveSequenceId,
  SEQUENCE_STATUSES,
  SEQUENCE_TRANSITIONS,
  withCitationMarkers,
} from '#core/outreach/repository.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';
import { onboardedDb, SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { draftSequence, failure, seedResearchedLead, type SeededLead } from '#test/helpers/outreach.ts';

const OPT_OUT = 'Not the right person? Reply and I will not follow up.';
const GROUNDED_A = `You opened two cross-dock sites [f1]. Worth a 15-minute look next week? ${OPT_OUT}`;

let db: PgliteSql;
let workspaceId: string;
const fresh = (name: string) => `${name}-${randomUUID().slice(0, 8)}.example`;

beforeAll(async () => {
  ({ db, workspaceId } = await onboardedDb());
}, 240_000);
afterAll(async () => {
  await db?.close();
});

/** A drafted sequence whose messages pass the checker as they are (opt-out lines added). */
async function reviewable(lead?: SeededLead) {
  const l = lead ?? (await seedResearchedLead(db, workspaceId, fresh('northwind')));
  const seq = await draftSequence(db, workspaceId, l);
  await editMessage(db, seq.messages.a, { body: GROUNDED_A });
  await editMessage(db, seq.messages.b, { body: `Worth a 15-minute look next week? ${OPT_OUT}` });
  await editMessage(db, seq.messages.followUp, { body: `One more thought on the new sites. ${OPT_OUT}` });
  return { lead: l, seq };
}

const status = async (id: string) => (await db.query<{ status: string }>(`SELECT status FROM sequence WHERE id = :id::uuid`, { id })).rows[0].status;

describe('sequence lifecycle', () => {
  it('allows exactly the transitions the database allows, and names sequence, from and to otherwise', async () => {
    expect(SEQUENCE_TRANSITIONS.draft).toEqual(['approved', 'rejected']);
    for (const s of SEQUENCE_STATUSES) expect(() => assertTransition('s1', s, s)).toThrow(/cannot move from/);
    expect(() => assertTransition('seq-x', 'draft', 'active')).toThrow('sequence seq-x cannot move from draft to active: a draft sequence can only become approved or rejected');
    expect(() => assertTransition('seq-x', 'completed', 'active')).toThrow('completed is final');

    const lead = await seedResearchedLead(db, workspaceId, fresh('lifecycle'));
    const seq = await draftSequence(db, workspaceId, lead);
    const error = await failure(advanceSequence(db, seq.sequenceId, 'draft', 'active'));
    expect(error).toMatchObject({ name: 'IllegalTransition', from: 'draft', to: 'active', sequenceId: seq.sequenceId });
    // A stale `from` (the row moved on) is refused with the status it really has.
    const stale = await failure(advanceSequence(db, seq.sequenceId, 'approved', 'active'));
    expect(stale.message).toContain(`sequence ${seq.sequenceId} cannot move from draft to active`);
    expect(await status(seq.sequenceId)).toBe('draft');
  });
});

describe('approve and reject', () => {
  it('approves a checked draft, records who decided, and refuses a second decision', async () => {
    const { seq } = await reviewable();
    const result = await approveSequence(db, seq.sequenceId);
    expect(result).toMatchObject({ decidedBy: 'maya.okafor@tallyhand.com', flagsOverridden: 0, reason: null });
    const view = await getSequence(db, seq.sequenceId);
    expect(view.status).toBe('approved');
    expect(view.approvedAt).not.toBeNull();
    expect(view.decisions).toEqual([expect.objectContaining({ decision: 'approved', by: 'maya.okafor@tallyhand.com', autopilot: false })]);
    expect((await failure(approveSequence(db, seq.sequenceId))).message).toContain('cannot move from approved to approved: it is already approved');
    expect((await failure(rejectSequence(db, seq.sequenceId, { reason: 'late' }))).message).toContain('cannot move from approved to rejected');
    // Frozen: its words can no longer be edited.
    expect((await failure(editMessage(db, seq.messages.a, { body: 'New words.' }))).message).toMatch(/which is approved: its words are frozen/);
  });

  it('never approves a blocked message, with or without a reason, until it is edited', async () => {
    const { seq } = await reviewable();
    const edit = await editMessage(db, seq.messages.a, { body: `Congrats on raising $40M last week. ${OPT_OUT}` });
    expect(edit.grounding).toBe('blocked');
    expect(edit.findings.map((f) => f.rule)).toContain('invented_specific');
    for (const reason of [undefined, 'I know them']) {
      const refused = await failure(approveSequence(db, seq.sequenceId, { reason }));
      expect(refused.message).toContain(`sequence ${seq.sequenceId} cannot be approved: a blocked message is never approved as it is`);
      expect(refused.message).toContain(`message ${seq.messages.a.slice(0, 8)} (step 1 email, variant a): invented_specific`);
      expect(refused.message).toContain(`prospector drafts edit ${seq.messages.a.slice(0, 8)}`);
    }
    expect(await status(seq.sequenceId)).toBe('draft');
    await editMessage(db, seq.messages.a, { body: GROUNDED_A });
    await approveSequence(db, seq.sequenceId);
    expect(await status(seq.sequenceId)).toBe('approved');
  });

  it('approves a flagged draft only with a reason, recording the flags overridden', async () => {
    const { seq } = await reviewable();
    const edit = await editMessage(db, seq.messages.b, { body: `Worth a 15-minute look next week? No synergy talk, promise. ${OPT_OUT}` });
    expect(edit.grounding).toBe('flagged');
    expect(edit.findings).toEqual([expect.objectContaining({ rule: 'banned_phrase', severity: 'warn' })]);
    const refused = await failure(approveSequence(db, seq.sequenceId));
    expect(refused.message).toContain(`sequence ${seq.sequenceId} carries 1 risk flag(s)`);
    expect(refused.message).toContain('banned_phrase: uses the banned phrase "synergy"');
    expect(refused.message).toContain('--reason');
    const ok = await approveSequence(db, seq.sequenceId, { reason: 'the prospect used the word first', by: 'Lukas.Brenner@tallyhand.com' });
    expect(ok).toMatchObject({ flagsOverridden: 1, decidedBy: 'lukas.brenner@tallyhand.com' });
    const row = await db.query(`SELECT reason, flags_overridden, decided_by IS NOT NULL AS has_user FROM approval WHERE sequence_id = :id::uuid`, { id: seq.sequenceId });
    expect(row.rows).toEqual([{ reason: 'the prospect used the word first', flags_overridden: 1, has_user: true }]);
  });

  it('judges the first touch by the variant the lead was assigned', async () => {
    const { lead, seq } = await reviewable();
    await editMessage(db, seq.messages.b, { body: `Keelhaul Freight raised $90M. ${OPT_OUT}` });
    expect((await failure(approveSequence(db, seq.sequenceId))).message).toMatch(/variant b\): invented_specific/);
    await db.query(`INSERT INTO variant_assignment (experiment_id, lead_id, variant) VALUES (:e::uuid, :l::uuid, 'a')`, { e: seq.experimentId, l: lead.leadId });
    const view = await getSequence(db, seq.sequenceId);
    expect(view.assignedVariant).toBe('a');
    expect(view.grounding).toBe('grounded');
    expect(view.steps[0].messages.map((m) => [m.variant, m.sendable, m.grounding])).toEqual([['a', true, 'grounded'], ['b', false, 'blocked']]);
    await approveSequence(db, seq.sequenceId);
    expect(await status(seq.sequenceId)).toBe('approved');
  });

  it('rejects with a reason, kept on the sequence and the decision', async () => {
    const { seq } = await reviewable();
    expect((await failure(rejectSequence(db, seq.sequenceId, { reason: '  ' }))).message).toContain('needs a reason');
    expect((await failure(rejectSequence(db, seq.sequenceId, { reason: 'x', by: 'nobody@else.com' }))).message).toContain(
      'nobody@else.com is not a rep of this workspace: use one of lukas.brenner@tallyhand.com, maya.okafor@tallyhand.com',
    );
    await rejectSequence(db, seq.sequenceId, { reason: 'wrong persona' });
    const view = await getSequence(db, seq.sequenceId);
    expect([view.status, view.statusReason, view.decisions[0].reason]).toEqual(['rejected', 'wrong persona', 'wrong persona']);
  });
});

describe('editing a message', () => {
  it('re-checks the words, keeps citations of unchanged sentences, and keeps the before/after', async () => {
    const lead = await seedResearchedLead(db, workspaceId, fresh('edit'));
    const seq = await draftSequence(db, workspaceId, lead);
    const first = await editMessage(db, seq.messages.a, { body: GROUNDED_A });
    expect(first).toMatchObject({ changed: true, grounding: 'grounded', citedSentences: 1, body: `You opened two cross-dock sites. Worth a 15-minute look next week? ${OPT_OUT}` });
    // The rep rewrites the ask only: the cited sentence keeps its citation without a marker.
    const second = await editMessage(db, seq.messages.a, { body: `You opened two cross-dock sites. Open to a short call? ${OPT_OUT}`, subject: 'Two new sites' });
    expect(second).toMatchObject({ grounding: 'grounded', citedSentences: 1, subject: 'Two new sites' });
    const view = await getSequence(db, seq.sequenceId);
    const a = view.steps[0].messages.find((m) => m.variant === 'a')!;
    expect(a.citations).toEqual([
      { sentenceIndex: 0, sentence: 'You opened two cross-dock sites.', facts: [expect.objectContaining({ id: lead.verifiedFactId, localId: 'f1', quote: 'We opened two cross-dock sites' })] },
    ]);
    expect(withCitationMarkers(a.body, a.citations)).toBe(`You opened two cross-dock sites. [f1] Open to a short call? ${OPT_OUT}`);
    expect(a.edits).toBe(2);
    const edits = await db.query<{ before_subject: string; after_subject: string; by: string }>(
      `SELECT me.before_subject, me.after_subject, u.email AS by FROM message_edit me JOIN app_user u ON u.id = me.edited_by WHERE me.message_id = :id::uuid ORDER BY me.edited_at`,
      { id: seq.messages.a },
    );
    expect(edits.rows.map((e) => [e.before_subject, e.after_subject, e.by])).toEqual([
      ['Cross-dock sites', 'Cross-dock sites', 'maya.okafor@tallyhand.com'],
      ['Cross-dock sites', 'Two new sites', 'maya.okafor@tallyhand.com'],
    ]);
    // A changed sentence loses its citation, and its "two" is then an invented specific.
    const third = await editMessage(db, seq.messages.a, { body: `You opened two big cross-dock sites. ${OPT_OUT}` });
    expect(third.grounding).toBe('blocked');
    expect(third.findings[0]).toMatchObject({ rule: 'invented_specific', sentenceIndex: 0 });
    expect((await getSequence(db, seq.sequenceId)).steps[0].messages[0].flags[0]).toMatchObject({ rule: 'invented_specific', severity: 'block' });
    // Citing an unverified fact blocks as well.
    const fourth = await editMessage(db, seq.messages.a, { body: `You opened two cross-dock sites [f2]. ${OPT_OUT}` });
    expect(fourth.findings.map((f) => f.rule)).toContain('unverified_fact');
  });

  it('re-checks a step as a first touch when it is the first on its channel, whatever its kind', async () => {
    const lead = await seedResearchedLead(db, workspaceId, fresh('channels'));
    const seq = await draftSequence(db, workspaceId, lead);
    // A custom sequence's later steps: a first call, then a second LinkedIn touch.
    const step = async (position: number, kind: string) => {
      const stepId = randomUUID();
      const messageId = randomUUID();
      await db.query(`INSERT INTO sequence_step (id, sequence_id, position, kind, day_offset) VALUES (:id::uuid, :seq::uuid, :position, :kind, :day)`, { id: stepId, seq: seq.sequenceId, position, kind, day: position + 2 });
      await db.query(
        `INSERT INTO message (id, sequence_id, step_id, research_id, angle, body, source, prompt_version) VALUES (:id::uuid, :seq::uuid, :step::uuid, :r::uuid, 'x', 'Words.', 'template', 'template-v1')`,
        { id: messageId, seq: seq.sequenceId, step: stepId, r: lead.researchId },
      );
      return messageId;
    };
    const call = await step(4, 'call_task');
    const linkedin = await step(5, 'linkedin_message');
    const pretend = 'As we discussed on our call, worth a 15-minute look next week?';
    const first = await editMessage(db, call, { body: pretend });
    expect(first.findings.map((f) => f.rule)).toContain('pretended_relationship');
    expect(first.grounding).toBe('blocked');
    // the connection note (step 2) reached them on LinkedIn already
    const later = await editMessage(db, linkedin, { body: pretend });
    expect(later.findings.map((f) => f.rule)).not.toContain('pretended_relationship');
  });

  it('refuses an empty body, a subject on a LinkedIn note, and an empty email subject', async () => {
    const lead = await seedResearchedLead(db, workspaceId, fresh('refuse'));
    const seq = await draftSequence(db, workspaceId, lead);
    expect(await failure(editMessage(db, seq.messages.a, { body: '  \n' }))).toMatchObject({ name: 'EditRefused', message: expect.stringContaining('is empty') });
    expect((await failure(editMessage(db, seq.messages.linkedin, { body: 'Glad to connect.', subject: 'Hi' }))).message).toContain('linkedin connection note step, which has no subject');
    expect((await failure(editMessage(db, seq.messages.a, { body: 'Words.', subject: '' }))).message).toContain('its subject cannot be empty');
  });
});

describe('the queue', { timeout: 120_000 }, () => {
  it('filters by run, ICP, status and flag, and resolves ids by prefix', async () => {
    const one = await reviewable();
    const two = await reviewable();
    await editMessage(db, two.seq.messages.b, { body: `Worth a 15-minute look next week? Synergy! ${OPT_OUT}` });
    const icp = await db.query<{ id: string }>(`SELECT id FROM icp WHERE workspace_id = :ws::uuid AND slug = 'midmarket-logistics'`, { ws: workspaceId });
    await db.query(`UPDATE sequence SET icp_id = :icp::uuid WHERE id = :id::uuid`, { icp: icp.rows[0].id, id: two.seq.sequenceId });

    expect(await listSequenceIds(db, { runId: one.lead.runId })).toEqual([one.seq.sequenceId]);
    expect(await listSequenceIds(db, { icpSlug: 'midmarket-logistics' })).toEqual([two.seq.sequenceId]);
    const flagged = await listSequenceIds(db, { flag: 'banned_phrase' });
    expect(flagged).toContain(two.seq.sequenceId);
    expect(flagged).not.toContain(one.seq.sequenceId);
    expect(await listSequenceIds(db, { flag: 'any', workspaceId })).toContain(two.seq.sequenceId);
    expect(await listSequenceIds(db, { flag: 'none', workspaceId })).toContain(one.seq.sequenceId);
    expect(await listSequenceIds(db, { flag: 'none', workspaceId })).not.toContain(two.seq.sequenceId);
    await expect(listSequenceIds(db, { flag: 'made_up' as never })).rejects.toThrow(/flag "made_up" is not a checker rule: use any, none or one of unknown_fact/);

    await approveSequence(db, one.seq.sequenceId);
    expect(await listSequenceIds(db, { status: 'approved', runId: one.lead.runId })).toEqual([one.seq.sequenceId]);
    expect(await listSequenceIds(db, { status: 'draft', runId: one.lead.runId })).toEqual([]);

    expect(await resolveSequenceId(db, one.seq.sequenceId.slice(0, 8))).toBe(one.seq.sequenceId);
    expect(await resolveSequenceId(db, one.seq.messages.a.slice(0, 8))).toBe(one.seq.sequenceId);
    expect(await resolveId(db, one.seq.messages.a.slice(0, 8))).toEqual({ kind: 'message', id: one.seq.messages.a, sequenceId: one.seq.sequenceId });
    await expect(resolveSequenceId(db, 'abc')).rejects.toThrow(/is not a sequence or message id/);
    await expect(resolveSequenceId(db, 'ffffffff-ffff')).rejects.toThrow(/no sequence or message id starts with ffffffff-ffff/);
  });

  it('bulk-approves only drafts with no flag, leaving the rest in the queue', async () => {
    const { db: own, workspaceId: ws } = await onboardedDb();
    try {
      const clean = await seedResearchedLead(own, ws, fresh('clean'));
      const cleanSeq = await draftSequence(own, ws, clean);
      for (const [id, body] of [[cleanSeq.messages.a, GROUNDED_A], [cleanSeq.messages.b, `Worth a 15-minute look next week? ${OPT_OUT}`], [cleanSeq.messages.followUp, `One more thought. ${OPT_OUT}`]] as const) {
        await editMessage(own, id, { body });
      }
      const flagged = await seedResearchedLead(own, ws, fresh('flagged'));
      const flaggedSeq = await draftSequence(own, ws, flagged);
      await editMessage(own, flaggedSeq.messages.followUp, { body: 'One more thought on the new sites.' }); // no opt-out line
      const blocked = await seedResearchedLead(own, ws, fresh('blocked'));
      const blockedSeq = await draftSequence(own, ws, blocked);
      await editMessage(own, blockedSeq.messages.a, { body: `Congrats on the Series B. ${OPT_OUT}` });
      const result = await approveAllUnflagged(own, { workspaceId: ws });
      expect(result.approved.map((a) => [a.sequenceId, a.decidedBy])).toEqual([[cleanSeq.sequenceId, 'maya.okafor@tallyhand.com']]);
      expect(result.left).toEqual(
        expect.arrayContaining([
          { sequenceId: flaggedSeq.sequenceId, grounding: 'flagged', flags: 1 },
          { sequenceId: blockedSeq.sequenceId, grounding: 'blocked', flags: 1 },
        ]),
      );
      expect(result.left).toHaveLength(2);
    } finally {
      await own.close();
    }
  });
});

describe('through the RDS Data API (the cloud adapter, against the loopback Data API)', { timeout: 120_000 }, () => {
  let fake: FakeDataApi;
  let sql: DataApiSql;
  let ws: string;
  beforeAll(async () => {
    fake = await FakeDataApi.start({ schema: 'migrated' });
    sql = new DataApiSql({
      resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:prospector',
      secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
      database: 'prospector',
      client: fake.client(),
    });
    ({ workspaceId: ws } = await importOnboarding(sql, await loadOnboardingFile(SAMPLE_ONBOARDING)));
  }, 180_000);
  afterAll(async () => {
    await sql?.close();
    await fake?.close();
  });

  it('lists, edits, approves, rejects and counts edits with the same SQL', async () => {
    const lead = await seedResearchedLead(sql, ws, fresh('dataapi'));
    const seq = await draftSequence(sql, ws, lead);
    const blocked = await editMessage(sql, seq.messages.a, { body: `Congrats on the Series B [f1]. ${OPT_OUT}` });
    expect(blocked.grounding).toBe('blocked');
    expect(await listSequenceIds(sql, { workspaceId: ws, flag: 'invented_specific' })).toEqual([seq.sequenceId]);
    expect((await failure(approveSequence(sql, seq.sequenceId, { reason: 'sure' }))).message).toContain('a blocked message is never approved as it is');
    for (const [id, body] of [[seq.messages.a, GROUNDED_A], [seq.messages.b, `Worth a 15-minute look next week? ${OPT_OUT}`], [seq.messages.followUp, `One more thought. ${OPT_OUT}`]] as const) {
      await editMessage(sql, id, { body });
    }
    const view = await getSequence(sql, seq.sequenceId);
    expect(view.grounding).toBe('grounded');
    expect(view.steps[0].messages[0].citations[0].facts[0].id).toBe(lead.verifiedFactId);
    const bulk = await approveAllUnflagged(sql, { workspaceId: ws });
    expect(bulk.approved.map((a) => a.sequenceId)).toEqual([seq.sequenceId]);

    const other = await draftSequence(sql, ws, await seedResearchedLead(sql, ws, fresh('dataapi-reject')));
    await rejectSequence(sql, other.sequenceId, { reason: 'not now' });
    expect(await listSequenceIds(sql, { workspaceId: ws, status: 'rejected' })).toEqual([other.sequenceId]);
    const stats = await editStats(sql, { id: ws, slug: 'tallyhand' });
    expect(stats.overall).toMatchObject({ edited: 3 });
    expect(stats.byVariant.map((v) => v.variant)).toEqual(['a', 'b', 'none']);
  });
});
