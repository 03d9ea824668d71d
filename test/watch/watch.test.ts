/**
 * `watch` over a real local runtime (statemachine/watch.asl.json in the ASL interpreter, PGlite,
 * folder lake, sample web on loopback): a re-check with nothing changed spends no token and reports
 * every company unchanged, mostly at a 304; with the sample web switched to its second version
 * the edited sites are reported changed with their signals and researched again, the untouched
 * one stays unchanged.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { migratedHome } from '#test/helpers/home.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { formatWatch, watchOnce, type WatchReport } from '#local/watch.ts';
import { exportRun, type ExportRecord } from '#local/export.ts';

const LEADS = [
  { company_name: 'Pipewright', company_website: 'https://pipewright.example', lead_email: 'florian.maier@pipewright.example', lead_name: 'Florian Maier' },
  { company_name: 'Meridian Supply', company_website: 'https://meridian-supply.example', lead_email: 'dana.ops@meridian-supply.example', lead_name: 'Dana Ops' },
  { company_name: 'BrightPallet', company_website: 'https://brightpallet.example', lead_email: 'sam.lee@brightpallet.example', lead_name: 'Sam Lee' },
];

describe('prospector watch', () => {
  let home: string;
  let rt: LocalRuntime | undefined;
  let notDue: WatchReport;
  let unchanged: WatchReport;
  let changed: WatchReport;
  let unchangedExport: ExportRecord[];
  const open = (version: string) => openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_SAMPLE_WEB_VERSION: version } });

  beforeAll(async () => {
    home = await migratedHome('prospector-watch-');
    rt = await open('1');
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    const first = await runOnce(rt, { leads: LEADS });
    expect(first.leadsResearched).toBeGreaterThanOrEqual(2);
    notDue = await watchOnce(rt);
    unchanged = await watchOnce(rt, { all: true });
    unchangedExport = await exportRun(rt.deps.sql, unchanged.runId);
    await rt.close();
    rt = await open('2');
    changed = await watchOnce(rt, { all: true });
  }, 300_000);

  afterAll(async () => {
    await rt?.close();
    await rm(home, { recursive: true, force: true });
  });

  test("nothing is re-checked before the ICP's watchEvery has passed", () => {
    expect(notDue.companies).toEqual([]);
    expect(notDue.notDue).toBeGreaterThanOrEqual(2);
  });

  test('nothing changed: every company unchanged, every page a 304 or the same hash, no LLM call', () => {
    expect(unchanged.companies.length).toBe(notDue.notDue);
    for (const c of unchanged.companies) {
      expect(c.status, c.domain).toBe('unchanged');
      expect(c.researched, c.domain).toBe(false);
      expect(c.notModified + c.sameHash, c.domain).toBe(c.pages);
    }
    expect(unchanged.reusedShare).toBe(1);
    expect(unchanged.llmCalls).toBe(0);
    expect(unchanged.tokens).toBe(0);
    expect(formatWatch(unchanged)).toContain('unchanged (');
    // the watch run, now the latest, still shows each company's research as current: export,
    // report and replay default to it
    expect(unchangedExport).toHaveLength(unchanged.companies.length);
    for (const r of unchangedExport) {
      expect(r, r.domain).toMatchObject({ status: 'researched', failureReason: null });
      expect(r.facts.length, r.domain).toBeGreaterThan(0);
      expect(r.researchRunId, r.domain).not.toBe(unchanged.runId);
    }
  });

  test('second version: the edited sites are changed with signals and researched again; the untouched one is unchanged', () => {
    const by = new Map(changed.companies.map((c) => [c.domain, c]));
    expect(by.get('pipewright.example')?.status).toBe('unchanged');
    for (const domain of ['meridian-supply.example', 'brightpallet.example']) {
      const c = by.get(domain);
      if (!c) continue; // a lead the first run skipped is not watched
      expect(c.status, domain).toBe('changed');
      expect(c.signals, domain).toBeGreaterThan(0);
      expect(c.researched, domain).toBe(true);
      expect(c.notModified, domain).toBeGreaterThan(0);
    }
    expect([...by.keys()].some((d) => d !== 'pipewright.example')).toBe(true);
  });
});
