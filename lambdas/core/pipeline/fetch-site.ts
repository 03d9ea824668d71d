/**
 * FetchSite: fetches a lead's homepage and the pages a rep would read into the lake, bounded in
 * pages and bytes, and records every URL tried with its outcome.
 */
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { cleanPage } from '../clean/clean.ts';
import { discoverPages } from '../clean/discover.ts';
import { WebError, describeError } from '../errors.ts';
import { lakeKeys } from '../lake-keys.ts';
import type { WebResponse } from '../ports.ts';
import type { Deps } from './deps.ts';
import { writeLakeRecord } from './lake-record.ts';
import { loadRunLead, type LeadRow } from './lead-context.ts';
import { moveRunLead } from './run-lead-repo.ts';
import { clip, sha256 } from './util.ts';

export const FetchSiteInput = z.object({ runId: z.uuid(), leadId: z.uuid() });
export type FetchSiteInput = z.input<typeof FetchSiteInput>;

export interface FetchSiteOutput {
  skipped: boolean;
  reason?: string;
  pages: number;
  tried: number;
  bytes: number;
  reused: boolean;
}

type Outcome = 'fetched' | 'robots' | 'not_html' | 'too_large' | 'error' | 'budget';

const outcomeOf = (error: unknown): Outcome => {
  const name = describeError(error).name;
  if (name === 'NotHtml') return 'not_html';
  if (name === 'TooLarge') return 'too_large';
  return 'error';
};

/** Stores the body content-addressed (raw/html, raw/meta) and records the snapshot. */
async function storePage(deps: Deps, runId: string, lead: LeadRow, url: string, kind: string, res: WebResponse): Promise<void> {
  const hash = sha256(res.body);
  const rawKey = lakeKeys.rawHtml(lead.domain, hash);
  const metaKey = lakeKeys.rawMeta(lead.domain, hash);
  if (!(await deps.lake.exists(rawKey))) await deps.lake.put(rawKey, gzipSync(res.body), { contentType: 'text/html' });
  await deps.lake.put(
    metaKey,
    JSON.stringify({
      url: res.requestedUrl,
      finalUrl: res.url,
      status: res.status,
      contentType: res.contentType,
      charset: res.charset,
      headers: pickHeaders(res.headers),
      redirects: res.redirects,
      bytes: res.body.length,
      fetchedAt: res.fetchedAt,
      elapsedMs: res.elapsedMs,
    }),
    { contentType: 'application/json' },
  );
  await deps.sql.query(
    `INSERT INTO page_snapshot (id, company_id, run_id, url, final_url, kind, outcome, http_status, content_type,
                                bytes, content_sha256, raw_key, meta_key, fetched_at)
     VALUES (:id::uuid, :companyId::uuid, :runId::uuid, :url, :finalUrl, :kind, 'fetched', :status, :contentType,
             :bytes, :hash, :rawKey, :metaKey, :fetchedAt::timestamptz)
     ON CONFLICT (run_id, company_id, url) DO NOTHING`,
    {
      id: deps.newId(), companyId: lead.companyId, runId, url, finalUrl: res.url, kind, status: res.status,
      contentType: res.contentType, bytes: res.body.length, hash, rawKey, metaKey, fetchedAt: res.fetchedAt,
    },
  );
}

/** Keeps the headers worth keeping; never cookies. */
function pickHeaders(headers: Record<string, string>): Record<string, string> {
  const keep = ['content-type', 'content-language', 'last-modified', 'etag', 'server', 'x-powered-by', 'cache-control'];
  return Object.fromEntries(Object.entries(headers).filter(([k]) => keep.includes(k.toLowerCase())));
}

async function recordSkip(deps: Deps, runId: string, lead: LeadRow, url: string, kind: string, outcome: Outcome, error: string): Promise<void> {
  await deps.sql.query(
    `INSERT INTO page_snapshot (id, company_id, run_id, url, kind, outcome, error)
     VALUES (:id::uuid, :companyId::uuid, :runId::uuid, :url, :kind, :outcome, :error)
     ON CONFLICT (run_id, company_id, url) DO NOTHING`,
    { id: deps.newId(), companyId: lead.companyId, runId, url, kind, outcome, error: clip(error, 500) },
  );
}

