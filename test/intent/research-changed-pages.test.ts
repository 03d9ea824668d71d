/**
 * Research again only over what changed: Meridian Supply is researched with the real groq-sdk
 * against the loopback fake Groq on the sample web's version 1, then again on version 2 (a VP of
 * Finance opening on its careers page). The second research sends only the pages whose clean text
 * changed to the facts pass, reuses the facts of the others (verified again in their unchanged
 * text), and synthesis sees both.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { parsePageBlocks } from '#core/research/heuristic-answer.ts';
import { openLocal, runOnce } from '#local/runner.ts';
import { startFakeGroq, type FakeGroq, type RecordedCall } from '#test/fakes/fake-groq.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { migratedHome } from '#test/helpers/home.ts';

const LEADS = [{ company_name: 'Meridian Supply', company_website: 'https://meridian-supply.example', lead_email: 'elaine.park@meridian-supply.example', lead_name: 'Elaine Park' }];

interface ResearchRow { run_id: string; findings: { tokenBudget: { pagesReused: string[]; pagesSkipped: string[] } }; prompt_tokens: number }
interface FactRow { run_id: string; quote: string; source_url: string }

describe('re-research over the changed pages only', () => {
  let home: string;
  let fake: FakeGroq;
  const runs: RunSummary[] = [];
  const factsCalls: RecordedCall[][] = [];
  let research: ResearchRow[] = [];
  let facts: FactRow[] = [];
  let changedUrls: string[] = [];
  let allUrls: string[] = [];

  beforeAll(async () => {
    home = await migratedHome('prospector-rerun-');
    fake = await startFakeGroq({ apiKey: 'test-key' });
    for (const [i, version] of (['1', '2'] as const).entries()) {
      const rt = await openLocal({
        env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_SAMPLE_WEB_VERSION: version },
        llm: new GroqLlm({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 }),
      });
      try {
        if (i === 0) await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
        const before = fake.calls.length;
        runs.push(await runOnce(rt, { leads: LEADS }));
        factsCalls.push(fake.calls.slice(before).filter((c) => c.pass === 'facts'));
        if (i === 1) {
          const sql = rt.deps.sql;
          research = (await sql.query<ResearchRow>(`SELECT run_id, findings, prompt_tokens FROM research ORDER BY created_at`)).rows;
          facts = (
            await sql.query<FactRow>(
              `SELECT r.run_id, f.quote, f.source_url FROM fact f JOIN research r ON r.id = f.research_id ORDER BY r.created_at, f.local_id`,
            )
          ).rows;
          const pages = await sql.query<{ url: string; changed: boolean }>(
            `SELECT coalesce(b.final_url, b.url) AS url, a.clean_sha256 IS DISTINCT FROM b.clean_sha256 AS changed
             FROM page_snapshot b LEFT JOIN page_snapshot a ON a.run_id = :first::uuid AND a.company_id = b.company_id AND a.url = b.url AND a.outcome = 'fetched'
             WHERE b.run_id = :second::uuid AND b.outcome = 'fetched'`,
            { first: runs[0].runId, second: runs[1].runId },
          );
          changedUrls = pages.rows.filter((p) => p.changed).map((p) => p.url).sort();
          allUrls = pages.rows.map((p) => p.url).sort();
        }
      } finally {
        await rt.close();
      }
    }
  }, 600_000);

  afterAll(async () => {
    await fake?.close();
    await rm(home, { recursive: true, force: true });
  });

  const sentUrls = (calls: RecordedCall[]) => [...new Set(calls.flatMap((c) => parsePageBlocks(c.user).map((p) => p.url)))].sort();

  test('the first research reads every page; the second sends only the changed careers page to the facts pass', () => {
    expect(runs.map((r) => r.leadsResearched)).toEqual([1, 1]);
    expect(changedUrls).toEqual(['https://meridian-supply.example/careers']);
    expect(allUrls.length).toBeGreaterThan(3);
    expect(sentUrls(factsCalls[0]).length).toBeGreaterThan(1);
    expect(sentUrls(factsCalls[1])).toEqual(changedUrls);
    const tokens = (calls: RecordedCall[]) => calls.reduce((n, c) => n + (c.promptTokens ?? 0), 0);
    expect(tokens(factsCalls[1])).toBeGreaterThan(0);
    expect(tokens(factsCalls[1])).toBeLessThan(tokens(factsCalls[0]) / 2);
  });

  test('the facts of the unchanged pages are reused and cited on the new snapshots; synthesis sees both', () => {
    const [first, second] = research;
    expect(second.run_id).toBe(runs[1].runId);
    // every unchanged page the first research read (a page its budget left out is read afresh)
    const readBefore = allUrls.filter((u) => !changedUrls.includes(u) && !first.findings.tokenBudget.pagesSkipped.includes(u));
    expect(readBefore.length).toBeGreaterThan(0);
    expect([...second.findings.tokenBudget.pagesReused].sort()).toEqual(readBefore);
    const quotes = (runId: string, changed: boolean) =>
      facts.filter((f) => f.run_id === runId && changedUrls.includes(f.source_url) === changed).map((f) => f.quote).sort();
    const reusedNow = quotes(runs[1].runId, false);
    expect(reusedNow.length).toBeGreaterThan(0);
    expect(reusedNow).toEqual(quotes(runs[0].runId, false));
    expect(second.prompt_tokens).toBeLessThan(first.prompt_tokens);
  });
});
