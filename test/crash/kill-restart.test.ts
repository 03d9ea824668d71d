/**
 * Crash safety: `prospector run` is SIGKILLed mid-run (PGlite's data directory open, leads in
 * flight), then run again to the end. Nothing committed before the kill may be lost or
 * duplicated, no token may be spent again on a lead committed before the kill, and the
 * interrupted run must be marked interrupted, ending when its last work was recorded. LLM calls are counted where they land: at the fake
 * Groq server on loopback, by the lead domain each prompt is about.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { openLocal, type LocalRuntime } from '#local/runner.ts';
import { startFakeGroq, type FakeGroq, type RecordedCall } from '#test/fakes/fake-groq.ts';
import { domainOfCall } from '#test/hostile/support.ts';
import { cliEnv, lastJson, prospector, researchParts, startProspector, type CliResult } from './cli.ts';
import { closeCliDatabases, prospector as inProcess } from '#test/helpers/cli-in-process.ts';
import { migratedHome } from '#test/helpers/home.ts';
import { directoryLeadsCsv } from '#test/helpers/sample-leads.ts';

const API_KEY = 'gsk_crashSuiteFakeKey0123456789ab';
const PRELOAD = join(import.meta.dirname, 'loopback-only.mjs');
const COMMITTED_BEFORE_KILL = 5;

/**
 * A third of the sample directory as a leads file, the companies with one lead first (so some
 * company has all its leads committed before the kill), then some with several, a site that
 * cannot be reached and a lead the search refuses: enough for leads done, in flight and not yet
 * started at the kill, at a third of the work of searching the whole sample.
 */
const LEAD_DOMAINS = [
  'quillstack.example', 'pipewright.example', 'tessellate.example', 'rosterly.example', 'verdant-ehs.example', 'formation-data.example',
  'northstar-cold-chain.example', 'polderport-logistics.example', 'meridian-supply.example', 'kiln-analytics.example', 'brightpallet.example',
  'gone-logistics.example', 'halden-haulage.example',
];

interface Committed {
  lead_id: string;
  email: string;
  domain: string;
  research_id: string;
  facts: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SIGKILL in the middle of `prospector run`, then run again', () => {
  let home: string;
  let fake: FakeGroq;
  let env: NodeJS.ProcessEnv;
  let killed: CliResult;
  let reopened: CliResult;
  let committedBefore: Committed[];
  let interruptedRunId: string;
  let callsAtKill: RecordedCall[];
  let callsAfter: RecordedCall[];
  let second: CliResult;
  let summary: RunSummary;
  let rt: LocalRuntime;
  let killAfterMs = 0;
  let killedAt: Date;

