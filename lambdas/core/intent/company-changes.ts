/**
 * Change detection for one company in a run, after its pages are cleaned and before research:
 * each page's clean text is compared with the company's previous visit (same URL, or the same
 * page kind when the URL moved), the signals are stored once (dedupe key), the run's change
 * check is recorded, and the intent score of the lead's ICP is recomputed. No LLM, no tokens.
 */
import { technologies } from '../clean/signals.ts';
import { lakeKeys } from '../lake-keys.ts';
import type { Deps } from '../pipeline/deps.ts';
import { readPageSignals, readSiteSignals, type PageSidecar } from '../pipeline/page-sidecars.ts';
import { loadHtml, type MetaCache } from '../pipeline/raw-page.ts';
import type { Sql } from '../ports.ts';
import { detectChanges, mergeSiteSignals } from './detect.ts';
import { insertSignals, listSignals, recordChangeCheck, saveIntent } from './repository.ts';
import { INTENT_RULES_VERSION, inPersonaFunction, intentScore } from './score.ts';
import type { ChangeCheck, IntentIcp, PageVersion, Signal } from './types.ts';

interface SnapRow {
  id: string;
  run_id: string;
  url: string;
  final_url: string | null;
  kind: string;
  outcome: string;
  clean_key: string | null;
  clean_sha256: string | null;
  /** the raw body's hash and where it is kept: technology fingerprints are read off the raw HTML */
  content_sha256: string | null;
  raw_key: string | null;
  meta_key: string | null;
  /** how a re-visit reused the previous copy: a 304 (`not_modified`) or the same body hash */
  revalidated: 'not_modified' | 'same_hash' | null;
  fetched_at: string;
}

export interface CompanyChangesInput {
  runId: string;
  workspaceId: string;
  companyId: string;
  domain: string;
  /** the lead's ICP: its intent score is recomputed */
  icpId: string | null;
}

export interface CompanyChangesResult extends ChangeCheck {
  /** the run the pages were compared with (null: first seen) */
  previousRunId: string | null;
  /** signals detected in this comparison (stored or already stored) */
  detected: Signal[];
  intentScore: number | null;
}

const SNAP_COLUMNS = `id, run_id, url, final_url, kind, outcome, clean_key, clean_sha256, content_sha256, raw_key, meta_key, revalidated, fetched_at`;

async function readText(deps: Deps, key: string): Promise<string> {
  const body = await deps.lake.get(key);
  if (!body) throw new Error(`lake object ${key} is missing`);
  return body.toString('utf8');
}

type Sites = Map<string, Map<string, PageSidecar>>;

/** Technology names of the page's clean/signals record (keyed by clean text): the fallback when the raw page is gone. */
async function storedTechnologies(deps: Deps, domain: string, s: SnapRow, sites: Sites): Promise<string[] | undefined> {
  if (!s.clean_sha256) return undefined;
  try {
    if (!sites.has(s.run_id)) sites.set(s.run_id, await readSiteSignals(deps.lake, domain, s.run_id));
    const parsed = await readPageSignals(deps.lake, domain, s.clean_sha256, sites.get(s.run_id)!);
    const list = (parsed?.signals as { technologies?: { name?: unknown }[] } | undefined)?.technologies;
    if (!Array.isArray(list)) return undefined;
    return [...new Set(list.map((t) => t?.name).filter((n): n is string => typeof n === 'string'))].sort();
  } catch {
    return undefined;
  }
}

/**
 * The technologies fingerprinted on a snapshot, read off its own raw HTML: the clean/signals
 * record is keyed by clean text, so two bodies with the same words (a Segment script added, the
 * text untouched) share one record and it cannot tell them apart.
 */
async function snapshotTechnologies(deps: Deps, domain: string, s: SnapRow, sites: Sites, metaCache: MetaCache): Promise<string[] | undefined> {
  if (s.raw_key && (await deps.lake.exists(s.raw_key))) {
    const html = await loadHtml(deps.lake, { rawKey: s.raw_key, metaKey: s.meta_key, contentSha256: s.content_sha256 }, metaCache);
    return [...new Set(technologies(html).map((t) => t.name))].sort();
  }
  return storedTechnologies(deps, domain, s, sites);
}

const sameList = (a: string[] | undefined, b: string[] | undefined): boolean => !a || !b || a.join('\n') === b.join('\n');

