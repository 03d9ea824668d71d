/** CleanPages: turns each fetched page of the lead's site into clean text in the lake. */
import { z } from 'zod';
import { cleanPage } from '../clean/clean.ts';
import { extractSignals } from '../clean/signals.ts';
import { detectCompanyChangesSafely } from '../intent/company-changes.ts';
import { lakeKeys } from '../lake-keys.ts';
import type { Deps } from './deps.ts';
import { loadRunLead } from './lead-context.ts';
import { readPageSignals, readSiteSignals, type PageSidecar } from './page-sidecars.ts';
import { loadHtml, type MetaCache } from './raw-page.ts';
import { moveRunLead } from './run-lead-repo.ts';
import { sha256, yieldToLoop } from './util.ts';

export const CleanPagesInput = z.object({ runId: z.uuid(), leadId: z.uuid() });
export type CleanPagesInput = z.input<typeof CleanPagesInput>;

export interface CleanPagesOutput {
  pages: number;
  chars: number;
  /** change detection against the company's previous visit (absent when it failed) */
  changes?: 'first_seen' | 'unchanged' | 'changed' | 'failed';
  signals?: number;
}

interface SnapRow {
  id: string;
  url: string;
  final_url: string | null;
  kind: string;
  raw_key: string;
  meta_key: string | null;
  content_sha256: string | null;
  clean_key: string | null;
  clean_sha256: string | null;
  clean_chars: number | null;
  /** the run that stored the page a re-visit reused (its sidecar is in that run's object) */
  reused_run_id: string | null;
}

/**
 * Cleans every fetched page not yet cleaned (content-addressed, so repeats write nothing new)
 * and writes the signals of all the company's pages in this run as one object, once.
 */
export async function cleanPages(deps: Deps, rawInput: CleanPagesInput): Promise<CleanPagesOutput> {
  const { runId, leadId } = CleanPagesInput.parse(rawInput);
  const { sql, lake } = deps;
  const lead = await loadRunLead(sql, runId, leadId);
  const snaps = await sql.query<SnapRow>(
    `SELECT s.id, s.url, s.final_url, s.kind, s.raw_key, s.meta_key, s.content_sha256, s.clean_key, s.clean_sha256, s.clean_chars,
            prev.run_id AS reused_run_id
     FROM page_snapshot s LEFT JOIN page_snapshot prev ON prev.id = s.reused_snapshot_id
     WHERE s.run_id = :runId::uuid AND s.company_id = :companyId::uuid AND s.outcome = 'fetched' ORDER BY s.fetched_at, s.url`,
    { runId, companyId: lead.companyId },
  );
  // Another lead of the company may have written this run's object already.
  const site = await readSiteSignals(lake, lead.domain, runId);
  const metaCache: MetaCache = new Map();
  const earlier = new Map<string, Map<string, PageSidecar>>();
  let added = 0;
  let chars = 0;
  // the pages cleaned now, recorded together after the loop (one statement however many pages)
  const cleanedRows: { id: string; clean_key: string; clean_sha256: string; clean_chars: number }[] = [];
  const derive = async (snap: SnapRow) => {
    const html = await loadHtml(lake, { rawKey: snap.raw_key, metaKey: snap.meta_key, contentSha256: snap.content_sha256 }, metaCache);
    const url = snap.final_url ?? snap.url;
    const cleaned = await cleanPage(html, url, { kind: snap.kind as never });
    const signals = extractSignals(html, url, cleaned, { kind: snap.kind as never });
    const sidecar: PageSidecar = { url, kind: snap.kind, title: cleaned.title, description: cleaned.description, metadata: cleaned.metadata, jsonLd: cleaned.jsonLd, signals: signals as unknown as Record<string, unknown> };
    // DOM documents are freed only when the event loop turns.
    await yieldToLoop();
    return { cleaned, sidecar };
  };
  for (const snap of snaps.rows) {
    if (snap.clean_key && snap.clean_sha256 && (await lake.exists(snap.clean_key))) {
      chars += snap.clean_chars ?? 0;
      if (site.has(snap.clean_sha256)) continue;
      // Cleaned by a previous visit (a reused page) or by another lead of the company in this
      // run: its sidecar is carried into this run's object; derived again only if none is found.
      let prior: Map<string, PageSidecar> = new Map();
      if (snap.reused_run_id) {
        if (!earlier.has(snap.reused_run_id)) earlier.set(snap.reused_run_id, await readSiteSignals(lake, lead.domain, snap.reused_run_id));
        prior = earlier.get(snap.reused_run_id)!;
      }
      const sidecar = (await readPageSignals(lake, lead.domain, snap.clean_sha256, prior)) ?? (await derive(snap)).sidecar;
      site.set(snap.clean_sha256, sidecar);
      added++;
      continue;
    }
    const { cleaned, sidecar } = await derive(snap);
    const hash = sha256(cleaned.text);
    const cleanKey = lakeKeys.cleanText(lead.domain, hash);
    if (!(await lake.exists(cleanKey))) await lake.put(cleanKey, cleaned.text, { contentType: 'text/markdown; charset=utf-8' });
    site.set(hash, sidecar);
    added++;
    cleanedRows.push({ id: snap.id, clean_key: cleanKey, clean_sha256: hash, clean_chars: cleaned.text.length });
    chars += cleaned.text.length;
  }
  // A step that dies before this line cleans its pages again on the retry: cleaning is
  // deterministic and the text content-addressed, so the lake gets nothing new.
  if (cleanedRows.length > 0) {
    await sql.query(
      `UPDATE page_snapshot s SET clean_key = x.clean_key, clean_sha256 = x.clean_sha256, clean_chars = x.clean_chars
         FROM jsonb_to_recordset(:rows::jsonb) AS x(id uuid, clean_key text, clean_sha256 text, clean_chars int)
        WHERE s.id = x.id`,
      { rows: cleanedRows },
    );
  }
  if (added > 0) {
    await lake.put(lakeKeys.siteSignals(lead.domain, runId), JSON.stringify(Object.fromEntries(site)), { contentType: 'application/json' });
  }
  await moveRunLead(sql, runId, leadId, 'cleaned');
  // What changed since the company's previous visit (no LLM; a failure is recorded, never thrown).
  const changes = await detectCompanyChangesSafely(deps, { runId, workspaceId: lead.workspaceId, companyId: lead.companyId, domain: lead.domain, icpId: lead.icpId });
  return { pages: snaps.rows.length, chars, ...(changes ? { changes: changes.status, signals: changes.signals } : {}) };
}
