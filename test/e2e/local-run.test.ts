/**
 * One whole local execution as a user makes it: `prospector start --json` on a new home (the CLI
 * in this process, test/helpers/cli-in-process.ts) over the embedded defaults: PGlite, the folder
 * lake, the bundled directory, the sample web on loopback, the offline researcher; then a second
 * `start` over the unchanged sites. Every part of the file reads these two runs (the whole sample
 * executed twice for the file, not twice a part):
 *
 * - drafting, the acceptance: the database holds one sequence for every researched lead at or
 *   above its ICP's threshold (steps, both first-touch variants, citations to its own verified
 *   facts, a verdict and flags that agree) and none for leads that were skipped, failed or below
 *   the threshold, or whose address is a team's mailbox (the directory's `accounts@`); the second
 *   `start` drafts nothing new and spends no token;
 * - template drafts: every message the templates write for the researched leads passes the
 *   grounding checker, and the run's drafting step stored a sequence for each, with citations to
 *   the very facts of the lead's research;
 * - the run as a whole (research, the lake, the export, the Athena queries' local twins) and the
 *   second run.
 *
 * The paths of drafting (an LLM down, an opt-out, a flagged draft, autopilot) are in drafting.test.ts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadOnboardingFile } from '#core/onboarding/import.ts';
import type { Onboarding } from '#core/onboarding/schema.ts';
import type { Sql } from '#core/ports.ts';
import { assignVariants, draftFromTemplates, matchPersona, quotable } from '#core/outreach/templates.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { exportRun, renderExport } from '#local/export.ts';
import { namedQueries, queryLake } from '#local/lake-query.ts';
import { openLocal, type LocalRuntime } from '#local/runner.ts';
import { cliEnv, closeCliDatabases, homeDatabase, prospector } from '#test/helpers/cli-in-process.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { leadsOfRun } from '#test/helpers/outreach.ts';

/**
 * The bundled directory's one role address: its company fits, its research is kept, and it gets
 * no sequence (a team's mailbox is not a person to write to: lambdas/core/leads/role-address.ts).
 */
const ROLE_LEAD = 'accounts@ironbridge-manufacturing.example';
const ROLE_REASON =
  "accounts@ is a role address (a team's mailbox, not a person): find a named contact at Ironbridge Precision Manufacturing, or let ICP midmarket-logistics draft for team mailboxes (draftRoleAddresses)";

