/**
 * RecheckCompany: after a watch run's FetchSite (conditional requests) and CleanPages (change
 * detection), decides whether the company is researched again: only when detection found a
 * relevant change (at least one signal). Records what the watch saw in `watch_check`; a company
 * not researched again leaves the run as skipped with the reason, so no token is spent on it.
 */
import { z } from 'zod';
import { listChangeChecks } from '../intent/repository.ts';
import type { Deps } from '../pipeline/deps.ts';
import { loadRunLead } from '../pipeline/lead-context.ts';
import { moveRunLead } from '../pipeline/run-lead-repo.ts';

export const RecheckInput = z.object({ runId: z.uuid(), leadId: z.uuid() });
export type RecheckInput = z.input<typeof RecheckInput>;

export type WatchStatus = 'unchanged' | 'changed' | 'failed';

export interface RecheckOutput {
  status: WatchStatus;
  /** research runs again for this company */
  research: boolean;
  pages: number;
  notModified: number;
  sameHash: number;
  changedPages: number;
  signals: number;
}

/** Reads the run's change check for the lead's company and records the watch's verdict. */
export async function recheckCompany(deps: Deps, rawInput: RecheckInput): Promise<RecheckOutput> {
  const { runId, leadId } = RecheckInput.parse(rawInput);
  const { sql } = deps;
  const lead = await loadRunLead(sql, runId, leadId);
  const reuse = (
    await sql.query<{ pages: number; not_modified: number; same_hash: number }>(
      `SELECT count(*)::int AS pages,
              count(*) FILTER (WHERE revalidated = 'not_modified')::int AS not_modified,
              count(*) FILTER (WHERE revalidated = 'same_hash')::int AS same_hash
       FROM page_snapshot WHERE run_id = :runId::uuid AND company_id = :companyId::uuid AND outcome = 'fetched'`,
      { runId, companyId: lead.companyId },
    )
  ).rows[0];
  const check = (await listChangeChecks(sql, runId)).find((c) => c.companyId === lead.companyId);
  const reused = reuse.not_modified + reuse.same_hash;
  const changedPages = check ? check.pagesChanged + check.pagesRemoved : Math.max(0, reuse.pages - reused);
  const signals = check?.signals ?? 0;

  let status: WatchStatus;
  let research: boolean;
  let reason: string | null = null;
  if (!check || check.status === 'failed') {
    // Detection could not say: research again only if some page is not the stored copy
    // (research keys on page hashes, so an unchanged site would cost nothing anyway).
    status = 'failed';
    research = reused < reuse.pages;
    reason = `change detection failed${check?.error ? `: ${check.error}` : ': no change check recorded'}`;
  } else if (check.status === 'unchanged' && changedPages === 0) {
    status = 'unchanged';
    research = false;
    reason = `unchanged since the last check (${reuse.pages} page(s): ${reuse.not_modified} not modified, ${reuse.same_hash} same content)`;
  } else {
    status = 'changed';
    research = signals > 0 || check.status === 'first_seen';
    if (!research) reason = `changed without a signal (${changedPages} page(s) differ in text only): not researched again`;
  }

  await sql.query(
    `INSERT INTO watch_check (run_id, company_id, lead_id, icp_id, status, pages, not_modified, same_hash, changed_pages, signals, researched, reason)
     VALUES (:runId::uuid, :companyId::uuid, :leadId::uuid, :icpId::uuid, :status, :pages, :notModified, :sameHash, :changedPages, :signals, :research, :reason)
     ON CONFLICT (run_id, company_id) DO UPDATE SET status = EXCLUDED.status, pages = EXCLUDED.pages, not_modified = EXCLUDED.not_modified,
       same_hash = EXCLUDED.same_hash, changed_pages = EXCLUDED.changed_pages, signals = EXCLUDED.signals,
       researched = EXCLUDED.researched, reason = EXCLUDED.reason, checked_at = now()`,
    {
      runId, companyId: lead.companyId, leadId, icpId: lead.icpId, status, pages: reuse.pages, notModified: reuse.not_modified,
      sameHash: reuse.same_hash, changedPages: status === 'unchanged' ? 0 : changedPages, signals: status === 'unchanged' ? 0 : signals, research, reason,
    },
  );
  // A repeated step finds the lead already skipped. An unchanged company's research stays current:
  // the run lead points at it, as a re-run's unchanged skip does, so the watch run's export,
  // report and replay show it (lambdas/core/views/research-status.ts).
  if (!research && lead.status !== 'skipped') {
    const current = status === 'unchanged'
      ? (await sql.query<{ id: string }>(
          `SELECT id FROM research WHERE lead_id = :leadId::uuid AND status = 'researched' ORDER BY created_at DESC LIMIT 1`,
          { leadId },
        )).rows[0]?.id ?? null
      : null;
    await moveRunLead(sql, runId, leadId, 'skipped', { reason: reason ?? 'not researched again', researchId: current });
  }
  deps.log.info('company re-checked', { runId, leadId, domain: lead.domain, status, research, signals, notModified: reuse.not_modified, sameHash: reuse.same_hash });
  return { status, research, pages: reuse.pages, notModified: reuse.not_modified, sameHash: reuse.same_hash, changedPages, signals };
}
