/**
 * Change detection for one company in a run, after its pages are cleaned and before research:
 * each page's clean text is compared with the company's previous visit (same URL, or the same
 * page kind when the URL moved), the signals are stored once (dedupe key), the run's change
 * check is recorded, and the intent score of the lead's ICP is recomputed. No LLM, no tokens.
 */
import type { Deps } from '../pipeline/deps.ts';
import type { Sql } from '../ports.ts';
import { detectChanges, mergeSiteSignals } from './detect.ts';
import { insertSignals, listSignals, recordChangeCheck, saveIntent } from './repository.ts';
import { INTENT_RULES_VERSION, intentScore } from './score.ts';
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

const SNAP_COLUMNS = `id, run_id, url, final_url, kind, outcome, clean_key, clean_sha256, fetched_at`;

async function readText(deps: Deps, key: string): Promise<string> {
  const body = await deps.lake.get(key);
  if (!body) throw new Error(`lake object ${key} is missing`);
  return body.toString('utf8');
}

async function technologies(deps: Deps, domain: string, cleanKey: string): Promise<string[] | undefined> {
  const signalsKey = cleanKey.replace(/^clean\/text\//, 'clean/signals/').replace(/\.md$/, '.json');
  if (signalsKey === cleanKey || !signalsKey.includes(`domain=${domain}/`)) return undefined;
  const body = await deps.lake.get(signalsKey);
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { signals?: { technologies?: { name?: unknown }[] } };
    const list = parsed.signals?.technologies;
    if (!Array.isArray(list)) return undefined;
    return [...new Set(list.map((t) => t?.name).filter((n): n is string => typeof n === 'string'))].sort();
  } catch {
    return undefined;
  }
}

async function version(deps: Deps, domain: string, s: SnapRow): Promise<PageVersion> {
  const cleanKey = s.clean_key as string;
  return {
    snapshotId: s.id,
    url: s.final_url ?? s.url,
    kind: s.kind,
    text: await readText(deps, cleanKey),
    cleanKey,
    cleanSha256: s.clean_sha256 as string,
    fetchedAt: new Date(s.fetched_at).toISOString(),
    technologies: await technologies(deps, domain, cleanKey),
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
  const check: ChangeCheck = { ...base, status: 'unchanged' };
  for (const [b, a] of pairs) {
    if (b.clean_sha256 === a.clean_sha256) {
      check.pagesUnchanged++;
      continue;
    }
    check.pagesChanged++;
    found.push(...detectChanges(await version(deps, input.domain, b), await version(deps, input.domain, a)));
  }
  for (const b of removed) {
    check.pagesRemoved++;
    found.push(...detectChanges(await version(deps, input.domain, b), null));
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
  for (const icpId of icpIds) {
    const s = await refreshIntent(sql, { workspaceId: input.workspaceId, companyId, icpId, now: deps.clock.now() });
    if (s !== null && (score === null || s > score)) score = s;
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
