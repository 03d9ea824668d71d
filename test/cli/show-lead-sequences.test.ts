/**
 * `prospector show LEAD` lists the lead's outreach: each sequence with its status, who wrote it
 * (template or model), its steps with the checker's verdicts and flags, decisions, and the
 * `drafts show` command to review it — as text and with `--json`, through the real CLI on a
 * PGlite home; a lead with no sequence says so.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import type { LeadShow } from '#local/commands/show.ts';
import { cliEnv, closeCliDatabases, homeDatabase, lastJson, prospector } from '#test/helpers/cli-in-process.ts';
import { decide, draftSequence, seedResearchedLead, type DraftedSequence, type SeededLead } from '#test/helpers/outreach.ts';
import { migratedHome } from '#test/helpers/home.ts';

let home: string;
let env: NodeJS.ProcessEnv;
let drafted: { lead: SeededLead; seq: DraftedSequence };
let approved: { lead: SeededLead; seq: DraftedSequence };
let bare: SeededLead;

beforeAll(async () => {
  home = await migratedHome('prospector-show-seq-');
  env = cliEnv(home);
  const sql = await homeDatabase(home);
  const { workspaceId } = await importOnboarding(sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
  const lead = await seedResearchedLead(sql, workspaceId, 'northwind.example', 'Dana Ruiz');
  drafted = { lead, seq: await draftSequence(sql, workspaceId, lead) };
  // the follow-up carries a risk flag; the lead was assigned variant a
  await sql.query(`UPDATE message SET grounding = 'flagged', checked_at = now() + interval '1 second' WHERE id = :id::uuid`, { id: drafted.seq.messages.followUp });
  await sql.query(
    `INSERT INTO risk_flag (message_id, rule, severity, detail, excerpt, sentence_index) VALUES (:id::uuid, 'missing_opt_out', 'warn', 'no opt-out line', 'One more thought.', 0)`,
    { id: drafted.seq.messages.followUp },
  );
  await sql.query(`INSERT INTO variant_assignment (experiment_id, lead_id, variant) VALUES (:e::uuid, :l::uuid, 'a')`, { e: drafted.seq.experimentId, l: lead.leadId });
  const other = await seedResearchedLead(sql, workspaceId, 'southwind.example', 'Omar Haddad');
  approved = { lead: other, seq: await draftSequence(sql, workspaceId, other) };
  await decide(sql, approved.seq.sequenceId, 'approved');
  bare = await seedResearchedLead(sql, workspaceId, 'eastwind.example', 'Lena Park');
}, 300_000);

afterAll(async () => {
  await closeCliDatabases();
  await rm(home, { recursive: true, force: true });
});

describe('prospector show LEAD lists its sequence', { timeout: 600_000 }, () => {
  it('as JSON: status, source, steps with verdicts and flags, and the drafts command to review it', async () => {
    const r = await prospector(['show', drafted.lead.email, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const shown = lastJson<LeadShow>(r);
    expect(shown.sequences).toHaveLength(1);
    const q = shown.sequences[0];
    expect(q).toMatchObject({
      id: drafted.seq.sequenceId,
      status: 'draft',
      source: 'template',
      templateLabel: expect.stringContaining('template'),
      assignedVariant: 'a',
      grounding: 'flagged',
      flagCounts: { missing_opt_out: 1 },
      review: `prospector drafts show ${drafted.seq.sequenceId.slice(0, 8)}`,
    });
    expect(q.steps.map((st) => [st.position, st.kind, st.dayOffset, st.messages.map((m) => [m.variant, m.sendable, m.grounding])])).toEqual([
      [1, 'email', 0, [['a', true, 'grounded'], ['b', false, 'grounded']]],
      [2, 'linkedin_connection_note', 1, [[null, true, 'grounded']]],
      [3, 'follow_up_email', 3, [[null, true, 'flagged']]],
    ]);
    expect(q.steps[2].messages[0]).toMatchObject({ id: drafted.seq.messages.followUp, flags: ['missing_opt_out'] });
  });

  it('as text, and a decided sequence with its decision; a lead with none says so', async () => {
    const text = await prospector(['show', drafted.lead.email], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Outreach (1 sequence):');
    expect(text.stdout).toMatch(new RegExp(`${drafted.seq.sequenceId.slice(0, 8)} · draft · template \\(no language model\\)`));
    expect(text.stdout).toContain(' · rep maya.okafor@tallyhand.com · drafted ');
    expect(text.stdout).toContain('verdict: flagged · flags: missing_opt_out ×1 · variant a goes out');
    expect(text.stdout).toMatch(/ 1\. day  0 {2}email +a: grounded · b \(not sent\): grounded/);
    expect(text.stdout).toMatch(/ 3\. day  3 {2}follow up email +flagged \[missing_opt_out\]/);
    expect(text.stdout).toContain(`review: prospector drafts show ${drafted.seq.sequenceId.slice(0, 8)}`);

    const decided = await prospector(['show', approved.lead.email], env);
    expect(decided.code, decided.stderr).toBe(0);
    expect(decided.stdout).toMatch(new RegExp(`${approved.seq.sequenceId.slice(0, 8)} · approved`));
    expect(decided.stdout).toMatch(/approved by \S+ on \d{4}-\d{2}-\d{2}/);

    const none = await prospector(['show', bare.email, '--json'], env);
    expect(none.code, none.stderr).toBe(0);
    expect(lastJson<LeadShow>(none).sequences).toEqual([]);
    const noneText = await prospector(['show', bare.email], env);
    expect(noneText.stdout).toContain('Outreach: no sequence drafted');
  });

  it("says why drafting left a lead out, and what keeps it from being contacted, as the lead page does", async () => {
    const sql = await homeDatabase(home);
    const workspaceId = (await sql.query<{ id: string }>(`SELECT id FROM workspace`)).rows[0].id;
    const team = await seedResearchedLead(sql, workspaceId, 'team-mailbox.example', 'Accounts Payable');
    const reason = "accounts@ is a role address (a team's mailbox, not a person): find a named contact at team-mailbox";
    await sql.query(`INSERT INTO lead_draft (run_id, lead_id, outcome, reason) VALUES (:run::uuid, :lead::uuid, 'not_drafted', :reason)`, { run: team.runId, lead: team.leadId, reason });
    const shown = lastJson<LeadShow>(await prospector(['show', team.email, '--json'], env));
    expect(shown).toMatchObject({ sequences: [], drafting: { outcome: 'not_drafted', reason, runId: team.runId }, excluded: null });
    expect((await prospector(['show', team.email], env)).stdout).toContain(`Outreach: no sequence drafted (not drafted in run ${team.runId.slice(0, 8)}: ${reason}).`);

    // the seller's customers (Keelhaul Freight in the sample onboarding) are left alone: said beside the sequence
    const customer = await seedResearchedLead(sql, workspaceId, 'keelhaul-freight.example', 'Dana Ruiz');
    await draftSequence(sql, workspaceId, customer);
    const text = (await prospector(['show', customer.email], env)).stdout;
    expect(text).toMatch(/Outreach \(1 sequence\):\n {2}Not contacted: existing customer\.\n/);
  });
});
