/**
 * `prospector drafts` as a rep runs it (in this process: test/helpers/cli-in-process.ts) over a
 * temporary PROSPECTOR_HOME holding the sample onboarding and drafted sequences (clean, flagged,
 * blocked). Approve, edit (a body file and $EDITOR), reject, bulk approve, the list's filters, the
 * --json shapes and stats.
 */
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { Sql } from '#core/ports.ts';
import type { SequenceView } from '#core/outreach/repository.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { cliEnv, closeCliDatabases, homeDatabase, lastJson, prospector } from '#test/helpers/cli-in-process.ts';
import { draftSequence, seedResearchedLead, type DraftedSequence, type SeededLead } from '#test/helpers/outreach.ts';
import { migratedHome } from '#test/helpers/home.ts';

const OPT_OUT = 'Not the right person? Reply and I will not follow up.';

interface Seeded {
  lead: SeededLead;
  seq: DraftedSequence;
}

let home: string;
let env: NodeJS.ProcessEnv;
const s: Record<'clean' | 'flagged' | 'blocked' | 'toReject' | 'editor', Seeded> = {} as never;

/** Sets a message's verdict and one risk flag, as the drafting step would have stored them. */
async function flag(sql: Sql, messageId: string, grounding: 'flagged' | 'blocked', rule: string, detail: string, excerpt: string) {
  await sql.query(`UPDATE message SET grounding = :g, checked_at = now() + interval '1 second' WHERE id = :id::uuid`, { g: grounding, id: messageId });
  await sql.query(
    `INSERT INTO risk_flag (message_id, rule, severity, detail, excerpt, sentence_index) VALUES (:id::uuid, :rule, :sev, :detail, :excerpt, 0)`,
    { id: messageId, rule, sev: grounding === 'blocked' ? 'block' : 'warn', detail, excerpt },
  );
}

const run = (args: string[], extra: Record<string, string> = {}) => prospector(['drafts', ...args], { ...env, ...extra });

