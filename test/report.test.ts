/**
 * The HTML run report: built from a real local execution, every untrusted string escaped (a
 * `<script>` in a quote is shown as text, never run), links only to http(s) sources and to the
 * lake's stored text, and, rendered in headless Chromium, a page that shows the top lead and its
 * quotes. The screenshot is kept under a temporary folder (its path is logged) for a human look.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import type { Sql } from '#core/ports.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { escapeHtml, lakeLink, loadRunReport, renderReport, safeHttpUrl, type RunReport } from '#local/report.ts';
import { openLocal, runOnce } from '#local/runner.ts';
import { recordFirstSent, recordReply, seedApprovedLead } from '#test/helpers/sending.ts';
import { migratedHome } from '#test/helpers/home.ts';
import { screenshotFolder } from '#test/helpers/browser.ts';

const exec = promisify(execFile);

const LEADS = [
  { company_name: 'Pipewright', company_website: 'https://pipewright.example', lead_email: 'florian.maier@pipewright.example', lead_name: 'Florian Maier' },
  { company_name: 'Kiln Analytics', company_website: 'https://kiln-analytics.example', lead_email: 'olivia.hart@kiln-analytics.example', lead_name: 'Olivia Hart' },
  { company_name: 'CoinVault', company_website: 'https://coinvault-exchange.example', lead_email: 'vikram.shah@coinvault-exchange.example', lead_name: 'Vikram Shah' },
  { company_name: 'Down Forever', company_website: 'https://down-forever.example', lead_email: 'gary.lund@down-forever.example', lead_name: 'Gary Lund' },
  { company_name: 'Hartwell Advisory', company_website: 'https://hartwell-advisory.example', lead_email: 'paul.hartwell@hartwell-advisory.example', lead_name: 'Paul Hartwell' },
];

const EVIL_QUOTE = `Trusted by teams <script>document.title='pwned';document.body.innerHTML='owned'</script> & "partners"`;
const EVIL_CLAIM = `<img src=x onerror="document.title='pwned'">claim`;

/** The Chromium binary, or null when it is not installed. */
function findChromium(): string | null {
  const candidates = ['/usr/bin/chromium', ...(process.env.PATH ?? '').split(delimiter).flatMap((d) => [join(d, 'chromium'), join(d, 'chromium-browser')])];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return null;
}

const CHROMIUM = findChromium();
// Skipped only on a developer machine without Chromium; in CI its absence is a failure (.ci/run installs it).
const chromiumTest = CHROMIUM || process.env.CI ? test : test.skip;
if (!CHROMIUM && !process.env.CI) {
  console.warn('report.test.ts: Chromium not found (apt-get install chromium): skipping the rendering test; it runs in CI');
}

/** Headless Chromium with nothing reaching out to the network. */
function chromiumArgs(profile: string): string[] {
  return [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
  ];
}

/** Three leads of the first ICP sent their first email (two of variant a, one of b); one replied with interest, one bounced. */
async function seedOutreach(sql: Sql, workspaceId: string): Promise<void> {
  const icp = await sql.query<{ id: string }>(`SELECT id FROM icp WHERE workspace_id = :ws::uuid ORDER BY slug LIMIT 1`, { ws: workspaceId });
  const leads = [];
  for (const [domain, variant] of [['sent-a1.example', 'a'], ['sent-a2.example', 'a'], ['sent-b1.example', 'b']] as const) {
    const lead = await seedApprovedLead(sql, workspaceId, domain, { variant });
    await sql.query(`UPDATE sequence SET icp_id = :icp::uuid WHERE id = :id::uuid`, { icp: icp.rows[0].id, id: lead.seq.sequenceId });
    await recordFirstSent(sql, lead, variant);
    leads.push(lead);
  }
  await recordReply(sql, workspaceId, leads[0], 'interested');
  await recordReply(sql, workspaceId, leads[2], 'bounce', { bounceKind: 'hard' });
}

