/**
 * A rep's drafts and open tasks handed over to another rep, on PGlite with drafts written by the
 * real drafting step: each email re-signed and checked again, the rep's earlier edit kept, the
 * re-signing kept apart from reps' edits (the edit statistics and the drafting examples never read
 * it), a draft that cannot be re-signed left with its reason, approved sequences left to go on,
 * and a rep removed by a re-import handed over from their address.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { Onboarding } from '#core/onboarding/schema.ts';
import { editStats } from '#core/outreach/edit-stats.ts';
import { loadEditExamples } from '#core/outreach/drafting-context.ts';
import { handOver, repNames, resign, workLeft } from '#core/outreach/hand-over.ts';
import { approveSequence, editMessage, getSequence } from '#core/outreach/repository.ts';
import { draftOutreach } from '#core/pipeline/draft-outreach.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { draftingDeps } from '#test/helpers/drafting.ts';
import { seedResearchedLeadOfIcp } from '#test/helpers/outreach.ts';

const LUKAS = 'lukas.brenner@tallyhand.com';
const ANA = 'ana.silva@tallyhand.com';
const LUKAS_SIGNATURE = 'Lukas Brenner\nAccount Executive, Tallyhand';
const ANA_SIGNATURE = 'Ana Silva\nAccount Executive, Tallyhand';
const NOW = new Date('2026-12-03T09:00:00Z');

let db: PgliteSql;
let workspaceId: string;
let dir: string;
let sample: Onboarding;
let team: Onboarding;

beforeAll(async () => {
  ({ db, workspaceId } = await onboardedDb());
  sample = await loadOnboardingFile(SAMPLE_ONBOARDING);
  // Ana joins; the first ICP's leads go to Lukas alone while he drafts them
  team = {
    ...sample,
    users: [...sample.users, { name: 'Ana Silva', email: ANA, title: 'Account Executive', timezone: 'Europe/Lisbon', role: 'rep', signature: `${ANA_SIGNATURE}\n`, calendarLink: null }],
    icps: sample.icps.map((icp, i) => (i === 0 ? { ...icp, reps: [LUKAS] } : icp)),
  };
  await importOnboarding(db, team);
  dir = await mkdtemp(join(tmpdir(), 'prospector-hand-over-'));
});

afterAll(async () => {
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

async function drafted(domain: string, name: string): Promise<string> {
  const icpId = (await db.query<{ id: string }>(`SELECT id FROM icp WHERE workspace_id = :ws::uuid AND slug = :slug`, { ws: workspaceId, slug: sample.icps[0].slug })).rows[0].id;
  const lead = await seedResearchedLeadOfIcp(db, workspaceId, icpId, domain, name);
  const out = await draftOutreach(draftingDeps(db, dir), { runId: lead.runId, leadId: lead.leadId, mode: 'template' });
  expect(out, domain).toMatchObject({ drafted: true, inserted: true, rep: LUKAS });
  return out.sequenceId!;
}

const emails = async (sequenceId: string) =>
  (await db.query<{ id: string; body: string; grounding: string; edited_by: string | null; citations: number }>(
    `SELECT m.id, m.body, m.grounding, m.edited_by, (SELECT count(*)::int FROM citation c WHERE c.message_id = m.id) AS citations
       FROM message m JOIN sequence_step st ON st.id = m.step_id
      WHERE m.sequence_id = :s::uuid AND st.kind IN ('email', 'follow_up_email') ORDER BY st.position, m.variant NULLS FIRST`,
    { s: sequenceId },
  )).rows;

describe('re-signing one message', () => {
  const names = repNames('Lukas Brenner', LUKAS_SIGNATURE);

  it('swaps the signature at the end of an email and leaves every other word', () => {
    expect(names).toEqual(['Lukas Brenner', 'Lukas']);
    const body = `Saw the two new cross-dock sites.\n\nBest,\n${LUKAS_SIGNATURE}\n`;
    expect(resign({ kind: 'email', subject: 'Cross-dock sites', body }, LUKAS_SIGNATURE, ANA_SIGNATURE, names)).toEqual({
      body: `Saw the two new cross-dock sites.\n\nBest,\n${ANA_SIGNATURE}`, changed: true,
    });
    // already signed by the new rep (a hand-over run again): nothing to change
    const signed = `Saw the sites.\n\nBest,\n${ANA_SIGNATURE}`;
    expect(resign({ kind: 'follow_up_email', subject: 'Re: sites', body: signed }, LUKAS_SIGNATURE, ANA_SIGNATURE, names)).toEqual({ body: signed, changed: false });
    // a LinkedIn note carries no signature
    expect(resign({ kind: 'linkedin_connection_note', subject: null, body: 'Saw the new sites. Glad to connect.' }, LUKAS_SIGNATURE, ANA_SIGNATURE, names))
      .toEqual({ body: 'Saw the new sites. Glad to connect.', changed: false });
  });

  it('refuses an email that no longer ends with the old signature, and any message that names the old rep elsewhere', () => {
    expect(resign({ kind: 'email', subject: 'Hi', body: 'Saw the sites.\n\nCheers, L.' }, LUKAS_SIGNATURE, ANA_SIGNATURE, names))
      .toEqual({ refused: 'does not end with the signature "Lukas Brenner…" (edited since it was drafted)' });
    expect(resign({ kind: 'email', subject: 'Hi', body: `I'm Lukas, I look after logistics teams.\n\nBest,\n${LUKAS_SIGNATURE}` }, LUKAS_SIGNATURE, ANA_SIGNATURE, names))
      .toEqual({ refused: 'names Lukas outside the signature' });
    expect(resign({ kind: 'linkedin_message', subject: null, body: 'Thanks for connecting, Lukas here.' }, LUKAS_SIGNATURE, ANA_SIGNATURE, names))
      .toEqual({ refused: 'names Lukas outside the signature' });
    // a word that merely contains the name is not the name
    expect(resign({ kind: 'linkedin_message', subject: null, body: 'The Lukasiewicz depot opened.' }, LUKAS_SIGNATURE, ANA_SIGNATURE, names)).toMatchObject({ changed: false });
    // a prospect who is a Lukas too is greeted by name: that is their name, not the rep's
    const toLukas = repNames('Lukas Brenner', LUKAS_SIGNATURE, ['Lukas Weber', 'Weber Freight']);
    expect(toLukas).toEqual(['Lukas Brenner']);
    expect(resign({ kind: 'email', subject: 'Hi', body: `Hi Lukas,\n\nSaw the sites.\n\nBest,\n${LUKAS_SIGNATURE}` }, LUKAS_SIGNATURE, ANA_SIGNATURE, toLukas))
      .toEqual({ body: `Hi Lukas,\n\nSaw the sites.\n\nBest,\n${ANA_SIGNATURE}`, changed: true });
  });
});

describe('handing over on the database', () => {
  let edited: string;
  let plain: string;
  let unsigned: string;
  let approved: string;
  let phrasesBefore: Awaited<ReturnType<typeof editStats>>['proposedBannedPhrases'];

  it('refuses a --to who is not a user, a rep handing over to themselves and an address nobody knows', async () => {
    await expect(handOver(db, workspaceId, LUKAS, 'nobody@tallyhand.com', { now: NOW })).rejects.toThrow(
      `--to nobody@tallyhand.com: not a user of this workspace; use one of ${ANA}, ${LUKAS}, maya.okafor@tallyhand.com`,
    );
    await expect(handOver(db, workspaceId, LUKAS, LUKAS.toUpperCase(), { now: NOW })).rejects.toThrow(/hands over to themselves/);
    await expect(handOver(db, workspaceId, 'ghost@tallyhand.com', ANA, { now: NOW })).rejects.toThrow(
      'ghost@tallyhand.com: neither a user of this workspace nor the rep of any sequence or response',
    );
  });

  it('a dry run says what would move and changes nothing', async () => {
    edited = await drafted('handover-edited.example', 'Dana Edited');
    plain = await drafted('handover-plain.example', 'Kim Plain');
    unsigned = await drafted('handover-unsigned.example', 'Lee Unsigned');
    approved = await drafted('handover-approved.example', 'Ray Approved');
    await approveSequence(db, approved, { by: LUKAS, reason: 'checked the flags', now: NOW });
    // Lukas edits one draft's first words (kept through the hand-over) and signs another his own way
    const [first] = await emails(edited);
    await editMessage(db, first.id, { body: first.body.replace(/^[^\n]*/, 'Congratulations on the two new cross-dock sites.'), by: LUKAS });
    const [u] = await emails(unsigned);
    await editMessage(db, u.id, { body: u.body.replace(LUKAS_SIGNATURE, 'Cheers, L.'), by: LUKAS });

    const before = await db.query(`SELECT id, rep_email, tone FROM sequence ORDER BY id`);
    phrasesBefore = (await editStats(db, { id: workspaceId, slug: 'tallyhand' }, { minEdits: 1 })).proposedBannedPhrases;
    const r = await handOver(db, workspaceId, LUKAS, ANA, { dryRun: true, now: NOW });
    expect(r).toMatchObject({ from: LUKAS, to: ANA, dryRun: true, tasks: 0, stillSending: { approved: 1, active: 0, paused: 0 } });
    expect(r.handedOver.map((d) => d.id).sort()).toEqual([edited, plain].sort());
    expect(r.kept).toEqual([expect.objectContaining({ kind: 'sequence', id: unsigned, lead: 'Lee Unsigned' })]);
    expect(r.kept[0].reason).toMatch(/^message [0-9a-f]{8} \(step 1 email, variant a\) does not end with the signature "Lukas Brenner…" \(edited since it was drafted\): edit it, then hand over again$/);
    expect((await db.query(`SELECT id, rep_email, tone FROM sequence ORDER BY id`)).rows).toEqual(before.rows);
  });

  it("moves the drafts re-signed and checked again, keeps the rep's edit, and leaves what cannot move", async () => {
    const before = new Map((await Promise.all([edited, plain].map(async (s) => [s, await emails(s)] as const))));
    const editsBefore = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM message_edit WHERE kind = 'edit'`)).rows[0].n;
    // out of time (the web app's request has a budget): the first draft moves, the rest wait for the next call
    const first = await handOver(db, workspaceId, LUKAS, ANA, { now: NOW, deadline: performance.now() - 1 });
    expect(first.handedOver.map((d) => d.id)).toEqual([edited]);
    expect(first).toMatchObject({ kept: [], remaining: { drafts: 2, responses: 0 }, stillSending: { approved: 1 } });
    const rest = await handOver(db, workspaceId, LUKAS, ANA, { now: NOW });
    expect(rest.remaining).toEqual({ drafts: 0, responses: 0 });
    const r = { ...rest, handedOver: [...first.handedOver, ...rest.handedOver] };
    expect(r.dryRun).toBe(false);
    expect(r.handedOver.map((d) => d.id).sort()).toEqual([edited, plain].sort());
    expect(r.kept.map((k) => k.id)).toEqual([unsigned]);

    for (const s of [edited, plain]) {
      const seq = (await db.query<{ rep_email: string; rep_id: string | null; tone: { signature: string }; handed_over_from: string; handed_over_at: string }>(
        `SELECT s.rep_email, s.rep_id, s.tone, s.handed_over_from, s.handed_over_at FROM sequence s WHERE s.id = :s::uuid`, { s },
      )).rows[0];
      expect(seq).toMatchObject({ rep_email: ANA, tone: { signature: ANA_SIGNATURE }, handed_over_from: LUKAS });
      expect(new Date(seq.handed_over_at).toISOString()).toBe(NOW.toISOString());
      const after = await emails(s);
      const old = before.get(s)!;
      expect(after).toHaveLength(old.length);
      after.forEach((m, i) => {
        expect(m.body, s).toBe(old[i].body.trimEnd().replace(LUKAS_SIGNATURE, ANA_SIGNATURE));
        expect(m.body).not.toContain('Lukas');
        // the checker judged the new words as it judged the old, and the cited sentences keep their facts
        expect(m.grounding).toBe(old[i].grounding);
        expect(m.citations).toBe(old[i].citations);
        // a re-signing is nobody's edit: who last edited stays
        expect(m.edited_by).toBe(old[i].edited_by);
      });
    }
    expect((await emails(edited))[0].body).toMatch(/^Congratulations on the two new cross-dock sites\./);
    // the database kept each change, marked as a re-signing
    const kinds = await db.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM message_edit GROUP BY kind ORDER BY kind`);
    expect(kinds.rows).toEqual([{ kind: 'edit', n: editsBefore }, { kind: 're_sign', n: [...before.values()].flat().length }]);
    // the review queue's view of a sequence counts a rep's edits only
    const view = await getSequence(db, plain);
    expect(view.steps.flatMap((st) => st.messages).every((m) => m.edits === 0)).toBe(true);

    // the draft left with Lukas and the approved one are his as before
    const still = await db.query<{ id: string; rep_email: string }>(`SELECT id, rep_email FROM sequence WHERE id IN (:a::uuid, :b::uuid) ORDER BY id`, { a: unsigned, b: approved });
    expect(still.rows.every((x) => x.rep_email === LUKAS)).toBe(true);
    // run again: nothing more moves
    const again = await handOver(db, workspaceId, LUKAS, ANA, { now: NOW });
    expect(again.handedOver).toEqual([]);
    expect(again.kept.map((k) => k.id)).toEqual([unsigned]);
  });

  it("Ana approves unchanged: the edit figures and the drafting examples see no edit of hers, and Lukas's signature is no phrase to ban", async () => {
    await approveSequence(db, plain, { by: ANA, reason: 'checked the flags', now: NOW });
    const stats = await editStats(db, { id: workspaceId, slug: 'tallyhand' }, { minEdits: 1 });
    // Lukas's own edit (his signature replaced in one draft) proposes his name once; the six
    // re-signed emails add nothing to it
    expect(phrasesBefore.find((p) => p.phrase === 'lukas brenner')).toEqual({ phrase: 'lukas brenner', edits: 1 });
    expect(stats.proposedBannedPhrases).toEqual(phrasesBefore);
    // the plain draft's words are as they were handed to Ana: nothing edited
    expect(stats.overall.messages).toBeGreaterThan(0);
    expect(stats.overall).toMatchObject({ edited: 0, charactersChanged: 0 });
    // the drafting step shows the model reps' edits of approved drafts: a re-signing is none
    expect(await loadEditExamples(db, workspaceId, 10)).toEqual([]);
  });

  it("a rep removed by a re-import: their open task and their drafts move from their address, the new rep approves them, and what they still send is stopped", async () => {
    // Lukas fixes his signature, then leaves; an interested reply to his approved sequence left him a task
    const [u] = await emails(unsigned);
    await editMessage(db, u.id, { body: u.body.replace('Cheers, L.', LUKAS_SIGNATURE), by: LUKAS });
    const lead = (await db.query<{ lead_id: string }>(`SELECT lead_id FROM sequence WHERE id = :s::uuid`, { s: approved })).rows[0].lead_id;
    const lukasId = (await db.query<{ id: string }>(`SELECT id FROM app_user WHERE email = :e`, { e: LUKAS })).rows[0].id;
    const reply = (await db.query<{ id: string }>(
      `INSERT INTO reply (id, workspace_id, rfc_message_id, sequence_id, lead_id, from_email, subject, received_at, raw_key, classification, classified_by, confidence)
       VALUES (gen_random_uuid(), :ws::uuid, '<interested@handover.example>', :s::uuid, :lead::uuid, 'ray@handover-approved.example', 'Re: hi', now(), 'inbound/x.eml', 'interested', 'rules', 0.9)
       RETURNING id`,
      { ws: workspaceId, s: approved, lead },
    )).rows[0].id;
    await db.query(
      `INSERT INTO rep_task (id, workspace_id, lead_id, reply_id, kind, owner_id, title, due_on) VALUES (gen_random_uuid(), :ws::uuid, :lead::uuid, :reply::uuid, 'interested', :owner::uuid, 'Call Ray', '2026-12-04')`,
      { ws: workspaceId, lead, reply, owner: lukasId },
    );
    // and one more of his sequences was approved: its first email waits in the queue
    const sending = await drafted('handover-sending.example', 'Sam Sending');
    await approveSequence(db, sending, { by: LUKAS, reason: 'checked the flags', now: NOW });
    const queued = async () => (await db.query<{ status: string }>(`SELECT status FROM scheduled_message WHERE sequence_id = :s::uuid`, { s: sending })).rows.map((q) => q.status);
    expect(await queued()).toEqual(['scheduled']);
    const imported = await importOnboarding(db, { ...team, users: team.users.filter((u) => u.email !== LUKAS), icps: team.icps.map((icp, i) => (i === 0 ? { ...icp, reps: [ANA] } : icp)) });
    // the import says what he leaves: the draft he fixed, the sequence still to send, the task
    expect(imported.usersRemoved).toEqual([{ email: LUKAS, drafts: 1, responses: 0, sending: 1, tasks: 1 }]);
    expect(workLeft(imported.usersRemoved[0])).toBe('1 draft(s) and 1 open task(s)');
    expect(workLeft({ drafts: 2, responses: 1, tasks: 3 })).toBe('2 draft(s), 1 suggested response(s) and 3 open task(s)');
    expect(workLeft({ drafts: 0, responses: 0, tasks: 0 })).toBeNull();
    expect((await db.query(`SELECT 1 FROM rep_task WHERE owner_id IS NULL`)).rows).toHaveLength(1);

    // his draft is refused approval while it is his: it would go out from his address under his signature
    await expect(approveSequence(db, unsigned, { by: ANA, reason: 'checked the flags', now: NOW })).rejects.toThrow(/its rep lukas\.brenner@tallyhand\.com is no longer a user/);

    const dry = await handOver(db, workspaceId, LUKAS, ANA, { now: NOW, dryRun: true, stopSending: true });
    expect(dry).toMatchObject({ stopped: 1, stillSending: { approved: 1, active: 0, paused: 0 } });
    expect(await queued()).toEqual(['scheduled']);

    const r = await handOver(db, workspaceId, LUKAS, ANA, { now: NOW, stopSending: true });
    expect(r.handedOver.map((d) => d.id)).toEqual([unsigned]);
    expect(r.kept).toEqual([]);
    expect(r.tasks).toBe(1);
    // the reply stopped his first approved sequence; the other is stopped by the hand-over, its queued email cancelled
    expect(r.stopped).toBe(1);
    expect(r.stillSending).toEqual({ approved: 0, active: 0, paused: 0 });
    expect((await db.query<{ status: string; status_reason: string }>(`SELECT status, status_reason FROM sequence WHERE id = :s::uuid`, { s: sending })).rows[0]).toEqual({
      status: 'stopped',
      status_reason: `stopped when ${LUKAS}'s work was handed over to ${ANA}: it would go on from ${LUKAS}'s mailbox under their signature`,
    });
    expect(await queued()).toEqual(['cancelled']);
    const anaId = (await db.query<{ id: string }>(`SELECT id FROM app_user WHERE email = :e`, { e: ANA })).rows[0].id;
    expect((await db.query<{ owner_id: string }>(`SELECT owner_id FROM rep_task WHERE reply_id = :r::uuid`, { r: reply })).rows[0].owner_id).toBe(anaId);
    // Ana's now: approved, and it goes from her mailbox
    await approveSequence(db, unsigned, { by: ANA, reason: 'checked the flags', now: NOW });
    expect((await db.query<{ status: string }>(`SELECT status FROM sequence WHERE id = :s::uuid`, { s: unsigned })).rows[0].status).toBe('approved');
  });
});