interface Reads {
  sites: Sites;
  metaCache: MetaCache;
}

async function version(deps: Deps, domain: string, s: SnapRow, reads: Reads, tech?: string[]): Promise<PageVersion> {
  const cleanKey = s.clean_key as string;
  return {
    snapshotId: s.id,
    url: s.final_url ?? s.url,
    kind: s.kind,
    text: await readText(deps, cleanKey),
    cleanKey,
    cleanSha256: s.clean_sha256 as string,
    fetchedAt: new Date(s.fetched_at).toISOString(),
    ...(s.content_sha256 ? { rawSha256: s.content_sha256 } : {}),
    ...(s.raw_key ? { rawKey: s.raw_key } : {}),
    technologies: tech ?? (await snapshotTechnologies(deps, domain, s, reads.sites, reads.metaCache)),
  };
}

/** The ICP as the intent score reads it: buying triggers and the personas' titles and departments. */
export async function loadIntentIcp(sql: Sql, icpId: string): Promise<IntentIcp | null> {
  const res = await sql.query<{ id: string; buying_triggers: string[]; keywords: string[]; persona_titles: string[] | null }>(
    `SELECT i.id, i.buying_triggers, i.search_keywords AS keywords,
            (SELECT array_agg(t) FROM persona p, unnest(p.titles || p.departments) t WHERE p.icp_id = i.id) AS persona_titles
     FROM icp i WHERE i.id = :icpId::uuid`,
    { icpId },
  );
  const r = res.rows[0];
  if (!r) return null;
  return { id: r.id, buyingTriggers: r.buying_triggers ?? [], keywords: r.keywords ?? [], personaTitles: r.persona_titles ?? [] };
}

/** The signals table's columns (the Glue table `signals`, and its DuckDB twin), in order. */
export const SIGNAL_LAKE_COLUMNS = [
  'signal_key', 'run_id', 'company_name', 'domain', 'icp', 'kind', 'summary', 'item', 'job_function', 'seniority',
  'persona_match', 'plan', 'price_before', 'price_after', 'topic', 'before_quote', 'after_quote', 'before_key',
  'after_key', 'url', 'page_kind', 'observed_at', 'intent_score', 'detected_at',
] as const;
export type SignalLakeLine = Record<(typeof SIGNAL_LAKE_COLUMNS)[number], string | number | boolean | null>;

/**
 * The lake's lines for a company's signals of one run: one per signal and ICP (`icp` null when
 * the workspace has none), so Athena can ask per ICP without the database: `persona_match` says
 * whether a job or leadership change is in a persona's function, `intent_score` is the company's
 * score for that ICP after this run.
 */
export function signalLakeLines(
  signals: Signal[],
  target: { runId: string; companyName: string; domain: string; detectedAt: string },
  icps: { slug: string | null; icp: IntentIcp | null; score: number | null }[],
): SignalLakeLine[] {
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return (icps.length ? icps : [{ slug: null, icp: null, score: null }]).flatMap(({ slug, icp, score }) =>
    signals.map((s) => {
      const line: SignalLakeLine = {
        signal_key: s.dedupeKey, run_id: target.runId, company_name: target.companyName, domain: target.domain, icp: slug,
        kind: s.kind, summary: s.summary, item: s.detail.item, job_function: str(s.detail.function), seniority: str(s.detail.seniority),
        persona_match: icp ? inPersonaFunction(s, icp) : false, plan: str(s.detail.plan), price_before: str(s.detail.priceBefore),
        price_after: str(s.detail.priceAfter), topic: str(s.detail.topic), before_quote: s.beforeQuote, after_quote: s.afterQuote,
        before_key: s.beforeKey, after_key: s.afterKey, url: s.url, page_kind: s.pageKind, observed_at: s.observedAt,
        intent_score: score, detected_at: target.detectedAt,
      };
      return Object.fromEntries(SIGNAL_LAKE_COLUMNS.map((c) => [c, line[c]])) as SignalLakeLine;
    }),
  );
}

