/**
 * The replay harness over a real local execution: it re-cleans and re-researches from the lake
 * without a single network connection and without writing anything, reproduces an untouched run
 * exactly with the offline heuristic, and reports the differences a changed setting makes.
 */
import { readdir, stat, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import type { Web } from '#core/ports.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { formatReplay, replayRun } from '#local/replay.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { migratedHome } from '#test/helpers/home.ts';
import { installTripwire } from '#test/helpers/tripwire.mjs';

const LEADS = [
  { company_name: 'Pipewright', company_website: 'https://pipewright.example', lead_email: 'florian.maier@pipewright.example', lead_name: 'Florian Maier' },
  { company_name: 'BrightPallet', company_website: 'https://brightpallet.example', lead_email: 'priya.natarajan@brightpallet.example', lead_name: 'Priya Natarajan' },
  { company_name: 'Tessellate', company_website: 'https://tessellate.example', lead_email: 'aaron.blum@tessellate.example', lead_name: 'Aaron Blum' },
  { company_name: 'Parked', company_website: 'https://parked-domain.example', lead_email: 'nina.ross@parked-domain.example', lead_name: 'Nina Ross' },
  { company_name: 'Down Forever', company_website: 'https://down-forever.example', lead_email: 'gary.lund@down-forever.example', lead_name: 'Gary Lund' },
];

/** A Web port that fails the test on any use: replay must never fetch. */
class NoWeb implements Web {
  calls = 0;
  async fetch(url: string): Promise<never> {
    this.calls++;
    throw new Error(`replay tried to fetch ${url}`);
  }
  async allowedByRobots(url: string): Promise<never> {
    this.calls++;
    throw new Error(`replay tried to read robots.txt for ${url}`);
  }
}

/** Every file under a folder with its size and mtime, to prove nothing was written. */
async function snapshotTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else {
        const s = await stat(path);
        out[relative(root, path)] = `${s.size}:${s.mtimeMs}`;
      }
    }
  };
  await walk(root);
  return out;
}

const TABLES = ['run', 'run_lead', 'research', 'fact', 'llm_call', 'page_snapshot', 'lead_failure'];

async function rowCounts(rt: LocalRuntime): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = (await rt.deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n;
  return out;
}

describe('replay', () => {
  let home: string;
  let run: RunSummary;
  const env = (extra: Record<string, string> = {}) => ({ PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', ...extra });

  beforeAll(async () => {
    home = await migratedHome('prospector-replay-');
    const leadsFile = join(home, 'leads.json');
    await writeFile(leadsFile, JSON.stringify(LEADS));
    // a real execution with the sample web on; the runtime (and its web server) is closed after
    const rt = await openLocal({ env: env() });
    try {
      await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
      run = await runOnce(rt, { leadsFile });
    } finally {
      await rt.close();
    }
  }, 120_000);

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  test('an untouched run replays with zero differences, no network connection and no write', async () => {
    expect(run.leadsResearched).toBeGreaterThanOrEqual(3);
    const web = new NoWeb();
    const rt = await openLocal({ env: env(), web, sampleWeb: false });
    // every socket this process opens while the replay runs (none may be)
    const tripwire = installTripwire();
    try {
      const countsBefore = await rowCounts(rt);
      const lakeBefore = await snapshotTree(join(home, 'lake'));
      const report = await replayRun(rt, run.runId);

      expect(tripwire.connects).toBe(0);
      expect(tripwire.dials).toEqual([]);
      expect(web.calls).toBe(0);
      expect(await rowCounts(rt)).toEqual(countsBefore);
      expect(await snapshotTree(join(home, 'lake'))).toEqual(lakeBefore);

      expect(report.provider).toBe('offline-heuristic');
      // the down site stored no page: it is listed, not replayed
      expect(report.totals).toMatchObject({ leads: 5, notReplayable: 1, changed: 0, factsAdded: 0, factsDropped: 0, fitScoreMoved: 0, statusChanged: 0, failed: 0 });
      expect(report.totals.replayed).toBe(4);
      expect(report.totals.promptTokensAfter).toBe(report.totals.promptTokensBefore);
      const down = report.leads.find((l) => l.lead === 'gary.lund@down-forever.example')!;
      expect(down).toMatchObject({ replayed: false, note: expect.stringMatching(/no stored page/) });
      // the parked domain stays "not enough evidence" (skipped), the others researched, as stored
      const parked = report.leads.find((l) => l.lead === 'nina.ross@parked-domain.example')!;
      expect(parked.before.status).toBe('skipped');
      expect(parked.after?.status).toBe('skipped');
      for (const l of report.leads.filter((x) => x.replayed && x.lead !== parked.lead)) {
        expect(l.after).toMatchObject({ status: 'researched', fitScore: l.before.fitScore, facts: l.before.facts });
      }
      expect(formatReplay(report)).toMatch(/No differences/);
    } finally {
      tripwire.restore();
      await rt.close();
    }
  });

  test('a smaller prompt token budget from the config shows facts dropped, scores moved and statuses changed', async () => {
    const rt = await openLocal({ env: env({ PROSPECTOR_PROMPT_TOKEN_BUDGET: '1500' }), web: new NoWeb(), sampleWeb: false });
    try {
      const report = await replayRun(rt, run.runId);
      expect(report.promptTokenBudget).toBe(1500);
      expect(report.totals.changed).toBeGreaterThan(0);
      expect(report.totals.factsDropped).toBeGreaterThan(0);
      expect(report.totals.promptTokensAfter).toBeLessThan(report.totals.promptTokensBefore);
      const changed = report.leads.filter((l) => l.changed);
      for (const l of changed) {
        expect(l.factsDropped.length + l.factsAdded.length + Number(l.fitScoreChanged) + Number(l.statusChanged)).toBeGreaterThan(0);
        for (const f of l.factsDropped) expect(f.quote.length).toBeGreaterThan(0);
      }
      const moved = changed.find((l) => l.fitScoreChanged || l.statusChanged)!;
      expect(moved).toBeTruthy();
      const text = formatReplay(report);
      expect(text).toContain('Changed:');
      expect(text).toMatch(/fit \d+ → (\d+|–)|status researched → skipped/);
      expect(text).toMatch(/^ {4}- \[/m);
      expect(text).toMatch(/Totals: \d+ changed/);
    } finally {
      await rt.close();
    }
  });

  test('engine and cleaner options passed to the harness are reported as differences too', async () => {
    const rt = await openLocal({ env: env(), web: new NoWeb(), sampleWeb: false });
    try {
      const fewer = await replayRun(rt, run.runId, { research: { maxFactsPerPage: 1 }, leads: ['florian.maier@pipewright.example'] });
      expect(fewer.totals.leads).toBe(1);
      expect(fewer.leads[0].factsDropped.length).toBeGreaterThan(0);
      expect(fewer.leads[0].after!.facts).toBeLessThanOrEqual(6);

      const shorter = await replayRun(rt, run.runId, { clean: { maxChars: 200 }, leads: ['florian.maier@pipewright.example'] });
      expect(shorter.leads[0].changed).toBe(true);
    } finally {
      await rt.close();
    }
  });
});
