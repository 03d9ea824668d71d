/**
 * Learning from edits: the share of characters reps change (by hand-counted examples), ISO weeks,
 * banned-phrase proposals, and the workspace figures over edits seeded through the repository.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { changedCharacters, editedShare, editStats, isoWeek, phrases, proposeBannedPhrases } from '#core/outreach/edit-stats.ts';
import { approveSequence, editMessage } from '#core/outreach/repository.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { draftSequence, seedResearchedLead } from '#test/helpers/outreach.ts';

describe('share of characters edited', () => {
  it('counts the characters of words removed and added, not spaces or moved line breaks', () => {
    expect(changedCharacters('a bb ccc dddd', 'a bb xx dddd')).toEqual({ removed: 3, added: 2, before: 10, after: 9 });
    expect(changedCharacters('one two\nthree', 'one   two three')).toEqual({ removed: 0, added: 0, before: 11, after: 11 });
    expect(editedShare('same words here', 'same words here')).toBe(0);
    // Half the characters deleted is a share of one half; a rewrite is 1.
    expect(editedShare('abcd efgh', 'abcd')).toBe(0.5);
    expect(editedShare('old words', 'new text entirely')).toBe(1);
    expect(editedShare('', '')).toBe(0);
  });

  it('names ISO weeks as ISO 8601 does, across year ends', () => {
    expect(isoWeek('2026-12-02T10:00:00Z')).toBe('2026-W49');
    expect(isoWeek('2021-01-03T23:00:00Z')).toBe('2020-W53');
    expect(isoWeek('2024-12-30T00:00:00Z')).toBe('2025-W01');
    expect(isoWeek('2026-01-01T00:00:00Z')).toBe('2026-W01');
  });
});

describe('banned-phrase proposals', () => {
  it('proposes the longest phrase deleted from enough different messages, never across sentences', () => {
    expect([...phrases('Hi Dana. We help.')].sort()).toEqual(['hi dana', 'we help']);
    const history = [
      ['Hi Dana. Hope your week is going great. We help.', 'Hi Dana. We help.'],
      ['Hi Bo. Hope your week is going great! Quick one.', 'Hi Bo. Quick one.'],
      ['Hey. Hope your week is going great.', 'Hey there.', 'Hey there, friend.'],
      ['Hello. Hope your week is going well.', 'Hello.'],
    ];
    // "hope your week is going" left all four messages, "… great" three: both are proposed, and
    // none of their shorter parts ("week is going", "going great").
    expect(proposeBannedPhrases(history)).toEqual([
      { phrase: 'hope your week is going', edits: 4 },
      { phrase: 'hope your week is going great', edits: 3 },
    ]);
    expect(proposeBannedPhrases(history, { minEdits: 4 })).toEqual([{ phrase: 'hope your week is going', edits: 4 }]);
    expect(proposeBannedPhrases(history, { alreadyBanned: ['Hope your week is going great', 'hope your week is going'] })).toEqual([]);
    // A phrase that comes back in a later version was not deleted.
    const cameBack = [['Quick question here.', 'Nothing.', 'Quick question here.'], ['Quick question here.', 'x'], ['Quick question here.', 'y']];
    expect(proposeBannedPhrases(cameBack)).toEqual([]);
    expect(proposeBannedPhrases(cameBack, { minEdits: 2 })).toEqual([{ phrase: 'quick question here', edits: 2 }]);
    // Common words alone are never proposed.
    expect(proposeBannedPhrases([['It is.', 'x'], ['It is.', 'y'], ['It is.', 'z']])).toEqual([]);
  });
});

describe('editStats on a workspace', () => {
  let db: PgliteSql;
  let workspaceId: string;
  const OPT_OUT = 'Not the right person? Reply and I will not follow up.';
  beforeAll(async () => {
    ({ db, workspaceId } = await onboardedDb());
  }, 240_000);
  afterAll(async () => {
    await db?.close();
  });

  it('reports the share per week and variant over approved messages, and the phrase reps keep deleting', async () => {
    const empty = await editStats(db, { id: workspaceId, slug: 'tallyhand' });
    expect(empty.overall).toEqual({ messages: 0, edited: 0, charactersDrafted: 0, charactersChanged: 0, editedShare: null });

    for (const [i, variant] of (['a', 'a', 'b'] as const).entries()) {
      const lead = await seedResearchedLead(db, workspaceId, `stats-${i}-${randomUUID().slice(0, 6)}.example`);
      const seq = await draftSequence(db, workspaceId, lead);
      await db.query(`INSERT INTO variant_assignment (experiment_id, lead_id, variant) VALUES (:e::uuid, :l::uuid, :v)`, { e: seq.experimentId, l: lead.leadId, v: variant });
      // The rep adds a pleasantry, then deletes it again and adds an opt-out line.
      await editMessage(db, seq.messages.a, { body: `Hope your week is going great. You opened two cross-dock sites [f1]. Worth a 15-minute look next week?` });
      await editMessage(db, seq.messages.a, { body: `You opened two cross-dock sites. Worth a 15-minute look next week? ${OPT_OUT}` });
      await approveSequence(db, seq.sequenceId, { reason: 'follow-up and note were reviewed as drafted' });
    }
    // Autopilot approvals are no review: a sequence approved that way is left out.
    const auto = await seedResearchedLead(db, workspaceId, `stats-auto-${randomUUID().slice(0, 6)}.example`);
    const autoSeq = await draftSequence(db, workspaceId, auto);
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO approval (id, sequence_id, decision, autopilot) VALUES (:id::uuid, :s::uuid, 'approved', true)`, { id: randomUUID(), s: autoSeq.sequenceId });
      await tx.query(`UPDATE sequence SET status = 'approved' WHERE id = :s::uuid`, { s: autoSeq.sequenceId });
    });

    const stats = await editStats(db, { id: workspaceId, slug: 'tallyhand' });
    // Variant a as drafted: "Cross-dock sites" + "You opened two cross-dock sites. Worth a
    // 15-minute look next week?" = 71 characters of words; approved with the opt-out's 43 added.
    const a = stats.byVariant.find((v) => v.variant === 'a')!;
    expect(a).toEqual({ variant: 'a', messages: 2, edited: 2, charactersDrafted: 142, charactersChanged: 86, editedShare: 0.3772 });
    expect(stats.byVariant.find((v) => v.variant === 'b')).toMatchObject({ messages: 1, edited: 0, charactersChanged: 0, editedShare: 0 });
    expect(stats.byVariant.find((v) => v.variant === 'none')).toMatchObject({ messages: 6, edited: 0, editedShare: 0 });
    expect(stats.overall).toMatchObject({ messages: 9, edited: 2, charactersChanged: 86 });
    expect(stats.overall.editedShare).toBeCloseTo(86 / (228 + stats.overall.charactersDrafted - 142), 3);
    expect(stats.byWeek).toEqual([expect.objectContaining({ week: isoWeek(new Date()), messages: 9, edited: 2 })]);
    // Deleted from three messages (the third is variant b's lead's unsent variant a: edits count all the same).
    expect(stats.proposedBannedPhrases).toEqual([{ phrase: 'hope your week is going great', edits: 3 }]);
    expect(stats.editedMessagesRead).toBe(3);
  });
});
