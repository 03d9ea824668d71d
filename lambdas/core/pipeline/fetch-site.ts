/**
 * FetchSite: fetches a lead's homepage and the pages a rep would read into the lake, bounded in
 * pages and bytes, and records every URL tried with its outcome.
 */
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { cleanPage } from '../clean/clean.ts';
import { discoverPages } from '../clean/discover.ts';
import { BadResponseError, FetchStoppedError, WebError, describeError } from '../errors.ts';
import { lakeKeys } from '../lake-keys.ts';
import type { WebResponse, WebValidators } from '../ports.ts';
import type { Deps } from './deps.ts';
import { writeLakeRecord } from './lake-record.ts';
import { loadRunLead, type LeadRow } from './lead-context.ts';
import { siteMetaBody, type PageMeta } from './page-sidecars.ts';
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
  /** batch mode: the lead was cleaned in this run and waits for research; it resumes there */
  resumed?: boolean;
  /** batch mode: the lead's research is committed in this run and its drafting waits; it resumes at DraftOutreach */
  resumeDraft?: boolean;
  /** pages a re-visit found unchanged: a 304, or a body with the previous copy's hash */
  notModified?: number;
  sameHash?: number;
}

/** The copy of a page fetched in the company's previous run: its validators and lake objects. */
interface PreviousPage {
  id: string;
  url: string;
  kind: string;
  outcome: string;
  final_url: string | null;
  http_status: number | null;
  content_type: string | null;
  bytes: number | null;
  content_sha256: string | null;
  raw_key: string | null;
  meta_key: string | null;
  clean_key: string | null;
  clean_sha256: string | null;
  clean_chars: number | null;
  etag: string | null;
  last_modified: string | null;
}

/** Pages of the company's latest earlier completed fetch, by URL (empty for a company never fetched). */
async function previousPages(deps: Deps, runId: string, companyId: string): Promise<Map<string, PreviousPage>> {
  const rows = await deps.sql.query<PreviousPage>(
    `SELECT p.id, p.url, p.kind, p.outcome, p.final_url, p.http_status, p.content_type, p.bytes, p.content_sha256,
            p.raw_key, p.meta_key, p.clean_key, p.clean_sha256, p.clean_chars, p.etag, p.last_modified
     FROM page_snapshot p
     WHERE p.company_id = :companyId::uuid
       AND p.run_id = (SELECT f.run_id FROM site_fetch f WHERE f.company_id = :companyId::uuid AND f.run_id <> :runId::uuid
                       ORDER BY f.completed_at DESC LIMIT 1)
     ORDER BY p.fetched_at, p.url`,
    { runId, companyId },
  );
  return new Map(rows.rows.map((r) => [r.url, r]));
}

const validatorsOf = (prev: PreviousPage | undefined): WebValidators | undefined =>
  prev && prev.outcome === 'fetched' && (prev.etag || prev.last_modified) ? { etag: prev.etag, lastModified: prev.last_modified } : undefined;

const header = (res: WebResponse, name: string): string | null => {
  const found = Object.entries(res.headers).find(([k]) => k.toLowerCase() === name);
  return found ? clip(found[1], name === 'etag' ? 512 : 100) : null;
};

/**
 * Records a page a re-visit found unchanged (a 304, or the same body hash) as a new snapshot that
 * points at the previous copy's raw and clean objects: nothing is written to the lake, and
 * CleanPages finds the page already cleaned.
 */
async function reusePage(deps: Deps, runId: string, lead: LeadRow, prev: PreviousPage, res: WebResponse, how: 'not_modified' | 'same_hash'): Promise<void> {
  await deps.sql.query(
    `INSERT INTO page_snapshot (id, company_id, run_id, url, final_url, kind, outcome, http_status, content_type, bytes,
                                content_sha256, raw_key, meta_key, clean_key, clean_sha256, clean_chars, etag, last_modified,
                                revalidated, reused_snapshot_id, fetched_at)
     VALUES (:id::uuid, :companyId::uuid, :runId::uuid, :url, :finalUrl, :kind, 'fetched', :status, :contentType, :bytes,
             :hash, :rawKey, :metaKey, :cleanKey, :cleanHash, :cleanChars, :etag, :lastModified,
             :how, :prevId::uuid, :fetchedAt::timestamptz)
     ON CONFLICT (run_id, company_id, url) DO NOTHING`,
    {
      id: deps.newId(), companyId: lead.companyId, runId, url: prev.url, finalUrl: prev.final_url ?? res.url, kind: prev.kind,
      status: res.status, contentType: prev.content_type, bytes: prev.bytes, hash: prev.content_sha256, rawKey: prev.raw_key,
      metaKey: prev.meta_key, cleanKey: prev.clean_key, cleanHash: prev.clean_sha256, cleanChars: prev.clean_chars,
      // A 304 may update the validators (RFC 9110 §15.4.5); otherwise the previous ones still hold.
      etag: header(res, 'etag') ?? prev.etag, lastModified: header(res, 'last-modified') ?? prev.last_modified,
      how, prevId: prev.id, fetchedAt: res.fetchedAt,
    },
  );
}

