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

/**
 * Inserts the calls in one statement (one Data API call however many there are); a call already
 * recorded (same id, a repeated step) is left as it is.
 */
export async function insertLlmCalls(sql: Sql, owner: LlmCallOwner, calls: readonly LlmCallRecord[]): Promise<void> {
  if (calls.length === 0) return;
  const by = 'replyId' in owner
    ? { runId: null, leadId: owner.leadId, researchId: null, replyId: owner.replyId }
    : { runId: owner.runId, leadId: owner.leadId, researchId: owner.researchId, replyId: null };
  const rows = calls.map((c, ord) => ({
    ord, id: c.id, pass: c.pass, provider: c.provider, model: c.model, prompt_version: c.promptVersion,
    prompt_tokens: c.promptTokens, completion_tokens: c.completionTokens, latency_ms: Math.max(0, Math.round(c.latencyMs)),
    cost_usd: c.costUsd, request_id: c.requestId ?? null, outcome: c.outcome, lake_key: c.lakeKey,
  }));
  await sql.query(
    `INSERT INTO llm_call (id, run_id, lead_id, research_id, reply_id, pass, provider, model, prompt_version, prompt_tokens,
                           completion_tokens, latency_ms, cost_usd, request_id, outcome, lake_key)
     SELECT x.id, :runId::uuid, :leadId::uuid, :researchId::uuid, :replyId::uuid, x.pass, x.provider, x.model, x.prompt_version,
            x.prompt_tokens, x.completion_tokens, x.latency_ms, x.cost_usd, x.request_id, x.outcome, x.lake_key
     FROM jsonb_to_recordset(:rows::jsonb) AS x(ord int, id uuid, pass text, provider text, model text, prompt_version text,
            prompt_tokens int, completion_tokens int, latency_ms int, cost_usd numeric, request_id text, outcome text, lake_key text)
     ORDER BY x.ord
     ON CONFLICT (id) DO NOTHING`,
    { ...by, rows },
  );
}
