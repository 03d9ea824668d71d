/**
 * CommitResearch over a real local execution (state machine, PGlite, lake, sample web, offline
 * researcher): a lead committed with too little evidence is skipped with a reason that says
 * which evidence was missing, taken from the stored findings; a researched lead has no reason.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { parseFindings } from '#core/research/records.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { migratedHome } from '#test/helpers/home.ts';

const LEADS = [
  { company_name: 'Pipewright', company_website: 'https://pipewright.example', lead_email: 'florian.maier@pipewright.example', lead_name: 'Florian Maier' },
  { company_name: 'Parked', company_website: 'https://parked-domain.example', lead_email: 'nina.ross@parked-domain.example', lead_name: 'Nina Ross' },
];

describe('CommitResearch', () => {
  let home: string;
  let rt: LocalRuntime;
  let run: RunSummary;

  beforeAll(async () => {
    home = await migratedHome('prospector-commit-');
    rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' } });
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    run = await runOnce(rt, { leads: LEADS });
  }, 120_000);

  afterAll(async () => {
    await rt?.close();
    await rm(home, { recursive: true, force: true });
  });

  const lead = async (email: string) =>
    (
      await rt.deps.sql.query<{ status: string; reason: string | null; findings: unknown; research_id: string }>(
        `SELECT rl.status, rl.reason, r.findings, r.id AS research_id FROM run_lead rl JOIN lead l ON l.id = rl.lead_id
         LEFT JOIN research r ON r.id = rl.research_id WHERE rl.run_id = :runId::uuid AND l.email = :email`,
        { runId: run.runId, email },
      )
    ).rows[0];

  test("a lead skipped for too little evidence says which evidence was missing", async () => {
    const parked = await lead('nina.ross@parked-domain.example');
    expect(parked.status).toBe('skipped');
    const missing = parseFindings(parked.findings, parked.research_id).missing;
    expect(missing.length).toBeGreaterThan(0);
    expect(parked.reason).toMatch(/^not enough evidence: \d+ verified fact\(s\) from \d+ page\(s\) \(missing: .+\)$/);
    for (const m of missing) expect(parked.reason).toContain(m);
    // and the run summary shows the same reason
    expect(run.skipped.find((s) => s.reason === parked.reason)).toBeDefined();
  });

  test('a researched lead has no skip reason', async () => {
    const researched = await lead('florian.maier@pipewright.example');
    expect(researched.status).toBe('researched');
    expect(researched.reason).toBeNull();
  });
});
