/**
 * `prospector show`, `replay`, `report` and `export --out` as a user runs them, over one real
 * local execution (sample web, offline heuristic) in a temporary PROSPECTOR_HOME. Commands run in
 * this process (test/helpers/cli-in-process.ts), through the same entry the binary calls.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { openLocal, runOnce } from '#local/runner.ts';
import { NO_ICP_REASON } from '#core/outreach/sequence-writer.ts';
import { cliEnv, closeCliDatabases, homeDatabase, prospector } from '#test/helpers/cli-in-process.ts';
import { migratedHome } from '#test/helpers/home.ts';

const LEADS = [
  { company_name: 'Pipewright', company_website: 'https://pipewright.example', lead_email: 'florian.maier@pipewright.example', lead_name: 'Florian Maier' },
  { company_name: 'Ferrule', company_website: 'https://ferrule.example', lead_email: 'dana.whitfield@ferrule.example', lead_name: 'Dana Whitfield' },
  { company_name: 'Down Forever', company_website: 'https://down-forever.example', lead_email: 'gary.lund@down-forever.example', lead_name: 'Gary Lund' },
  { company_name: 'Hartwell Advisory', company_website: 'https://hartwell-advisory.example', lead_email: 'paul.hartwell@hartwell-advisory.example', lead_name: 'Paul Hartwell' },
  { company_name: 'Broken', company_website: 'https://broken.example', lead_email: 'not-an-email', lead_name: 'Nobody' },
];

describe('prospector show, replay and report', () => {
  let home: string;
  let first: RunSummary;
  let second: RunSummary;

  /** Runs one command and returns what it printed on stdout; a failed command throws with its stderr. */
  async function cli(args: string[]): Promise<string> {
    const result = await prospector(args, cliEnv(home));
    if (result.code !== 0) throw new Error(`prospector ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
    return result.stdout;
  }

  beforeAll(async () => {
    home = await migratedHome('prospector-inspect-');
    const leadsFile = join(home, 'leads.json');
    await writeFile(leadsFile, JSON.stringify(LEADS));
    const rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' }, sql: await homeDatabase(home) });
    try {
      await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
      first = await runOnce(rt, { leadsFile });
      second = await runOnce(rt, { leadsFile });
    } finally {
      await rt.close();
    }
  }, 120_000);

  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  test('show RUN_ID --json: counts, tokens, cost, failures and skips grouped by reason', async () => {
    expect(first.leadsResearched).toBe(2);
    // a leads file run with no --icp drafts nothing, and says how to give its leads an ICP
    expect(first.leadsDrafted).toBe(0);
    expect(first.notDrafted.map((n) => n.reason)).toEqual([NO_ICP_REASON, NO_ICP_REASON]);
    expect(NO_ICP_REASON).toContain('prospector run --leads FILE --icp SLUG');
    const shown = JSON.parse(await cli(['show', first.runId, '--json']));
    expect(shown.kind).toBe('run');
    expect(shown.run).toMatchObject({ runId: first.runId, leadsResearched: 2, llmProvider: 'offline-heuristic', costUsd: 0 });
    expect(shown.run.promptTokens).toBeGreaterThan(0);
    expect(shown.llmByPass.map((p: { pass: string }) => p.pass).sort()).toEqual(['facts', 'synthesis']);
    const failures = Object.fromEntries(shown.failuresByReason.map((g: { reason: string; count: number }) => [g.reason, g.count]));
    expect(failures).toMatchObject({ 'search · InvalidLead': 1, 'fetch · BadResponse': 1 });
    expect(shown.notDraftedByReason).toEqual([
      { reason: NO_ICP_REASON, count: 2, leads: expect.arrayContaining([expect.objectContaining({ lead: 'florian.maier@pipewright.example', reason: NO_ICP_REASON })]) },
    ]);
    expect(shown.skippedByReason).toEqual([
      { reason: 'robots.txt disallows the site', count: 1, leads: [{ lead: 'paul.hartwell@hartwell-advisory.example', reason: expect.stringMatching(/^robots\.txt of hartwell-advisory\.example/) }] },
    ]);
  });

  test('show RUN_ID in text, by a prefix of the id, groups reasons and says how to redrive', async () => {
    const text = await cli(['show', second.runId.slice(0, 8)]);
    expect(text).toContain(`Run ${second.runId} succeeded`);
    expect(text).toMatch(/Skipped \(3\) by reason:/);
    expect(text).toMatch(/unchanged: same pages, prompts and models as earlier research \(no tokens spent\) \(2\)/);
    expect(text).toContain('fetch · BadResponse (1)');
    expect(text).toContain('prospector redrive');
    // the first run's two researched leads came from a leads file with no --icp: no sequence, and why
    const first1 = await cli(['show', first.runId.slice(0, 8)]);
    expect(first1).toContain('Drafted: 0 of 2 researched.');
    expect(first1).toMatch(new RegExp(`Not drafted \\(2\\) by reason:\\n  the lead has no ICP, .* \\(2\\): `));
  });

  test('show LEAD_EMAIL: latest research with per-criterion reasons, hooks, angle, and each fact with quote, source and lake key', async () => {
    const shown = JSON.parse(await cli(['show', 'Florian.Maier@pipewright.example', '--json']));
    expect(shown.kind).toBe('lead');
    expect(shown.lead).toMatchObject({ email: 'florian.maier@pipewright.example', company: 'Pipewright', domain: 'pipewright.example' });
    const r = shown.latest;
    expect(r.runId).toBe(first.runId);
    expect(r.fitScore).toBeGreaterThan(0);
    expect(r.criteria.length).toBeGreaterThan(0);
    expect(r.criteria[0]).toMatchObject({ criterion: expect.any(String), assessment: expect.any(String), reason: expect.any(String) });
    expect(r.hooks.length).toBeGreaterThan(0);
    expect(r.emailAngle.angle).toBeTruthy();
    expect(r.facts.length).toBeGreaterThan(0);
    for (const f of r.facts) {
      expect(f.sourceUrl).toMatch(/^https:\/\/pipewright\.example\//);
      expect(f.cleanKey).toMatch(/^clean\/text\/domain=pipewright\.example\/[0-9a-f]{64}\.md$/);
      const stored = await readFile(join(home, 'lake', ...f.cleanKey.split('/')), 'utf8');
      expect(stored.replace(/\s+/g, ' ')).toContain(f.quote.replace(/\s+/g, ' '));
    }
    // both runs are listed; the second reused the first one's research
    expect(shown.runs.map((x: { runId: string }) => x.runId)).toEqual([second.runId, first.runId]);
    expect(shown.runs[0]).toMatchObject({ status: 'researched', unchangedSince: true, researchRunId: first.runId });
    expect(shown.runs[0].reason).toMatch(/^researched \d{4}-\d{2}-\d{2}, unchanged since/);

    const text = await cli(['show', 'florian.maier@pipewright.example']);
    expect(text).toContain('Fit by criterion:');
    expect(text).toContain('Email angle:');
    expect(text).toContain(`"${r.facts[0].quote.replace(/\s+/g, ' ').trim()}"`);
    expect(text).toContain(`stored text: ${r.facts[0].cleanKey}`);
    expect(text).toContain('Runs (2):');
  });

  test('unknown run ids and leads get errors that say what to do next', async () => {
    await expect(cli(['show', '00000000-0000-4000-8000-000000000000'])).rejects.toThrow(/does not exist: list recent runs with `prospector runs`/);
    await expect(cli(['show', 'abcdef12'])).rejects.toThrow(/no run id starts with abcdef12: list recent runs with `prospector runs`/);
    await expect(cli(['show', 'nobody@nowhere.example'])).rejects.toThrow(/no lead has the email nobody@nowhere\.example: .*prospector export/);
    await expect(cli(['show', 'whatever'])).rejects.toThrow(/neither a run id nor a lead email: list runs with `prospector runs`/);
    await expect(cli(['replay', '--run', '00000000-0000-4000-8000-000000000000'])).rejects.toThrow(/prospector runs/);
    await expect(cli(['report', 'ffffffff'])).rejects.toThrow(/prospector runs/);
  });

  test('replay --json of an untouched run reports no differences; text says so', async () => {
    const report = JSON.parse(await cli(['replay', '--run', first.runId, '--json']));
    expect(report.totals).toMatchObject({ leads: 4, replayed: 2, changed: 0, factsAdded: 0, factsDropped: 0, fitScoreMoved: 0, statusChanged: 0 });
    expect(report.provider).toBe('offline-heuristic');
    const text = await cli(['replay', '--run', first.runId.slice(0, 8)]);
    expect(text).toMatch(/No differences: .* all 2 replayed leads/);
    expect(text).toContain('nothing was fetched and nothing was written');
  });

  test('replay --lead refuses a lead the run does not have, so a misspelt check fails instead of testing nothing', async () => {
    const r = await prospector(['replay', '--run', first.runId, '--lead', 'nobody@x.com', '--exit-code'], cliEnv(home));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: --lead nobody@x.com: not a lead of run ${first.runId} (it has 4 leads): check the spelling; \`prospector export --run ${first.runId.slice(0, 8)}\` lists them\n`);
    // a lead of the run, in any case, is replayed
    const one = JSON.parse(await cli(['replay', '--run', first.runId, '--lead', 'Florian.Maier@pipewright.example', '--json']));
    expect(one.leads.map((l: { lead: string }) => l.lead)).toEqual(['florian.maier@pipewright.example']);
  });

  test('report writes one HTML file with the ranked leads, and --out puts it where asked', async () => {
    const written = JSON.parse(await cli(['report', first.runId, '--json']));
    expect(written.file).toBe(join(home, 'reports', `run-${first.runId}.html`));
    expect(written.leads).toBe(2);
    const html = await readFile(written.file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Pipewright');
    expect(html).not.toMatch(/<script|<link|src="http/i);

    const out = join(home, 'latest.html');
    const text = await cli(['report', '--out', out]);
    expect(text).toContain(out);
    expect(await readFile(out, 'utf8')).toContain(second.runId);
  });

  test('export and report --out refuse a folder that does not exist and a folder as the file, naming the path; nothing is made', async () => {
    const missing = join(home, 'nonexistent', 'dir');
    for (const [args, file] of [
      [['export', '--format', 'csv'], 'x.csv'],
      [['report'], 'r.html'],
    ] as const) {
      const r = await prospector([...args, '--out', join(missing, file)], cliEnv(home));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(`error: cannot write ${join(missing, file)}: folder ${missing} does not exist: create it first, or choose a folder that exists\n`);
      expect(existsSync(join(home, 'nonexistent'))).toBe(false);
    }
    const exported = await prospector(['export', '--out', home], cliEnv(home));
    expect(exported.code).toBe(2);
    expect(exported.stderr).toBe(`error: cannot write ${home}: it is a folder: give a file in it, e.g. --out ${join(home, 'research.jsonl')}\n`);
    const report = await prospector(['report', '--out', home], cliEnv(home));
    expect(report.code).toBe(2);
    expect(report.stderr).toBe(`error: cannot write ${home}: it is a folder: give a file in it, e.g. --out ${join(home, 'report.html')}\n`);
    // and a path that can be written is
    await cli(['export', '--format', 'csv', '--out', join(home, 'research.csv')]);
    expect(await readFile(join(home, 'research.csv'), 'utf8')).toMatch(/^lead,/);
  });

  test('--help of each command shows examples, and replay says Groq is called when GROQ_API_KEY is set', async () => {
    for (const command of ['show', 'replay', 'report']) {
      const stdout = await cli([command, '--help']);
      expect(stdout, command).toContain('Examples:');
      expect(stdout, command).toContain(`$ prospector ${command}`);
    }
    const stdout = await cli(['replay', '--help']);
    expect(stdout).toMatch(/GROQ_API_KEY set, replay\s+calls Groq/);
    expect(stdout).toContain('--run <id>');
  }, 60_000);
});