/** Reuses the previous copy when the answer shows the page unchanged; returns how, or undefined for a new body. */
async function reuseIfUnchanged(deps: Deps, runId: string, lead: LeadRow, prev: PreviousPage | undefined, res: WebResponse): Promise<'not_modified' | 'same_hash' | undefined> {
  if (!prev || prev.outcome !== 'fetched' || !prev.content_sha256 || !prev.raw_key) {
    if (res.notModified) throw new BadResponseError(res.requestedUrl, 304, '304 Not Modified to a request without a stored copy');
    return undefined;
  }
  if (res.notModified) {
    await reusePage(deps, runId, lead, prev, res, 'not_modified');
    return 'not_modified';
  }
  if (sha256(res.body) === prev.content_sha256 && (await deps.lake.exists(prev.raw_key))) {
    await reusePage(deps, runId, lead, prev, res, 'same_hash');
    return 'same_hash';
  }
  return undefined;
}

type Outcome = 'fetched' | 'robots' | 'not_html' | 'too_large' | 'error' | 'budget';

const outcomeOf = (error: unknown): Outcome => {
  const name = describeError(error).name;
  if (name === 'NotHtml') return 'not_html';
  if (name === 'TooLarge') return 'too_large';
  return 'error';
};

/**
 * Stores the body content-addressed (raw/html) and records the snapshot; returns the page's
 * metadata line, which the fetch writes with its other pages' in one object (page-sidecars.ts).
 */
