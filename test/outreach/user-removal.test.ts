/**
 * A rep who leaves: re-importing the onboarding without a user who had approved and rejected
 * drafts, edited a message since approved and edited and approved a suggested response succeeds,
 * and every decision and edit keeps the email of who made it. The guards that keep decided rows
 * fixed still refuse any other change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { approveSequence, editMessage, rejectSequence } from '#core/outreach/repository.ts';
import { approveResponse, editResponse } from '#core/replies/response-repository.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { RESPONSE_BODY, webFixture, type WebFixture } from '#test/helpers/web.ts';

const LUKAS = 'lukas.brenner@tallyhand.com';
let f: WebFixture;

beforeAll(async () => {
  f = await webFixture();
});
afterAll(async () => {
  await f?.close();
});

const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (error) {
    return String((error as Error).message);
  }
  return 'no error';
};

describe('removing a user who decided and edited', () => {
  it('the re-import succeeds; decisions and edits keep their email; decided rows stay fixed', async () => {
    const { db } = f;
    const now = new Date();
    await approveSequence(db, f.sequences.granite.sequenceId, { by: LUKAS, now });
    await rejectSequence(db, f.sequences.evil.sequenceId, { by: LUKAS, reason: 'wrong person' });
    await editMessage(db, f.sequences.northwind.messages.followUp, { body: 'One more thought on the new sites. Not the right person? Reply and I will not follow up.', by: LUKAS });
    await approveSequence(db, f.sequences.northwind.sequenceId, { by: LUKAS, reason: 'the opt-out is in the follow-up', now });
    await editResponse(db, f.responses.interested, { body: RESPONSE_BODY.replace('short call', 'quick call'), by: LUKAS });
    await approveResponse(db, f.responses.interested, { by: LUKAS });
    const lukasId = (await db.query<{ id: string }>(`SELECT id FROM app_user WHERE workspace_id = :ws::uuid AND email = :e`, { ws: f.tallyhand.workspaceId, e: LUKAS })).rows[0].id;
    const byLukas = async () => ({
      approvals: (await db.query(`SELECT 1 FROM approval WHERE decided_by = :u::uuid`, { u: lukasId })).rows.length,
      messages: (await db.query(`SELECT 1 FROM message WHERE edited_by = :u::uuid`, { u: lukasId })).rows.length,
      responses: (await db.query(`SELECT 1 FROM reply_response WHERE edited_by = :u::uuid`, { u: lukasId })).rows.length,
    });
    expect(await byLukas()).toEqual({ approvals: 3, messages: 1, responses: 1 });

    const sample = await loadOnboardingFile(SAMPLE_ONBOARDING);
    await importOnboarding(db, { ...sample, users: sample.users.filter((u) => u.email !== LUKAS) });

    expect((await db.query(`SELECT 1 FROM app_user WHERE id = :u::uuid`, { u: lukasId })).rows).toEqual([]);
    expect(await byLukas()).toEqual({ approvals: 0, messages: 0, responses: 0 });
    const decisions = await db.query<{ decision: string; decided_by: string | null; decided_by_email: string }>(
      `SELECT decision, decided_by, decided_by_email FROM approval WHERE sequence_id IN (:a::uuid, :b::uuid, :c::uuid) ORDER BY decided_at, decision`,
      { a: f.sequences.granite.sequenceId, b: f.sequences.evil.sequenceId, c: f.sequences.northwind.sequenceId },
    );
    expect(decisions.rows).toEqual([
      { decision: 'approved', decided_by: null, decided_by_email: LUKAS },
      { decision: 'rejected', decided_by: null, decided_by_email: LUKAS },
      { decision: 'approved', decided_by: null, decided_by_email: LUKAS },
    ]);
    const statuses = await db.query<{ id: string; status: string }>(`SELECT id, status FROM sequence WHERE id IN (:a::uuid, :b::uuid, :c::uuid)`, {
      a: f.sequences.granite.sequenceId, b: f.sequences.evil.sequenceId, c: f.sequences.northwind.sequenceId,
    });
    expect(Object.fromEntries(statuses.rows.map((r) => [r.id, r.status]))).toEqual({
      [f.sequences.granite.sequenceId]: 'approved', [f.sequences.evil.sequenceId]: 'rejected', [f.sequences.northwind.sequenceId]: 'approved',
    });
    expect((await db.query<{ body: string }>(`SELECT body FROM message WHERE id = :id::uuid`, { id: f.sequences.northwind.messages.followUp })).rows[0].body).toContain('Not the right person?');
    expect((await db.query<{ status: string; decided_by_email: string }>(`SELECT status, decided_by_email FROM reply_response WHERE id = :id::uuid`, { id: f.responses.interested })).rows[0])
      .toEqual({ status: 'approved', decided_by_email: LUKAS });

    // the guards still refuse every other change to what was decided
    expect(await refusal(db.query(`UPDATE approval SET reason = 'rewritten' WHERE sequence_id = :s::uuid`, { s: f.sequences.granite.sequenceId }))).toMatch(/decisions are not changed/);
    expect(await refusal(db.query(`UPDATE approval SET decided_by = NULL, reason = 'rewritten' WHERE sequence_id = :s::uuid`, { s: f.sequences.northwind.sequenceId }))).toMatch(/decisions are not changed/);
    expect(await refusal(db.query(`UPDATE message SET body = 'changed' WHERE id = :id::uuid`, { id: f.sequences.northwind.messages.followUp }))).toMatch(/its drafts can no longer change/);
    expect(await refusal(db.query(`UPDATE message SET edited_by = NULL, body = 'changed' WHERE id = :id::uuid`, { id: f.sequences.northwind.messages.followUp }))).toMatch(/its drafts can no longer change/);
    expect(await refusal(db.query(`UPDATE reply_response SET body = 'changed' WHERE id = :id::uuid`, { id: f.responses.interested }))).toMatch(/it can no longer change/);
  });
});
