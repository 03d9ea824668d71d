/**
 * `prospector lake named failed-leads-by-reason`, as a user runs it after a run (the CLI in
 * this process, a temporary PROSPECTOR_HOME): the statuses are the ones the database and the CLI
 * use, the results the search turned away (invalid, suppressed, a competitor) are there under
 * stage `search`, and the query's totals match the run's skipped and failed counts.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeCliDatabases, prospector } from '#test/helpers/cli-in-process.ts';
import { migratedHome } from '#test/helpers/home.ts';

const LEADS = [
  // researched
  { company_name: 'Pipewright', company_website: 'https://pipewright.example', lead_email: 'florian.maier@pipewright.example', lead_name: 'Florian Maier' },
  // skipped at fetch: robots.txt
  { company_name: 'Hartwell Advisory', company_website: 'https://hartwell-advisory.example', lead_email: 'paul.hartwell@hartwell-advisory.example', lead_name: 'Paul Hartwell' },
  // failed at fetch
  { company_name: 'Down Forever', company_website: 'https://down-forever.example', lead_email: 'gary.lund@down-forever.example', lead_name: 'Gary Lund' },
  // turned away by the search: invalid, suppressed (email and domain), a competitor, a duplicate
  { company_name: 'Broken', company_website: 'https://broken.example', lead_email: 'not-an-email', lead_name: 'Nobody' },
  { company_name: 'BrightPallet', company_website: 'https://brightpallet.example', lead_email: 'legal@brightpallet.example', lead_name: 'Legal' },
  { company_name: 'Quarrystone', company_website: 'https://quarrystone-group.example', lead_email: 'cfo@quarrystone-group.example', lead_name: 'Q. Stone' },
  { company_name: 'Spendlyte', company_website: 'https://spendlyte.com', lead_email: 'sales@spendlyte.com', lead_name: 'Spend Lyte' },
  { company_name: 'Pipewright', company_website: 'https://pipewright.example', lead_email: 'florian.maier@pipewright.example', lead_name: 'Florian Maier' },
];

interface Row { status: string; stage: string; reason: string; leads: number | string }

describe('lake named failed-leads-by-reason', () => {
  let home: string;
  let summary: { leadsFound: number; leadsResearched: number; leadsSkipped: number; leadsFailed: number; duplicates: number };
  let rows: Row[];
  const cli = (args: string[]) => prospector(args, { ...process.env, PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', GROQ_API_KEY: '' });

  beforeAll(async () => {
    home = await migratedHome('prospector-lake-failed-');
    const leads = join(home, 'leads.json');
    await writeFile(leads, JSON.stringify(LEADS));
    expect((await cli(['onboard', '--sample'])).code).toBe(0);
    // a run with failed leads exits 1; its summary is still the last line
    const run = await cli(['run', '--leads', leads, '--json']);
    summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    const named = await cli(['lake', 'named', 'failed-leads-by-reason', '--json']);
    expect(named.code).toBe(0);
    rows = JSON.parse(named.stdout);
  }, 240_000);
  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  test('uses the status names of the database and the CLI', () => {
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(['skipped', 'failed']).toContain(r.status);
  });

  test('includes the results the search turned away, by reason', () => {
    const search = rows.filter((r) => r.stage === 'search').map((r) => ({ status: r.status, reason: r.reason, leads: Number(r.leads) }));
    expect(search).toEqual(
      expect.arrayContaining([
        { status: 'failed', reason: 'InvalidLead', leads: 1 },
        { status: 'skipped', reason: 'suppressed', leads: 2 },
        { status: 'skipped', reason: 'competitor (Spendlyte)', leads: 1 },
      ]),
    );
    // a duplicate is the same lead found twice: counted as a duplicate, not as a skip
    expect(summary.duplicates).toBe(1);
    expect(rows.some((r) => /duplicate/i.test(r.reason))).toBe(false);
  });

  test("its totals are the run's skipped and failed counts", () => {
    expect(summary.leadsFound).toBe(summary.leadsResearched + summary.leadsSkipped + summary.leadsFailed + summary.duplicates);
    const total = (status: string) => rows.filter((r) => r.status === status).reduce((n, r) => n + Number(r.leads), 0);
    expect(total('skipped')).toBe(summary.leadsSkipped);
    expect(total('failed')).toBe(summary.leadsFailed);
    expect(summary.leadsSkipped).toBeGreaterThanOrEqual(4);
    expect(summary.leadsFailed).toBeGreaterThanOrEqual(2);
  });
});
