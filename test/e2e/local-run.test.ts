/**
 * One whole local execution through the state machine on the embedded defaults: PGlite, the
 * folder lake, the bundled directory, the sample web on loopback, the offline researcher; then
 * what its drafting step made of the research, and a second run over the unchanged sites.
 *
 * Both parts read the same first run (one execution of the whole sample for the file): template
 * drafting first, since it reads only that run (a template sequence for every researched lead at
 * or above its ICP's fit threshold; every message passes the grounding checker, and the run's
 * drafting step stored a sequence for each, with citations to the very facts of the lead's
 * research), then the run as a whole and the second run.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { Onboarding } from '#core/onboarding/schema.ts';
import type { Sql } from '#core/ports.ts';
import { assignVariants, draftFromTemplates, quotable } from '#core/outreach/templates.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { exportRun } from '#local/export.ts';
import { namedQueries, queryLake } from '#local/lake-query.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { SAMPLE_ONBOARDING } from '../helpers/db.ts';
import { migratedHome } from '../helpers/home.ts';

interface SampleRun {
  home: string;
  rt: LocalRuntime;
  onboarding: Onboarding;
  first: RunSummary;
}
let opened: Promise<SampleRun> | undefined;

/** The file's sample run: the sample seller onboarded into a migrated home, one execution of the whole directory. */
function sampleRun(): Promise<SampleRun> {
  opened ??= (async () => {
    const home = await migratedHome('prospector-e2e-');
    const rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_FETCH_TIMEOUT_MS: '3000' }, sampleWebSlowMs: 10_000 });
    try {
      const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
      await importOnboarding(rt.deps.sql, onboarding);
      return { home, rt, onboarding, first: await runOnce(rt) };
    } catch (error) {
      await rt.close();
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
  if (run) await rm(run.home, { recursive: true, force: true });
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
  }, 480_000);

  test('every lead at or above its ICP threshold gets a grounded sequence that quotes its own verified facts', async () => {
    const eligible = leads.filter((l) => l.fitScore >= (onboarding.icps.find((i) => i.slug === l.icpSlug)?.fitThreshold ?? 60));
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
  const counts = async () => {
    const q = async (table: string) => (await rt.deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    return { leads: await q('lead'), research: await q('research'), llmCalls: await q('llm_call'), facts: await q('fact') };
  };
  let afterFirst: Awaited<ReturnType<typeof counts>>;

  beforeAll(async () => {
    ({ rt, first } = await sampleRun());
    afterFirst = await counts();
    second = await runOnce(rt);
  }, 480_000);

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
    }
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
    expect(await counts()).toEqual(afterFirst);
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
