/**
 * What drafting made of each lead of a run, for the run's report and export: the sequence it has
 * (templates or the LLM, and where it stands), or why none, in the words of the run summary
 * (`NOT_DRAFTED_REASON_SQL`: the drafting step's own reason, else the one read from the research
 * and the ICP for a lead the state machine never sent to drafting).
 */
import { NOT_DRAFTED_REASON_SQL } from '../outreach/sequence-writer.ts';
import type { Sql } from '../ports.ts';

export interface RunDrafting {
  outcome: 'drafted' | 'not_drafted' | 'failed';
  /** why nothing was drafted; null when a sequence was */
  reason: string | null;
  source: 'llm' | 'template' | null;
  sequenceId: string | null;
  /** the sequence's status now: draft (waiting for a rep's review), approved, active, … */
  sequenceStatus: string | null;
}

/**
 * The drafting outcome of each lead of the run that has one, by lead id: every researched lead
 * (not drafted, with the reason, when the run never drafted for it), and a lead whose earlier
 * research was reused only if the run drafted for it.
 */
export async function loadRunDrafting(sql: Sql, runId: string): Promise<Map<string, RunDrafting>> {
  const rows = await sql.query<{ lead_id: string; outcome: RunDrafting['outcome']; reason: string | null; source: RunDrafting['source']; sequence_id: string | null; sequence_status: string | null }>(
    `SELECT rl.lead_id, COALESCE(d.outcome, 'not_drafted') AS outcome,
            CASE WHEN d.outcome = 'drafted' THEN NULL ELSE left(${NOT_DRAFTED_REASON_SQL}, 1000) END AS reason,
            d.source, d.sequence_id, s.status AS sequence_status
     FROM run_lead rl JOIN lead l ON l.id = rl.lead_id
     LEFT JOIN lead_draft d ON d.run_id = rl.run_id AND d.lead_id = rl.lead_id
     LEFT JOIN sequence s ON s.id = d.sequence_id
     LEFT JOIN research r ON r.id = rl.research_id
     LEFT JOIN icp i ON i.id = COALESCE(l.icp_id, rl.icp_id)
     WHERE rl.run_id = :runId::uuid AND (d.outcome IS NOT NULL OR rl.status = 'researched')`,
    { runId },
  );
  return new Map(
    rows.rows.map((r) => [r.lead_id, { outcome: r.outcome, reason: r.reason, source: r.source, sequenceId: r.sequence_id, sequenceStatus: r.sequence_status }]),
  );
}
