/**
 * A technology added or removed while the words stay the same: the sample web's version 2 swaps
 * tidewater-packaging's HubSpot script for Segment on every page (clean text identical), and
 * rebuilds keelhaul-freight's markup (no fingerprint changes). Real local runtime: the prospecting
 * state machine in the ASL interpreter, PGlite, folder lake, sample web on loopback.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listChangeChecks } from '#core/intent/repository.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { openLocal, runOnce } from '#local/runner.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { migratedHome } from '#test/helpers/home.ts';

const LEADS = [
  { company_name: 'Tidewater Packaging', company_website: 'https://tidewater-packaging.example', lead_email: 'ops@tidewater-packaging.example', lead_name: 'Ops Lead' },
  { company_name: 'Keelhaul Freight', company_website: 'https://keelhaul-freight.example', lead_email: 'ops@keelhaul-freight.example', lead_name: 'Ops Lead' },
];

interface Row { domain: string; kind: string; item: string; before_quote: string | null; after_quote: string | null; before_key: string | null; after_key: string | null; run_id: string }

describe('a technology change with the clean text unchanged', () => {
  let home: string;
  const runs: RunSummary[] = [];
  let signals: Row[] = [];
  let checks: Awaited<ReturnType<typeof listChangeChecks>> = [];
  let pages: { domain: string; same_clean: boolean; same_raw: boolean }[] = [];

  beforeAll(async () => {
    home = await migratedHome('prospector-tech-');
    for (const [i, version] of (['1', '2', '2'] as const).entries()) {
      const rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_SAMPLE_WEB_VERSION: version } });
      try {
        if (i === 0) {
          const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
          await importOnboarding(rt.deps.sql, { ...onboarding, company: { ...onboarding.company, customerDomains: [] }, suppressions: [] } as typeof onboarding);
        }
        runs.push(await runOnce(rt, { leads: LEADS }));
        if (i === 2) {
          const sql = rt.deps.sql;
          signals = (
            await sql.query<Row>(
              `SELECT c.domain, s.kind, s.detail->>'item' AS item, s.before_quote, s.after_quote, s.before_key, s.after_key, s.run_id FROM company_signal s
               JOIN lead_company c ON c.id = s.company_id ORDER BY c.domain, s.kind`,
            )
          ).rows;
          checks = await listChangeChecks(sql, runs[1].runId);
          pages = (
            await sql.query<{ domain: string; same_clean: boolean; same_raw: boolean }>(
              `SELECT c.domain, a.clean_sha256 = b.clean_sha256 AS same_clean, a.content_sha256 = b.content_sha256 AS same_raw
               FROM page_snapshot a JOIN page_snapshot b ON b.company_id = a.company_id AND b.url = a.url
               JOIN lead_company c ON c.id = a.company_id
               WHERE a.run_id = :first::uuid AND b.run_id = :second::uuid AND a.outcome = 'fetched' AND b.outcome = 'fetched'`,
              { first: runs[0].runId, second: runs[1].runId },
            )
          ).rows;
        }
      } finally {
        await rt.close();
      }
    }
  }, 600_000);

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  test('the swapped scripts changed every raw page of tidewater but not one word of its clean text', () => {
    const tidewater = pages.filter((p) => p.domain === 'tidewater-packaging.example');
    expect(tidewater.length).toBeGreaterThan(2);
    expect(tidewater.every((p) => p.same_clean && !p.same_raw)).toBe(true);
  });

  test('the second run reports Segment added and HubSpot removed, once each, and nothing for the markup-only site', () => {
    expect(signals.filter((s) => s.run_id === runs[1].runId).map((s) => [s.domain, s.kind, s.item])).toEqual([
      ['tidewater-packaging.example', 'technology_added', 'Segment'],
      ['tidewater-packaging.example', 'technology_removed', 'HubSpot'],
    ]);
    // the evidence is the script in the raw HTML, which the clean text does not hold
    const [added, removed] = signals.filter((s) => s.run_id === runs[1].runId);
    expect(added.after_key).toMatch(/^raw\/html\/domain=tidewater-packaging\.example\//);
    expect(gunzipSync(readFileSync(join(home, 'lake', added.after_key!))).toString('utf8').toLowerCase()).toContain('segment');
    expect(removed.before_key).toMatch(/^raw\/html\/domain=tidewater-packaging\.example\//);
    expect(gunzipSync(readFileSync(join(home, 'lake', removed.before_key!))).toString('utf8').toLowerCase()).toContain('hubspot');
    // tidewater: every page changed (its fingerprints), two signals; keelhaul: no signal at all
    const bySignals = [...checks].sort((a, b) => b.signals - a.signals);
    expect(bySignals[0]).toMatchObject({ status: 'changed', signals: 2, pagesChanged: bySignals[0].pages });
    expect(bySignals[1]).toMatchObject({ signals: 0 });
    expect(runs[1].changes).toMatchObject({ companies: 2, failed: 0, signals: 2 });
  });

  test('the third run (nothing changed) finds nothing and reports both companies unchanged', () => {
    expect(signals.every((s) => s.run_id === runs[1].runId)).toBe(true);
    expect(runs[2].changes).toMatchObject({ companies: 2, unchanged: 2, changed: 0, signals: 0 });
    expect(runs[2]).toMatchObject({ llmCalls: 0, promptTokens: 0, completionTokens: 0 });
  });
});
