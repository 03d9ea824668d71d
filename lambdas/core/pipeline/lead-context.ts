/** Loads one lead of a run with its company, for the per-lead steps. */
import { NotFoundError } from '../errors.ts';
import type { Sql } from '../ports.ts';
import { moveRunLead, type RunLeadStatus } from './run-lead-repo.ts';

export interface LeadRow {
  leadId: string;
  email: string;
  name: string;
  workspaceId: string;
  companyId: string;
  companyName: string;
  domain: string;
  website: string;
  icpId: string | null;
  status: RunLeadStatus;
  /** the run asks Groq in batches (batch mode) */
  groqBatch: boolean;
}

/** The lead as the run sees it; throws NotFound when the lead is not part of the run. */
// The lead's ICP is the one whose search first found it: stable across runs, so a lead found by
// two ICPs in a different order does not look like new research.
export async function loadRunLead(sql: Sql, runId: string, leadId: string): Promise<LeadRow> {
  const res = await sql.query<{
    lead_id: string; email: string; name: string; workspace_id: string; company_id: string;
    company_name: string; domain: string; website: string; icp_id: string | null; status: RunLeadStatus; groq_batch: boolean;
  }>(
    `SELECT l.id AS lead_id, l.email, l.name, l.workspace_id, c.id AS company_id, c.name AS company_name,
            c.domain, c.website, COALESCE(l.icp_id, rl.icp_id) AS icp_id, rl.status, r.groq_batch
     FROM run_lead rl JOIN run r ON r.id = rl.run_id JOIN lead l ON l.id = rl.lead_id JOIN lead_company c ON c.id = l.company_id
     WHERE rl.run_id = :runId::uuid AND rl.lead_id = :leadId::uuid`,
    { runId, leadId },
  );
  const r = res.rows[0];
  if (!r) throw new NotFoundError(`lead ${leadId} is not part of run ${runId}`);
  return {
    leadId: r.lead_id, email: r.email, name: r.name, workspaceId: r.workspace_id, companyId: r.company_id,
    companyName: r.company_name, domain: r.domain, website: r.website, icpId: r.icp_id, status: r.status, groqBatch: r.groq_batch === true,
  };
}

/**
 * Moves the lead in the run: `moveRunLead` of the run lead repository (checked transitions),
 * under the name the steps used before it existed.
 */
export const setRunLeadStatus = moveRunLead;
