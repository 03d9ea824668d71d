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
  console.log(`wrote ${sampleSites.length} sites`);
  if (broken.length > 0) {
    console.error(`internal links without a page:\n  ${broken.join('\n  ')}`);
    process.exitCode = 1;
  }
}
