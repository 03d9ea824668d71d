/**
 * Which rep a lead's sequence goes to, through the onboarding file and the real drafting step on
 * PGlite: an ICP's `reps` share its leads by load (ties to the one listed first), a company
 * already in a sequence stays with its rep, a rejected draft makes no one the company's rep, and
 * the draft carries the assigned rep's signature. A rep who is not a user is refused at its field.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { exportOnboarding } from '#core/onboarding/export.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { checkOnboarding, type Onboarding } from '#core/onboarding/schema.ts';
import { repCandidates } from '#core/outreach/assign-rep.ts';
import { approveSequence, rejectSequence } from '#core/outreach/repository.ts';
import type { Deps } from '#core/pipeline/deps.ts';
import { draftOutreach } from '#core/pipeline/draft-outreach.ts';
import { summarizeRun } from '#core/pipeline/finish-run.ts';
import { loadTeam } from '#core/views/team.ts';
import { formatSummary } from '#local/format.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { draftingDeps } from '#test/helpers/drafting.ts';
import { seedResearchedLeadOfIcp } from '#test/helpers/outreach.ts';

const LUKAS = 'lukas.brenner@tallyhand.com';
const ANA = 'ana.silva@tallyhand.com';
const BEN = 'ben.okoro@tallyhand.com';

let db: PgliteSql;
let workspaceId: string;
let icpId: string;
let dir: string;
let deps: Deps;
let sample: Onboarding;

/** The sample onboarding with two more reps, and the first ICP's leads shared among `reps`. */
function withTeam(reps: string[]): Onboarding {
  const extra = (name: string, email: string) => ({
    name, email, title: 'Account Executive', timezone: 'Europe/Lisbon', role: 'rep' as const, signature: `${name}\nAccount Executive, Tallyhand`, calendarLink: null,
  });
  return {
    ...sample,
    users: [...sample.users, extra('Ana Silva', ANA), extra('Ben Okoro', BEN)],
    icps: sample.icps.map((icp, i) => (i === 0 ? { ...icp, reps } : icp)),
  };
}

beforeAll(async () => {
  ({ db, workspaceId } = await onboardedDb());
  sample = await loadOnboardingFile(SAMPLE_ONBOARDING);
  icpId = (await db.query<{ id: string }>(`SELECT id FROM icp WHERE workspace_id = :ws::uuid AND slug = :slug`, { ws: workspaceId, slug: sample.icps[0].slug })).rows[0].id;
  dir = await mkdtemp(join(tmpdir(), 'prospector-assign-rep-'));
  deps = draftingDeps(db, dir);
});

