/** FinishRun: counts, tokens and cost; the run is marked complete and its summary kept. */
import { z } from 'zod';
import { NotFoundError } from '../errors.ts';
import { lakeKeys } from '../lake-keys.ts';
import type { Sql } from '../ports.ts';
import type { Deps } from './deps.ts';
import { parseStatesError } from './record-failure.ts';
import { clip } from './util.ts';
import type { RejectedLead } from './search-leads.ts';

export const FinishRunInput = z.object({
  runId: z.uuid(),
  error: z.object({ Error: z.string(), Cause: z.unknown().optional() }).optional(),
});
export type FinishRunInput = z.input<typeof FinishRunInput>;

export interface RunSummary {
  runId: string;
  status: 'running' | 'succeeded' | 'failed' | 'interrupted';
  llmProvider: string;
  leadSource: string;
  startedAt: string;
  finishedAt: string | null;
  leadsFound: number;
  leadsNew: number;
  leadsResearched: number;
  leadsSkipped: number;
  leadsFailed: number;
  duplicates: number;
  llmCalls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  skipped: { lead: string; reason: string }[];
  failures: { lead: string; stage: string; error: string; message: string }[];
  error?: string;
}

/** Computes the summary of a run from the database (also used by `prospector runs`/`show`). */
export async function summarizeRun(sql: Sql, runId: string): Promise<RunSummary> {
  const run = await sql.query<{ status: RunSummary['status']; llm_provider: string; lead_source: string; started_at: string; finished_at: string | null; summary: { error?: string } | null }>(
    `SELECT status, llm_provider, lead_source, started_at, finished_at, summary FROM run WHERE id = :runId::uuid`,
    { runId },
  );
  if (run.rows.length === 0) throw new NotFoundError(`run ${runId} does not exist`);
  const r = run.rows[0];

  const searches = await sql.query<{ results: number; rejected: RejectedLead[] }>(
    `SELECT results, rejected FROM search_query WHERE run_id = :runId::uuid`,
    { runId },
  );
  const leads = await sql.query<{ email: string; status: string; reason: string | null; is_new: boolean; stage: string | null; error_name: string | null; message: string | null }>(
    `SELECT l.email, rl.status, rl.reason, rl.is_new, f.stage, f.error_name, f.message
     FROM run_lead rl JOIN lead l ON l.id = rl.lead_id
     LEFT JOIN lead_failure f ON f.run_id = rl.run_id AND f.lead_id = rl.lead_id
     WHERE rl.run_id = :runId::uuid ORDER BY l.email`,
    { runId },
  );
  const calls = await sql.query<{ n: number; prompt: number; completion: number; cost: number }>(
    `SELECT count(*)::int AS n, COALESCE(sum(prompt_tokens), 0)::int AS prompt,
            COALESCE(sum(completion_tokens), 0)::int AS completion, COALESCE(sum(cost_usd), 0)::float8 AS cost
     FROM llm_call WHERE run_id = :runId::uuid`,
    { runId },
  );

  const skipped: RunSummary['skipped'] = [];
  const failures: RunSummary['failures'] = [];
  let duplicates = 0;
  let found = 0;
  for (const s of searches.rows) {
    found += s.results;
    for (const rej of s.rejected ?? []) {
      if (rej.kind === 'duplicate') duplicates++;
      else if (rej.kind === 'invalid' || rej.kind === 'error') failures.push({ lead: rej.lead, stage: 'search', error: rej.error ?? 'Error', message: rej.reason });
      else skipped.push({ lead: rej.lead, reason: rej.reason });
    }
  }
  let researched = 0;
  let isNew = 0;
  for (const l of leads.rows) {
    if (l.is_new) isNew++;
    if (l.status === 'researched') researched++;
    else if (l.status === 'skipped') skipped.push({ lead: l.email, reason: l.reason ?? 'skipped' });
    else if (l.status === 'failed') failures.push({ lead: l.email, stage: l.stage ?? 'unknown', error: l.error_name ?? 'Error', message: l.message ?? l.reason ?? '' });
  }
  const c = calls.rows[0];
  return {
    runId,
    status: r.status,
    llmProvider: r.llm_provider,
    leadSource: r.lead_source,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    leadsFound: found,
    leadsNew: isNew,
    leadsResearched: researched,
    leadsSkipped: skipped.length,
    leadsFailed: failures.length,
    duplicates,
    llmCalls: c.n,
    promptTokens: c.prompt,
    completionTokens: c.completion,
    costUsd: Number(c.cost.toFixed(6)),
    skipped,
    failures,
    ...(r.summary?.error ? { error: r.summary.error } : {}),
  };
}

/** The execution's output: counts only, since Step Functions keeps outputs in its history. */
export type RunCounts = Omit<RunSummary, 'skipped' | 'failures'>;

/**
 * Closes the run (succeeded, or failed with the reason), writes runs/<id>/summary.json with
 * every lead's outcome, and returns the counts (no lead is named in the execution's history).
 */
export async function finishRun(deps: Deps, rawInput: FinishRunInput): Promise<RunCounts> {
  const { runId, error } = FinishRunInput.parse(rawInput);
  const failed = error ? parseStatesError(error) : null;
  // Leads the run never finished (the run itself failed, or its process died) must not stay
  // pending for ever: they fail with a lead_failure row at the stage they had reached, so the
  // summary accounts for every lead and a redrive picks them up.
  // `Interrupted` (the process was stopped or died) closes the run as interrupted, not failed.
  const interrupted = failed?.name === 'Interrupted';
  if (failed) {
    const reason = clip(`run ${interrupted ? 'stopped' : 'failed'} before this lead finished: ${failed.name}: ${failed.message}`, 1000);
    await deps.sql.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO lead_failure (id, run_id, lead_id, stage, error_name, message)
         SELECT gen_random_uuid(), rl.run_id, rl.lead_id,
                CASE rl.status WHEN 'pending' THEN 'fetch' WHEN 'fetched' THEN 'clean' ELSE 'research' END,
                :name, :reason
         FROM run_lead rl WHERE rl.run_id = :runId::uuid AND rl.status IN ('pending', 'fetched', 'cleaned')
         ON CONFLICT (run_id, lead_id) DO UPDATE SET error_name = EXCLUDED.error_name, message = EXCLUDED.message,
           stage = EXCLUDED.stage, attempts = lead_failure.attempts + 1, failed_at = now(), resolved_at = NULL`,
        { runId, name: failed.name, reason },
      );
      await tx.query(
        `UPDATE run_lead SET status = 'failed', reason = :reason, updated_at = now()
         WHERE run_id = :runId::uuid AND status IN ('pending', 'fetched', 'cleaned')`,
        { runId, reason },
      );
    });
  }
  await deps.sql.query(
    `UPDATE run SET status = :status, finished_at = :at::timestamptz, summary = :summary::jsonb WHERE id = :runId::uuid`,
    { runId, status: interrupted ? 'interrupted' : failed ? 'failed' : 'succeeded', at: deps.clock.now(), summary: failed ? { error: `${failed.name}: ${failed.message}` } : {} },
  );
  const summary = await summarizeRun(deps.sql, runId);
  const { skipped, failures, ...counts } = summary;
  await deps.sql.query(`UPDATE run SET summary = :summary::jsonb WHERE id = :runId::uuid`, {
    runId,
    summary: counts as unknown as { [k: string]: string },
  });
  await deps.lake.put(lakeKeys.runSummary(runId), JSON.stringify(summary, null, 2), { contentType: 'application/json' });
  deps.log.info('run finished', { runId, status: summary.status, researched: summary.leadsResearched, failed: summary.leadsFailed });
  return counts;
}