describe('prospector report', () => {
  let home: string;
  let run: RunSummary;
  let report: RunReport;
  let lakeRoot: string;

  beforeAll(async () => {
    home = await migratedHome('prospector-report-');
    const leadsFile = join(home, 'leads.json');
    await writeFile(leadsFile, JSON.stringify(LEADS));
    const rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' } });
    try {
      const { workspaceId } = await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
      run = await runOnce(rt, { leadsFile });
      await seedOutreach(rt.deps.sql, workspaceId);
      lakeRoot = rt.deps.lake.location;
      report = await loadRunReport(rt.deps.sql, run.runId, lakeRoot);
    } finally {
      await rt.close();
    }
  }, 120_000);

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  /** The real report with hostile text planted where pages and models put theirs. */
  function hostile(): RunReport {
    const copy = structuredClone(report);
    const lead = copy.ranked[0];
    lead.research!.facts[0] = { ...lead.research!.facts[0], quote: EVIL_QUOTE, claim: EVIL_CLAIM, sourceUrl: 'javascript:alert(1)' };
    lead.research!.hooks.push({ hook: '</li></ul><script>alert(2)</script>', factIds: ['f1" onmouseover="x'] });
    lead.research!.summary = `${lead.research!.summary} <iframe src="https://evil.example"></iframe>`;
    copy.summary.failures.push({ lead: 'x@y.example', stage: 'fetch', error: 'BadResponse', message: '<b onclick="steal()">bold</b>' });
    // intent beside fit, with a signal whose quote a page planted
    lead.intent = {
      intentScore: 64, intentComputedAt: '2026-12-02T10:00:00.000Z', intentReasons: [],
      signals: [{
        id: 'sig-1', kind: 'job_opened', summary: 'New job opening: VP of Finance (finance, vp)', detail: { item: 'VP of Finance' }, url: 'https://acme.example/careers',
        beforeQuote: null, afterQuote: '<script>alert(3)</script>VP of Finance — Finance — Chicago, IL', beforeKey: null,
        afterKey: lead.research!.facts[0].cleanKey, observedAt: '2026-12-01T10:00:00.000Z', runId: copy.summary.runId,
      }],
    };
    return copy;
  }

  test('leads are ranked by fit, and failures, skips, researcher and totals are all on the page', () => {
    expect(run.leadsResearched).toBe(3);
    const scores = report.ranked.map((l) => l.research?.fitScore ?? -1);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const html = renderReport(report, join(home, 'reports'));
    expect(html).toContain('Offline heuristic researcher');
    expect(html).toContain('no language model was used');
    expect(html).toContain('gary.lund@down-forever.example');
    expect(html).toContain('BadResponse');
    expect(html).toContain('paul.hartwell@hartwell-advisory.example');
    expect(html).toContain('robots.txt');
    expect(html).toContain(`${run.promptTokens.toLocaleString('en-US')}</b>`);
    const top = report.ranked[0].research!;
    expect(html).toContain(escapeHtml(top.emailAngle!.angle));
    expect(html).toContain(escapeHtml(top.hooks[0].hook));
    expect(html).toContain(escapeHtml(top.criteria[0].reason));
    // self-contained: inline CSS, no script, nothing fetched from elsewhere
    expect(html).not.toMatch(/<script|<link |<img |@import|url\(/i);
  });

  test('shows the outreach measures per ICP and variant, with the sample size and why no winner is called', () => {
    const m = report.measures!;
    expect(m.byIcp).toHaveLength(1);
    expect(m.byIcp[0]).toMatchObject({ sent: 3, bounced: 1, replied: 1, positive: 1 });
    expect(m.byVariant.map((r) => [r.variant, r.sent])).toEqual([['a', 2], ['b', 1]]);
    const html = renderReport(report, join(home, 'reports'));
    expect(html).toContain('Outreach measures (this workspace, every send so far)');
    expect(html).toContain(`<b>${escapeHtml(m.byIcp[0].icp)}</b>: too small to call a winner on the reply rate: variant a has 2 sent (needs 100); variant b has 1 sent (needs 100)`);
  });

  test('every fact links to its source and, relatively, to the stored clean text in the lake', async () => {
    const reportDir = join(home, 'reports');
    const html = renderReport(report, reportDir);
    for (const f of report.ranked[0].research!.facts) {
      const link = lakeLink(reportDir, lakeRoot, f.cleanKey!)!;
      expect(link.startsWith('../lake/clean/text/domain=')).toBe(true);
      expect(html).toContain(`href="${link}"`);
      expect(html).toContain(`href="${f.sourceUrl}"`);
      // the relative link resolves, from the report's file: URL, to the stored file
      const target = new URL(link, pathToFileURL(join(reportDir, 'r.html')));
      expect(target.protocol).toBe('file:');
      expect((await stat(target)).isFile()).toBe(true);
    }
    expect(safeHttpUrl('javascript:alert(1)')).toBeNull();
    expect(lakeLink(reportDir, lakeRoot, '../../etc/passwd')).toBeNull();
  });

  test('text from pages and models is escaped: a <script> in a quote is text, not markup', () => {
    const html = renderReport(hostile(), join(home, 'reports'));
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<iframe');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b onclick');
    expect(html).not.toContain('href="javascript:');
    expect(html).not.toContain('onmouseover="x');
    expect(html).toContain(escapeHtml(EVIL_QUOTE));
    expect(html).toContain('&lt;script&gt;document.title=&#39;pwned&#39;');
    expect(html).toContain('source: javascript:alert(1)');
  });

  chromiumTest(
    'rendered in headless Chromium it shows the top lead and its quotes, runs no planted script, and screenshots cleanly',
    async () => {
      expect(CHROMIUM, 'chromium must be installed in CI (.ci/run installs it)').toBeTruthy();
      const out = await screenshotFolder('prospector-report-shot-');
      // the report sits where `prospector report` puts it, so its lake links resolve
      const file = join(home, 'reports', `run-${run.runId}.html`);
      await mkdir(dirname(file), { recursive: true });
      const evil = hostile();
      await writeFile(file, renderReport(evil, dirname(file)));
      const url = pathToFileURL(file).href;

      const dom = await exec(CHROMIUM!, [...chromiumArgs(join(out, 'profile-dom')), '--dump-dom', url], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
      const page = dom.stdout;
      const top = evil.ranked[0];
      expect(page).toContain(escapeHtml(top.company));
      expect(page).toContain(escapeHtml(top.research!.facts[1].quote));
      // the planted script is text in the page, and it did not run
      expect(page).toContain('&lt;script&gt;document.title=');
      expect(page).not.toContain('owned</body>');
      expect(page).toMatch(/<title>Prospector run [0-9a-f]{8} — \d+ leads<\/title>/);
      expect(page).not.toContain('pwned</title>');
      // the measures table, as the browser built it
      expect(page).toContain('<h2 id="measures">Outreach measures (this workspace, every send so far)</h2>');
      expect(page).toMatch(/<td>a: [^<]+<\/td><td>2<\/td><td>0 <span class="muted small">0\.0%<\/span><\/td><td>1 <span class="muted small">50\.0%<\/span><\/td><td>1 <span class="muted small">50\.0%<\/span><\/td>/);
      expect(page).toContain('too small to call a winner');
      // fit and intent side by side, in the glance table and on the lead, with the signal's quote as text
      expect(page).toContain('<th>fit</th><th>intent</th>');
      expect(page).toMatch(new RegExp(`<td>${top.research!.fitScore ?? '–'}</td><td>64</td>`));
      expect(page).toContain('<div class="small muted">intent</div>');
      expect(page).toContain('What changed (intent signals)');
      expect(page).toContain('&lt;script&gt;alert(3)&lt;/script&gt;VP of Finance — Finance — Chicago, IL');
      expect(page).not.toContain('<script>alert(3)');

      const png = join(out, 'report.png');
      await exec(CHROMIUM!, [...chromiumArgs(join(out, 'profile-shot')), `--screenshot=${png}`, '--window-size=1280,2000', url], { timeout: 60_000 });
      const image = await readFile(png);
      expect(image.subarray(1, 4).toString('ascii')).toBe('PNG');
      expect(image.length).toBeGreaterThan(20_000);
      // the browser profiles go, the screenshot stays for a human look
      for (const profile of ['profile-dom', 'profile-shot']) await rm(join(out, profile), { recursive: true, force: true });
      expect(existsSync(png)).toBe(true);
      console.log(`report screenshot: ${resolve(png)}`);
    },
    120_000,
  );
});
