/**
 * A team mailbox (info@, accounts@) as a lead, through the real drafting step on PGlite: no
 * sequence unless its ICP says so (`draftRoleAddresses`), with the reason saying how; with it, the
 * sequence's emails only, greeting the team rather than a first name; and the LLM's prompt told
 * the address is a shared inbox.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { loadOnboardingFile } from '#core/onboarding/import.ts';
import { buildDraftPrompt } from '#core/outreach/compose.ts';
import type { Deps } from '#core/pipeline/deps.ts';
import { draftOutreach, roleAddressReason } from '#core/pipeline/draft-outreach.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { draftingDeps } from '#test/helpers/drafting.ts';
import { seedResearchedLeadOfIcp } from '#test/helpers/outreach.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let db: PgliteSql;
let workspaceId: string;
let icp: { id: string; slug: string };
let dir: string;
let deps: Deps;

beforeAll(async () => {
  ({ db, workspaceId } = await onboardedDb());
  icp = (await db.query<{ id: string; slug: string }>(`SELECT id, slug FROM icp WHERE workspace_id = :ws::uuid AND slug = 'midmarket-logistics'`, { ws: workspaceId })).rows[0];
  dir = await mkdtemp(join(tmpdir(), 'prospector-role-drafting-'));
  deps = draftingDeps(db, dir);
});

afterAll(async () => {
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A researched lead of the ICP, fit 80 (over its threshold), in a run of its own. */
const researched = (domain: string, name: string) => seedResearchedLeadOfIcp(db, workspaceId, icp.id, domain, name);

const stepsOf = async (sequenceId: string) =>
  (await db.query<{ kind: string; body: string }>(
    `SELECT st.kind, m.body FROM sequence_step st JOIN message m ON m.step_id = st.id WHERE st.sequence_id = :s::uuid ORDER BY st.position, m.variant`,
    { s: sequenceId },
  )).rows;

describe('a team mailbox as a lead', () => {
  it('gets no sequence by default, and the reason says how to have one', async () => {
    const lead = await researched('front-desk.example', 'Info Desk');
    expect(lead.email).toBe('info@front-desk.example');
    const out = await draftOutreach(deps, { runId: lead.runId, leadId: lead.leadId, mode: 'template' });
    expect(out).toEqual({ drafted: false, reason: roleAddressReason('info', 'front-desk', 'midmarket-logistics') });
    expect(out.reason).toBe("info@ is a role address (a team's mailbox, not a person): find a named contact at front-desk, or let ICP midmarket-logistics draft for team mailboxes (draftRoleAddresses)");
    expect((await db.query(`SELECT 1 FROM sequence WHERE lead_id = :l::uuid`, { l: lead.leadId })).rows).toEqual([]);
  });

  it('with draftRoleAddresses on its ICP: the emails only, greeting the team, not "Hi Info,"', async () => {
    await db.query(`UPDATE icp SET draft_role_addresses = true WHERE id = :id::uuid`, { id: icp.id });
    try {
      const lead = await researched('counter-shop.example', 'Info Desk');
      const out = await draftOutreach(deps, { runId: lead.runId, leadId: lead.leadId, mode: 'template' });
      expect(out).toMatchObject({ drafted: true, source: 'template' });
      const steps = await stepsOf(out.sequenceId!);
      // the default sequence less its LinkedIn note: first email (two variants) and two follow-ups
      expect(steps.map((s) => s.kind)).toEqual(['email', 'email', 'follow_up_email', 'follow_up_email']);
      for (const s of steps) {
        expect(s.body).not.toMatch(/\bInfo\b/);
        expect(s.body).toMatch(/^(Hi there|Hello),/);
      }

      // a person at a company of the same ICP keeps the whole sequence and the first name
      const person = await researched('counter-shop-2.example', 'Nora Quist');
      const theirs = await stepsOf((await draftOutreach(deps, { runId: person.runId, leadId: person.leadId, mode: 'template' })).sequenceId!);
      expect(theirs.map((s) => s.kind)).toContain('linkedin_connection_note');
      expect(theirs[0].body).toMatch(/^\w+ Nora,/);
    } finally {
      await db.query(`UPDATE icp SET draft_role_addresses = false WHERE id = :id::uuid`, { id: icp.id });
    }
  });

  it("the LLM's prompt says the address is a shared inbox, and a person's does not", async () => {
    const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
    const input = {
      lead: { name: 'Accounts Payable Team', email: 'accounts@ironbridge.example', companyName: 'Ironbridge', domain: 'ironbridge.example', title: 'Purchase Ledger' },
      research: { researchId: randomUUID(), fitScore: 80, facts: [{ id: 'f1', category: 'news', claim: 'Opened a site', quote: 'We opened two cross-dock sites in Ohio', verified: true, sourceUrl: 'https://ironbridge.example/' }], findings: {} },
      onboarding,
      icp: onboarding.icps[0],
    };
    const team = buildDraftPrompt({ ...input, lead: { ...input.lead, teamMailbox: 'accounts' } }).user;
    expect(team).toContain("accounts@ is a team's shared inbox, not one person: greet the team, never a first name");
    expect(buildDraftPrompt(input).user).not.toContain('shared inbox');
  });
});
