/**
 * The HTML run report: built from a real local execution, every untrusted string escaped (a
 * `<script>` in a quote is shown as text, never run), links only to http(s) sources and to the
 * lake's stored text, each lead's drafting outcome beside its research, and, rendered in headless
 * Chromium, a page that shows the top lead, its quotes and its outreach, is read with the keyboard
 * and has no serious axe-core finding. The screenshot is kept under a temporary folder (its path
 * is logged) for a human look.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import type { Sql } from '#core/ports.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { draftingLine, escapeHtml, lakeLink, loadRunReport, renderReport, safeHttpUrl, type RunReport } from '#local/report.ts';
import { openLocal, runOnce } from '#local/runner.ts';
import { recordFirstSent, recordReply, seedApprovedLead } from '#test/helpers/sending.ts';
import { migratedHome } from '#test/helpers/home.ts';
import { hasChromium, launchChromium, runAxe, screenshotFolder } from '#test/helpers/browser.ts';

const LEADS = [
  { company_name: 'Pipewright', company_website: 'https://pipewright.example', lead_email: 'florian.maier@pipewright.example', lead_name: 'Florian Maier' },
  { company_name: 'Kiln Analytics', company_website: 'https://kiln-analytics.example', lead_email: 'olivia.hart@kiln-analytics.example', lead_name: 'Olivia Hart' },
  { company_name: 'CoinVault', company_website: 'https://coinvault-exchange.example', lead_email: 'vikram.shah@coinvault-exchange.example', lead_name: 'Vikram Shah' },
  { company_name: 'Down Forever', company_website: 'https://down-forever.example', lead_email: 'gary.lund@down-forever.example', lead_name: 'Gary Lund' },
  { company_name: 'Hartwell Advisory', company_website: 'https://hartwell-advisory.example', lead_email: 'paul.hartwell@hartwell-advisory.example', lead_name: 'Paul Hartwell' },
];

const EVIL_QUOTE = `Trusted by teams <script>document.title='pwned';document.body.innerHTML='owned'</script> & "partners"`;
const EVIL_CLAIM = `<img src=x onerror="document.title='pwned'">claim`;

// Skipped only on a developer machine without Chromium; in CI its absence is a failure (.ci/run installs it).
const chromiumTest = hasChromium || process.env.CI ? test : test.skip;
if (!hasChromium && !process.env.CI) {
  console.warn('report.test.ts: Chromium not found (apt-get install chromium): skipping the rendering test; it runs in CI');
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
      run = await runOnce(rt, { leadsFile, icp: 'b2b-saas-scaleups' });
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

  test("each lead shows what drafting made of it: the sequence and where it stands, or the run summary's reason", () => {
    const researched = report.ranked.filter((l) => l.status === 'researched');
    expect(researched).toHaveLength(3);
    const drafted = researched.filter((l) => l.drafting?.outcome === 'drafted');
    expect(drafted).toHaveLength(run.leadsDrafted);
    // the file's leads belong to the ICP the run names: the two that fit it drafted, CoinVault (fit 24) not
    expect(run.leadsDrafted).toBe(2);
    for (const l of drafted) expect(l.drafting).toMatchObject({ reason: null, source: 'template', sequenceId: expect.stringMatching(/^[0-9a-f-]{36}$/), sequenceStatus: 'draft' });
    const notDrafted = researched.filter((l) => l.drafting?.outcome !== 'drafted');
    expect(notDrafted.map((l) => [l.email, l.drafting?.reason])).toEqual(
      expect.arrayContaining(run.notDrafted.map((k) => [k.lead, k.reason])),
    );
    expect(notDrafted).toHaveLength(run.notDrafted.length);
    const html = renderReport(report, join(home, 'reports'));
    expect(html).toContain(`${run.leadsDrafted}</b><span class="muted small">sequences drafted</span>`);
    for (const l of researched) expect(html).toContain(`<b>Outreach:</b> ${escapeHtml(draftingLine(l.drafting!))}</p>`);
    expect(draftingLine({ outcome: 'drafted', reason: null, source: 'template', sequenceId: null, sequenceStatus: 'draft', runId: null })).toBe(
      "Sequence drafted from templates: waiting for a rep's review (prospector drafts list, or the web app's review queue)",
    );
    expect(draftingLine({ outcome: 'not_drafted', reason: "fit 31 is below the ICP's threshold of 60", source: null, sequenceId: null, sequenceStatus: null, runId: null })).toBe(
      "Not drafted: fit 31 is below the ICP's threshold of 60",
    );
    // a lead whose research the run reused keeps the earlier run's drafting, and says whose
    expect(draftingLine({ outcome: 'drafted', reason: null, source: 'llm', sequenceId: null, sequenceStatus: 'active', runId: '0f89ed6e-0000-4000-8000-000000000000' }, run.runId)).toBe(
      'Sequence drafted by the LLM (in run 0f89ed6e, whose research this run reused): sequence active',
    );
    expect(draftingLine({ outcome: 'failed', reason: 'drafting failed: LlmAnswerInvalid: no JSON', source: null, sequenceId: null, sequenceStatus: null, runId: null })).toBe('Drafting failed: LlmAnswerInvalid: no JSON');
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
    'in headless Chromium: the top lead, its quotes and its outreach, no planted script run, reached by keyboard, no serious axe finding',
    async () => {
      expect(hasChromium, 'chromium must be installed in CI (.ci/run installs it)').toBe(true);
      const out = await screenshotFolder('prospector-report-shot-');
      // the report sits where `prospector report` puts it, so its lake links resolve
      const file = join(home, 'reports', `run-${run.runId}.html`);
      await mkdir(dirname(file), { recursive: true });
      const evil = hostile();
      await writeFile(file, renderReport(evil, dirname(file)));
      const url = pathToFileURL(file).href;
      const browser = await launchChromium();
      try {
        const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
        await page.goto(url);
        const top = evil.ranked[0];
        // the planted script is text in the page, and it did not run
        expect(await page.title()).toMatch(/^Prospector run [0-9a-f]{8} — \d+ leads$/);
        const body = await page.locator('body').innerText();
        expect(body).toContain(top.company);
        expect(body).toContain(top.research!.facts[1].quote);
        expect(body).toContain("<script>document.title='pwned'");
        expect(body).not.toMatch(/^owned$/m);
        expect(await page.locator('script').count()).toBe(0);
        // the measures table, as the browser built it
        await expect.poll(() => page.locator('#measures').innerText()).toBe('Outreach measures (this workspace, every send so far)');
        expect(body).toContain('too small to call a winner');
        // fit, intent and outreach in the glance table, and on the lead with the signal's quote as text
        const glance = page.locator('table.glance tr').nth(1).locator('td');
        expect(await glance.allInnerTexts()).toEqual(['1', top.company, top.name, String(top.research!.fitScore ?? '–'), '64', String(top.research!.facts.length), expect.any(String), expect.stringMatching(/^(drafted|not drafted|drafting failed)$/)]);
        const lead = page.locator('#lead-0');
        expect(await lead.locator('.outreach').innerText()).toBe(`Outreach: ${draftingLine(top.drafting!)}`);
        expect(await lead.innerText()).toContain("<script>alert(3)</script>VP of Finance — Finance — Chicago, IL");

        // keyboard: the first Tab reaches the table's first lead, Enter jumps to its section, and
        // the next Tab continues inside that section (its website link); Space folds its facts
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('#lead-0');
        await page.keyboard.press('Enter');
        await expect.poll(() => page.evaluate(() => location.hash)).toBe('#lead-0');
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => document.activeElement?.closest('section')?.id)).toBe('lead-0');
        const facts = lead.locator('details');
        expect(await facts.getAttribute('open')).not.toBeNull();
        await lead.locator('details summary').focus();
        await page.keyboard.press('Space');
        await expect.poll(() => facts.getAttribute('open')).toBeNull();

        await page.screenshot({ path: join(out, 'report.png'), fullPage: true });
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: join(out, 'report-top.png') });
        console.log(`report screenshot: ${resolve(out, 'report.png')}`);

        // axe-core needs a script in the page, which the report's CSP forbids: a context that
        // bypasses the CSP runs it over the same file
        const audit = await (await browser.newContext({ bypassCSP: true })).newPage();
        await audit.goto(url);
        const axe = await runAxe(audit);
        expect(axe.passed).toBeGreaterThan(10);
        expect(axe.serious).toEqual([]);
      } finally {
        await browser.close();
      }
      expect(existsSync(join(out, 'report.png'))).toBe(true);
    },
    120_000,
  );
});
