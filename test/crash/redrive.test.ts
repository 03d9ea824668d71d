/**
 * `prospector redrive RUN_ID`: a run where the (fake) Groq answered invalid JSON twice for some
 * leads, so they failed after their one repair attempt; then Groq is fixed and the run is
 * redriven. Only the failed leads are processed again (counted at the fake server), they end
 * researched, their failure rows stay as history with `resolved_at` set, and the run's summary
 * is recomputed, in the database and in the lake.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { openLocal, type LocalRuntime } from '#local/runner.ts';
import { startFakeGroq, type FakeGroq, type RecordedCall } from '#test/fakes/fake-groq.ts';
import { domainOfCall, forDomain } from '#test/hostile/support.ts';
import { cliEnv, lastJson, prospector, type CliResult } from './cli.ts';
import { closeCliDatabases, prospector as inProcess } from '#test/helpers/cli-in-process.ts';
import { migratedHome } from '#test/helpers/home.ts';

const API_KEY = 'gsk_redriveSuiteFakeKey01234567';
const PRELOAD = join(import.meta.dirname, 'loopback-only.mjs');
const SITES = ['brightpallet.example', 'shipwise-cloud.example', 'northstar-cold-chain.example', 'polderport-logistics.example', 'tidewater-packaging.example'];
const BROKEN = ['shipwise-cloud.example', 'polderport-logistics.example'];

describe('prospector redrive RUN_ID after invalid LLM output', () => {
  let home: string;
  let fake: FakeGroq;
  let env: NodeJS.ProcessEnv;
  let first: RunSummary;
  let redrive: RunSummary;
  let redriveResult: CliResult;
  let again: CliResult;
  let firstCalls: RecordedCall[];
  let redriveCalls: RecordedCall[];
  let rt: LocalRuntime;
  let before: { research: { id: string; lead_id: string; created_at: string }[]; snapshots: number; llmCalls: number };

  beforeAll(async () => {
    home = await migratedHome('prospector-redrive-');
    fake = await startFakeGroq({ apiKey: API_KEY });
    // Every answer for a broken lead is invalid JSON, its repair included.
    fake.setScript(BROKEN.map((domain) => ({ when: forDomain(fake.calls, domain, { repairs: true }), fault: { kind: 'invalid-json' as const } })));
    env = cliEnv(home, { GROQ_API_KEY: API_KEY, GROQ_BASE_URL: fake.baseURL, PROSPECTOR_LEAD_CONCURRENCY: '3', NODE_OPTIONS: `--import ${PRELOAD}` });
    // Onboarding sets the home up: in this process (test/helpers/cli-in-process.ts), its database
    // closed before a child opens the home.
    const onboard = await inProcess(['onboard', '--sample'], env);
    expect(onboard.code, onboard.stderr).toBe(0);
    await closeCliDatabases();
    const leadsFile = join(home, 'leads.csv');
    await writeFile(
      leadsFile,
      `company_name,company_website,lead_email,lead_name\n${SITES.map((d, i) => `Company ${i},https://${d},buyer${i}@${d},Buyer ${i}`).join('\n')}\n`,
    );

    const run = await prospector(['run', '--leads', leadsFile, '--json'], env);
    first = lastJson<RunSummary>(run);
    firstCalls = [...fake.calls];

    const snapshot = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' }, sampleWeb: false });
    try {
      const research = await snapshot.deps.sql.query<{ id: string; lead_id: string; created_at: string }>(`SELECT id, lead_id, created_at FROM research ORDER BY id`);
      const snaps = await snapshot.deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM page_snapshot`);
      const calls = await snapshot.deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM llm_call`);
      before = { research: research.rows, snapshots: snaps.rows[0].n, llmCalls: calls.rows[0].n };
    } finally {
      await snapshot.close();
    }

    // Groq is fixed; redrive the run.
    fake.setScript([]);
    redriveResult = await prospector(['redrive', first.runId, '--json'], env);
    redrive = lastJson<RunSummary>(redriveResult);
    redriveCalls = fake.calls.slice(firstCalls.length);
    // Nothing failed any more: a second redrive says so and starts nothing.
    again = await prospector(['redrive', first.runId.slice(0, 8)], env);
    rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' }, sampleWeb: false });
    console.log(
      `redrive: first run researched ${first.leadsResearched}, failed ${first.leadsFailed} with ${firstCalls.length} calls; ` +
        `redrive made ${redriveCalls.length} calls (${[...new Set(redriveCalls.map((c) => domainOfCall(c) ?? c.pass))].join(', ')}), researched ${redrive.leadsResearched}, failed ${redrive.leadsFailed}`,
    );
  }, 300_000);

  afterAll(async () => {
    await rt?.close();
    await fake?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('first run: the broken leads failed after one repair attempt, with the reason kept', () => {
    expect(first.status).toBe('succeeded');
    expect(first.leadsResearched).toBe(SITES.length - BROKEN.length);
    expect(first.failures.map((f) => f.lead.split('@')[1]).sort()).toEqual([...BROKEN].sort());
    for (const f of first.failures) {
      expect(f).toMatchObject({ stage: 'research', error: 'LlmOutputInvalid' });
      expect(f.message).toMatch(/^facts pass: answer still invalid after one repair attempt: the answer is not valid JSON/);
    }
    for (const domain of BROKEN) {
      expect(firstCalls.filter((c) => c.fault === 'invalid-json' && (domainOfCall(c) === domain || c.pass === 'repair')).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('redrive: only the failed leads are processed again, and they end researched', () => {
    expect(redriveResult.code, redriveResult.stderr).toBe(0);
    expect(redrive.runId).toBe(first.runId);
    expect(redrive.status).toBe('succeeded');
    expect(redrive.leadsFailed).toBe(0);
    expect(redrive.failures).toEqual([]);
    expect(redrive.leadsResearched).toBe(SITES.length);
    expect(redriveCalls.length).toBeGreaterThanOrEqual(2 * BROKEN.length);
    expect(new Set(redriveCalls.map((c) => domainOfCall(c)))).toEqual(new Set(BROKEN));
    expect(redriveCalls.every((c) => c.status === 200 && c.fault === undefined)).toBe(true);
  });

  it('leaves the other leads untouched: same research rows, no page fetched again', async () => {
    const research = await rt.deps.sql.query<{ id: string; lead_id: string; created_at: string }>(`SELECT id, lead_id, created_at FROM research ORDER BY id`);
    for (const r of before.research) expect(research.rows).toContainEqual(r);
    expect(research.rows).toHaveLength(before.research.length + BROKEN.length);
    const snaps = await rt.deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM page_snapshot`);
    expect(snaps.rows[0].n).toBe(before.snapshots);
    const dupes = await rt.deps.sql.query(`SELECT lead_id FROM research GROUP BY 1 HAVING count(*) > 1`);
    expect(dupes.rows).toEqual([]);
  });

  it('keeps the failures as history, resolved', async () => {
    const failures = await rt.deps.sql.query<{ domain: string; stage: string; error_name: string; message: string; attempts: number; resolved_at: string | null; failed_at: string }>(
      `SELECT c.domain, f.stage, f.error_name, f.message, f.attempts, f.resolved_at, f.failed_at
       FROM lead_failure f JOIN lead l ON l.id = f.lead_id JOIN lead_company c ON c.id = l.company_id WHERE f.run_id = :runId::uuid`,
      { runId: first.runId },
    );
    expect(failures.rows.map((f) => f.domain).sort()).toEqual([...BROKEN].sort());
    for (const f of failures.rows) {
      expect(f).toMatchObject({ stage: 'research', error_name: 'LlmOutputInvalid', attempts: 1 });
      expect(f.message).toMatch(/answer still invalid after one repair attempt/);
      expect(f.resolved_at).not.toBeNull();
      expect(Date.parse(f.resolved_at!)).toBeGreaterThan(Date.parse(f.failed_at));
    }
  });

  it('recomputes the run summary in the database and in the lake, counting every call', async () => {
    const run = await rt.deps.sql.query<{ status: string; redrives: number; summary: Partial<RunSummary> }>(`SELECT status, redrives, summary FROM run WHERE id = :id::uuid`, { id: first.runId });
    expect(run.rows[0]).toMatchObject({ status: 'succeeded', redrives: 1 });
    expect(run.rows[0].summary).toMatchObject({ leadsResearched: SITES.length, leadsFailed: 0 });
    const file = JSON.parse(await readFile(join(home, 'lake', 'runs', first.runId, 'summary.json'), 'utf8')) as RunSummary;
    expect(file).toMatchObject({ leadsResearched: SITES.length, leadsFailed: 0, failures: [] });
    // every call Groq answered, the failed attempts' included, is in the run's totals
    expect(redrive.llmCalls).toBe(fake.calls.filter((c) => c.status === 200).length);
    const calls = await rt.deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM llm_call`);
    expect(calls.rows[0].n).toBe(before.llmCalls + redriveCalls.length);
  });

  it('a second redrive finds no failed lead: it says so, exits 0 and starts nothing', async () => {
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`run ${first.runId.slice(0, 8)} has no failed lead: nothing to redrive\n`);
    expect(again.stderr).not.toContain('leads 0/0');
    expect(fake.calls).toHaveLength(firstCalls.length + redriveCalls.length);
    const run = await rt.deps.sql.query<{ redrives: number }>(`SELECT redrives FROM run WHERE id = :id::uuid`, { id: first.runId });
    expect(run.rows[0].redrives).toBe(1);
  });

  it('dialled nothing outside loopback', () => {
    expect(redriveResult.stderr).not.toContain('LOOPBACK-TRIPWIRE');
  });
});
