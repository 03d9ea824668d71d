/**
 * A second run over unchanged sites reuses the earlier research. As a user drives the CLI (in
 * this process, a temporary PROSPECTOR_HOME): `show LEAD`, `export` and the HTML report present that
 * research as current ("researched DATE, unchanged since"), never as `skipped` beside a fit
 * score; the run's own counts still add up with those leads as skipped. The report is also
 * rendered in headless Chromium.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeCliDatabases, prospector } from '#test/helpers/cli-in-process.ts';
import { migratedHome } from '#test/helpers/home.ts';

const exec = promisify(execFile);

const LEADS = [
  { company_name: 'Pipewright', company_website: 'https://pipewright.example', lead_email: 'florian.maier@pipewright.example', lead_name: 'Florian Maier' },
  { company_name: 'Ferrule', company_website: 'https://ferrule.example', lead_email: 'dana.whitfield@ferrule.example', lead_name: 'Dana Whitfield' },
  { company_name: 'Hartwell Advisory', company_website: 'https://hartwell-advisory.example', lead_email: 'paul.hartwell@hartwell-advisory.example', lead_name: 'Paul Hartwell' },
];

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((c) => {
  try {
    accessSync(c, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
// Skipped only on a developer machine without Chromium; in CI its absence is a failure (.ci/run installs it).
const chromiumTest = chromium || process.env.CI ? test : test.skip;

interface Summary { runId: string; leadsFound: number; leadsResearched: number; leadsSkipped: number; leadsFailed: number; duplicates: number }

describe('reused research is presented as current', () => {
  let home: string;
  let first: Summary;
  let second: Summary;
  /** Runs one command; as execFile would, a command that fails throws (with its stderr). */
  const cli = async (args: string[]) => {
    const result = await prospector(args, { ...process.env, PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', GROQ_API_KEY: '' });
    if (result.code !== 0) throw new Error(`prospector ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
    return result;
  };
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    home = await migratedHome('prospector-reused-');
    const leads = join(home, 'leads.json');
    await writeFile(leads, JSON.stringify(LEADS));
    await cli(['onboard', '--sample']);
    first = JSON.parse((await cli(['run', '--leads', leads, '--json'])).stdout.trim().split('\n').at(-1)!);
    second = JSON.parse((await cli(['run', '--leads', leads, '--json'])).stdout.trim().split('\n').at(-1)!);
  }, 240_000);
  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  test('the second run researched nothing and its counts add up', () => {
    expect(first).toMatchObject({ leadsResearched: 2, leadsSkipped: 1 });
    expect(second).toMatchObject({ leadsResearched: 0, leadsSkipped: 3 });
    for (const s of [first, second]) expect(s.leadsFound).toBe(s.leadsResearched + s.leadsSkipped + s.leadsFailed + s.duplicates);
  });

  test('show LEAD: the latest research is current, unchanged since, and no run lists it as skipped', async () => {
    const json = JSON.parse((await cli(['show', 'florian.maier@pipewright.example', '--json'])).stdout);
    expect(json.latest.runId).toBe(first.runId);
    expect(json.runs).toEqual([
      expect.objectContaining({ runId: second.runId, status: 'researched', unchangedSince: true, researchRunId: first.runId, reason: expect.stringContaining(`researched ${today}, unchanged since`) }),
      expect.objectContaining({ runId: first.runId, status: 'researched', unchangedSince: false, researchRunId: first.runId }),
    ]);
    const text = (await cli(['show', 'florian.maier@pipewright.example'])).stdout;
    expect(text).toMatch(new RegExp(`Latest research: run ${first.runId} on .* · researched ${today}, unchanged since \\(checked again in run ${second.runId.slice(0, 8)}`));
    const runs = text.slice(text.indexOf('Runs (2):'));
    expect(runs).toContain(`researched ${today}, unchanged since`);
    expect(runs).not.toMatch(/\bskipped\b/);
    // a lead skipped for another reason still says so
    const robots = (await cli(['show', 'paul.hartwell@hartwell-advisory.example'])).stdout;
    expect(robots).toMatch(/skipped\s+robots\.txt/);
  }, 60_000);

  test('export presents the same research as current', async () => {
    const records = (await cli(['export', '--run', second.runId.slice(0, 8)])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const florian = records.find((r) => r.lead === 'florian.maier@pipewright.example');
    expect(florian).toMatchObject({ status: 'researched', researchRunId: first.runId, failureReason: null });
  }, 60_000);

  test('report: reused leads are ranked as current research; the skipped table lists only real skips', async () => {
    const written = JSON.parse((await cli(['report', second.runId.slice(0, 8), '--json'])).stdout);
    expect(written.leads).toBe(2);
    const html = await readFile(written.file, 'utf8');
    const glance = html.slice(html.indexOf('<table class="glance">'), html.indexOf('</table>', html.indexOf('<table class="glance">')));
    expect(glance.match(new RegExp(`researched ${today}, unchanged since`, 'g'))).toHaveLength(2);
    expect(glance).not.toContain('skipped');
    expect(html).toContain(`this run found the same pages, prompts and models, so that research is current`);
    const skipped = html.slice(html.indexOf('<h2>Skipped (3)</h2>'));
    expect(skipped).toContain('2 leads had the same pages, prompts and models as earlier research');
    expect(skipped).toContain('paul.hartwell@hartwell-advisory.example');
    expect(skipped).not.toContain('florian.maier@pipewright.example');
  }, 60_000);

  chromiumTest('the report, rendered in headless Chromium, shows the reused lead as current research', async () => {
    expect(chromium, 'chromium must be installed in CI (.ci/run installs it)').toBeTruthy();
    const written = JSON.parse((await cli(['report', second.runId, '--json'])).stdout);
    const profile = await mkdtemp(join(tmpdir(), 'prospector-reused-chromium-'));
    try {
      const { stdout: dom } = await exec(
        chromium!,
        ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--dump-dom', pathToFileURL(written.file).href],
        { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      );
      const lead = dom.slice(dom.indexOf('Pipewright'), dom.indexOf('</section>', dom.indexOf('Pipewright')));
      expect(dom).toContain('Pipewright');
      expect(dom).toMatch(new RegExp(`<span class="badge">researched ${today}, unchanged since</span>`));
      expect(lead).not.toContain('<span class="badge">skipped</span>');
    } finally {
      await rm(profile, { recursive: true, force: true });
    }
  }, 120_000);
});