beforeAll(async () => {
  home = await migratedHome('prospector-drafts-');
  env = cliEnv(home);
  const sql = await homeDatabase(home);
  const { workspaceId } = await importOnboarding(sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
  const seed = async (domain: string, name: string): Promise<Seeded> => {
    const lead = await seedResearchedLead(sql, workspaceId, domain, name);
    return { lead, seq: await draftSequence(sql, workspaceId, lead) };
  };
  s.clean = await seed('northwind.example', 'Dana Ruiz');
  s.flagged = await seed('southwind.example', 'Omar Haddad');
  s.blocked = await seed('eastwind.example', 'Lena Park');
  s.toReject = await seed('westwind.example', 'Ivo Sand');
  s.editor = await seed('midwind.example', 'Ana Costa');
  await sql.query(
    `INSERT INTO citation (message_id, research_id, sentence_index, sentence, fact_id) VALUES (:m::uuid, :r::uuid, 0, 'You opened two cross-dock sites.', :f::uuid)`,
    { m: s.clean.seq.messages.a, r: s.clean.lead.researchId, f: s.clean.lead.verifiedFactId },
  );
  for (const x of [s.clean, s.blocked]) {
    await sql.query(`INSERT INTO variant_assignment (experiment_id, lead_id, variant) VALUES (:e::uuid, :l::uuid, 'a')`, { e: x.seq.experimentId, l: x.lead.leadId });
  }
  await flag(sql, s.flagged.seq.messages.followUp, 'flagged', 'missing_opt_out', 'no opt-out line', 'One more thought on the new sites.');
  await sql.query(`UPDATE sequence SET icp_id = (SELECT id FROM icp WHERE slug = 'midmarket-logistics') WHERE id = :id::uuid`, { id: s.flagged.seq.sequenceId });
  await flag(sql, s.blocked.seq.messages.a, 'blocked', 'invented_specific', '"Series C" (name) is not in any cited fact', 'You opened two cross-dock sites.');
}, 300_000);

afterAll(async () => {
  await closeCliDatabases();
  await rm(home, { recursive: true, force: true });
});

const ids = (views: SequenceView[]) => views.map((v) => v.id).sort();

// The tests share one home and run in order; generous with time for a loaded machine.
describe('prospector drafts', { timeout: 600_000 }, () => {
  it('lists every sequence whole with --json, and filters by flag, ICP, status and run', async () => {
    const all = await run(['list', '--json']);
    expect(all.code, all.stderr).toBe(0);
    const views = lastJson<SequenceView[]>(all);
    expect(views).toHaveLength(5);
    const clean = views.find((v) => v.id === s.clean.seq.sequenceId)!;
    expect(clean).toMatchObject({ status: 'draft', source: 'template', assignedVariant: 'a', grounding: 'grounded', lead: { email: 'dana@northwind.example' } });
    expect(clean.templateLabel).toMatch(/^template: written from verified facts/);
    expect(clean.steps.map((st) => [st.position, st.kind, st.dayOffset, st.messages.map((m) => m.variant)])).toEqual([
      [1, 'email', 0, ['a', 'b']],
      [2, 'linkedin_connection_note', 1, [null]],
      [3, 'follow_up_email', 3, [null]],
    ]);
    expect(clean.steps[0].messages[0].citations).toEqual([
      { sentenceIndex: 0, sentence: 'You opened two cross-dock sites.', facts: [expect.objectContaining({ localId: 'f1', quote: 'We opened two cross-dock sites', sourceUrl: 'https://northwind.example/' })] },
    ]);
    const blocked = views.find((v) => v.id === s.blocked.seq.sequenceId)!;
    expect(blocked.grounding).toBe('blocked');
    expect(blocked.flagCounts).toEqual({ invented_specific: 1 });

    const byFlag = await run(['list', '--flag', 'missing_opt_out', '--json']);
    expect(ids(lastJson(byFlag))).toEqual([s.flagged.seq.sequenceId]);
    const byIcp = await run(['list', '--icp', 'midmarket-logistics', '--json']);
    expect(ids(lastJson(byIcp))).toEqual([s.flagged.seq.sequenceId]);
    const byRun = await run(['list', '--run', s.clean.lead.runId.slice(0, 8), '--status', 'draft', '--json']);
    expect(ids(lastJson(byRun))).toEqual([s.clean.seq.sequenceId]);

    const text = await run(['list']);
    expect(text.stdout).toMatch(/id\s+status\s+lead\s+company/);
    expect(text.stdout).toContain(`${s.blocked.seq.sequenceId.slice(0, 8)}  draft`);
    expect(text.stdout).toContain('5 sequence(s), 5 awaiting review');

    const badFlag = await run(['list', '--flag', 'typo']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--flag typo: not a checker rule; use any, none or one of unknown_fact');
  });

  it('filters by the rep who sends (--rep), shows the rep in the table, and refuses one who is not a user', async () => {
    const lukas = 'lukas.brenner@tallyhand.com';
    const sql = await homeDatabase(home);
    await sql.query(`UPDATE sequence SET rep_email = :e WHERE id = :id::uuid`, { e: lukas, id: s.toReject.seq.sequenceId });
    try {
      const his = await run(['list', '--rep', 'Lukas.Brenner@tallyhand.com', '--json']);
      expect(his.code, his.stderr).toBe(0);
      expect(ids(lastJson(his))).toEqual([s.toReject.seq.sequenceId]);
      const hers = lastJson<SequenceView[]>(await run(['list', '--rep', 'maya.okafor@tallyhand.com', '--json']));
      expect(hers).toHaveLength(4);
      expect(hers.every((v) => v.repEmail === 'maya.okafor@tallyhand.com')).toBe(true);

      const text = await run(['list', '--status', 'draft']);
      expect(text.stdout).toMatch(/id\s+status\s+lead\s+company\s+icp\s+rep\s+fit/);
      expect(text.stdout).toMatch(new RegExp(`${s.toReject.seq.sequenceId.slice(0, 8)}  draft .* ${lukas.replace(/\./g, '\\.')} `));

      const nobody = await run(['list', '--rep', 'nobody@tallyhand.com']);
      expect(nobody.code).toBe(2);
      expect(nobody.stderr).toContain('--rep nobody@tallyhand.com: not a user of the workspace; use one of lukas.brenner@tallyhand.com, maya.okafor@tallyhand.com');
      // the team view counts the same
      const team = await prospector(['reps', '--json'], env);
      expect(team.code, team.stderr).toBe(0);
      const reps = lastJson<{ workspace: string; reps: { email: string; role: string | null; icps: string[]; sequences: { draft: number } }[] }>(team).reps;
      expect(reps.map((r) => [r.email, r.role, r.icps, r.sequences.draft])).toEqual([
        ['maya.okafor@tallyhand.com', 'admin', [], 4],
        [lukas, 'rep', ['b2b-saas-scaleups', 'midmarket-logistics'], 1],
      ]);
      expect((await prospector(['reps'], env)).stdout).toMatch(/rep +role +new leads from +drafts +responses +approved +active +paused +sent today +tasks/);

      const onOne = await run(['approve', s.clean.seq.sequenceId, '--rep', lukas]);
      expect(onOne.code).toBe(2);
      expect(onOne.stderr).toContain('--run, --icp and --rep select drafts for --all-unflagged only');
    } finally {
      await sql.query(`UPDATE sequence SET rep_email = 'maya.okafor@tallyhand.com' WHERE id = :id::uuid`, { id: s.toReject.seq.sequenceId });
    }
  });

  it('shows a sequence with its steps, both variants, each cited sentence with quote and source, flags and the template label', async () => {
    const r = await run(['show', s.clean.seq.sequenceId.slice(0, 8)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Sequence ${s.clean.seq.sequenceId} · draft · workspace tallyhand`);
    expect(r.stdout).toContain('to Dana Ruiz <dana@northwind.example>, VP Finance at northwind (northwind.example)');
    expect(r.stdout).toContain('source: template: written from verified facts');
    expect(r.stdout).toContain('experiment first-touch-angle: this lead gets variant a');
    expect(r.stdout).toContain('Step 1 · email · day 0');
    expect(r.stdout).toContain(`Variant a (problem) · message ${s.clean.seq.messages.a.slice(0, 8)} · grounded · the variant this lead gets`);
    expect(r.stdout).toContain("Variant b (proof) · message");
    expect(r.stdout).toContain("not this lead's variant: never sent");
    expect(r.stdout).toContain('| You opened two cross-dock sites. [f1] Worth a 15-minute look next week?');
    expect(r.stdout).toContain('f1: "We opened two cross-dock sites" (https://northwind.example/)');
    expect(r.stdout).toContain('Step 2 · linkedin connection note · day 1');

    const blocked = await run(['show', s.blocked.seq.messages.a.slice(0, 8)]);
    expect(blocked.stdout).toContain('BLOCK invented_specific: "Series C" (name) is not in any cited fact');
    expect(blocked.stdout).toContain('Blocked: edit the blocked message(s) first');

    const missing = await run(['show', 'ffffffff']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no sequence or message id starts with ffffffff: list drafts with `prospector drafts list`');
  });

  it('refuses a blocked draft with or without a reason, naming the message and the rule', async () => {
    const r = await run(['approve', s.blocked.seq.sequenceId.slice(0, 8), '--reason', 'I checked it myself']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`sequence ${s.blocked.seq.sequenceId} cannot be approved: a blocked message is never approved as it is, with or without a reason`);
    expect(r.stderr).toContain(`message ${s.blocked.seq.messages.a.slice(0, 8)} (step 1 email, variant a): invented_specific`);
    expect(r.stderr).toContain(`prospector drafts edit ${s.blocked.seq.messages.a.slice(0, 8)}`);
  });

  it('approves a flagged draft only with --reason, and records it', async () => {
    const refused = await run(['approve', s.flagged.seq.sequenceId.slice(0, 8)]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`sequence ${s.flagged.seq.sequenceId} carries 1 risk flag(s)`);
    expect(refused.stderr).toContain(`message ${s.flagged.seq.messages.followUp.slice(0, 8)} (step 3 follow up email) missing_opt_out: no opt-out line`);
    expect(refused.stderr).toContain('--reason');

    const ok = await run(['approve', s.flagged.seq.sequenceId.slice(0, 8), '--reason', 'the signature carries the opt-out', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(lastJson(ok)).toEqual({
      approved: [{ sequenceId: s.flagged.seq.sequenceId, decidedBy: 'maya.okafor@tallyhand.com', flagsOverridden: 1, reason: 'the signature carries the opt-out' }],
    });
    // Decided: its words are frozen.
    const edit = await run(['edit', s.flagged.seq.messages.a.slice(0, 8), '--body-file', join(home, 'nothing.txt')]);
    expect(edit.stderr).toContain(`--body-file ${join(home, 'nothing.txt')}: file not found`);
    const frozen = await run(['edit', s.flagged.seq.messages.a.slice(0, 8)], { EDITOR: 'true', VISUAL: '' });
    expect(frozen.stderr).toContain(`sequence ${s.flagged.seq.sequenceId.slice(0, 8)} is approved: its words are frozen once decided on`);
  });

  it('edits a blocked message from a body file; the checker passes it and it can be approved', async () => {
    const file = join(home, 'fixed.txt');
    await writeFile(file, `Subject: Two new cross-dock sites\n\nYou opened two cross-dock sites [f1]. Worth a 15-minute look next week? ${OPT_OUT}\n`);
    const r = await run(['edit', s.blocked.seq.messages.a.slice(0, 8), '--body-file', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r)).toMatchObject({ changed: true, before: 'blocked', grounding: 'grounded', findings: [], subject: 'Two new cross-dock sites', citedSentences: 1 });

    // A new invented specific is caught the same way in a rep's words.
    await writeFile(file, `You opened two cross-dock sites after your Series C. ${OPT_OUT}`);
    const bad = await run(['edit', s.blocked.seq.sequenceId.slice(0, 8), '--step', '1', '--body-file', file]);
    expect(bad.code, bad.stderr).toBe(0);
    expect(bad.stdout).toContain(`Saved: message ${s.blocked.seq.messages.a.slice(0, 8)} (step 1 email, variant a) is now blocked (was grounded)`);
    expect(bad.stdout).toMatch(/BLOCK invented_specific: "Series C"/);
    expect(bad.stdout).toContain(`It cannot be approved until edited again: prospector drafts edit ${s.blocked.seq.messages.a.slice(0, 8)}`);

    await writeFile(file, `You opened two cross-dock sites [f1]. Worth a 15-minute look next week? ${OPT_OUT}`);
    const fixed = await run(['edit', s.blocked.seq.messages.a.slice(0, 8), '--body-file', file]);
    expect(fixed.stdout).toContain('is now grounded (was blocked)');
    const ok = await run(['approve', s.blocked.seq.sequenceId.slice(0, 8)]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`Approved sequence ${s.blocked.seq.sequenceId.slice(0, 8)} as maya.okafor@tallyhand.com`);
  });

  it('opens $EDITOR on the subject and body with citation markers, and saves what the rep wrote', async () => {
    const script = join(home, 'editor.sh');
    const seen = join(home, 'offered.txt');
    await writeFile(script, `#!/bin/sh\ncp "$1" "${seen}"\nsed -i 's/Keelhaul Freight cut invoice time by 72%\\./Teams like yours cut invoice time./' "$1"\necho "${OPT_OUT}" >> "$1"\n`);
    await chmod(script, 0o755);
    const r = await run(['edit', s.editor.seq.sequenceId.slice(0, 8), '--variant', 'b', '--by', 'lukas.brenner@tallyhand.com'], { EDITOR: script, VISUAL: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(seen, 'utf8')).toBe('Subject: Keelhaul Freight\n\nKeelhaul Freight cut invoice time by 72%. Worth a 15-minute look next week?\n');
    expect(r.stdout).toContain(`Saved: message ${s.editor.seq.messages.b.slice(0, 8)} (step 1 email, variant b) is now grounded`);

    // Saving without a change writes nothing; a failing editor saves nothing.
    const same = await run(['edit', s.editor.seq.messages.linkedin.slice(0, 8)], { EDITOR: 'true', VISUAL: '' });
    expect(same.stdout).toContain(`No change: message ${s.editor.seq.messages.linkedin.slice(0, 8)} (step 2 linkedin connection note) stays grounded.`);
    const failed = await run(['edit', s.editor.seq.messages.linkedin.slice(0, 8)], { EDITOR: 'false', VISUAL: '' });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain('the editor "false" exited with 1: nothing was saved');
    const ambiguous = await run(['edit', s.editor.seq.sequenceId.slice(0, 8)], { EDITOR: 'true', VISUAL: '' });
    expect(ambiguous.stderr).toContain(`step 1 of sequence ${s.editor.seq.sequenceId.slice(0, 8)} has variants a (message ${s.editor.seq.messages.a.slice(0, 8)}) and b`);
  });

  it('rejects only with --reason, and keeps the reason', async () => {
    const refused = await run(['reject', s.toReject.seq.sequenceId.slice(0, 8)]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`rejecting ${s.toReject.seq.sequenceId.slice(0, 8)} needs --reason TEXT`);
    const r = await run(['reject', s.toReject.seq.sequenceId.slice(0, 8), '--reason', 'wrong persona', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r)).toEqual({ sequenceId: s.toReject.seq.sequenceId, decidedBy: 'maya.okafor@tallyhand.com', reason: 'wrong persona' });
  });

  it('bulk-approves the drafts with no flag, leaves one whose lead opted out since, then stats count the approved edits', async () => {
    // an unflagged draft whose lead asked not to be contacted after it was drafted
    const sql = await homeDatabase(home);
    const workspaceId = (await sql.query<{ id: string }>(`SELECT id FROM workspace`)).rows[0].id;
    const lead = await seedResearchedLead(sql, workspaceId, 'optedout.example', 'Max Roe');
    const optedOut = await draftSequence(sql, workspaceId, lead);
    await sql.query(`INSERT INTO suppression (id, workspace_id, kind, value, reason, source) VALUES (gen_random_uuid(), :ws::uuid, 'email', :email, 'asked not to be contacted', 'opt_out')`, { ws: workspaceId, email: lead.email });

    // the list says so beforehand: in words, and as `held` in JSON
    const listed = await run(['list', '--status', 'draft']);
    expect(listed.stdout).toContain(`Not to be contacted now (approval is refused: reject them with the reason):\n  ${optedOut.sequenceId.slice(0, 8)} ${lead.email}: suppressed: asked not to be contacted`);
    const heldJson = lastJson<(SequenceView & { held: string | null })[]>(await run(['list', '--status', 'draft', '--json']));
    expect(heldJson.find((v) => v.id === optedOut.sequenceId)!.held).toBe('suppressed: asked not to be contacted');
    expect(heldJson.find((v) => v.id === s.clean.seq.sequenceId)!.held).toBeNull();
    expect((await run(['show', optedOut.sequenceId.slice(0, 8)])).stdout).toContain(
      '  Not to be contacted now: suppressed: asked not to be contacted (approval is refused: reject it with the reason)',
    );
    expect(lastJson<{ held: string | null }>(await run(['show', optedOut.sequenceId.slice(0, 8), '--json'])).held).toBe('suppressed: asked not to be contacted');

    const r = await run(['approve', '--all-unflagged', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = lastJson<{ approved: { sequenceId: string }[]; left: unknown[] }>(r);
    expect(result.approved.map((a) => a.sequenceId).sort()).toEqual([s.clean.seq.sequenceId, s.editor.seq.sequenceId].sort());
    expect(result.left).toEqual([
      { sequenceId: optedOut.sequenceId, grounding: 'grounded', flags: 0, held: expect.stringContaining(`sequence ${optedOut.sequenceId} cannot be approved: suppressed: asked not to be contacted.`) },
    ]);
    const again = await run(['approve', '--all-unflagged']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Approved 0 draft(s) with no flag in workspace tallyhand. 1 not approved (below, each with the reason).');
    expect(again.stdout).toContain(`  not approved: sequence ${optedOut.sequenceId} cannot be approved: suppressed: asked not to be contacted.`);
    // held drafts are rejected in one go, each with its reason
    expect((await run(['reject', '--all-held', '--reason', 'x'])).stderr).toContain('--all-held rejects each held draft with its own reason: give no id and no --reason');
    expect((await run(['reject'])).stderr).toContain('give the sequence id to reject, or --all-held');
    const cleared = await run(['reject', '--all-held']);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toContain(
      `Rejected 1 held draft(s) in workspace tallyhand.\n  ${optedOut.sequenceId.slice(0, 8)} as maya.okafor@tallyhand.com: "not to be contacted now: suppressed: asked not to be contacted"`,
    );
    expect((await run(['reject', '--all-held'])).stdout).toContain('Rejected 0 held draft(s)');
    // the list gives each ended sequence its reason
    const rejected = (await run(['list', '--status', 'rejected'])).stdout;
    expect(rejected).toContain(`Why they ended or wait:\n`);
    expect(rejected).toContain(`  ${optedOut.sequenceId.slice(0, 8)} rejected: not to be contacted now: suppressed: asked not to be contacted`);
    expect(rejected).toContain(`  ${s.toReject.seq.sequenceId.slice(0, 8)} rejected: wrong persona`);
    const approved = lastJson<SequenceView[]>(await run(['list', '--status', 'approved', '--json']));
    expect(ids(approved)).toEqual([s.clean, s.flagged, s.blocked, s.editor].map((x) => x.seq.sequenceId).sort());
    const byId = new Map(approved.map((v) => [v.id, v]));
    expect(byId.get(s.flagged.seq.sequenceId)!.decisions).toEqual([
      expect.objectContaining({ decision: 'approved', by: 'maya.okafor@tallyhand.com', reason: 'the signature carries the opt-out', flagsOverridden: 1, autopilot: false }),
    ]);
    expect(byId.get(s.blocked.seq.sequenceId)!.steps[0].messages[0]).toMatchObject({ subject: 'Two new cross-dock sites', edits: 3, grounding: 'grounded' });
    const b = byId.get(s.editor.seq.sequenceId)!.steps[0].messages.find((m) => m.variant === 'b')!;
    expect(b).toMatchObject({ body: `Teams like yours cut invoice time. Worth a 15-minute look next week?\n${OPT_OUT}`, edits: 1 });
    expect(byId.get(s.editor.seq.sequenceId)!.decisions[0].by).toBe('maya.okafor@tallyhand.com');

    const stats = await run(['stats', '--json']);
    expect(stats.code, stats.stderr).toBe(0);
    const figures = lastJson<{ overall: { messages: number; edited: number; editedShare: number }; byWeek: { week: string; messages: number }[]; byVariant: { variant: string; messages: number; edited: number }[] }>(stats);
    // Approved by a person: clean, flagged, blocked (edited variant a) and editor (edited variant b).
    expect(figures.overall.edited).toBe(2);
    expect(figures.overall.editedShare).toBeGreaterThan(0);
    expect(figures.byWeek).toHaveLength(1);
    expect(figures.byWeek[0].messages).toBe(figures.overall.messages);
    expect(figures.byVariant.map((v) => [v.variant, v.edited])).toEqual([['a', 1], ['b', 1], ['none', 0]]);
    const text = await run(['stats']);
    expect(text.stdout).toMatch(/How much reps change drafts \(workspace tallyhand\): \d+\.\d% of characters edited over \d+ approved message\(s\), 2 of them edited/);
    expect(text.stdout).toContain('Per ISO week of approval:');
  });

  it("reps hand-over: a departed rep's draft is marked in the list, a dry run says what would move, then it moves re-signed and `drafts show` says where it came from", async () => {
    const gone = 'gus.gone@tallyhand.com';
    const lukas = 'lukas.brenner@tallyhand.com';
    const sql = await homeDatabase(home);
    const { workspaceId } = (await sql.query<{ workspaceId: string }>(`SELECT id AS "workspaceId" FROM workspace WHERE slug = 'tallyhand'`)).rows[0];
    const lead = await seedResearchedLead(sql, workspaceId, 'handover.example', 'Hal Over');
    const seq = await draftSequence(sql, workspaceId, lead);
    // drafted for a rep who has since left, each email signed as drafting signs: the tone's signature on its last lines
    await sql.query(`UPDATE sequence SET rep_email = :gone, tone = jsonb_set(tone, '{signature}', '"Gus Gone"') WHERE id = :id::uuid`, { gone, id: seq.sequenceId });
    await sql.query(`UPDATE message SET body = body || E'\\n\\nBest,\\nGus Gone', checked_at = now() + interval '1 second' WHERE id IN (:a::uuid, :b::uuid, :f::uuid)`, {
      a: seq.messages.a, b: seq.messages.b, f: seq.messages.followUp,
    });
    const id = seq.sequenceId.slice(0, 8);
    const list = (await run(['list', '--status', 'draft'])).stdout;
    expect(list).toContain(`${gone} (no longer a user)`);
    expect(list).toContain(`Their rep is no longer a user (approval is refused: hand them to a rep with \`prospector reps hand-over EMAIL --to REP\`, or reject them):\n  ${id} hal@handover.example: ${gone}`);
    expect((await run(['show', id])).stdout).toContain(`  Its rep ${gone} is no longer a user (approval is refused): \`prospector reps hand-over ${gone} --to REP\` gives it to a rep, re-signed`);

    // FROM is asked for first, then --to
    const bare = await prospector(['reps', 'hand-over'], env);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^error: missing required argument 'from'\n/);
    const noFrom = await prospector(['reps', 'hand-over', '--to', lukas], env);
    expect(noFrom.code).toBe(2);
    expect(noFrom.stderr).toMatch(/^error: missing required argument 'from'\n/);
    const noTo = await prospector(['reps', 'hand-over', gone], env);
    expect(noTo.code).toBe(2);
    expect(noTo.stderr).toMatch(/^error: required option '--to <email>' not specified\n/);

    const nobody = await prospector(['reps', 'hand-over', gone, '--to', 'nobody@tallyhand.com'], env);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain(`--to nobody@tallyhand.com: not a user of this workspace; use one of ${lukas}, maya.okafor@tallyhand.com`);

    const dry = await prospector(['reps', 'hand-over', gone, '--to', lukas, '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`${gone} → ${lukas} (dry run: nothing changed)\ndrafts and responses would move: 1\n  draft ${id}  Hal Over, handover: 3 email(s) re-signed`);
    expect((await sql.query<{ rep_email: string }>(`SELECT rep_email FROM sequence WHERE id = :id::uuid`, { id: seq.sequenceId })).rows[0].rep_email).toBe(gone);

    const byNobody = await prospector(['reps', 'hand-over', gone, '--to', lukas, '--by', 'nobody@tallyhand.com'], env);
    expect(byNobody.code).toBe(2);
    expect(byNobody.stderr).toContain('--by nobody@tallyhand.com: not a user of this workspace');
    const done = await prospector(['reps', 'hand-over', gone, '--to', lukas, '--by', 'Maya.Okafor@tallyhand.com', '--json'], env);
    expect(done.code, done.stderr).toBe(0);
    const r = lastJson<{ workspace: string; from: string; to: string; by: string | null; dryRun: boolean; handedOver: { kind: string; id: string; resigned: number }[]; kept: unknown[] }>(done);
    expect(r).toMatchObject({ workspace: 'tallyhand', from: gone, to: lukas, by: 'maya.okafor@tallyhand.com', dryRun: false, kept: [] });
    expect(r.handedOver).toEqual([expect.objectContaining({ kind: 'sequence', id: seq.sequenceId, resigned: 3 })]);
    const shown = await run(['show', id]);
    expect(shown.stdout).toMatch(new RegExp(`rep ${lukas} \\(handed over from ${gone} on \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} by maya\\.okafor@tallyhand\\.com\\)`));
    expect(shown.stdout).not.toContain('no longer a user');
    // the lead's own view names where the sequence came from
    expect((await prospector(['show', 'hal@handover.example'], env)).stdout).toContain(`rep ${lukas} (handed over from ${gone})`);
    expect(shown.stdout).toContain('| Best,\n    | Lukas Brenner\n    | Account Executive, Tallyhand\n');
  });

  it('approves several ids one by one: a refused one is said with its reason and the others still go; an unknown id approves nothing', async () => {
    const sql = await homeDatabase(home);
    const { workspaceId } = (await sql.query<{ workspaceId: string }>(`SELECT id AS "workspaceId" FROM workspace WHERE slug = 'tallyhand'`)).rows[0];
    const first = await draftSequence(sql, workspaceId, await seedResearchedLead(sql, workspaceId, 'first.example', 'Fay First'));
    const customer = await draftSequence(sql, workspaceId, await seedResearchedLead(sql, workspaceId, 'customer.example', 'Cal Customer'));
    const last = await draftSequence(sql, workspaceId, await seedResearchedLead(sql, workspaceId, 'last.example', 'Lou Last'));
    // the seller lists the company as a customer after its draft was written
    await sql.query(`UPDATE seller_company SET customer_domains = array_append(customer_domains, 'customer.example') WHERE workspace_id = :ws::uuid`, { ws: workspaceId });
    const status = async (id: string) => (await sql.query<{ status: string }>(`SELECT status FROM sequence WHERE id = :id::uuid`, { id })).rows[0].status;
    const [a, held, c] = [first, customer, last].map((x) => x.sequenceId.slice(0, 8));

    const unknown = await run(['approve', a, 'ffffffff', c]);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('error: nothing was approved: 1 of the 3 ids name no draft; correct or leave them out and run it again\n  ffffffff: no sequence or message id starts with ffffffff');
    expect([await status(first.sequenceId), await status(last.sequenceId)]).toEqual(['draft', 'draft']);

    const r = await run(['approve', a, held, c]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`^Approved sequence ${a} as maya\\.okafor@tallyhand\\.com.*\\n`));
    expect(r.stdout).toContain(`\nRefused sequence ${held}: sequence ${customer.sequenceId} cannot be approved: existing customer. Reject it`);
    expect(r.stdout).toMatch(new RegExp(`\\nApproved sequence ${c} as maya\\.okafor@tallyhand\\.com`));
    expect(r.stderr).toContain('error: 2 approved, 1 refused: the refused draft(s) stay in the queue, each with the reason above');
    expect([await status(first.sequenceId), await status(customer.sequenceId), await status(last.sequenceId)]).toEqual(['approved', 'draft', 'approved']);

    // --json names each refused one with its reason
    const again = await run(['approve', held, a, '--json']);
    expect(again.code).toBe(2);
    expect(lastJson(again)).toEqual({
      approved: [],
      refused: [
        { id: customer.sequenceId, reason: expect.stringContaining('cannot be approved: existing customer') },
        { id: first.sequenceId, reason: expect.stringContaining('it is already approved') },
      ],
    });
    expect(again.stderr).toContain('error: 0 approved, 2 refused: the refused draft(s) stay in the queue, each with the reason in `refused`');
    await sql.query(`UPDATE seller_company SET customer_domains = array_remove(customer_domains, 'customer.example') WHERE workspace_id = :ws::uuid`, { ws: workspaceId });
  });

  it('explains itself with examples', async () => {
    const edit = await run(['edit', '--help']);
    expect(edit.stdout).toContain('--body-file <file>');
    expect(edit.stdout).toContain('$ prospector drafts edit 7be41c02 --body-file better.txt');
    expect(edit.stdout).toContain('a sentence left word for word keeps the citations it had');
  });
});
