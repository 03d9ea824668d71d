/** CleanPages: turns each fetched page of the lead's site into clean text in the lake. */
import { z } from 'zod';
import { cleanPage } from '../clean/clean.ts';
import { extractSignals } from '../clean/signals.ts';
import { detectCompanyChangesSafely } from '../intent/company-changes.ts';
import { lakeKeys } from '../lake-keys.ts';
import type { Deps } from './deps.ts';
import { loadRunLead } from './lead-context.ts';
import { loadHtml } from './raw-page.ts';
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

/** Cleans every fetched page not yet cleaned; content-addressed, so repeats write nothing new. */
export async function cleanPages(deps: Deps, rawInput: CleanPagesInput): Promise<CleanPagesOutput> {
  const { runId, leadId } = CleanPagesInput.parse(rawInput);
  const { sql, lake } = deps;
  const lead = await loadRunLead(sql, runId, leadId);
  const snaps = await sql.query<{ id: string; url: string; final_url: string | null; kind: string; raw_key: string; meta_key: string | null; clean_key: string | null; clean_chars: number | null }>(
    `SELECT id, url, final_url, kind, raw_key, meta_key, clean_key, clean_chars FROM page_snapshot
     WHERE run_id = :runId::uuid AND company_id = :companyId::uuid AND outcome = 'fetched' ORDER BY fetched_at, url`,
    { runId, companyId: lead.companyId },
  );
  let chars = 0;
  for (const snap of snaps.rows) {
    if (snap.clean_key && (await lake.exists(snap.clean_key))) {
      chars += snap.clean_chars ?? 0;
      continue;
    }
    const html = await loadHtml(lake, snap.raw_key, snap.meta_key);
    const url = snap.final_url ?? snap.url;
    const cleaned = await cleanPage(html, url, { kind: snap.kind as never });
    const signals = extractSignals(html, url, cleaned, { kind: snap.kind as never });
    const hash = sha256(cleaned.text);
    const cleanKey = lakeKeys.cleanText(lead.domain, hash);
    if (!(await lake.exists(cleanKey))) await lake.put(cleanKey, cleaned.text, { contentType: 'text/markdown; charset=utf-8' });
    await lake.put(
      lakeKeys.signals(lead.domain, hash),
      JSON.stringify({ url, kind: snap.kind, title: cleaned.title, description: cleaned.description, metadata: cleaned.metadata, jsonLd: cleaned.jsonLd, signals }),
      { contentType: 'application/json' },
    );
    await sql.query(
      `UPDATE page_snapshot SET clean_key = :cleanKey, clean_sha256 = :hash, clean_chars = :chars WHERE id = :id::uuid`,
      { cleanKey, hash, chars: cleaned.text.length, id: snap.id },
    );
    chars += cleaned.text.length;
    // DOM documents are freed only when the event loop turns.
    await yieldToLoop();
  }
  await moveRunLead(sql, runId, leadId, 'cleaned');
  // What changed since the company's previous visit (no LLM; a failure is recorded, never thrown).
  const changes = await detectCompanyChangesSafely(deps, { runId, workspaceId: lead.workspaceId, companyId: lead.companyId, domain: lead.domain, icpId: lead.icpId });
  return { pages: snaps.rows.length, chars, ...(changes ? { changes: changes.status, signals: changes.signals } : {}) };
}
