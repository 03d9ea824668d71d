/**
 * Writes the sample web fixture (`sites/<domain>/...`) from the content modules. Output is
 * deterministic, so re-running it on unchanged content leaves git clean. Run:
 *   npx tsx local/sample-web/generate.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logisticsSites } from './content/logistics.ts';
import { nonFitSites } from './content/nonfit.ts';
import { saasSites } from './content/saas.ts';
import type { Page, Site } from './content/types.ts';
import { privacyPage, renderLogo, renderPage } from './render.ts';
import { resolveSiteFile } from './server.ts';
import { V2_EDITS } from './versions.ts';

/** Every site in the sample web, fits first. */
export const sampleSites: Site[] = [...logisticsSites, ...saasSites, ...nonFitSites];

/**
 * Rendered pages by site and file. Pages weigh about 100 kB each (the markup of real sites), so
 * each content object is rendered once per process: writing the sites and checking their links
 * share it (an edited or new content object renders afresh).
 */
const privacyPages = new WeakMap<Site, Page>();
const renderCache = new WeakMap<Site, WeakMap<Page, string>>();

function rendered(site: Site, page: Page): string {
  let pages = renderCache.get(site);
  if (!pages) renderCache.set(site, (pages = new WeakMap()));
  let html = pages.get(page);
  if (html === undefined) pages.set(page, (html = renderPage(site, page)));
  return html;
}

/** Writes all sites under `outDir` (replacing it) and returns internal links that point nowhere. */
export function generateSampleWeb(outDir: string = join(import.meta.dirname, 'sites')): string[] {
  rmSync(outDir, { recursive: true, force: true });
  const seen = new Set<string>();
  for (const site of sampleSites) {
    if (seen.has(site.domain)) throw new Error(`duplicate site ${site.domain}`);
    seen.add(site.domain);
    if (!site.domain.endsWith('.example')) throw new Error(`${site.domain} must end in .example`);
    const dir = join(outDir, site.domain);
    const write = (rel: string, body: string) => {
      const file = join(dir, rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body);
    };
    const privacy = privacyPage(site);
    privacyPages.set(site, privacy);
    for (const page of [...site.pages, privacy]) write(page.file, rendered(site, page));
    write('assets/logo.svg', renderLogo(site));
    if (site.robots) write('robots.txt', site.robots);
    for (const [rel, body] of Object.entries(site.files ?? {})) write(rel, body);
  }
  return brokenLinks(outDir);
}

/**
 * Writes the second version's overlay (`sites-v2/<domain>/`, replacing it): for each edited site
 * only the files whose rendering differs from version 1, and `.removed.json` for pages that are
 * gone. Returns the files written, relative to `outDir`.
 */
export function generateSampleWebV2(outDir: string = join(import.meta.dirname, 'sites-v2')): string[] {
  rmSync(outDir, { recursive: true, force: true });
  const written: string[] = [];
  for (const edit of V2_EDITS) {
    const site = sampleSites.find((s) => s.domain === edit.domain);
    if (!site) throw new Error(`versions.ts edits ${edit.domain}, which is not a sample site`);
    const next = edit.content ? edit.content(site) : site;
    const write = (rel: string, body: string) => {
      const file = join(outDir, edit.domain, rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body);
      written.push(`${edit.domain}/${rel}`);
    };
    for (const page of [...next.pages, privacyPage(next)]) {
      if (edit.removed?.includes(page.file)) continue;
      const before = renderPage(site, site.pages.find((p) => p.file === page.file) ?? page);
      let after = renderPage(next, page);
      if (edit.markup) after = edit.markup(after, page.file);
      if (after !== before) write(page.file, after);
    }
    if (edit.removed?.length) write('.removed.json', `${JSON.stringify(edit.removed)}\n`);
    if (!edit.removed?.length && !written.some((w) => w.startsWith(`${edit.domain}/`))) throw new Error(`the version 2 edit of ${edit.domain} changes nothing`);
  }
  return written;
}

function brokenLinks(outDir: string): string[] {
  const broken: string[] = [];
  for (const site of sampleSites) {
    const dir = join(outDir, site.domain);
    for (const page of [...site.pages, privacyPages.get(site) ?? privacyPage(site)]) {
      const html = rendered(site, page);
      const base = new URL(`https://${site.domain}/${page.file}`);
      for (const match of html.matchAll(/<a\b[^>]*?\shref="([^"]+)"/g)) {
        const href = match[1].replace(/&amp;/g, '&');
        if (/^(mailto|tel|javascript):/.test(href) || href.startsWith('#')) continue;
        const url = new URL(href, base);
        if (url.hostname !== site.domain) continue;
        if (!resolveSiteFile(dir, url.pathname)) broken.push(`${site.domain}/${page.file} -> ${href}`);
      }
    }
  }
  return broken;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const broken = generateSampleWeb();
  const v2 = generateSampleWebV2();
  console.log(`wrote ${sampleSites.length} sites and ${v2.length} files of version 2`);
  if (broken.length > 0) {
    console.error(`internal links without a page:\n  ${broken.join('\n  ')}`);
    process.exitCode = 1;
  }
}
