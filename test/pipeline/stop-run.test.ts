/**
 * A local run stopped (what Ctrl-C does: runOnce's `stop`) while a lead's fetch waits on a site
 * that does not answer: the fetch is given up at once, instead of holding the run until the
 * steps' grace or the fetch timeout runs out, and nothing about the site is recorded (a page
 * recorded as failed would stay so for the run, and the redrive fetches it again). The lead that
 * was done stays done. Here neither the grace nor the fetch timeout ends within the test's own
 * limit: only the stop can.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { migratedHome } from '#test/helpers/home.ts';

const TEN_MINUTES = 600_000;
const SLOW = { company_name: 'Slow Freight Lines', company_website: 'https://slow-freight.example', lead_email: 'bob.tanaka@slow-freight.example', lead_name: 'Bob Tanaka' };
const FAST = { company_name: 'BeaconHQ', company_website: 'https://beaconhq.example', lead_email: 'tom.ellis@beaconhq.example', lead_name: 'Tom Ellis' };

describe('a run stopped while a fetch waits on a site', () => {
  let home: string;
  let rt: LocalRuntime;
  beforeAll(async () => {
    home = await migratedHome('prospector-stop-');
    rt = await openLocal({
      env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_FETCH_TIMEOUT_MS: String(TEN_MINUTES), PROSPECTOR_MAX_PAGES: '1' },
      sampleWebSlowMs: TEN_MINUTES,
    });
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
  });
  afterAll(async () => {
    await rt?.close();
    await rm(home, { recursive: true, force: true });
  });

  test('gives the fetch up at once, records nothing about the site, and closes the run as interrupted', async () => {
    const stop = new AbortController();
    let inFlight = -1;
    const running = runOnce(rt, { leads: [SLOW, FAST], stop: stop.signal, graceMs: TEN_MINUTES, onStopping: (n) => (inFlight = n) });
    // Once the fast lead is researched, the slow one's fetch is all that is left of the leads'
    // work (the fast one's drafting may still be under way: it finishes within the grace).
    for (;;) {
      const done = await rt.deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM research r JOIN lead l ON l.id = r.lead_id WHERE l.email = :email`, { email: FAST.lead_email });
      if (done.rows[0].n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    stop.abort('SIGINT');
    const summary = await running;

    expect(inFlight).toBeGreaterThanOrEqual(1);
    expect(summary).toMatchObject({ status: 'interrupted', leadsFound: 2, leadsResearched: 1, leadsFailed: 1 });
    expect(summary.failures).toMatchObject([{ lead: SLOW.lead_email, error: 'Interrupted' }]);
    // The stopped fetch is nobody's failure: no row for the slow site's pages in this run, neither
    // a failure nor robots.txt read as "allow all".
    const pages = await rt.deps.sql.query<{ url: string; outcome: string }>(
      `SELECT p.url, p.outcome FROM page_snapshot p JOIN lead_company c ON c.id = p.company_id WHERE p.run_id = :runId::uuid AND c.domain = 'slow-freight.example'`,
      { runId: summary.runId },
    );
    expect(pages.rows).toEqual([]);
    const beacon = await rt.deps.sql.query<{ outcome: string }>(
      `SELECT p.outcome FROM page_snapshot p JOIN lead_company c ON c.id = p.company_id WHERE p.run_id = :runId::uuid AND c.domain = 'beaconhq.example'`,
      { runId: summary.runId },
    );
    expect(beacon.rows.length).toBeGreaterThan(0);
  }, 60_000);
});
