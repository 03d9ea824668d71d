/**
 * Template drafting over the sample web's real research: one local execution (offline
 * researcher), then a template sequence for every researched lead at or above its ICP's fit
 * threshold. Every message must pass the grounding checker, and the run's drafting step must
 * have stored a sequence for each of them (citations to the very facts of the lead's research).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { Onboarding } from '#core/onboarding/schema.ts';
import type { Sql } from '#core/ports.ts';
import { assignVariants, draftFromTemplates, quotable } from '#core/outreach/templates.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { SAMPLE_ONBOARDING } from '../helpers/db.ts';
import { migratedHome } from '../helpers/home.ts';

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
  let home: string;
  let rt: LocalRuntime;
  let run: RunSummary;
  let onboarding: Onboarding;
  let leads: Researched[];
  const titles = new Map<string, string>();

  beforeAll(async () => {
    home = await migratedHome('prospector-outreach-');
    rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_FETCH_TIMEOUT_MS: '3000' }, sampleWebSlowMs: 10_000 });
    onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
    await importOnboarding(rt.deps.sql, onboarding);
    run = await runOnce(rt);
    leads = await researchedLeads(rt.deps.sql, run.runId);
    // The directory has each lead's title; the lead table gets it from the search step later.
    const directory = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'local', 'data', 'lead-directory.json'), 'utf8')) as { lead_email: string; title?: string }[];
    for (const d of directory) if (d.title) titles.set(d.lead_email.toLowerCase(), d.title);
  }, 300_000);

  afterAll(async () => {
    await rt?.close();
    await rm(home, { recursive: true, force: true });
  });

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