/** Rows in the tables a run writes to. */
async function counts(sql: Sql): Promise<{ leads: number; research: number; llmCalls: number; facts: number }> {
  const q = async (table: string) => (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
  return { leads: await q('lead'), research: await q('research'), llmCalls: await q('llm_call'), facts: await q('fact') };
}
const rows = async <R,>(sql: Sql, text: string): Promise<R[]> => (await sql.query<R & object>(text)).rows;

/** What drafting left in the database after the first run. */
async function draftingAfterFirst(sql: Sql, runId: string) {
  return {
    leads: await leadsOfRun(sql, runId),
    sequences: (await rows<{ n: number }>(sql, 'SELECT count(*)::int AS n FROM sequence'))[0].n,
    steps: await rows<{ sequence: string; kinds: string; first: string }>(
      sql,
      `SELECT s.id AS sequence, string_agg(st.kind || '@' || st.day_offset, ',' ORDER BY st.position) AS kinds,
              (SELECT string_agg(m.variant || ':' || m.angle, ',' ORDER BY m.variant) FROM message m JOIN sequence_step f ON f.id = m.step_id
                WHERE f.sequence_id = s.id AND f.position = 1) AS first
         FROM sequence s JOIN sequence_step st ON st.sequence_id = s.id GROUP BY s.id`,
    ),
    firstTouch: await rows<{ message: string; citations: number; foreign: number }>(
      sql,
      `SELECT m.id AS message, count(c.fact_id)::int AS citations,
              count(c.fact_id) FILTER (WHERE f.research_id <> s.research_id OR NOT f.verified)::int AS foreign
         FROM message m JOIN sequence s ON s.id = m.sequence_id JOIN sequence_step st ON st.id = m.step_id
         LEFT JOIN citation c ON c.message_id = m.id LEFT JOIN fact f ON f.id = c.fact_id
        WHERE st.position = 1 GROUP BY m.id`,
    ),
    verdicts: await rows<{ grounding: string; block: number; warn: number; n: number }>(
      sql,
      `SELECT m.grounding, count(f.id) FILTER (WHERE f.severity = 'block')::int AS block, count(f.id) FILTER (WHERE f.severity = 'warn')::int AS warn,
              count(DISTINCT m.id)::int AS n
         FROM message m LEFT JOIN risk_flag f ON f.message_id = m.id GROUP BY m.grounding`,
    ),
    statuses: await rows<{ status: string; n: number }>(sql, `SELECT status, count(*)::int AS n FROM sequence GROUP BY status`),
    variants: await rows<{ variant: string; n: number }>(sql, `SELECT variant, count(*)::int AS n FROM variant_assignment GROUP BY variant ORDER BY variant`),
    personas: await rows<{ title: string | null; persona: string; icp: string }>(
      sql,
      `SELECT l.title, s.persona_name AS persona, i.slug AS icp FROM sequence s JOIN lead l ON l.id = s.lead_id JOIN icp i ON i.id = s.icp_id`,
    ),
  };
}

interface SampleRun {
  home: string;
  /** The home's runtime over the database the commands keep open, for reading (no sample web of its own). */
  rt: LocalRuntime;
  onboarding: Onboarding;
  first: RunSummary;
  second: RunSummary;
  /** What the database held between the two runs. */
  afterFirst: { counts: Awaited<ReturnType<typeof counts>>; drafting: Awaited<ReturnType<typeof draftingAfterFirst>> };
}
let opened: Promise<SampleRun> | undefined;

/** `prospector start --json` on `home` in this process, as a user runs it; the run summary it prints after its onboarding line. */
async function start(home: string): Promise<RunSummary> {
  const r = await prospector(['start', '--json'], cliEnv(home, { PROSPECTOR_FETCH_TIMEOUT_MS: '3000' }));
  expect(r.code, r.stderr.slice(-2000)).toBe(0);
  return JSON.parse(r.stdout.slice(r.stdout.search(/^\{/m))) as RunSummary;
}

/** The file's two runs of the whole sample from a new home, and what the database held between them. */
function sampleRun(): Promise<SampleRun> {
  opened ??= (async () => {
    const home = await mkdtemp(join(tmpdir(), 'prospector-e2e-'));
    try {
      const first = await start(home);
      const sql = await homeDatabase(home);
      const afterFirst = { counts: await counts(sql), drafting: await draftingAfterFirst(sql, first.runId) };
      const second = await start(home);
      // the database the commands keep open between them, the same after the second as after the first
      const rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' }, sql, sampleWeb: false });
      return { home, rt, onboarding: await loadOnboardingFile(SAMPLE_ONBOARDING), first, second, afterFirst };
    } catch (error) {
      await closeCliDatabases();
      await rm(home, { recursive: true, force: true });
      throw error;
    }
  })();
  return opened;
}

afterAll(async () => {
  const run = await opened?.catch(() => undefined);
  opened = undefined;
  await run?.rt.close();
  await closeCliDatabases();
  if (run) await rm(run.home, { recursive: true, force: true });
});

describe('acceptance: from a fresh home, `prospector start` drafts for every researched lead that fits', () => {
  let first: RunSummary;
  let second: RunSummary;
  let drafting: SampleRun['afterFirst']['drafting'];
  let sequencesAfterSecond: number;
  let secondRunDrafts: number;

  beforeAll(async () => {
    let rt: LocalRuntime;
    ({ rt, first, second, afterFirst: { drafting } } = await sampleRun());
    sequencesAfterSecond = (await rows<{ n: number }>(rt.deps.sql, 'SELECT count(*)::int AS n FROM sequence'))[0].n;
    secondRunDrafts = (await rows<{ n: number }>(rt.deps.sql, `SELECT count(*)::int AS n FROM lead_draft WHERE run_id = '${second.runId}'`))[0].n;
  }, 600_000);

  test('every researched lead at or above its threshold has one sequence of this run, and no other lead has one', () => {
    const { leads, sequences } = drafting;
    const fits = leads.filter((l) => l.status === 'researched' && l.fit !== null && l.fit >= l.threshold);
    // the role address fits as its company does, and is left for a rep to find a person at it
    expect(fits.map((l) => l.email)).toContain(ROLE_LEAD);
    const eligible = fits.filter((l) => l.email !== ROLE_LEAD);
    expect(first.status).toBe('succeeded');
    expect(eligible.length).toBeGreaterThanOrEqual(5);
    for (const l of eligible) expect({ lead: l.email, run: l.sequenceRun, source: l.source }).toEqual({ lead: l.email, run: first.runId, source: 'template' });
    const others = leads.filter((l) => !eligible.includes(l));
    expect(others.filter((l) => l.status === 'researched').length, 'some researched leads are below their threshold').toBeGreaterThan(0);
    expect(others.some((l) => l.status === 'skipped') && others.some((l) => l.status === 'failed')).toBe(true);
    expect(others.filter((l) => l.sequence !== null).map((l) => `${l.email} (${l.status}, fit ${l.fit})`)).toEqual([]);
    expect(sequences).toBe(eligible.length);
  });

  test('each sequence has its steps, both first-touch variants, citations of its own verified facts, and flags that agree with the verdicts', () => {
    const { sequences, steps, firstTouch, verdicts, statuses, variants } = drafting;
    expect(steps).toHaveLength(sequences);
    for (const s of steps) {
      expect(s.kinds).toBe('email@0,linkedin_connection_note@1,follow_up_email@3,follow_up_email@8');
      expect(s.first).toBe('a:problem,b:proof');
    }
    expect(firstTouch).toHaveLength(2 * sequences);
    for (const m of firstTouch) {
      expect(m.citations, m.message).toBeGreaterThan(0);
      expect(m.foreign).toBe(0);
    }
    expect(verdicts.reduce((a, v) => a + v.n, 0)).toBe(5 * sequences);
    for (const v of verdicts) {
      if (v.grounding === 'grounded') expect(v.block + v.warn).toBe(0);
      else if (v.grounding === 'flagged') expect({ block: v.block, warn: v.warn > 0 }).toEqual({ block: 0, warn: true });
      else expect(v.grounding === 'blocked' && v.block > 0).toBe(true);
    }
    // Draft-only by default: nothing is approved without a rep (autopilot is off in the sample).
    expect(statuses).toEqual([{ status: 'draft', n: sequences }]);
    // The first-touch experiment records which variant each drafted lead gets.
    expect(variants.map((v) => v.variant)).toEqual(['a', 'b']);
    expect(variants.reduce((a, v) => a + v.n, 0)).toBe(sequences);
  });

  test('each sequence is written for the persona its lead\'s title matches, the title as the search gave it', async () => {
    const { personas, sequences } = drafting;
    const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
    expect(personas).toHaveLength(sequences);
    expect(personas.filter((p) => p.title !== null).length).toBe(sequences);
    for (const p of personas) {
      const icp = onboarding.icps.find((i) => i.slug === p.icp)!;
      expect(p.persona, `${p.title} (${p.icp})`).toBe(matchPersona(p.title, icp.personas)?.name ?? 'any');
    }
    expect(new Set(personas.map((p) => p.persona)).size).toBeGreaterThan(1);
  });

  test('the run summary counts drafted and not drafted researched leads, with reasons, and the lead counts still add up', () => {
    expect(first.leadsDrafted).toBe(drafting.sequences);
    expect(first.leadsDrafted + first.leadsNotDrafted).toBe(first.leadsResearched);
    // the sample's one rep sends them all (its admin takes no leads unless an ICP names her)
    expect(first.draftedByRep).toEqual([{ rep: 'lukas.brenner@tallyhand.com', sequences: first.leadsDrafted }]);
    expect(first.leadsFound).toBe(first.leadsResearched + first.leadsSkipped + first.leadsFailed + first.duplicates);
    expect(first.notDrafted).toHaveLength(first.leadsNotDrafted);
    expect(first.notDrafted.filter((n) => n.lead === ROLE_LEAD)).toEqual([{ lead: ROLE_LEAD, reason: ROLE_REASON }]);
    for (const n of first.notDrafted.filter((n) => n.lead !== ROLE_LEAD)) expect(n.reason).toMatch(/^fit \d+ is below the ICP's threshold of \d+$/);
  });

  test('a second start on the unchanged sites drafts nothing new and spends no token', () => {
    expect(second.status).toBe('succeeded');
    expect({ calls: second.llmCalls, prompt: second.promptTokens, completion: second.completionTokens, drafted: second.leadsDrafted }).toEqual({ calls: 0, prompt: 0, completion: 0, drafted: 0 });
    expect(sequencesAfterSecond).toBe(drafting.sequences);
    expect(secondRunDrafts).toBe(0);
  });
});

interface Researched {
  researchId: string;
  leadId: string;
  email: string;
  name: string;
  company: string;
  domain: string;
  icpSlug: string;
  fitScore: number;
  findings: Record<string, unknown>;
}

async function researchedLeads(sql: Sql, runId: string): Promise<Researched[]> {
  const r = await sql.query<Researched>(
    `SELECT r.id AS "researchId", l.id AS "leadId", l.email, l.name, c.name AS company, c.domain, i.slug AS "icpSlug",
            r.fit_score AS "fitScore", r.findings
       FROM run_lead rl JOIN research r ON r.id = rl.research_id JOIN lead l ON l.id = rl.lead_id
       JOIN lead_company c ON c.id = l.company_id JOIN icp i ON i.id = coalesce(rl.icp_id, l.icp_id)
      WHERE rl.run_id = :runId::uuid AND rl.status = 'researched' ORDER BY l.email`,
    { runId },
  );
  return r.rows;
}

/** The sequence the run's drafting step wrote for the lead, with how many citations its messages carry. */
async function drafted(sql: Sql, runId: string, lead: Researched): Promise<{ sequenceId: string; citations: number } | undefined> {
  const r = await sql.query<{ sequenceId: string; citations: number }>(
    `SELECT s.id AS "sequenceId", (SELECT count(*) FROM citation c JOIN message m ON m.id = c.message_id WHERE m.sequence_id = s.id)::int AS citations
       FROM sequence s WHERE s.lead_id = :lead::uuid AND s.research_id = :research::uuid AND s.run_id = :run::uuid`,
    { lead: lead.leadId, research: lead.researchId, run: runId },
  );
  return r.rows[0];
}

describe('template drafts for the sample web', () => {
  let rt: LocalRuntime;
  let run: RunSummary;
  let onboarding: Onboarding;
  let leads: Researched[];
  const titles = new Map<string, string>();

  beforeAll(async () => {
    ({ rt, onboarding, first: run } = await sampleRun());
    leads = await researchedLeads(rt.deps.sql, run.runId);
    // The directory has each lead's title; the lead table gets it from the search step later.
    const directory = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'local', 'data', 'lead-directory.json'), 'utf8')) as { lead_email: string; title?: string }[];
    for (const d of directory) if (d.title) titles.set(d.lead_email.toLowerCase(), d.title);
  }, 600_000);

  test('every lead at or above its ICP threshold gets a grounded sequence that quotes its own verified facts', async () => {
    const eligible = leads.filter((l) => l.email !== ROLE_LEAD && l.fitScore >= (onboarding.icps.find((i) => i.slug === l.icpSlug)?.fitThreshold ?? 60));
    expect(run.llmProvider).toBe('offline-heuristic');
    expect(eligible.length).toBeGreaterThanOrEqual(5);
    const variants = assignVariants('first-touch-angle', eligible.map((l) => l.leadId));
    const problems: string[] = [];
    let messages = 0;
    for (const lead of eligible) {
      const facts = await rt.deps.sql.query<{ id: string; category: string; claim: string; quote: string; verified: boolean }>(
        `SELECT local_id AS id, category, claim, quote, verified FROM fact WHERE research_id = :id::uuid ORDER BY local_id`,
        { id: lead.researchId },
      );
      const icp = onboarding.icps.find((i) => i.slug === lead.icpSlug)!;
      const out = draftFromTemplates({
        lead: { name: lead.name, email: lead.email, companyName: lead.company, domain: lead.domain, title: titles.get(lead.email) },
        research: { researchId: lead.researchId, fitScore: lead.fitScore, facts: facts.rows, findings: lead.findings },
        onboarding,
        icp,
      });
      if (!out.drafted) {
        problems.push(`${lead.email}: ${out.reason}`);
        continue;
      }
      const first = out.sequence.steps[0].messages;
      expect(first.map((m) => m.variant)).toEqual(['a', 'b']);
      expect(first.some((m) => m.variant === variants.get(lead.leadId))).toBe(true);
      for (const step of out.sequence.steps) {
        for (const m of step.messages) {
          messages++;
          if (m.check.verdict !== 'grounded') problems.push(`${lead.email} step ${step.position} ${m.angle}: ${JSON.stringify(m.check.findings)}`);
        }
      }
      // The first touch quotes the lead's own verified fact, word for word, with its citation.
      for (const m of first) {
        const cited = m.check.sentences.flatMap((s) => s.validFactIds);
        expect(cited.length, `${lead.email} ${m.angle}`).toBeGreaterThan(0);
        const quote = facts.rows.find((f) => f.id === cited[0])!;
        expect(quote.verified).toBe(true);
        const quoted = /"([^"]+)"/.exec(m.check.body)![1];
        expect(quotable(quote.quote, 1000), `${lead.email} ${m.angle}`).toContain(quoted.replace(/\.{1,3}$/, ''));
      }
      // The run's drafting step stored the lead's sequence, its citations resolved to the facts.
      const stored = await drafted(rt.deps.sql, run.runId, lead);
      expect(stored, lead.email).toBeDefined();
      expect(stored!.citations).toBeGreaterThanOrEqual(2);
    }
    expect(problems, problems.join('\n')).toEqual([]);
    expect(messages).toBe(eligible.length * 5);
    const counts = [...variants.values()];
    expect(Math.abs(counts.filter((v) => v === 'a').length - counts.filter((v) => v === 'b').length)).toBeLessThanOrEqual(1);
  }, 120_000);
});

