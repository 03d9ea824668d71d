/**
 * What the lake keeps beside a page's body and clean text, one object per company and run
 * instead of one per page (S3 bills every PUT; 12 of a lead's 30 PUTs were these):
 *
 * - the fetch metadata of every page FetchSite stored (`raw/meta/domain=<d>/run=<run>.jsonl`,
 *   one line a page, keyed by the body's sha256), which CleanPages and replay read the charset from;
 * - the signals of every page CleanPages cleaned (`clean/signals/domain=<d>/run=<run>.json`, a map
 *   from the clean text's sha256), which ResearchLead and change detection read.
 *
 * Objects written before, one a page (`raw/meta/…/<sha256>.json`, `clean/signals/…/<sha256>.json`),
 * are still read, so older runs replay and re-visits compare against them unchanged.
 */
import type { Lake } from '../ports.ts';
import { lakeKeys } from '../lake-keys.ts';

/** One page's fetch metadata (a line of the site's meta object). */
export interface PageMeta {
  sha256: string;
  url: string;
  finalUrl: string;
  status: number;
  contentType: string | null;
  charset?: string | null;
  headers: Record<string, string>;
  redirects: unknown;
  bytes: number;
  fetchedAt: string;
  elapsedMs: number;
}

/** What CleanPages derived from a page besides its text. */
export interface PageSidecar {
  url: string;
  kind: string;
  title?: string | null;
  description?: string | null;
  metadata?: unknown;
  jsonLd?: unknown;
  signals?: Record<string, unknown>;
}

/** The body of a site's meta object. */
export const siteMetaBody = (pages: PageMeta[]): string => `${pages.map((p) => JSON.stringify(p)).join('\n')}\n`;

/**
 * Reads page metadata by the key a snapshot row holds: a per-site JSONL object (the line whose
 * `sha256` is the page's) or an older per-page JSON object. Parsed objects are kept in `cache`,
 * so a step reads each site object once.
 */
export async function readPageMeta(lake: Lake, metaKey: string | null, sha256: string | null, cache = new Map<string, Map<string, PageMeta> | PageMeta | undefined>()): Promise<Partial<PageMeta> | undefined> {
  if (!metaKey) return undefined;
  if (!cache.has(metaKey)) {
    const body = await lake.get(metaKey);
    if (!body) cache.set(metaKey, undefined);
    else if (metaKey.endsWith('.jsonl')) {
      const lines = body.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as PageMeta);
      cache.set(metaKey, new Map(lines.map((l) => [l.sha256, l])));
    } else cache.set(metaKey, JSON.parse(body.toString('utf8')) as PageMeta);
  }
  const found = cache.get(metaKey);
  if (!found) return undefined;
  return found instanceof Map ? (sha256 ? found.get(sha256) : undefined) : found;
}

/** A company's page sidecars for one run, by clean-text hash (empty when none were written). */
export async function readSiteSignals(lake: Lake, domain: string, runId: string): Promise<Map<string, PageSidecar>> {
  const body = await lake.get(lakeKeys.siteSignals(domain, runId));
  if (!body) return new Map();
  return new Map(Object.entries(JSON.parse(body.toString('utf8')) as Record<string, PageSidecar>));
}

/** A page's sidecar: from the run's site object, else the older per-page object. */
export async function readPageSignals(lake: Lake, domain: string, cleanSha256: string, site: Map<string, PageSidecar>): Promise<PageSidecar | undefined> {
  const inSite = site.get(cleanSha256);
  if (inSite) return inSite;
  const body = await lake.get(lakeKeys.signals(domain, cleanSha256));
  return body ? (JSON.parse(body.toString('utf8')) as PageSidecar) : undefined;
}
