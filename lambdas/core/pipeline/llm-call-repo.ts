/**
 * The `llm_call` table: one row per answered LLM call, written once whatever wrote the call
 * (a committed research, a failed research attempt, drafting, a reply's classification) so that
 * run summaries, budgets and reply costs count every token paid for.
 */
import type { LlmCallRecord } from '../llm/records.ts';
import type { Sql } from '../ports.ts';

/**
 * Whose calls they are: the run, the lead and, when the calls produced one, the research; or,
 * for a reply's classification, the reply (and its lead when known), outside any run.
 */
export type LlmCallOwner =
  | {
      runId: string;
      leadId: string;
      /** null for calls of an attempt that failed before its research was committed */
      researchId: string | null;
    }
  | { replyId: string; leadId: string | null };

/** Inserts the calls; a call already recorded (same id, a repeated step) is left as it is. */
export async function insertLlmCalls(sql: Sql, owner: LlmCallOwner, calls: readonly LlmCallRecord[]): Promise<void> {
  const by = 'replyId' in owner
    ? { runId: null, leadId: owner.leadId, researchId: null, replyId: owner.replyId }
    : { runId: owner.runId, leadId: owner.leadId, researchId: owner.researchId, replyId: null };
  for (const c of calls) {
    await sql.query(
      `INSERT INTO llm_call (id, run_id, lead_id, research_id, reply_id, pass, provider, model, prompt_version, prompt_tokens,
                             completion_tokens, latency_ms, cost_usd, request_id, outcome, lake_key)
       VALUES (:id::uuid, :runId::uuid, :leadId::uuid, :researchId::uuid, :replyId::uuid, :pass, :provider, :model, :promptVersion,
               :promptTokens, :completionTokens, :latencyMs, :cost, :requestId, :outcome, :lakeKey)
       ON CONFLICT (id) DO NOTHING`,
      {
        id: c.id, ...by, pass: c.pass, provider: c.provider, model: c.model,
        promptVersion: c.promptVersion, promptTokens: c.promptTokens, completionTokens: c.completionTokens,
        latencyMs: Math.max(0, Math.round(c.latencyMs)), cost: c.costUsd, requestId: c.requestId, outcome: c.outcome, lakeKey: c.lakeKey,
      },
    );
  }
}