async function storePage(deps: Deps, runId: string, lead: LeadRow, url: string, kind: string, res: WebResponse): Promise<PageMeta> {
  const hash = sha256(res.body);
  const rawKey = lakeKeys.rawHtml(lead.domain, hash);
  const metaKey = lakeKeys.siteMeta(lead.domain, runId);
  if (!(await deps.lake.exists(rawKey))) await deps.lake.put(rawKey, gzipSync(res.body), { contentType: 'text/html' });
  const meta: PageMeta = {
    sha256: hash,
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
  };
  await deps.sql.query(
    `INSERT INTO page_snapshot (id, company_id, run_id, url, final_url, kind, outcome, http_status, content_type,
                                bytes, content_sha256, raw_key, meta_key, etag, last_modified, fetched_at)
     VALUES (:id::uuid, :companyId::uuid, :runId::uuid, :url, :finalUrl, :kind, 'fetched', :status, :contentType,
             :bytes, :hash, :rawKey, :metaKey, :etag, :lastModified, :fetchedAt::timestamptz)
     ON CONFLICT (run_id, company_id, url) DO NOTHING`,
    {
      id: deps.newId(), companyId: lead.companyId, runId, url, finalUrl: res.url, kind, status: res.status,
      contentType: res.contentType, bytes: res.body.length, hash, rawKey, metaKey,
      etag: header(res, 'etag'), lastModified: header(res, 'last-modified'), fetchedAt: res.fetchedAt,
    },
  );
  return meta;
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

  // Batch mode runs the lead Map again over the leads waiting for a batch's answers: their
  // pages are fetched and cleaned already, and the lead resumes at its research.
  if (lead.groqBatch && lead.status === 'cleaned') return { skipped: false, resumed: true, pages: 0, tried: 0, bytes: 0, reused: true };
  // A lead researched in this run waits for its drafting answer: research is not done again.
  if (lead.groqBatch && lead.status === 'researched') return { skipped: false, resumed: true, resumeDraft: true, pages: 0, tried: 0, bytes: 0, reused: true };

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
  // The homepage could not be had: recorded with why, and the error fails the lead. Also when
  // robots.txt did not answer (a timeout, an unreachable host): neither would the homepage. A
  // fetch stopped by the caller says nothing about the site and is not recorded: the redrive
  // that finishes the run fetches the homepage again.
  const homeFailed = async (error: unknown): Promise<never> => {
    if (!(error instanceof FetchStoppedError)) await recordSkip(deps, runId, lead, home, 'home', outcomeOf(error), describeError(error).message);
    throw error;
  };
  if (!(await web.allowedByRobots(home).catch(homeFailed))) {
    await recordSkip(deps, runId, lead, home, 'home', 'robots', 'robots.txt disallows this URL for our user agent');
    const reason = `robots.txt of ${lead.domain} disallows fetching its homepage`;
    await moveRunLead(sql, runId, leadId, 'skipped', { reason });
    await writeLakeRecord(deps, runId, leadId, { status: 'skipped', failure_stage: 'fetch', failure_reason: reason });
    return { skipped: true, reason, pages: 0, tried: 1, bytes: 0, reused: false };
  }

  // A re-visit asks for each page conditionally; an unchanged page reuses the previous copy.
  const previous = await previousPages(deps, runId, lead.companyId);
  const reused = { not_modified: 0, same_hash: 0 };

  const homeRes = await web.fetch(home, { maxBytes: config.maxBytesPerSite, validators: validatorsOf(previous.get(home)) }).catch(homeFailed);
  const homeReuse = await reuseIfUnchanged(deps, runId, lead, previous.get(home), homeRes);
  if (homeReuse) reused[homeReuse]++;
  // one metadata object for the whole fetch, written once its pages are stored
  const metas: PageMeta[] = [];
  if (!homeReuse) metas.push(await storePage(deps, runId, lead, home, 'home', homeRes));
  let bytes = homeReuse ? (previous.get(home)?.bytes ?? 0) : homeRes.body.length;
  let fetched = 1;
  let tried = 1;

  // The pages to read come from the homepage's links, ranked by relevance to the lead's ICP; a
  // homepage that did not change has the links it had, so the previous visit's list is taken
  // instead of parsing the page again.
  const candidates = homeReuse
    ? [...previous.values()].filter((p) => p.url !== home && p.kind !== 'home').map((p) => ({ url: p.url, kind: p.kind }))
    : discoverPages(homeRes.url, (await cleanPage(homeRes.text, homeRes.url, { kind: 'home' })).links, {
        maxPages: config.maxPagesPerSite,
        relevanceTerms: await icpTerms(deps, lead.icpId),
      }).filter((c) => c.url !== homeRes.url && c.url !== home);

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
      const prev = previous.get(candidate.url);
      const res = await web.fetch(candidate.url, { maxBytes: Math.max(1, config.maxBytesPerSite - bytes), validators: validatorsOf(prev) });
      const how = await reuseIfUnchanged(deps, runId, lead, prev, res);
      if (how) reused[how]++;
      else metas.push(await storePage(deps, runId, lead, candidate.url, candidate.kind, res));
      bytes += how ? (prev?.bytes ?? 0) : res.body.length;
      fetched++;
    } catch (error) {
      if (!(error instanceof WebError)) throw error;
      await recordSkip(deps, runId, lead, candidate.url, candidate.kind, outcomeOf(error), error.message);
    }
  }

  // Written before site_fetch marks the fetch done: a crash before here fetches again, and a
  // page whose metadata is missing is still cleaned (its charset sniffed from the body).
  if (metas.length > 0) await deps.lake.put(lakeKeys.siteMeta(lead.domain, runId), siteMetaBody(metas), { contentType: 'application/x-ndjson' });
  await sql.query(
    `INSERT INTO site_fetch (run_id, company_id, pages, tried, bytes) VALUES (:runId::uuid, :companyId::uuid, :pages, :tried, :bytes)
     ON CONFLICT (run_id, company_id) DO NOTHING`,
    { runId, companyId: lead.companyId, pages: fetched, tried, bytes },
  );
  await moveRunLead(sql, runId, leadId, 'fetched');
  log.info('site fetched', { runId, leadId, domain: lead.domain, pages: fetched, tried, bytes, notModified: reused.not_modified, sameHash: reused.same_hash });
  return { skipped: false, pages: fetched, tried, bytes, reused: false, notModified: reused.not_modified, sameHash: reused.same_hash };
}
