/** ListRunLeads: the leads the lead Map processes, as small items (ids only). */
import { z } from 'zod';
import type { Deps } from './deps.ts';
import { resetFailedRunLeads } from './run-lead-repo.ts';

export const ListRunLeadsInput = z.object({ runId: z.uuid(), redrive: z.boolean().default(false) });
export type ListRunLeadsInput = z.input<typeof ListRunLeadsInput>;

/** Step Functions payloads are capped at 256 KiB; ~60 bytes an item keeps a run far below it. */
export const MAX_LEADS_PER_RUN = 3000;

export interface ListRunLeadsOutput {
  items: { leadId: string }[];
  count: number;
}

/** Pending leads of the run, or (redrive) its failed leads, which are reset to pending. */
export async function listRunLeads(deps: Deps, rawInput: ListRunLeadsInput): Promise<ListRunLeadsOutput> {
  const { runId, redrive } = ListRunLeadsInput.parse(rawInput);
  const ids = redrive
    ? await resetFailedRunLeads(deps.sql, runId)
    : (
        await deps.sql.query<{ lead_id: string }>(
          `SELECT lead_id FROM run_lead WHERE run_id = :runId::uuid AND status = 'pending' ORDER BY lead_id`,
          { runId },
        )
      ).rows.map((r) => r.lead_id);
  const items = ids.slice(0, MAX_LEADS_PER_RUN).map((leadId) => ({ leadId }));
  deps.log.info('leads listed', { runId, redrive, count: items.length });
  return { items, count: items.length };
}