/** The ICP's search keywords, industries, technologies and buying triggers: what discovery ranks other pages by. */
async function icpTerms(deps: Deps, icpId: string | null): Promise<string[]> {
  if (!icpId) return [];
  // one joined string: arrays come back differently from PGlite and the Data API
  const res = await deps.sql.query<{ terms: string | null }>(
    `SELECT array_to_string(search_keywords || industries || technologies || buying_triggers, '|') AS terms FROM icp WHERE id = :icpId::uuid`,
    { icpId },
  );
  return (res.rows[0]?.terms ?? '').split('|').map((t) => t.trim()).filter(Boolean);
}

/** Fetches the lead's site; throws a named WebError when the homepage cannot be had. */
export async function fetchSite(deps: Deps, rawInput: FetchSiteInput): Promise<FetchSiteOutput> {
  const { runId, leadId } = FetchSiteInput.parse(rawInput);
  const { sql, web, config, log } = deps;
  const lead = await loadRunLead(sql, runId, leadId);

  // Another lead of the same company (or an earlier attempt of this step) fetched the whole
  // site in this run already: reuse those pages instead of fetching twice. A fetch still under
  // way is not reused (its page set is incomplete); both fetch, and the rows converge.
  const existing = await sql.query<{ pages: number; tried: number; bytes: number }>(
    `SELECT pages, tried, bytes FROM site_fetch WHERE run_id = :runId::uuid AND company_id = :companyId::uuid`,
    { runId, companyId: lead.companyId },
  );
  if (existing.rows.length > 0) {
    const done = existing.rows[0];
    await moveRunLead(sql, runId, leadId, 'fetched');
    return { skipped: false, pages: done.pages, tried: done.tried, bytes: done.bytes, reused: true };
  }

  const home = lead.website;
  if (!(await web.allowedByRobots(home))) {
    await recordSkip(deps, runId, lead, home, 'home', 'robots', 'robots.txt disallows this URL for our user agent');
    const reason = `robots.txt of ${lead.domain} disallows fetching its homepage`;
    await moveRunLead(sql, runId, leadId, 'skipped', { reason });
    await writeLakeRecord(deps, runId, leadId, { status: 'skipped', failure_stage: 'fetch', failure_reason: reason });
    return { skipped: true, reason, pages: 0, tried: 1, bytes: 0, reused: false };
  }

  let homeRes: WebResponse;
  try {
    homeRes = await web.fetch(home, { maxBytes: config.maxBytesPerSite });
  } catch (error) {
    await recordSkip(deps, runId, lead, home, 'home', outcomeOf(error), describeError(error).message);
    throw error;
  }
  await storePage(deps, runId, lead, home, 'home', homeRes);
  let bytes = homeRes.body.length;
  let fetched = 1;
  let tried = 1;

  const cleanedHome = await cleanPage(homeRes.text, homeRes.url, { kind: 'home' });
  const relevanceTerms = await icpTerms(deps, lead.icpId);
  const candidates = discoverPages(homeRes.url, cleanedHome.links, { maxPages: config.maxPagesPerSite, relevanceTerms })
    .filter((c) => c.url !== homeRes.url && c.url !== home);

  for (const candidate of candidates) {
    if (fetched >= config.maxPagesPerSite) break;
    tried++;
    if (bytes >= config.maxBytesPerSite) {
      await recordSkip(deps, runId, lead, candidate.url, candidate.kind, 'budget', `byte budget of ${config.maxBytesPerSite} per site spent`);
      continue;
    }
    try {
      if (!(await web.allowedByRobots(candidate.url))) {
        await recordSkip(deps, runId, lead, candidate.url, candidate.kind, 'robots', 'robots.txt disallows this URL for our user agent');
        continue;
      }
      const res = await web.fetch(candidate.url, { maxBytes: Math.max(1, config.maxBytesPerSite - bytes) });
      await storePage(deps, runId, lead, candidate.url, candidate.kind, res);
      bytes += res.body.length;
      fetched++;
    } catch (error) {
      if (!(error instanceof WebError)) throw error;
      await recordSkip(deps, runId, lead, candidate.url, candidate.kind, outcomeOf(error), error.message);
    }
  }

  await sql.query(
    `INSERT INTO site_fetch (run_id, company_id, pages, tried, bytes) VALUES (:runId::uuid, :companyId::uuid, :pages, :tried, :bytes)
     ON CONFLICT (run_id, company_id) DO NOTHING`,
    { runId, companyId: lead.companyId, pages: fetched, tried, bytes },
  );
  await moveRunLead(sql, runId, leadId, 'fetched');
  log.info('site fetched', { runId, leadId, domain: lead.domain, pages: fetched, tried, bytes });
  return { skipped: false, pages: fetched, tried, bytes, reused: false };
}
