/**
 * What the Chromium suites share: Debian's browser (no download), a `describe` that is skipped
 * only on a developer machine without it (in CI its absence fails: `.ci/run` installs it), and
 * axe-core run in the page with the serious and critical violations it finds.
 */
import { accessSync, constants } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';

export const hasChromium = (() => {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return true;
  } catch {
    return false;
  }
})();

/** `describe` where Chromium is (or CI is), else `describe.skip` with a warning naming the file. */
export function browserSuite(file: string): typeof describe {
  if (!hasChromium && !process.env.CI) console.warn(`${file}: ${CHROMIUM} not found (apt-get install chromium): skipping; it runs in CI`);
  return hasChromium || process.env.CI ? describe : (describe.skip as typeof describe);
}

/**
 * A new folder for screenshots, named `prefix…`, in the OS temporary folder: they are there to be
 * looked at after the run, so not in the run's own temporary folder, which goes with the run
 * (test/global-setup.ts `runTmpdir`; PROSPECTOR_TEST_OS_TMPDIR is the folder it replaced).
 */
export function screenshotFolder(prefix: string): Promise<string> {
  return mkdtemp(join(process.env.PROSPECTOR_TEST_OS_TMPDIR || tmpdir(), prefix));
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export interface AxeResult {
  /** rules that passed: a failed injection would pass none */
  passed: number;
  all: { id: string; impact: string; nodes: number }[];
  /** `id (impact, N nodes)` of each serious or critical violation */
  serious: string[];
}

/** Injects axe-core into the page as it stands and runs every rule. */
export async function runAxe(page: Page): Promise<AxeResult> {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async () => {
    type Rule = { id: string; impact: string; nodes: unknown[] };
    const result = await (window as unknown as { axe: { run(): Promise<{ violations: Rule[]; passes: Rule[] }> } }).axe.run();
    return { passed: result.passes.length, all: result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })) };
  });
  return { ...r, serious: r.all.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}, ${v.nodes} nodes)`) };
}

/** Headless Chromium without sandbox, GPU or background traffic (nothing leaves loopback). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
}
