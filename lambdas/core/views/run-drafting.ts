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
  /** the run whose drafting (or, for a reason read from the research, whose research) this was: this one, or the earlier run whose research this one reused */
  runId: string | null;
}

/**
 * The drafting outcome of each lead of the run that has one, by lead id. A lead the run
 * researched has this run's (not drafted, with the reason, when the run never drafted for it). A
 * lead whose earlier research the run reused as current (its sites, prompts and models unchanged)
 * has the drafting of the latest run up to this one that drafted for it, as its research is
 * shown: the sequence it has is still the one that counts (or, below its threshold, the reason
 * read from that research, as for a lead researched now).
 */
export async function loadRunDrafting(sql: Sql, runId: string): Promise<Map<string, RunDrafting>> {
  const rows = await sql.query<{
    lead_id: string; outcome: RunDrafting['outcome']; reason: string | null; source: RunDrafting['source']; sequence_id: string | null; sequence_status: string | null; draft_run: string | null;
  }>(
    `SELECT rl.lead_id, COALESCE(d.outcome, 'not_drafted') AS outcome,
            CASE WHEN d.outcome = 'drafted' THEN NULL ELSE left(${NOT_DRAFTED_REASON_SQL}, 1000) END AS reason,
            d.source, d.sequence_id, s.status AS sequence_status, COALESCE(d.run_id, r.run_id, rl.run_id) AS draft_run
     FROM run_lead rl JOIN lead l ON l.id = rl.lead_id JOIN run this ON this.id = rl.run_id
     LEFT JOIN LATERAL (
       SELECT x.outcome, x.reason, x.source, x.sequence_id, x.run_id FROM lead_draft x JOIN run xr ON xr.id = x.run_id
        WHERE x.lead_id = rl.lead_id
          AND (x.run_id = rl.run_id OR (rl.status <> 'researched' AND rl.research_id IS NOT NULL AND xr.started_at <= this.started_at))
        ORDER BY (x.run_id = rl.run_id) DESC, xr.started_at DESC LIMIT 1) d ON true
     LEFT JOIN sequence s ON s.id = d.sequence_id
     LEFT JOIN research r ON r.id = rl.research_id
     LEFT JOIN icp i ON i.id = COALESCE(l.icp_id, rl.icp_id)
     WHERE rl.run_id = :runId::uuid AND (d.outcome IS NOT NULL OR rl.status = 'researched' OR (rl.research_id IS NOT NULL AND r.status = 'researched'))`,
    { runId },
  );
  return new Map(
    rows.rows.map((r) => [
      r.lead_id,
      { outcome: r.outcome, reason: r.reason, source: r.source, sequenceId: r.sequence_id, sequenceStatus: r.sequence_status, runId: r.draft_run },
    ]),
  );
}
