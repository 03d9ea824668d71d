/**
 * The web app in Debian's Chromium through playwright-core (no browser download): served by the
 * same `startUi` that `prospector ui` runs, over one populated in-memory home built once. A rep
 * signs in with the one-time link, reads a hostile quote as text, approves a draft with the
 * mouse, adds an invented claim and sees it blocked, and clears the rest of the queue with the
 * keyboard alone; forms without their CSRF token are refused; the second workspace stays apart;
 * axe-core finds no serious or critical violation on any page. Screenshots go to a temporary
 * folder whose path is logged (as test/report.test.ts does), for a human look.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startUi, type UiServer } from '#local/commands/ui.ts';
import { parseOnboardingText } from '#core/onboarding/import.ts';
import { departedRepDraft, uploadableSample, webFixture, type WebFixture } from '#test/helpers/web.ts';
import { browserSuite, hasChromium, launchChromium, runAxe, screenshotFolder } from '#test/helpers/browser.ts';

const suite = browserSuite('browser.test.ts');

suite('the web app in Chromium', () => {
  let f: WebFixture;
  let ui: UiServer;
  let browser: Browser;
  let rep: BrowserContext;
  let page: Page;
  let shots: string;
  const redrives: { workspaceId: string; runId: string }[] = [];

  beforeAll(async () => {
    expect(hasChromium, 'chromium must be installed in CI (.ci/run installs it)').toBe(true);
    f = await webFixture();
    // the redrive itself (runOnce) is the CLI's; here the button's request is recorded
    ui = await startUi({ sql: f.db, lake: f.lake }, { host: '127.0.0.1', port: 0, workspaceId: f.tallyhand.workspaceId, redrive: async (input) => void redrives.push(input) });
    browser = await launchChromium();
    rep = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await rep.newPage();
    shots = await screenshotFolder('prospector-web-shots-');
    console.log(`web app screenshots: ${shots}`);
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await f?.close();
  });

  const shot = (name: string, p: Page = page) => p.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const status = async (sequenceId: string) =>
    (await f.db.query<{ status: string }>(`SELECT status FROM sequence WHERE id = :id::uuid`, { id: sequenceId })).rows[0].status;
  const draft = (sequenceId: string) => page.locator(`#seq-${sequenceId}`);

  test('the one-time link signs in once; the cookie is HttpOnly and the link then refused', async () => {
    const res = await page.goto(ui.loginUrl);
    expect(res?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/review');
    await expect(page.locator('h1').textContent()).resolves.toBe('Review queue');
    const [cookie] = await rep.cookies();
    expect(cookie).toMatchObject({ name: 'prospector_session', httpOnly: true, sameSite: 'Lax' });
    // the same link in another browser profile
    const stranger = await browser.newContext();
    const again = await (await stranger.newPage()).goto(ui.loginUrl);
    expect(again?.status()).toBe(401);
    await stranger.close();
  });

  test('without a session, pages redirect to /login and the API answers 401', async () => {
    const stranger = await browser.newContext();
    const p = await stranger.newPage();
    for (const path of ['/review', '/leads', '/runs']) {
      await p.goto(`${ui.url}${path}`);
      expect(new URL(p.url()).pathname).toBe('/login');
    }
    const api = await p.request.get(`${ui.url}/api/drafts`);
    expect(api.status()).toBe(401);
    await shot('login', p);
    await stranger.close();
  });

  test('a quote containing <script> is shown as text when its cited sentence has focus', async () => {
    await page.goto(`${ui.url}/review`);
    const mark = draft(f.sequences.evil.sequenceId).locator('mark.cite').first();
    const quote = mark.locator('.quote');
    await expect(quote.isVisible()).resolves.toBe(false);
    await mark.focus();
    await expect(quote.isVisible()).resolves.toBe(true);
    await expect(quote.textContent()).resolves.toContain(`<script>document.title='pwned'</script> & "more"`);
    expect(await page.title()).toBe('Review queue · Prospector');
    expect(await page.locator('main script').count()).toBe(0);
    await shot('review-quote-tooltip');
    await page.goto(`${ui.url}/leads/${f.leads.evil.leadId}`);
    await expect(page.locator('blockquote').first().textContent()).resolves.toContain('<script>');
    expect(await page.title()).not.toContain('pwned');
  });

  test('a form whose CSRF token was removed is refused with 403 and nothing changes', async () => {
    await page.goto(`${ui.url}/review`);
    const form = draft(f.sequences.granite.sequenceId).locator('form.approve');
    await form.locator('input[name="_csrf"]').evaluate((el) => el.remove());
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), form.locator('button').click()]);
    expect(response.status()).toBe(403);
    await expect(page.locator('[role="alert"]').textContent()).resolves.toContain('security token');
    expect(await status(f.sequences.granite.sequenceId)).toBe('draft');
  });

  test('approving a draft with the mouse queues it and takes it off the queue', async () => {
    await page.goto(`${ui.url}/review`);
    await draft(f.sequences.granite.sequenceId).getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/done=approved/);
    await expect(page.locator('[role="status"]').textContent()).resolves.toContain('Approved');
    // the notice stays in sight: the next draft has focus without the page scrolling past it
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    expect((await page.locator('[role="status"]').boundingBox())!.y).toBeGreaterThanOrEqual(0);
    expect(await page.evaluate(() => document.activeElement?.matches('article.draft'))).toBe(true);
    expect(await draft(f.sequences.granite.sequenceId).count()).toBe(0);
    expect(await status(f.sequences.granite.sequenceId)).toBe('approved');
  });

  test('a refused edit comes back in sight at its draft, the editor open with what was typed', async () => {
    await page.goto(`${ui.url}/review`);
    const message = page.locator(`#msg-${f.sequences.evil.messages.a}`);
    await message.getByText('Edit this message').click();
    const typed = 'Saw the new Leeds depot go live this month.\n\nBest,\nMaya';
    await message.getByLabel(/^Body/).fill(typed);
    await message.getByLabel('Subject').fill('   ');
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), message.getByRole('button', { name: 'Save and check again' }).click()]);
    expect(response.status()).toBe(409);
    const card = draft(f.sequences.evil.sequenceId);
    const alert = card.locator('[role="alert"]');
    await expect(alert.textContent()).resolves.toBe('Not saved: an email’s subject cannot be empty.');
    const box = (await alert.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(page.viewportSize()!.height);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`seq-${f.sequences.evil.sequenceId}`);
    await expect(page.locator(`#body-${f.sequences.evil.messages.a}`).inputValue()).resolves.toBe(typed);
    await expect(page.locator(`#msg-${f.sequences.evil.messages.a} details.edit`).getAttribute('open')).resolves.toBe('');
    await shot('review-edit-refused');
  });

  test('an edit that adds an invented claim is checked again and shown blocked', async () => {
    await page.goto(`${ui.url}/review`);
    const message = page.locator(`#msg-${f.sequences.evil.messages.b}`);
    await message.getByText('Edit this message').click();
    await message.getByLabel(/^Body/).fill('Keelhaul Freight cut invoice time by 72%. Your team saved $4.2 million with us in 2023. Worth a 15-minute look next week?');
    await message.getByRole('button', { name: 'Save and check again' }).click();
    await page.waitForURL(/done=edited/);
    const after = page.locator(`#msg-${f.sequences.evil.messages.b}`);
    await expect(after.locator('.verdict').textContent()).resolves.toBe('blocked');
    await expect(after.locator('.flags').textContent()).resolves.toContain('Blocked: invented_specific');
    await expect(draft(f.sequences.evil.sequenceId).locator('.blocked').textContent()).resolves.toContain('Blocked');
    expect(await draft(f.sequences.evil.sequenceId).locator('form.approve').count()).toBe(0);
    await shot('review-edit-blocked');
  });

  test('single-key shortcuts can be turned off (screen readers use the same keys), and the choice is remembered', async () => {
    await page.goto(`${ui.url}/review`);
    const first = await page.evaluate(() => document.activeElement?.id);
    await page.getByLabel('Single-key shortcuts on').uncheck();
    await page.locator(`#${first}`).focus();
    await page.keyboard.press('j');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(first);
    await page.reload();
    await expect(page.getByLabel('Single-key shortcuts on').isChecked()).resolves.toBe(false);
    await page.getByLabel('Single-key shortcuts on').check();
    await page.reload();
    await expect(page.getByLabel('Single-key shortcuts on').isChecked()).resolves.toBe(true);
  });

  test("the queue's view (everyone's drafts, or the ones you send) is chosen with the keyboard, and each card names its sender", async () => {
    await page.goto(`${ui.url}/review`);
    await tabTo('a[href="/review?view=mine"]');
    await Promise.all([page.waitForURL(/view=mine/), page.keyboard.press('Enter')]);
    await expect(page.locator('a[href="/review?view=mine"]').getAttribute('aria-current')).resolves.toBe('true');
    await expect(page.locator('main').textContent()).resolves.toMatch(/\d+ draft\(s\) waiting that you send/);
    await expect(page.locator(`#seq-${f.sequences.evil.sequenceId} .muted`).first().textContent()).resolves.toContain('sent by you');
    await shot('review-sent-by-you');
    await tabTo('a[href="/review"]:not([aria-current="page"])');
    await Promise.all([page.waitForURL((u) => u.pathname === '/review' && !u.search), page.keyboard.press('Enter')]);
    await expect(page.locator('a[href="/review"][aria-current="true"]').count()).resolves.toBe(1);
  });

  test('the rest of the queue is done with the keyboard alone: j/k, a with a reason, e and Esc, r with a reason', async () => {
    await page.goto(`${ui.url}/review`);
    await expect(page.locator('.shortcuts').textContent()).resolves.toContain('next / previous draft');
    // the first draft has focus on load (newest first: evil, then northwind)
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`seq-${f.sequences.evil.sequenceId}`);
    await page.keyboard.press('j');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`seq-${f.sequences.northwind.sequenceId}`);
    await page.keyboard.press('k');
    await page.keyboard.press('j');
    // northwind is flagged: `a` asks for the reason first, Enter submits
    await page.keyboard.press('a');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe('reason');
    await page.keyboard.type('the opt-out line is in the signature');
    await Promise.all([page.waitForURL(/done=approved/), page.keyboard.press('Enter')]);
    expect(await status(f.sequences.northwind.sequenceId)).toBe('approved');
    // evil is blocked: e opens its editor, Esc leaves it, r rejects with a reason
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`seq-${f.sequences.evil.sequenceId}`);
    await page.keyboard.press('e');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA');
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`seq-${f.sequences.evil.sequenceId}`);
    await page.keyboard.press('r');
    await page.keyboard.type('the proof point does not fit this lead');
    await Promise.all([page.waitForURL(/done=rejected/), page.keyboard.press('Enter')]);
    expect(await status(f.sequences.evil.sequenceId)).toBe('rejected');
    await expect(page.locator('main').textContent()).resolves.toContain('Nothing to review');
    const reason = await f.db.query<{ reason: string; decided_by_email: string }>(`SELECT reason, decided_by_email FROM approval WHERE sequence_id = :id::uuid`, { id: f.sequences.evil.sequenceId });
    expect(reason.rows).toEqual([{ reason: 'the proof point does not fit this lead', decided_by_email: f.tallyhand.email }]);
  });

  test('the second workspace sees only its own drafts and leads', async () => {
    const other = await browser.newContext();
    const p = await other.newPage();
    await p.goto(`${ui.url}/login?token=${await f.loginToken(f.rival.userId)}`);
    const queue = await p.locator('main').textContent();
    expect(queue).toContain('Rita Secret');
    expect(queue).not.toContain('Dana Ruiz');
    const res = await p.goto(`${ui.url}/leads/${f.leads.northwind.leadId}`);
    expect(res?.status()).toBe(404);
    await p.goto(`${ui.url}/leads`);
    expect(await p.locator('main').textContent()).not.toContain('northwind');
    await other.close();
  });

  test('onboarding: a field error is shown at its field, fixed in the same box, and imported', async () => {
    const sample = await uploadableSample();
    await page.goto(`${ui.url}/onboarding`);
    const box = page.getByLabel('Onboarding file (YAML or JSON)');
    await box.fill(sample.replace('name: Tallyhand\n', 'name: Tallyhand Outbound\n').replace('role: admin', 'role: boss'));
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Check and import' }).click()]);
    const alert = page.locator('[role="alert"]');
    await expect(alert.textContent()).resolves.toContain('users[0].role');
    await expect(box.getAttribute('aria-invalid')).resolves.toBe('true');
    // the problems take focus and are in sight (below the company form, they were off-screen)
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('issues');
    const seen = (await alert.boundingBox())!;
    expect(seen.y).toBeGreaterThanOrEqual(0);
    expect(seen.y).toBeLessThan(page.viewportSize()!.height);
    await shot('onboarding-error');
    const kept = await box.inputValue();
    await box.fill(kept.replace('role: boss', 'role: admin'));
    await Promise.all([page.waitForURL(/done=imported/), page.getByRole('button', { name: 'Check and import' }).click()]);
    await expect(page.locator('[role="status"]').textContent()).resolves.toContain('Imported');
    await expect(page.locator('.who').textContent()).resolves.toContain('Tallyhand Outbound');
  });

  /** Tabs forward from the top of the page until `selector` has focus (at most `limit` presses). */
  async function tabTo(selector: string, limit = 60): Promise<void> {
    await page.locator('body').focus();
    for (let i = 0; i < limit; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
    }
    throw new Error(`${selector} was not reached with ${limit} presses of Tab`);
  }

  test('inbox: reached and read with the keyboard; a reply with <script> is text; the lead link opens the lead', async () => {
    await page.goto(`${ui.url}/review`);
    await tabTo('nav a[href="/inbox"]');
    await Promise.all([page.waitForURL(/\/inbox$/), page.keyboard.press('Enter')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Inbox');
    const interested = page.locator(`#reply-${f.replies.interested}`);
    await expect(interested.locator('.subject').textContent()).resolves.toBe(`Re: cross-dock <script>document.title='pwned'</script>`);
    expect(await page.title()).toBe('Inbox · Prospector');
    await expect(page.locator(`#reply-${f.replies.review}`).textContent()).resolves.toContain('needs review');
    // what the prospect wrote is on the page, as text (its <b> is not markup)
    await expect(interested.locator('.reply-words').isVisible()).resolves.toBe(true);
    await expect(interested.locator('.reply-words').textContent()).resolves.toBe('Sounds useful <b>for us</b>. Could we talk next week about the cross-dock rollout?');
    expect(await interested.locator('.reply-words b').count()).toBe(0);
    await shot('inbox');
    await tabTo(`#reply-${f.replies.interested} a[href="/leads/${f.leads.northwind.leadId}"]`);
    await Promise.all([page.waitForURL(new RegExp(`/leads/${f.leads.northwind.leadId}$`)), page.keyboard.press('Enter')]);
    await expect(page.locator('h1').textContent()).resolves.toContain('Dana Ruiz');
  });

  test('suppression list: a bad address is shown at its field, fixed and added with the keyboard alone; no removal control', async () => {
    await page.goto(`${ui.url}/suppressions`);
    await tabTo('#s-email');
    await page.keyboard.type('not-an-address');
    await page.keyboard.press('Tab');
    await page.keyboard.type('called to ask');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.keyboard.press('Enter')]);
    const email = page.getByLabel('Email address');
    await expect(email.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#s-email-error').textContent()).resolves.toContain('is not an email address');
    await shot('suppressions-error');
    await email.focus();
    await email.fill('');
    await page.keyboard.type('Later@Example.org');
    await Promise.all([page.waitForURL(/added=/), page.keyboard.press('Enter')]);
    await expect(page.locator('[role="status"]').textContent()).resolves.toContain('Suppressed later@example.org');
    const added = await f.db.query<{ source: string }>(`SELECT source FROM suppression WHERE workspace_id = :ws::uuid AND value = 'later@example.org'`, { ws: f.tallyhand.workspaceId });
    expect(added.rows).toEqual([{ source: 'rep' }]);
    await page.getByLabel('Search').fill('optout');
    await Promise.all([page.waitForURL(/q=optout/), page.getByLabel('Search').press('Enter')]);
    await expect(page.locator('table.suppressions tbody').textContent()).resolves.toContain('gone@optout.example');
    expect(await page.locator('table.suppressions button, table.suppressions form').count()).toBe(0);
    await shot('suppressions');
  });

  test('runs: the redrive button is reached and pressed with the keyboard', async () => {
    const runId = f.leads.northwind.runId;
    await page.goto(`${ui.url}/runs/${runId}`);
    await tabTo('form.redrive button');
    await expect(page.locator('form.redrive button').textContent()).resolves.toBe('Redrive 1 failed lead(s)');
    await shot('run-redrive');
    await Promise.all([page.waitForURL(/done=redrive/), page.keyboard.press('Enter')]);
    await expect(page.locator('[role="status"]').first().textContent()).resolves.toContain('Redrive started');
    expect(redrives).toEqual([{ workspaceId: f.tallyhand.workspaceId, runId }]);
  });

  test("team: an admin hands a departed rep's draft to a rep with the keyboard alone", async () => {
    const gone = 'gus.gone@tallyhand.com';
    const lukas = 'lukas.brenner@tallyhand.com';
    const { sequenceId } = await departedRepDraft(f, gone, 'Gus Gone', 'keyboard-handover.example', 'Kay Board');
    await page.goto(`${ui.url}/team`);
    const form = `form.hand-over:has(input[name="from"][value="${gone}"])`;
    await tabTo(`${form} select`);
    // the list offers every other user, the admin first; the arrow key picks the rep
    await expect(page.locator(`${form} select option`).allTextContents()).resolves.toEqual(['maya.okafor@tallyhand.com', lukas]);
    await page.keyboard.press('ArrowDown');
    await expect(page.locator(`${form} select`).inputValue()).resolves.toBe(lukas);
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Hand over');
    await shot('team-hand-over');
    // Enter asks first, with what would move; the confirm button has focus
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.keyboard.press('Enter')]);
    await expect(page.locator('main').textContent()).resolves.toContain(`would move 1 draft(s) and 0 suggested response(s)`);
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Hand over');
    await shot('team-hand-over-confirm');
    await Promise.all([page.waitForURL(/handed=1/), page.keyboard.press('Enter')]);
    await expect(page.locator('[role="status"]').textContent()).resolves.toContain(`Handed 1 draft(s), 0 suggested response(s) and 0 open task(s) from ${gone} to ${lukas}`);
    const seq = await f.db.query<{ rep_email: string; handed_over_from: string }>(`SELECT rep_email, handed_over_from FROM sequence WHERE id = :id::uuid`, { id: sequenceId });
    expect(seq.rows).toEqual([{ rep_email: lukas, handed_over_from: gone }]);
    await shot('team-handed-over');
  });

  test('onboarding: the current onboarding downloads as YAML with the keyboard, and it parses with the onboarding parser', async () => {
    await page.goto(`${ui.url}/onboarding`);
    await tabTo('a[href="/onboarding/export"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toBe('tallyhand-onboarding.yaml');
    const text = await readFile((await download.path())!, 'utf8');
    const parsed = parseOnboardingText(text, 'yaml', 'downloaded file');
    expect(parsed.workspace.slug).toBe('tallyhand');
    expect(parsed.icps.length).toBeGreaterThan(0);
  });

  test('onboarding: the company form shows an error at its field; fixed, it saves', async () => {
    await page.goto(`${ui.url}/onboarding`);
    const website = page.getByLabel('Website (https://…)');
    await website.fill('tallyhand dot com');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Save the company' }).click()]);
    await expect(website.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#company-website-error').textContent()).resolves.toContain('http:// or https:// URL');
    await shot('onboarding-company-error');
    await website.fill('https://tallyhand.com');
    await website.press('Enter');
    await page.waitForURL(/done=company/);
    await expect(page.locator('[role="status"]').textContent()).resolves.toContain('Company saved');
    await expect(page.getByLabel('Website (https://…)').inputValue()).resolves.toBe('https://tallyhand.com');
  });

  test('inbox: a suggested response approved with the keyboard alone; axe finds no serious violation on the inbox with its forms', async () => {
    const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    await p.goto(`${ui.url}/login?token=${await f.loginToken(f.tallyhand.userId)}`);
    await p.goto(`${ui.url}/inbox`);
    const row = p.locator(`#reply-${f.replies.interested}`);
    await expect(row.locator('.response-body').textContent()).resolves.toContain('Would Tuesday or Wednesday suit you for a short call?');
    const audit = await runAxe(p);
    expect(audit.passed).toBeGreaterThan(10);
    expect(audit.serious).toEqual([]);
    await shot('inbox-response', p);
    const button = `#reply-${f.replies.interested} form.approve button`;
    for (let i = 0; i < 200; i++) {
      await p.keyboard.press('Tab');
      if (await p.evaluate((sel) => document.activeElement?.matches(sel) ?? false, button)) break;
    }
    expect(await p.evaluate((sel) => document.activeElement?.matches(sel) ?? false, button), 'the approve button reached with Tab').toBe(true);
    await Promise.all([p.waitForURL(/done=approved/), p.keyboard.press('Enter')]);
    await expect(p.locator('[role="status"]').textContent()).resolves.toContain('Response approved');
    const decided = await f.db.query<{ status: string; decided_by_email: string }>(`SELECT status, decided_by_email FROM reply_response WHERE id = :id::uuid`, { id: f.responses.interested });
    expect(decided.rows[0]).toEqual({ status: 'approved', decided_by_email: f.tallyhand.email });
    await expect(p.locator(`#reply-${f.replies.interested} form.approve`).count()).resolves.toBe(0);
    await shot('inbox-response-approved', p);
    await ctx.close();
  });

  test('axe-core finds no serious or critical violation on any page', async () => {
    // axe is injected as a script: a context that bypasses the app's CSP for the check only
    const audit = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const p = await audit.newPage();
    await p.goto(`${ui.url}/login`);
    const pages = { login: '/login' } as Record<string, string>;
    await p.goto(`${ui.url}/login?token=${await f.loginToken(f.tallyhand.userId)}`);
    Object.assign(pages, {
      review: '/review',
      leads: '/leads',
      lead: `/leads/${f.leads.evil.leadId}`,
      inbox: '/inbox',
      suppressions: '/suppressions',
      runs: '/runs',
      run: `/runs/${f.leads.northwind.runId}`,
      team: '/team',
      onboarding: '/onboarding',
      'not-found': '/nothing-here',
    });
    // a queue with drafts in it: the rival's one is reached through its own session below
    const rival = await browser.newContext({ bypassCSP: true });
    const rp = await rival.newPage();
    await rp.goto(`${ui.url}/login?token=${await f.loginToken(f.rival.userId)}`);
    const targets: [string, Page, string][] = [
      ...Object.entries(pages).map(([name, path]) => [name, p, path] as [string, Page, string]),
      ['review-with-drafts', rp, '/review'],
    ];
    const found: string[] = [];
    for (const [name, tab, path] of targets) {
      await tab.goto(`${ui.url}${path}`);
      const violations = await runAxe(tab);
      // axe ran its rules on the page (a failed injection would pass nothing)
      expect(violations.passed, name).toBeGreaterThan(10);
      if (violations.all.length) console.log(`axe on ${name}:`, JSON.stringify(violations.all));
      found.push(...violations.serious.map((v) => `${name}: ${v}`));
      // nothing wider than the window at 1280 px: no sideways scrolling, no clipped control
      const wider = await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (wider > 0) found.push(`${name}: ${wider} px wider than the window`);
      await shot(name, tab);
    }
    expect(found).toEqual([]);
    // on a phone-sized window the header's links wrap rather than run off the screen
    await p.setViewportSize({ width: 390, height: 800 });
    await p.goto(`${ui.url}/review`);
    const rights = await p.locator('header nav a').evaluateAll((links) => links.map((a) => a.getBoundingClientRect().right));
    expect(rights.length).toBeGreaterThan(5);
    expect(Math.max(...rights)).toBeLessThanOrEqual(390);
    await shot('review-390px', p);
    await audit.close();
    await rival.close();
  });
});