/** Recomputes and stores the company's intent for an ICP from all its signals; returns the score. */
export async function refreshIntent(sql: Sql, input: { workspaceId: string; companyId: string; icpId: string; now: Date }): Promise<number | null> {
  const icp = await loadIntentIcp(sql, input.icpId);
  if (!icp) return null;
  const signals = await listSignals(sql, input.companyId, { limit: 500 });
  const { score, reasons } = intentScore(signals, icp, input.now);
  await saveIntent(sql, { workspaceId: input.workspaceId, companyId: input.companyId, icpId: input.icpId, score, reasons, signals: signals.length, rulesVersion: INTENT_RULES_VERSION, computedAt: input.now });
  return score;
}

/** Compares the company's pages of this run with its previous visit; see the module comment. */
export async function detectCompanyChanges(deps: Deps, input: CompanyChangesInput): Promise<CompanyChangesResult> {
  const { sql } = deps;
  const { runId, companyId } = input;
  const prev = await sql.query<{ run_id: string }>(
    `SELECT sf.run_id FROM site_fetch sf JOIN run r ON r.id = sf.run_id
     WHERE sf.company_id = :companyId::uuid AND sf.run_id <> :runId::uuid
       AND r.started_at < (SELECT started_at FROM run WHERE id = :runId::uuid)
     ORDER BY r.started_at DESC LIMIT 1`,
    { companyId, runId },
  );
  const current = (
    await sql.query<SnapRow>(`SELECT ${SNAP_COLUMNS} FROM page_snapshot WHERE run_id = :runId::uuid AND company_id = :companyId::uuid ORDER BY url`, { runId, companyId })
  ).rows;
  const fetchedNow = current.filter((s) => s.outcome === 'fetched' && s.clean_key && s.clean_sha256);
  const base: ChangeCheck = { runId, companyId, status: 'first_seen', pages: fetchedNow.length, pagesUnchanged: 0, pagesNotModified: 0, pagesChanged: 0, pagesRemoved: 0, signals: 0, error: null };
  const previousRunId = prev.rows[0]?.run_id ?? null;
  if (!previousRunId) {
    await recordChangeCheck(sql, base);
    return { ...base, previousRunId, detected: [], intentScore: null };
  }
  const before = (
    await sql.query<SnapRow>(
      `SELECT ${SNAP_COLUMNS} FROM page_snapshot WHERE run_id = :prevRunId::uuid AND company_id = :companyId::uuid AND outcome = 'fetched' AND clean_key IS NOT NULL ORDER BY url`,
      { prevRunId: previousRunId, companyId },
    )
  ).rows;

  // Pair each page with its previous version: same URL first, then the same kind when one page of it moved.
  const urlOf = (s: SnapRow) => s.final_url ?? s.url;
  const unpairedBefore = new Map(before.map((s) => [s.id, s]));
  const pairs: [SnapRow, SnapRow][] = [];
  const unpairedNow: SnapRow[] = [];
  for (const now of fetchedNow) {
    const same = [...unpairedBefore.values()].find((b) => b.url === now.url || urlOf(b) === urlOf(now));
    if (same) {
      pairs.push([same, now]);
      unpairedBefore.delete(same.id);
    } else unpairedNow.push(now);
  }
  for (const now of unpairedNow) {
    if (now.kind === 'home' || now.kind === 'other') continue;
    const sameKind = [...unpairedBefore.values()].filter((b) => b.kind === now.kind);
    const nowOfKind = unpairedNow.filter((n) => n.kind === now.kind);
    if (sameKind.length === 1 && nowOfKind.length === 1) {
      pairs.push([sameKind[0], now]);
      unpairedBefore.delete(sameKind[0].id);
    }
  }

  // A previous page is gone when this run got an error for its URL, or when the fetch ended
  // with room to spare (under the page cap, no byte budget hit) without finding it.
  const triedNow = new Map(current.map((s) => [s.url, s]));
  const roomToSpare = fetchedNow.length < deps.config.maxPagesPerSite && !current.some((s) => s.outcome === 'budget');
  const removed = [...unpairedBefore.values()].filter((b) => {
    const tried = triedNow.get(b.url);
    if (tried) return tried.outcome === 'error';
    return roomToSpare;
  });

  const found: Signal[] = [];
  const reads: Reads = { sites: new Map(), metaCache: new Map() };
  const check: ChangeCheck = { ...base, status: 'unchanged' };
  for (const [b, a] of pairs) {
    if (b.clean_sha256 === a.clean_sha256) {
      // A 304 counts as not modified, anything else with the same clean text as unchanged: the
      // two are disjoint, so (not modified + unchanged) / pages is the share of cheap re-checks.
      if (a.revalidated === 'not_modified') {
        check.pagesNotModified++;
        continue;
      }
      // Same words, another body: only a technology fingerprint appearing or disappearing
      // (a script added or dropped) is a change; a reused copy or the same body is not looked at.
      const sameBody = a.revalidated === 'same_hash' || (a.content_sha256 !== null && a.content_sha256 === b.content_sha256);
      const techBefore = sameBody ? undefined : await snapshotTechnologies(deps, input.domain, b, reads.sites, reads.metaCache);
      const techAfter = sameBody ? undefined : await snapshotTechnologies(deps, input.domain, a, reads.sites, reads.metaCache);
      if (sameList(techBefore, techAfter)) {
        check.pagesUnchanged++;
        continue;
      }
      check.pagesChanged++;
      found.push(...detectChanges(await version(deps, input.domain, b, reads, techBefore), await version(deps, input.domain, a, reads, techAfter)));
      continue;
    }
    check.pagesChanged++;
    found.push(...detectChanges(await version(deps, input.domain, b, reads), await version(deps, input.domain, a, reads)));
  }
  for (const b of removed) {
    check.pagesRemoved++;
    found.push(...detectChanges(await version(deps, input.domain, b, reads), null));
  }
  const signals = mergeSiteSignals(found);
  await insertSignals(sql, { workspaceId: input.workspaceId, companyId, runId, signals, newId: deps.newId });
  check.signals = signals.length;
  if (check.pagesChanged > 0 || check.pagesRemoved > 0 || unpairedNow.length > 0) check.status = 'changed';
  await recordChangeCheck(sql, check);
  // A lead with no ICP (a leads file) is scored against every active ICP of the workspace.
  const icpIds = input.icpId
    ? [input.icpId]
    : (await sql.query<{ id: string }>(`SELECT id FROM icp WHERE workspace_id = :ws::uuid AND active ORDER BY slug`, { ws: input.workspaceId })).rows.map((r) => r.id);
  let score: number | null = null;
  const scored: { slug: string | null; icp: IntentIcp | null; score: number | null }[] = [];
  for (const icpId of icpIds) {
    const s = await refreshIntent(sql, { workspaceId: input.workspaceId, companyId, icpId, now: deps.clock.now() });
    if (s !== null && (score === null || s > score)) score = s;
    if (signals.length) {
      const slug = (await sql.query<{ slug: string }>(`SELECT slug FROM icp WHERE id = :icpId::uuid`, { icpId })).rows[0]?.slug ?? null;
      scored.push({ slug, icp: await loadIntentIcp(sql, icpId), score: s });
    }
  }
  if (signals.length) {
    // The signals table in the lake (Athena, DuckDB locally): rewritten whole by a repeated step.
    const run = (
      await sql.query<{ started_at: string; company: string }>(
        `SELECT r.started_at, c.name AS company FROM run r, lead_company c WHERE r.id = :runId::uuid AND c.id = :companyId::uuid`,
        { runId, companyId },
      )
    ).rows[0];
    if (run) {
      const lines = signalLakeLines(signals, { runId, companyName: run.company, domain: input.domain, detectedAt: deps.clock.now().toISOString() }, scored);
      await deps.lake.put(lakeKeys.intentSignals(new Date(run.started_at), runId, companyId), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`, { contentType: 'application/x-ndjson' });
    }
  }
  return { ...check, previousRunId, detected: signals, intentScore: score };
}

/**
 * Runs `detectCompanyChanges` for a step: a failure is logged and recorded as the change check's
 * error, never thrown, so a failing detection never fails the lead.
 */
export async function detectCompanyChangesSafely(deps: Deps, input: CompanyChangesInput): Promise<CompanyChangesResult | null> {
  try {
    return await detectCompanyChanges(deps, input);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.log.warn('change detection failed', { runId: input.runId, companyId: input.companyId, error: message.slice(0, 300) });
    try {
      await recordChangeCheck(deps.sql, { runId: input.runId, companyId: input.companyId, status: 'failed', pages: 0, pagesUnchanged: 0, pagesNotModified: 0, pagesChanged: 0, pagesRemoved: 0, signals: 0, error: message.slice(0, 500) || 'unknown error' });
    } catch {
      // the database itself failing is the lead's problem to report, not this one's
    }
    return null;
  }
}