afterAll(async () => {
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

async function drafted(domain: string, name: string, companyOf?: string) {
  const lead = await seedResearchedLeadOfIcp(db, workspaceId, icpId, domain, name, companyOf);
  const out = await draftOutreach(deps, { runId: lead.runId, leadId: lead.leadId, mode: 'template' });
  expect(out, domain).toMatchObject({ drafted: true, inserted: true });
  const seq = (await db.query<{ rep_email: string; rep_id: string | null }>(`SELECT rep_email, rep_id FROM sequence WHERE id = :s::uuid`, { s: out.sequenceId! })).rows[0];
  expect(seq.rep_email).toBe(out.rep);
  expect(seq.rep_id, 'the sequence points at the user').not.toBeNull();
  return { ...lead, sequenceId: out.sequenceId!, rep: out.rep!, why: out.repReason! };
}

describe("an ICP's reps in the onboarding file", () => {
  it('must be users of the workspace, each once; the error names the field', () => {
    const input = structuredClone(withTeam([]));
    input.icps[0].reps = ['ana.silva@tallyhand.com', 'nobody@tallyhand.com', 'ANA.SILVA@tallyhand.com', 'not an email'];
    const r = checkOnboarding(input);
    expect(r.success).toBe(false);
    const issues = r.success ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues).toContain(`icps[0].reps[1]: "nobody@tallyhand.com" is not one of the users (users: "maya.okafor@tallyhand.com", "${LUKAS}", "${ANA}", "${BEN}")`);
    expect(issues).toContain('icps[0].reps[2]: duplicates icps[0].reps[0] ("ana.silva@tallyhand.com")');
    expect(issues).toContain('icps[0].reps[3]: must be the email address of one of the users');
    expect(issues).toHaveLength(3);
  });

  it('are saved and exported in their order; left empty, every user whose role is rep', async () => {
    await importOnboarding(db, withTeam([BEN, ANA]));
    const exported = await exportOnboarding(db, workspaceId);
    expect(exported.icps.find((i) => i.slug === sample.icps[0].slug)?.reps).toEqual([BEN, ANA]);
    expect(exported.icps.find((i) => i.slug === sample.icps[1].slug)?.reps).toEqual([]);
    const team = withTeam([]);
    // the sample's admin (Maya) takes no leads unless an ICP names her
    expect(repCandidates(team, team.icps[0])).toEqual([LUKAS, ANA, BEN]);
    expect(repCandidates(sample, sample.icps[0])).toEqual([LUKAS]);
    expect(repCandidates({ users: sample.users.map((u) => ({ ...u, role: 'admin' as const })) }, sample.icps[0])).toEqual(['maya.okafor@tallyhand.com', LUKAS]);
    expect(repCandidates(team, { reps: ['maya.okafor@tallyhand.com'] })).toEqual(['maya.okafor@tallyhand.com']);
  });
});

describe('drafting gives each sequence a rep', () => {
  it("shares the ICP's leads by open sequences, ties to the rep listed first, and signs as that rep", async () => {
    await importOnboarding(db, withTeam([ANA, BEN, LUKAS]));
    // no sequence in this database yet: the counts start at nothing
    const before = new Map((await db.query<{ rep_email: string; n: number }>(
      `SELECT rep_email, count(*)::int AS n FROM sequence WHERE workspace_id = :ws::uuid AND status IN ('draft', 'approved', 'active', 'paused') GROUP BY rep_email`, { ws: workspaceId },
    )).rows.map((r) => [r.rep_email, r.n]));
    expect(before.size).toBe(0);

    const reps: string[] = [];
    for (let i = 1; i <= 6; i++) reps.push((await drafted(`share-${i}.example`, `Dana Share${i}`)).rep);
    expect(reps).toEqual([ANA, BEN, LUKAS, ANA, BEN, LUKAS]);

    const last = await drafted('share-7.example', 'Dana Share7');
    expect(last.rep).toBe(ANA);
    expect(last.why).toBe(`${ANA} has the fewest open sequences of 3 reps (2)`);
    // the template signs with the assigned rep's signature, not the first rep's
    const bodies = (await db.query<{ body: string }>(
      `SELECT m.body FROM message m JOIN sequence_step st ON st.id = m.step_id WHERE st.sequence_id = :s::uuid AND st.kind = 'email'`, { s: last.sequenceId },
    )).rows;
    expect(bodies.length).toBeGreaterThan(0);
    for (const b of bodies) {
      expect(b.body).toContain('Ana Silva\nAccount Executive, Tallyhand');
      expect(b.body).not.toContain('Lukas');
    }
  });

  it("keeps a company with its rep, whatever the load, until that rep's draft is rejected", async () => {
    // open so far: Ana 3, Ben 2, Lukas 2
    const first = await drafted('owned.example', 'Dana Owned');
    expect(first.rep).toBe(BEN); // tied with Lukas, listed first
    const colleague = await drafted('owned-colleague.example', 'Kim Colleague', first.leadId);
    expect(colleague.rep).toBe(BEN); // Lukas has the fewest now, but Ben has the company
    expect(colleague.why).toBe(`${BEN} already has this company`);
    expect((await drafted('elsewhere.example', 'Ray Elsewhere')).rep).toBe(LUKAS);

    // both of Ben's drafts there rejected: the company has no rep, and the load decides (Ana 3, Ben 2, Lukas 3)
    for (const s of [first.sequenceId, colleague.sequenceId]) await rejectSequence(db, s, { reason: 'wrong contact' });
    const third = await drafted('owned-third.example', 'Lee Third', first.leadId);
    expect(third.rep).toBe(BEN);
    expect(third.why).toBe(`${BEN} has the fewest open sequences of 3 reps (2)`);
  });

  it('a company with a rep who is not on this ICP stays with that rep, and one who left the workspace does not hold it', async () => {
    await importOnboarding(db, withTeam([LUKAS]));
    const owned = (await db.query<{ lead_id: string }>(
      `SELECT s.lead_id FROM sequence s WHERE s.workspace_id = :ws::uuid AND s.rep_email = :ana AND s.status = 'draft' ORDER BY s.created_at LIMIT 1`, { ws: workspaceId, ana: ANA },
    )).rows[0].lead_id;
    expect((await drafted('ana-account.example', 'Pat Account', owned)).rep).toBe(ANA);
    expect((await drafted('fresh.example', 'Sam Fresh')).rep).toBe(LUKAS);

    // Ana leaves: a re-import without her; her company goes to the ICP's rep
    const team = withTeam([LUKAS]);
    await importOnboarding(db, { ...team, users: team.users.filter((u) => u.email !== ANA) });
    const after = await drafted('ana-account-2.example', 'Jo Account', owned);
    expect(after.rep).toBe(LUKAS);
  });

  it("the run's summary counts its drafted sequences by rep, and the printed summary says so", async () => {
    await importOnboarding(db, withTeam([ANA, BEN, LUKAS]));
    const first = await seedResearchedLeadOfIcp(db, workspaceId, icpId, 'one-run-1.example', 'Ada One');
    const others = [await seedResearchedLeadOfIcp(db, workspaceId, icpId, 'one-run-2.example', 'Bo Two'), await seedResearchedLeadOfIcp(db, workspaceId, icpId, 'one-run-3.example', 'Cy Three')];
    // the three leads in one run, as a search would bring them
    for (const o of others) await db.query(`UPDATE run_lead SET run_id = :run::uuid WHERE lead_id = :lead::uuid`, { run: first.runId, lead: o.leadId });
    const reps: string[] = [];
    for (const l of [first, ...others]) {
      const out = await draftOutreach(deps, { runId: first.runId, leadId: l.leadId, mode: 'template' });
      expect(out.drafted).toBe(true);
      reps.push(out.rep!);
    }
    const summary = await summarizeRun(db, first.runId);
    expect(summary.leadsDrafted).toBe(3);
    const expected = [...new Set(reps)].map((rep) => ({ rep, sequences: reps.filter((r) => r === rep).length }))
      .sort((a, b) => b.sequences - a.sequences || a.rep.localeCompare(b.rep));
    expect(summary.draftedByRep).toEqual(expected);
    expect(summary.draftedByRep.reduce((n, r) => n + r.sequences, 0)).toBe(summary.leadsDrafted);
    expect(formatSummary(summary)).toContain(`drafts: drafted 3 (by rep: ${expected.map((r) => `${r.rep} ${r.sequences}`).join(', ')}) · not drafted 0`);
  });

  it('the team view: what each rep carries, a new mailbox warming up, and someone removed who is still named on drafts', async () => {
    const now = new Date('2026-12-02T12:00:00Z');
    const anaDraft = (await db.query<{ id: string }>(`SELECT id FROM sequence WHERE rep_email = :e AND status = 'draft' ORDER BY created_at LIMIT 1`, { e: ANA })).rows[0].id;
    await approveSequence(db, anaDraft, { by: ANA, reason: 'the flags are fine here', now });
    // Ben leaves: a re-import without him; his drafts stay where they are
    const team = withTeam([ANA, LUKAS]);
    await importOnboarding(db, { ...team, users: team.users.filter((u) => u.email !== BEN) });

    const members = await loadTeam(db, workspaceId, now);
    expect(members.map((m) => [m.email, m.role])).toEqual([['maya.okafor@tallyhand.com', 'admin'], [ANA, 'rep'], [LUKAS, 'rep'], [BEN, null]]);
    const open = async (email: string) => {
      const r = await db.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM sequence WHERE workspace_id = :ws::uuid AND rep_email = :e AND status IN ('draft', 'approved', 'active', 'paused') GROUP BY status`, { ws: workspaceId, e: email },
      );
      const by = Object.fromEntries(r.rows.map((x) => [x.status, x.n]));
      return { draft: by.draft ?? 0, approved: by.approved ?? 0, active: by.active ?? 0, paused: by.paused ?? 0 };
    };
    for (const m of members) expect(m.sequences, m.email).toEqual(await open(m.email));
    const [maya, ana, lukas, ben] = members;
    // the first ICP names Ana and Lukas, the second names none (every rep), the third is paused
    expect(ana.icps).toEqual(['b2b-saas-scaleups', 'midmarket-logistics']);
    expect(lukas.icps).toEqual(['b2b-saas-scaleups', 'midmarket-logistics']);
    expect(maya.icps).toEqual([]);
    // approving made Ana's mailbox on her address, in its first week of warm-up
    expect(ana.sequences.approved).toBe(1);
    expect(ana.mailbox).toEqual({ address: ANA, active: true, capToday: 5, sentToday: 0 });
    expect(lukas.mailbox).toBeNull();
    expect(ben).toMatchObject({ name: null, icps: [], mailbox: null, openTasks: 0 });
    expect(ben.sequences.draft).toBeGreaterThan(0);
    // and a draft of Ben's is not approved: it would go out from his address under his signature
    const bens = (await db.query<{ id: string }>(`SELECT id FROM sequence WHERE rep_email = :e AND status = 'draft' LIMIT 1`, { e: BEN })).rows[0].id;
    await expect(approveSequence(db, bens, { by: ANA, reason: 'looks fine', now })).rejects.toThrow(`its rep ${BEN} is no longer a user of this workspace`);
    expect((await db.query<{ status: string }>(`SELECT status FROM sequence WHERE id = :id::uuid`, { id: bens })).rows[0].status).toBe('draft');
  });
});
