/**
 * The guided onboarding form in Debian's Chromium through playwright-core (no browser download),
 * served by the same `startUi` that `prospector ui` runs: an admin of an empty workspace signs in
 * with the one-time link and onboards the seller through the form, partly with the keyboard
 * alone (adding a persona, following the error summary to the field, fixing it, saving with
 * Enter), sees a field error and its fix, previews the tone, and axe-core finds no serious or
 * critical violation on the form blank, with errors, and saved. Screenshots go to a temporary
 * folder whose path is logged. One browser for the file.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FolderLake } from '#adapters/folder-lake.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { exportOnboarding } from '#core/onboarding/export.ts';
import { startUi, type UiServer } from '#local/commands/ui.ts';
import { freshDb } from '#test/helpers/db.ts';
import { browserSuite, hasChromium, launchChromium, runAxe, screenshotFolder } from '#test/helpers/browser.ts';

const suite = browserSuite('onboarding-browser.test.ts');

suite('guided onboarding in Chromium', () => {
  let db: PgliteSql;
  let lakeDir: string;
  let ui: UiServer;
  let browser: Browser;
  let page: Page;
  let shots: string;
  const workspaceId = randomUUID();

  beforeAll(async () => {
    expect(hasChromium, 'chromium must be installed in CI (.ci/run installs it)').toBe(true);
    db = await freshDb();
    lakeDir = await mkdtemp(join(tmpdir(), 'prospector-onboarding-lake-'));
    // an empty workspace: its admin and nothing else
    await db.query(`INSERT INTO workspace (id, slug, name) VALUES (:id::uuid, 'lumen', 'Lumen Freightworks')`, { id: workspaceId });
    await db.query(
      `INSERT INTO app_user (id, workspace_id, name, email, timezone, role) VALUES (gen_random_uuid(), :ws::uuid, 'Ines Ward', 'ines@lumen.example', 'Europe/Lisbon', 'admin')`,
      { ws: workspaceId },
    );
    ui = await startUi({ sql: db, lake: new FolderLake(lakeDir) }, { host: '127.0.0.1', port: 0, workspaceId });
    browser = await launchChromium();
    // CSP bypassed only so that axe can be injected; the app's own pages run no inline script.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    page = await context.newPage();
    shots = await screenshotFolder('prospector-web-shots-onboarding-');
    console.log(`guided onboarding screenshots: ${shots}`);
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await db?.close();
    if (lakeDir) await rm(lakeDir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
  const found: string[] = [];
  async function audit(name: string): Promise<void> {
    const result = await runAxe(page);
    expect(result.passed, name).toBeGreaterThan(10);
    if (result.all.length) console.log(`axe on ${name}:`, JSON.stringify(result.all));
    found.push(...result.serious.map((v) => `${name}: ${v}`));
    await shot(name);
  }

  test('an empty workspace is onboarded through the form: a field error, its fix with the keyboard, saved', async () => {
    await page.goto(ui.loginUrl);
    await page.goto(`${ui.url}/onboarding`);
    await page.getByRole('link', { name: 'Start the guided onboarding form' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Guided onboarding');
    await audit('guided-blank');

    // Company, typed with the keyboard from field to field
    await page.locator('#f-company-name').focus();
    await page.keyboard.type('Lumen Freightworks');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('f-company-website');
    await page.keyboard.type('lumen dot example');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('f-company-description');
    await page.keyboard.type('Dock scheduling software for regional warehouses.');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Cut truck waiting time at the dock');
    await page.locator('#f-company-postalAddress').fill('Lumen Freightworks, Rua Augusta 1, 1100-048 Lisboa, Portugal');

    await page.locator('#f-products-0-name').fill('Lumen Dock');
    await page.locator('#f-products-0-description').fill('Self-service dock booking for carriers.');
    await page.getByLabel('Pricing model').selectOption('usage');

    await page.locator('#f-icps-0-slug').fill('regional-warehouses');
    await page.locator('#f-icps-0-name').fill('Regional warehouses');
    await page.locator('#f-icps-0-searchKeywords').fill('third-party logistics warehouse\ncold storage');
    await page.locator('#f-icps-0-buyingTriggers').fill('opened a new warehouse');
    await page.locator('#f-icps-0-negativeIcp').fill('freight brokers without warehouses');
    await page.locator('#f-icps-0-products').fill('Lumen Dock');
    await page.locator('#f-icps-0-personas-0-name').fill('Warehouse manager');
    await page.locator('#f-icps-0-personas-0-titles').fill('Warehouse Manager');

    // a second persona, added with the keyboard: the new row's first field gets focus
    await page.getByRole('button', { name: 'Add another icp 1: persona' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#f-icps-0-personas-1-name').waitFor();
    expect(await focused()).toBe('f-icps-0-personas-1-name');
    await expect(page.locator('#f-products-0-name').inputValue()).resolves.toBe('Lumen Dock');
    await page.keyboard.type('Head of operations');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Head of Operations');

    await page.locator('#f-tone-callToAction').fill('Worth a short call next week?');
    await page.locator('#f-suppressions-0-kind').selectOption('domain');
    await page.locator('#f-suppressions-0-value').fill('harbor-cold.example');
    await page.locator('#f-suppressions-0-reason').fill('current customer');
    await page.locator('#f-knowledge-0-title').fill('Pricing FAQ');
    await page.locator('#f-knowledge-0-text').fill('# Pricing\n\nLumen Dock costs 40 euros a dock door a month.');

    await page.getByRole('button', { name: 'Save the onboarding' }).first().click();
    await page.locator('#guided-errors').waitFor();
    // the summary has focus; its link takes the keyboard to the field
    expect(await focused()).toBe('guided-errors');
    await expect(page.locator('#guided-errors').textContent()).resolves.toContain('Company: Website (https://…)');
    const website = page.locator('#f-company-website');
    await expect(website.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#f-company-website-error').textContent()).resolves.toBe('must be a full http:// or https:// URL');
    await expect(page.locator('#f-icps-0-personas-1-name').inputValue()).resolves.toBe('Head of operations');
    expect(await db.query(`SELECT 1 FROM seller_company`).then((r) => r.rowCount)).toBe(0);
    await audit('guided-errors');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('#f-company-website');
    await page.keyboard.press('Enter');
    expect(await focused()).toBe('f-company-website');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('https://lumen.example');
    await Promise.all([page.waitForURL(/done=saved/), page.keyboard.press('Enter')]);
    await expect(page.locator('[role="status"]').first().textContent()).resolves.toContain('Saved');

    const saved = await exportOnboarding(db, workspaceId);
    expect(saved.company.website).toBe('https://lumen.example');
    expect(saved.products).toEqual([expect.objectContaining({ name: 'Lumen Dock', pricingModel: 'usage' })]);
    expect(saved.icps[0]).toMatchObject({ slug: 'regional-warehouses', searchKeywords: ['third-party logistics warehouse', 'cold storage'], buyingTriggers: ['opened a new warehouse'], negativeIcp: ['freight brokers without warehouses'] });
    expect(saved.icps[0].personas.map((p) => p.name)).toEqual(['Warehouse manager', 'Head of operations']);
    expect(saved.suppressions).toEqual([{ kind: 'domain', value: 'harbor-cold.example', reason: 'current customer' }]);
    expect(saved.knowledge.map((k) => k.title)).toEqual(['Pricing FAQ']);
    await expect(page.locator('#f-company-website').inputValue()).resolves.toBe('https://lumen.example');
    await audit('guided-saved');
  });

  test('the tone preview is written at the chosen tone, labelled, and saves nothing', async () => {
    await page.goto(`${ui.url}/onboarding/guided`);
    await page.locator('#f-tone-formality').fill('0.9');
    await page.locator('#f-tone-warmth').fill('0.9');
    await page.locator('#f-tone-directness').fill('0.1');
    await page.getByRole('button', { name: 'Preview a sentence at this tone' }).click();
    const preview = page.locator('#tone-preview');
    await preview.waitFor();
    await expect(preview.textContent()).resolves.toContain('Offline template, no language model');
    await expect(preview.locator('blockquote').textContent()).resolves.toMatch(/^Dear Dana, I hope this finds you well: .*Lumen Freightworks to cut truck waiting time at the dock\.$/);
    expect((await exportOnboarding(db, workspaceId)).tone.formality).toBe(0.5);
    await audit('guided-preview');
  });

  test('mailboxes and send windows: an error at its field, fixed, saved', async () => {
    await page.goto(`${ui.url}/onboarding/guided`);
    await page.getByRole('link', { name: 'their own form' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Mailboxes and send windows');
    await page.getByLabel('Rep').selectOption('ines@lumen.example');
    await page.getByLabel('Sending address').fill('ines@lumen.example');
    await page.locator('#s-windows-0 #s-windows-0-day2').check();
    await page.locator('#s-windows-0-start').fill('09:00');
    await page.locator('#s-windows-0-end').fill('08:00');
    await page.getByRole('button', { name: 'Save mailboxes and windows' }).click();
    await page.locator('#sending-errors').waitFor();
    await expect(page.locator('#s-windows-0-end-error').textContent()).resolves.toBe('must be after the start (09:00)');
    await expect(page.locator('#s-windows-0-end').getAttribute('aria-invalid')).resolves.toBe('true');
    await audit('sending-errors');
    await page.locator('#s-windows-0-end').fill('11:30');
    await Promise.all([page.waitForURL(/done=saved/), page.getByRole('button', { name: 'Save mailboxes and windows' }).click()]);
    const windows = await db.query<{ days: string; end_local: string }>(`SELECT days, to_char(end_local, 'HH24:MI') AS end_local FROM send_window WHERE workspace_id = :ws::uuid`, { ws: workspaceId });
    expect(windows.rows).toEqual([{ days: '2', end_local: '11:30' }]);
    expect((await db.query(`SELECT 1 FROM mailbox WHERE address = 'ines@lumen.example' AND active`)).rowCount).toBe(1);
    await audit('sending-saved');
  });

  test('axe found no serious or critical violation on any state of the form', () => {
    expect(found).toEqual([]);
  });
});
