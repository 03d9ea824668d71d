/** ListRunLeads: writes the leads the lead Map processes to a lake manifest and returns its key. */
import { z } from 'zod';
import type { Deps } from './deps.ts';
import { writeLeadManifest } from './lead-manifest.ts';
import { resetFailedRunLeads } from './run-lead-repo.ts';

export const ListRunLeadsInput = z.object({
  runId: z.uuid(),
  redrive: z.boolean().default(false),
  /** lead Map children at once (StartRun's `leadConcurrency`) */
  leadConcurrency: z.number().int().min(1).default(1),
  /** the most leads one child takes (StartRun's `leadBatchSize`) */
  leadBatchSize: z.number().int().min(1).default(1),
});
export type ListRunLeadsInput = z.input<typeof ListRunLeadsInput>;

/**
 * A sanity bound, not a working limit: the manifest of a million leads is about 50 MB, which
 * one Lambda builds in memory. Leads past it stay pending, fail with the run's close and are
 * taken by a redrive.
 */
export const MAX_LEADS_PER_RUN = 1_000_000;

/** Ids per Data API call: ~60 bytes each in the JSON response keeps a page far below its 1 MiB. */
export const LEAD_PAGE_SIZE = 5000;

export interface ListRunLeadsOutput {
  /** the lake key of the JSONL manifest, one `{"leadId"}` a line (lead-manifest.ts) */
  manifestKey: string;
  count: number;
  /**
   * Leads per child (the lead Map's `MaxItemsPerBatchPath`): `leadBatchSize`, or fewer when the
   * run is too small to keep `leadConcurrency` children busy (8 leads at 4 at once: 2 a child).
   */
  batchSize: number;
}

/** Leads per lead Map child: at most `leadBatchSize`, and few enough that `leadConcurrency` children share the run. */
export function leadBatchSizeFor(count: number, leadConcurrency: number, leadBatchSize: number): number {
  return Math.max(1, Math.min(leadBatchSize, Math.ceil(count / leadConcurrency)));
}

/** Pending leads of the run, or (redrive) its failed leads, reset to pending first; written to the manifest. */
export async function listRunLeads(deps: Deps, rawInput: ListRunLeadsInput): Promise<ListRunLeadsOutput> {
  const { runId, redrive, leadConcurrency, leadBatchSize } = ListRunLeadsInput.parse(rawInput);
  // A redriven run is closed, so its only pending leads are the failed ones just reset.
  if (redrive) await resetFailedRunLeads(deps.sql, runId);
  const ids: string[] = [];
  let after = '00000000-0000-0000-0000-000000000000';
  while (ids.length < MAX_LEADS_PER_RUN) {
    const page = await deps.sql.query<{ lead_id: string }>(
      `SELECT lead_id FROM run_lead WHERE run_id = :runId::uuid AND status = 'pending' AND lead_id > :after::uuid
       ORDER BY lead_id LIMIT :limit`,
      { runId, after, limit: Math.min(LEAD_PAGE_SIZE, MAX_LEADS_PER_RUN - ids.length) },
    );
    for (const row of page.rows) ids.push(row.lead_id);
    if (page.rows.length < LEAD_PAGE_SIZE) break;
    after = page.rows[page.rows.length - 1].lead_id;
  }
  const manifestKey = await writeLeadManifest(deps.lake, runId, ids);
  const batchSize = leadBatchSizeFor(ids.length, leadConcurrency, leadBatchSize);
  deps.log.info('leads listed', { runId, redrive, count: ids.length, batchSize, manifestKey });
  return { manifestKey, count: ids.length, batchSize };
}
