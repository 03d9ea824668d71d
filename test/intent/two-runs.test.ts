/**
 * The acceptance of intent as a user drives the CLI (in this process, a temporary home): a run on
 * the sample web, a run with it switched to version 2, and a run with nothing changed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeCliDatabases, prospector } from '#test/helpers/cli-in-process.ts';
import { migratedHome } from '#test/helpers/home.ts';

const lead = (domain: string, email: string) => ({ company_name: domain.split('.')[0], company_website: `https://${domain}`, lead_email: email, lead_name: 'Test Lead' });
const LEADS = [
  lead('meridian-supply.example', 'elaine.park@meridian-supply.example'),
  lead('brightpallet.example', 'alicia.grant@brightpallet.example'),
  lead('cascade-freightworks.example', 'marcus.oyelaran@cascade-freightworks.example'),
  lead('granite-state-fabrication.example', 'mike.dubois@granite-state-fabrication.example'),
];

interface Summary { runId: string; promptTokens: number; completionTokens: number; llmCalls: number; changes: { companies: number; firstSeen: number; unchanged: number; changed: number; failed: number; signals: number } }

describe('intent across two runs of the sample web', () => {
  let home: string;
  const runs: Summary[] = [];
  /** Runs one command; as execFile would, a command that fails throws (with its stderr). */
  const cli = async (args: string[], version: 1 | 2 = 2) => {
    const result = await prospector(args, { ...process.env, PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', GROQ_API_KEY: '', PROSPECTOR_SAMPLE_WEB_VERSION: String(version) });
    if (result.code !== 0) throw new Error(`prospector ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
    return result;
  };
  const show = async (email: string) => JSON.parse((await cli(['show', email, '--json'])).stdout);

  beforeAll(async () => {
    home = await migratedHome('prospector-intent-');
    const leads = join(home, 'leads.json');
    await writeFile(leads, JSON.stringify(LEADS));
    await cli(['onboard', '--sample']);
    for (const version of [1, 2, 2] as const) runs.push(JSON.parse((await cli(['run', '--leads', leads, '--json'], version)).stdout.trim().split('\n').at(-1)!));
  }, 900_000);
  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  test('the first run sees every company for the first time; the second finds the edits', () => {
    expect(runs[0].changes).toMatchObject({ companies: 4, firstSeen: 4, signals: 0 });
    // meridian 1 opening, brightpallet 1 price, cascade 5 closed jobs; granite (footer year only) nothing
    expect(runs[1].changes).toMatchObject({ companies: 4, firstSeen: 0, failed: 0, signals: 7 });
  });

  test('show LEAD_EMAIL --json: intentScore and the signal with its quotes and lake keys', async () => {
    const meridian = await show('elaine.park@meridian-supply.example');
    expect(meridian.intentScore).toBeGreaterThan(0);
    expect(meridian.signals).toEqual([
      expect.objectContaining({ kind: 'job_opened', beforeQuote: null, afterQuote: 'VP of Finance — Finance — Chicago, IL', beforeKey: null, runId: runs[1].runId, detail: expect.objectContaining({ function: 'finance', seniority: 'vp' }) }),
    ]);
    const key: string = meridian.signals[0].afterKey;
    expect(key).toMatch(/^clean\/text\/domain=meridian-supply\.example\/[0-9a-f]{64}\.md$/);
    expect(readFileSync(join(home, 'lake', key), 'utf8')).toContain('VP of Finance — Finance — Chicago, IL');

    const pallet = await show('alicia.grant@brightpallet.example');
    const [price] = pallet.signals;
    expect(price).toMatchObject({ kind: 'pricing_changed', beforeQuote: '$15 per pallet / month', afterQuote: '$16 per pallet / month' });
    expect(readFileSync(join(home, 'lake', price.beforeKey), 'utf8')).toContain('$15 per pallet / month');
    expect(readFileSync(join(home, 'lake', price.afterKey), 'utf8')).toContain('$16 per pallet / month');
    expect(price.beforeKey).not.toBe(price.afterKey);

    const cascade = await show('marcus.oyelaran@cascade-freightworks.example');
    expect(cascade.signals.map((s: { kind: string }) => s.kind)).toEqual(Array(5).fill('job_closed'));
    expect(cascade.signals.every((s: { afterQuote: unknown; beforeKey: string }) => s.afterQuote === null && existsSync(join(home, 'lake', s.beforeKey)))).toBe(true);

    const text = (await cli(['show', 'elaine.park@meridian-supply.example'])).stdout;
    expect(text).toMatch(/Intent: \d+\/100/);
    expect(text).toContain('after:  "VP of Finance — Finance — Chicago, IL"');
  }, 600_000);

  test('a footer-year-only change produces no signal', async () => {
    expect((await show('mike.dubois@granite-state-fabrication.example')).signals).toEqual([]);
  }, 300_000);

  test('a re-run with nothing changed spends no token and reports every company unchanged', async () => {
    expect(runs[2]).toMatchObject({ llmCalls: 0, promptTokens: 0, completionTokens: 0 });
    expect(runs[2].changes).toEqual({ companies: 4, firstSeen: 0, unchanged: 4, changed: 0, failed: 0, signals: 0 });
  }, 60_000);

  test('export carries intentScore and signals', async () => {
    const lines = (await cli(['export', '--run', runs[1].runId])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const meridian = lines.find((l) => l.lead === 'elaine.park@meridian-supply.example');
    expect(meridian.intentScore).toBeGreaterThan(0);
    expect(meridian.signals[0]).toMatchObject({ kind: 'job_opened', afterKey: expect.stringMatching(/^clean\/text\//) });
    const granite = lines.find((l) => l.lead === 'mike.dubois@granite-state-fabrication.example');
    expect(granite).toMatchObject({ signals: [], intentScore: 0 });
  }, 300_000);
});
