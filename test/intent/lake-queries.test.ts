/**
 * The intent named queries on their DuckDB twins over real data: two CLI runs (in this process,
 * a temporary home) with the sample web switched to version 2 in between, then
 * `prospector lake named …` over the lake the runs wrote.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeCliDatabases, prospector } from '#test/helpers/cli-in-process.ts';
import { migratedHome } from '#test/helpers/home.ts';

const lead = (domain: string, email: string) => ({ company_name: domain.split('.')[0], company_website: `https://${domain}`, lead_email: email, lead_name: 'Test Lead' });
const LEADS = [
  lead('meridian-supply.example', 'elaine.park@meridian-supply.example'),
  lead('brightpallet.example', 'alicia.grant@brightpallet.example'),
  lead('granite-state-fabrication.example', 'mike.dubois@granite-state-fabrication.example'),
];

describe('intent named queries over the lake (DuckDB)', () => {
  let home: string;
  const runIds: string[] = [];
  /** Runs one command; as execFile would, a command that fails throws (with its stderr). */
  const cli = async (args: string[], version: 1 | 2 = 2) => {
    const result = await prospector(args, { ...process.env, PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', GROQ_API_KEY: '', PROSPECTOR_SAMPLE_WEB_VERSION: String(version) });
    if (result.code !== 0) throw new Error(`prospector ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
    return result;
  };
  const named = async (name: string) => JSON.parse((await cli(['lake', 'named', name, '--json'])).stdout) as Record<string, unknown>[];

  beforeAll(async () => {
    home = await migratedHome('prospector-intent-lake-');
    const leads = join(home, 'leads.json');
    await writeFile(leads, JSON.stringify(LEADS));
    await cli(['onboard', '--sample']);
    for (const version of [1, 2] as const) runIds.push(JSON.parse((await cli(['run', '--leads', leads, '--json'], version)).stdout.trim().split('\n').at(-1)!).runId);
  }, 900_000);
  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  test('the named queries are listed', async () => {
    const list = (await cli(['lake', 'named'])).stdout.split('\n');
    expect(list).toEqual(expect.arrayContaining(['pricing-changed-this-week', 'hiring-for-personas', 'new-signals-since-last-run']));
  });

  test('pricing-changed-this-week: BrightPallet repriced Growth, once, with both quotes and stored texts', async () => {
    const rows = await named('pricing-changed-this-week');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ domain: 'brightpallet.example', run_id: runIds[1] });
    expect(String(rows[0].before_quote)).toContain('$15');
    expect(String(rows[0].after_quote)).toContain('$16');
    expect(rows[0].before_key).toMatch(/^clean\/text\/domain=brightpallet\.example\//);
    expect(rows[0].after_key).toMatch(/^clean\/text\/domain=brightpallet\.example\//);
  });

  test("hiring-for-personas: Meridian's VP of Finance opening, for the finance personas' ICP, with its intent score", async () => {
    const rows = await named('hiring-for-personas');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.domain === 'meridian-supply.example' && r.job_function === 'finance')).toBe(true);
    expect(rows[0]).toMatchObject({ seniority: 'vp', after_quote: 'VP of Finance — Finance — Chicago, IL', run_id: runIds[1] });
    expect(rows[0].intent_score).toEqual(expect.any(Number));
    expect(rows[0].intent_score as number).toBeGreaterThan(0);
  });

  test('new-signals-since-last-run: the latest run\'s signals per ICP, nothing for the footer-year site', async () => {
    const rows = await named('new-signals-since-last-run');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.run_id === runIds[1])).toBe(true);
    const domains = new Set(rows.map((r) => r.domain));
    expect(domains).toEqual(new Set(['meridian-supply.example', 'brightpallet.example']));
    expect(rows.map((r) => r.kind)).toEqual(expect.arrayContaining(['job_opened', 'pricing_changed']));
  });

  test('change checks count the pages a conditional request found not modified (304)', async () => {
    const rows = JSON.parse(
      (await cli(['query', `SELECT c.domain, cc.pages_not_modified, cc.pages_unchanged,
         (SELECT count(*)::int FROM page_snapshot p WHERE p.run_id = cc.run_id AND p.company_id = cc.company_id AND p.revalidated = 'not_modified') AS snapshots_304
         FROM company_change_check cc JOIN lead_company c ON c.id = cc.company_id WHERE cc.run_id = '${runIds[1]}' ORDER BY c.domain`, '--json'])).stdout,
    ) as { domain: string; pages_not_modified: number; pages_unchanged: number; snapshots_304: number }[];
    expect(rows.map((r) => r.domain)).toEqual(['brightpallet.example', 'granite-state-fabrication.example', 'meridian-supply.example']);
    // every snapshot a 304 reused is counted once, as not modified (Granite's footer year is on every page: no 304 there)
    for (const r of rows) expect(r.pages_not_modified, r.domain).toBe(r.snapshots_304);
    // Meridian and BrightPallet changed one page each: the pages version 2 did not touch answered 304
    for (const domain of ['brightpallet.example', 'meridian-supply.example']) {
      expect(rows.find((r) => r.domain === domain)!.pages_not_modified, domain).toBeGreaterThan(0);
    }
  });

  test('the research table carries the intent score beside fit', async () => {
    const rows = JSON.parse(
      (await cli(['lake', 'query', `SELECT domain, fit_score, intent_score FROM research WHERE run_id = '${runIds[1]}' ORDER BY domain`, '--json'])).stdout,
    ) as { domain: string; intent_score: number | null }[];
    const meridian = rows.find((r) => r.domain === 'meridian-supply.example');
    expect(meridian?.intent_score).toBeGreaterThan(0);
    expect(rows.find((r) => r.domain === 'granite-state-fabrication.example')?.intent_score ?? 0).toBe(0);
  });
});