  beforeAll(async () => {
    home = await migratedHome('prospector-crash-');
    // Latency keeps the run slow enough to be killed with leads both done and in flight.
    fake = await startFakeGroq({ apiKey: API_KEY, latencyMs: 120 });
    env = cliEnv(home, {
      GROQ_API_KEY: API_KEY,
      GROQ_BASE_URL: fake.baseURL,
      PROSPECTOR_LEAD_CONCURRENCY: '3',
      PROSPECTOR_FETCH_TIMEOUT_MS: '2000',
      NODE_OPTIONS: `--import ${PRELOAD}`,
    });
    // Onboarding sets the home up: in this process (test/helpers/cli-in-process.ts), its database
    // closed before a child opens the home.
    const onboard = await inProcess(['onboard', '--sample'], env);
    expect(onboard.code, onboard.stderr).toBe(0);
    await closeCliDatabases();

    const leads = join(home, 'leads.csv');
    await writeFile(leads, await directoryLeadsCsv(LEAD_DOMAINS));

    // First run: killed once enough leads are committed (their research lines are in the lake).
    const started = Date.now();
    const first = startProspector(['run', '--leads', leads, '--json'], env);
    for (;;) {
      const parts = await researchParts(home);
      if (parts.filter((p) => p.status === 'researched').length >= COMMITTED_BEFORE_KILL) break;
      if (first.child.exitCode !== null) throw new Error(`the run finished before it could be killed:\n${(await first.done).stderr}`);
      if (Date.now() - started > 120_000) throw new Error('no lead committed within 120 s');
      await sleep(25);
    }
    killAfterMs = Date.now() - started;
    first.child.kill('SIGKILL');
    killedAt = new Date();
    killed = await first.done;
    callsAtKill = [...fake.calls];

    // PGlite must reopen the directory the killed process had open.
    reopened = await prospector(
      [
        'query',
        `SELECT r.lead_id, l.email, c.domain, r.id AS research_id, (SELECT count(*)::int FROM fact f WHERE f.research_id = r.id) AS facts, r.run_id
         FROM research r JOIN lead l ON l.id = r.lead_id JOIN lead_company c ON c.id = l.company_id ORDER BY l.email`,
        '--json',
      ],
      env,
    );
    const rows = JSON.parse(reopened.stdout.trim() || '[]') as (Committed & { run_id: string })[];
    committedBefore = rows;
    interruptedRunId = rows[0]?.run_id ?? '';

    // Second run, to the end.
    second = await prospector(['run', '--leads', leads, '--json'], env);
    summary = lastJson<RunSummary>(second);
    callsAfter = fake.calls.slice(callsAtKill.length);

    rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' }, sampleWeb: false });
    const open = await rt.deps.sql.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM run_lead WHERE run_id = :id::uuid GROUP BY 1 ORDER BY 1`,
      { id: interruptedRunId },
    );
    const committedDomains = new Set(committedBefore.map((c) => c.domain));
    const redone = callsAtKill.filter((c) => !committedDomains.has(domainOfCall(c) ?? '?')).length;
    console.log(
      `kill-restart: killed after ${killAfterMs} ms with ${committedBefore.length} leads committed and ${callsAtKill.length} LLM calls made ` +
        `(${redone} of them for leads not yet committed); interrupted run leads by status: ${JSON.stringify(Object.fromEntries(open.rows.map((r) => [r.status, r.n])))}; ` +
        `the restart made ${callsAfter.length} calls, researched ${summary.leadsResearched}, skipped ${summary.leadsSkipped}, failed ${summary.leadsFailed}`,
    );
  }, 300_000);

  afterAll(async () => {
    await rt?.close();
    await fake?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('was really killed mid-run, and nothing in either process dialled outside loopback', () => {
    expect(killed.signal).toBe('SIGKILL');
    expect(committedBefore.length).toBeGreaterThanOrEqual(COMMITTED_BEFORE_KILL);
    for (const r of [killed, reopened, second]) expect(r.stderr).not.toContain('LOOPBACK-TRIPWIRE');
  });

  it('reopens the PGlite directory after SIGKILL', () => {
    expect(reopened.code, reopened.stderr).toBe(0);
    expect(interruptedRunId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('finishes the restarted run and marks the interrupted one interrupted, ending before the kill', async () => {
    expect(second.code, second.stderr).toBe(0);
    expect(summary.status).toBe('succeeded');
    const run = await rt.deps.sql.query<{ status: string; summary: { error?: string }; finished_at: string | null }>(
      `SELECT status, summary, finished_at FROM run WHERE id = :id::uuid`,
      { id: interruptedRunId },
    );
    expect(run.rows[0].status).toBe('interrupted');
    expect(run.rows[0].finished_at).not.toBeNull();
    // Its duration is the time it really ran (to its last recorded work), not until the next run.
    expect(new Date(run.rows[0].finished_at!).getTime()).toBeLessThanOrEqual(killedAt.getTime());
    expect(run.rows[0].summary.error).toMatch(/^Interrupted/);
  });

  it('loses nothing committed before the kill', async () => {
    for (const c of committedBefore) {
      const r = await rt.deps.sql.query<{ facts: number }>(
        `SELECT (SELECT count(*)::int FROM fact f WHERE f.research_id = r.id) AS facts FROM research r WHERE r.id = :id::uuid`,
        { id: c.research_id },
      );
      expect(r.rows, c.email).toHaveLength(1);
      expect(r.rows[0].facts, c.email).toBe(c.facts);
    }
  });

  it('duplicates no lead, no company, no research and no fact', async () => {
    const dupes = async (sql: string) => (await rt.deps.sql.query(sql)).rows;
    expect(await dupes(`SELECT workspace_id, email FROM lead GROUP BY 1, 2 HAVING count(*) > 1`)).toEqual([]);
    expect(await dupes(`SELECT workspace_id, domain FROM lead_company GROUP BY 1, 2 HAVING count(*) > 1`)).toEqual([]);
    // pages did not change, so each lead has exactly one research, whichever run made it
    expect(await dupes(`SELECT lead_id FROM research GROUP BY 1 HAVING count(*) > 1`)).toEqual([]);
    expect(await dupes(`SELECT f.research_id, f.quote, f.source_url FROM fact f GROUP BY 1, 2, 3 HAVING count(*) > 1`)).toEqual([]);
    expect(await dupes(`SELECT r.lead_id, f.quote, f.source_url FROM fact f JOIN research r ON r.id = f.research_id GROUP BY 1, 2, 3 HAVING count(*) > 1`)).toEqual([]);
    // the lake holds one research line per lead and run, and one per result a search of the run
    // turned away (those never became leads: no lead id)
    const parts = await researchParts(home);
    const keys = parts.map((p) => (p.failure_stage === 'search' ? `${p.run_id}/search/${p.icp}/${p.lead_email}` : `${p.run_id}/${p.lead_id}`));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('spends no token again on a lead committed before the kill', async () => {
    const committedLeads = new Set(committedBefore.map((c) => c.lead_id));
    // in the database: no call of the restarted run belongs to those leads
    const calls = await rt.deps.sql.query<{ lead_id: string }>(`SELECT lead_id FROM llm_call WHERE run_id = :runId::uuid`, { runId: summary.runId });
    expect(calls.rows.filter((c) => committedLeads.has(c.lead_id))).toEqual([]);
    // in the lake: no archived exchange of the restarted run belongs to them either
    const archived = await rt.deps.lake.list('llm/dt=');
    let mine = 0;
    for (const key of archived) {
      const x = JSON.parse((await rt.deps.lake.get(key))!.toString('utf8')) as { runId: string; leadId: string };
      if (x.runId !== summary.runId) continue;
      mine++;
      expect(committedLeads.has(x.leadId), key).toBe(false);
    }
    expect(mine).toBe(callsAfter.length);
    // at the server: no prompt after the kill is about a company all of whose leads were committed
    const leadsByDomain = await rt.deps.sql.query<{ domain: string; lead_id: string }>(
      `SELECT c.domain, l.id AS lead_id FROM lead l JOIN lead_company c ON c.id = l.company_id`,
    );
    const doneDomains = new Set(committedBefore.map((c) => c.domain).filter((d) => leadsByDomain.rows.filter((r) => r.domain === d).every((r) => committedLeads.has(r.lead_id))));
    expect(doneDomains.size).toBeGreaterThan(0);
    const before = new Map<string, number>();
    for (const c of callsAtKill) before.set(domainOfCall(c) ?? '?', (before.get(domainOfCall(c) ?? '?') ?? 0) + 1);
    for (const d of doneDomains) {
      expect(before.get(d) ?? 0, d).toBeGreaterThan(0);
      expect(callsAfter.filter((c) => domainOfCall(c) === d), d).toEqual([]);
    }
  });

  it('skips the committed leads in the restarted run as unchanged, naming the interrupted run', async () => {
    const rows = await rt.deps.sql.query<{ lead_id: string; status: string; reason: string | null }>(
      `SELECT lead_id, status, reason FROM run_lead WHERE run_id = :runId::uuid`,
      { runId: summary.runId },
    );
    const byLead = new Map(rows.rows.map((r) => [r.lead_id, r]));
    for (const c of committedBefore) {
      expect(byLead.get(c.lead_id)?.status, c.email).toBe('skipped');
      expect(byLead.get(c.lead_id)?.reason, c.email).toContain(`unchanged: same pages, prompts and models as the research of run ${interruptedRunId}`);
    }
    // and every lead of the restarted run ended with an outcome
    for (const r of rows.rows) expect(['researched', 'skipped', 'failed'], r.lead_id).toContain(r.status);
  });

  it('ends with every lead researched exactly once across the two runs, or skipped or failed with a reason', async () => {
    const lead = await rt.deps.sql.query<{ email: string; researched: number }>(
      `SELECT l.email, (SELECT count(*)::int FROM research r WHERE r.lead_id = l.id) AS researched FROM lead l`,
    );
    const final = await rt.deps.sql.query<{ email: string; status: string; reason: string | null }>(
      `SELECT l.email, rl.status, rl.reason FROM run_lead rl JOIN lead l ON l.id = rl.lead_id WHERE rl.run_id = :runId::uuid`,
      { runId: summary.runId },
    );
    for (const r of final.rows) {
      if (r.status !== 'researched') expect(r.reason, r.email).toBeTruthy();
    }
    for (const l of lead.rows) expect(l.researched, l.email).toBeLessThanOrEqual(1);
    const summaryFile = JSON.parse(await readFile(join(home, 'lake', 'runs', summary.runId, 'summary.json'), 'utf8')) as RunSummary;
    expect(summaryFile.leadsResearched).toBe(summary.leadsResearched);
  });

  // closeInterruptedRuns fails the leads a killed run never finished (with lead_failure rows),
  // so the run's summary shows them and `prospector redrive` of that run can pick them up.
  it('leaves no lead of the interrupted run without an outcome', async () => {
    const open = await rt.deps.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM run_lead WHERE run_id = :id::uuid AND status NOT IN ('researched', 'skipped', 'failed')`,
      { id: interruptedRunId },
    );
    expect(open.rows[0].n).toBe(0);
  });
});