const normalise = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

describe('a local run on the embedded defaults', () => {
  let rt: LocalRuntime;
  let first: RunSummary;
  let second: RunSummary;
  let afterFirst: SampleRun['afterFirst']['counts'];

  beforeAll(async () => {
    ({ rt, first, second, afterFirst: { counts: afterFirst } } = await sampleRun());
  }, 600_000);

  test('researches at least 20 leads and the run completes despite failing leads', () => {
    expect(first.status).toBe('succeeded');
    expect(first.llmProvider).toBe('offline-heuristic');
    expect(first.leadsResearched).toBeGreaterThanOrEqual(20);
    expect(first.leadsFailed).toBeGreaterThan(0);
    for (const f of first.failures) {
      expect(f.stage).toMatch(/^(search|fetch|clean|research|commit)$/);
      expect(f.error.length).toBeGreaterThan(0);
      expect(f.message.length).toBeGreaterThan(0);
    }
  });

  test('every researched lead has a verified fact whose quote is in the stored clean text of its page', async () => {
    const records = await exportRun(rt.deps.sql, first.runId);
    const researched = records.filter((r) => r.status === 'researched');
    expect(researched.length).toBe(first.leadsResearched);
    for (const record of researched) {
      const verified = record.facts.filter((f) => f.verified);
      expect(verified.length, record.lead).toBeGreaterThan(0);
      const fact = verified[0];
      const page = await rt.deps.sql.query<{ clean_key: string }>(
        `SELECT p.clean_key FROM fact f JOIN page_snapshot p ON p.id = f.snapshot_id
         JOIN research r ON r.id = f.research_id JOIN lead l ON l.id = r.lead_id
         WHERE l.email = :email AND f.quote = :quote LIMIT 1`,
        { email: record.lead, quote: fact.quote },
      );
      const text = (await rt.deps.lake.get(page.rows[0].clean_key))!.toString('utf8');
      expect(normalise(text)).toContain(normalise(fact.quote));
    }
    for (const record of records.filter((r) => r.status !== 'researched')) {
      expect(record.failureReason, record.lead).toBeTruthy();
      expect(record.drafting, record.lead).toBeNull();
    }
  });

  test("the export carries each researched lead's drafting outcome, as the run summary counts and words it", async () => {
    const records = await exportRun(rt.deps.sql, first.runId);
    const drafted = records.filter((r) => r.drafting?.outcome === 'drafted');
    expect(drafted).toHaveLength(first.leadsDrafted);
    for (const r of drafted) expect(r.drafting, r.lead).toMatchObject({ reason: null, source: 'template', sequenceId: expect.any(String), sequenceStatus: 'draft' });
    const notDrafted = records.filter((r) => r.drafting && r.drafting.outcome !== 'drafted').map((r) => ({ lead: r.lead, reason: r.drafting!.reason }));
    expect(notDrafted.sort((a, b) => a.lead.localeCompare(b.lead))).toEqual(first.notDrafted);
    expect(notDrafted).toContainEqual({ lead: ROLE_LEAD, reason: ROLE_REASON });
    // in CSV the outcome is the last column, as JSON
    const csv = renderExport(records, 'csv').split('\n');
    expect(csv[0].split(',').at(-1)).toBe('drafting');
    expect(csv.find((line) => line.startsWith(`${ROLE_LEAD},`))).toContain(`""reason"":""${ROLE_REASON}""`);
  });

  test('the lake holds raw HTML, clean text and research JSONL under the DESIGN.md keys', async () => {
    const lake = rt.deps.lake;
    expect((await lake.list('raw/html/domain=')).some((k) => /^raw\/html\/domain=[a-z0-9.-]+\/[0-9a-f]{64}\.html\.gz$/.test(k))).toBe(true);
    // the fetch metadata of a site's pages is one object per company and run (pipeline/page-sidecars.ts)
    expect((await lake.list('raw/meta/domain=')).some((k) => k === `raw/meta/domain=${k.split('/')[2].slice(7)}/run=${first.runId}.jsonl`)).toBe(true);
    expect((await lake.list('clean/signals/domain=')).every((k) => k.endsWith(`/run=${k.includes(first.runId) ? first.runId : second.runId}.json`))).toBe(true);
    expect((await lake.list('clean/text/domain=')).some((k) => /^clean\/text\/domain=[a-z0-9.-]+\/[0-9a-f]{64}\.md$/.test(k))).toBe(true);
    const parts = await lake.list('research/dt=');
    const mine = parts.filter((k) => k.includes(`/run=${first.runId}/`));
    expect(mine.length).toBeGreaterThanOrEqual(first.leadsResearched);
    const line = JSON.parse((await lake.get(mine[0]))!.toString('utf8').trim());
    expect(line).toMatchObject({ run_id: first.runId, domain: expect.any(String), facts: expect.any(Array) });
    expect(await lake.exists(`runs/${first.runId}/summary.json`)).toBe(true);
  });

  test('a second run adds no leads, no research rows and no LLM calls, and says why it skipped', async () => {
    expect(second.status).toBe('succeeded');
    expect(await counts(rt.deps.sql)).toEqual(afterFirst);
    expect(second.leadsNew).toBe(0);
    expect(second.llmCalls).toBe(0);
    expect(second.leadsResearched).toBe(0);
    const unchanged = second.skipped.filter((s) => s.reason.startsWith('unchanged'));
    expect(unchanged.length).toBe(first.leadsResearched + first.skipped.filter((s) => s.reason.startsWith('not enough evidence')).length);
  });

  test('each run adds up: found = researched + skipped + failed + duplicates, on the first and the second run', () => {
    for (const run of [first, second]) {
      expect(run.leadsFound, run.runId).toBe(run.leadsResearched + run.leadsSkipped + run.leadsFailed + run.duplicates);
    }
    // The directory lists some leads under several ICPs' keywords: each is counted once, as a duplicate after the first.
    expect(first.duplicates).toBeGreaterThan(0);
  });

  test('after a re-run over unchanged sites the export presents the earlier research as current', async () => {
    const again = await exportRun(rt.deps.sql, second.runId);
    const researched = again.filter((r) => r.status === 'researched');
    expect(researched.length).toBe(first.leadsResearched);
    for (const r of researched) {
      expect(r.researchRunId, r.lead).toBe(first.runId);
      expect(r.failureReason, r.lead).toBeNull();
      expect(r.fitScore, r.lead).not.toBeNull();
    }
    expect(again.filter((r) => r.status === 'skipped' && r.fitScore !== null)).toEqual([]);
    // and its outreach as current too: the drafting of the run that did the research
    const before = new Map((await exportRun(rt.deps.sql, first.runId)).map((r) => [r.lead, r.drafting]));
    const drafted = researched.filter((r) => r.drafting?.outcome === 'drafted');
    expect(drafted).toHaveLength(first.leadsDrafted);
    for (const r of researched) expect(r.drafting, r.lead).toEqual(before.get(r.lead));
    for (const r of drafted) expect(r.drafting!.runId, r.lead).toBe(first.runId);
  });

  test('the local twins of the Athena named queries answer over the lake of this run', async () => {
    const queries = await namedQueries();
    expect(Object.keys(queries).sort()).toEqual(['best-fit-leads-this-week', 'facts-for-company', 'failed-leads-by-reason', 'hiring-for-personas', 'leads-by-icp', 'new-signals-since-last-run', 'pricing-changed-this-week']);
    const lake = rt.deps.lake.location;

    const best = await queryLake(lake, queries['best-fit-leads-this-week']);
    expect(best.rows.length).toBe(first.leadsResearched);
    const scores = best.rows.map((r) => Number(r.fit_score));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    const byIcp = await queryLake(lake, queries['leads-by-icp']);
    expect(byIcp.rows.map((r) => r.icp)).toEqual(expect.arrayContaining(['midmarket-logistics', 'b2b-saas-scaleups']));

    const domain = String(best.rows[0].domain);
    const facts = await queryLake(lake, queries['facts-for-company'], [domain]);
    expect(facts.rows.length).toBeGreaterThan(0);
    expect(facts.rows.every((r) => r.domain === domain && r.verified === true && String(r.quote).length > 0)).toBe(true);

    const failed = await queryLake(lake, queries['failed-leads-by-reason']);
    const reasons = failed.rows.map((r) => String(r.reason));
    expect(reasons).toEqual(expect.arrayContaining(['FetchTimeout', 'TooManyRedirects']));
  });
});
