/** FinishRun: counts, tokens and cost; the run is marked complete and its summary kept. */
import { z } from 'zod';
import { NotFoundError } from '../errors.ts';
import { lakeKeys } from '../lake-keys.ts';
import type { Sql } from '../ports.ts';
import type { Deps } from './deps.ts';
import { NOT_DRAFTED_REASON_SQL } from '../outreach/sequence-writer.ts';
import { parseStatesError } from './record-failure.ts';
import { failUnfinishedRunLeads } from './run-lead-repo.ts';
import { clip } from './util.ts';

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
  /** researched leads with a sequence (new or already there): a subset of leadsResearched */
  leadsDrafted: number;
  /** researched leads without one: leadsResearched = leadsDrafted + leadsNotDrafted */
  leadsNotDrafted: number;
  /** the drafted leads' sequences by the rep who sends them, most first (they add up to leadsDrafted) */
  draftedByRep: { rep: string; sequences: number }[];
  llmCalls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  skipped: { lead: string; reason: string }[];
  failures: { lead: string; stage: string; error: string; message: string }[];
  /** why each researched lead got no sequence (below threshold, suppressed, drafting failed, ...) */
  notDrafted: { lead: string; reason: string }[];
  /**
   * What change detection found per company (sql/0020_intent.sql, company_change_check): first
   * seen, unchanged since the previous visit, changed (with or without signals), failed; and the
   * signals it stored in this run. Absent for runs before it existed.
   */
  changes?: { companies: number; firstSeen: number; unchanged: number; changed: number; failed: number; signals: number };
  error?: string;
}

/** Entries listed in a summary's `skipped` and in its `failures` (the counts are always exact). */
export const SUMMARY_LIST_LIMIT = 500;
// Rows read per call while listing: with texts clipped to 1,000 characters (as RecordFailure
// stores them), a page stays below the Data API's 1 MiB response limit even in 4-byte UTF-8.
const LIST_PAGE = 50;

/**
 * Computes the summary of a run from the database (also used by `prospector runs`/`show`).
 * Counts are aggregated in SQL and the lists are read in pages and capped at
 * `SUMMARY_LIST_LIMIT` entries each, so neither the Data API responses nor the summary grow with
 * the number of leads.
 */
export async function summarizeRun(sql: Sql, runId: string): Promise<RunSummary> {
  const run = await sql.query<{ status: RunSummary['status']; llm_provider: string; lead_source: string; started_at: string; finished_at: string | null; error: string | null }>(
    `SELECT status, llm_provider, lead_source, started_at, finished_at, summary->>'error' AS error FROM run WHERE id = :runId::uuid`,
    { runId },
  );
  if (run.rows.length === 0) throw new NotFoundError(`run ${runId} does not exist`);
  const r = run.rows[0];

  const searches = await sql.query<{ found: number; duplicates: number; skipped: number; failed: number }>(
    `SELECT COALESCE(sum(s.results), 0)::int AS found,
            COALESCE(sum(k.duplicates), 0)::int AS duplicates, COALESCE(sum(k.skipped), 0)::int AS skipped, COALESCE(sum(k.failed), 0)::int AS failed
     FROM search_query s
     CROSS JOIN LATERAL (
       SELECT sum(n) FILTER (WHERE kind = 'duplicate') AS duplicates,
              sum(n) FILTER (WHERE kind IN ('invalid', 'error')) AS failed,
              sum(n) FILTER (WHERE kind NOT IN ('duplicate', 'invalid', 'error')) AS skipped
       FROM (SELECT e->>'kind' AS kind, COALESCE((e->>'count')::int, 1) AS n FROM jsonb_array_elements(s.rejected) AS e) AS x
     ) AS k
     WHERE s.run_id = :runId::uuid`,
    { runId },
  );
  const leads = await sql.query<{ researched: number; skipped: number; failed: number; is_new: number }>(
    `SELECT count(*) FILTER (WHERE status = 'researched')::int AS researched, count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
            count(*) FILTER (WHERE status = 'failed')::int AS failed, count(*) FILTER (WHERE is_new)::int AS is_new
     FROM run_lead WHERE run_id = :runId::uuid`,
    { runId },
  );
  const calls = await sql.query<{ n: number; prompt: number; completion: number; cost: number }>(
    `SELECT count(*)::int AS n, COALESCE(sum(prompt_tokens), 0)::int AS prompt,
            COALESCE(sum(completion_tokens), 0)::int AS completion, COALESCE(sum(cost_usd), 0)::float8 AS cost
     FROM llm_call WHERE run_id = :runId::uuid`,
    { runId },
  );

  // Search rejections first, then the run's leads by email, as far as the cap allows.
  const rejections = await firstRows<{ lead: string; kind: string; error: string | null; reason: string }>(
    sql,
    `SELECT left(e->>'lead', 200) AS lead, e->>'kind' AS kind, left(e->>'error', 100) AS error, left(e->>'reason', 300) AS reason
     FROM search_query s CROSS JOIN LATERAL jsonb_array_elements(s.rejected) WITH ORDINALITY AS r(e, n)
     WHERE s.run_id = :runId::uuid AND e->>'kind' <> 'duplicate'
     ORDER BY s.executed_at, s.id, r.n`,
    { runId },
    2 * SUMMARY_LIST_LIMIT,
  );
  const skipped: RunSummary['skipped'] = [];
  const failures: RunSummary['failures'] = [];
  for (const rej of rejections) {
    if (rej.kind === 'invalid' || rej.kind === 'error') {
      if (failures.length < SUMMARY_LIST_LIMIT) failures.push({ lead: rej.lead, stage: 'search', error: rej.error ?? 'Error', message: rej.reason });
    } else if (skipped.length < SUMMARY_LIST_LIMIT) skipped.push({ lead: rej.lead, reason: rej.reason });
  }
  const leadRows = `SELECT l.email, left(rl.reason, 1000) AS reason, f.stage, left(f.error_name, 200) AS error_name, left(f.message, 1000) AS message
     FROM run_lead rl JOIN lead l ON l.id = rl.lead_id
     LEFT JOIN lead_failure f ON f.run_id = rl.run_id AND f.lead_id = rl.lead_id
     WHERE rl.run_id = :runId::uuid AND rl.status = :status ORDER BY l.email`;
  type LeadRow = { email: string; reason: string | null; stage: string | null; error_name: string | null; message: string | null };
  for (const l of await firstRows<LeadRow>(sql, leadRows, { runId, status: 'skipped' }, SUMMARY_LIST_LIMIT - skipped.length)) {
    skipped.push({ lead: l.email, reason: l.reason ?? 'skipped' });
  }
  for (const l of await firstRows<LeadRow>(sql, leadRows, { runId, status: 'failed' }, SUMMARY_LIST_LIMIT - failures.length)) {
    failures.push({ lead: l.email, stage: l.stage ?? 'unknown', error: l.error_name ?? 'Error', message: l.message ?? l.reason ?? '' });
  }

  const drafts = await summarizeDrafts(sql, runId);
  const changes = await sql.query<{ companies: number; first_seen: number; unchanged: number; changed: number; failed: number; signals: number }>(
    `SELECT count(*)::int AS companies, count(*) FILTER (WHERE status = 'first_seen')::int AS first_seen,
            count(*) FILTER (WHERE status = 'unchanged')::int AS unchanged, count(*) FILTER (WHERE status = 'changed')::int AS changed,
            count(*) FILTER (WHERE status = 'failed')::int AS failed,
            (SELECT count(*)::int FROM company_signal WHERE run_id = :runId::uuid) AS signals
     FROM company_change_check WHERE run_id = :runId::uuid`,
    { runId },
  );
  const ch = changes.rows[0];

  const s = searches.rows[0];
  const ls = leads.rows[0];
  const c = calls.rows[0];
  return {
    runId,
    status: r.status,
    llmProvider: r.llm_provider,
    leadSource: r.lead_source,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    leadsFound: s.found,
    leadsNew: ls.is_new,
    leadsResearched: ls.researched,
    leadsSkipped: s.skipped + ls.skipped,
    leadsFailed: s.failed + ls.failed,
    duplicates: s.duplicates,
    leadsDrafted: drafts.drafted,
    leadsNotDrafted: ls.researched - drafts.drafted,
    draftedByRep: drafts.byRep,
    llmCalls: c.n,
    promptTokens: c.prompt,
    completionTokens: c.completion,
    costUsd: Number(c.cost.toFixed(6)),
    skipped,
    failures,
    notDrafted: drafts.notDrafted,
    changes: { companies: ch.companies, firstSeen: ch.first_seen, unchanged: ch.unchanged, changed: ch.changed, failed: ch.failed, signals: ch.signals },
    ...(r.error ? { error: r.error } : {}),
  };
}

/**
 * Drafting's outcome for the run's researched leads: drafted ones have a `lead_draft` row saying
 * so; for the others the row's reason, or (when the state machine never sent the lead to
 * drafting) the reason read from the research and the ICP's threshold.
 */
async function summarizeDrafts(sql: Sql, runId: string): Promise<{ drafted: number; byRep: RunSummary['draftedByRep']; notDrafted: RunSummary['notDrafted'] }> {
  const from = `FROM run_lead rl JOIN lead l ON l.id = rl.lead_id
     LEFT JOIN lead_draft d ON d.run_id = rl.run_id AND d.lead_id = rl.lead_id
     LEFT JOIN research r ON r.id = rl.research_id
     LEFT JOIN icp i ON i.id = COALESCE(l.icp_id, rl.icp_id)
     WHERE rl.run_id = :runId::uuid AND rl.status = 'researched'`;
  const count = await sql.query<{ drafted: number; by_rep: RunSummary['draftedByRep'] }>(
    `SELECT count(*) FILTER (WHERE d.outcome = 'drafted')::int AS drafted,
            COALESCE((SELECT jsonb_agg(jsonb_build_object('rep', x.rep_email, 'sequences', x.n) ORDER BY x.n DESC, x.rep_email)
                        FROM (SELECT s.rep_email, count(*)::int AS n
                                FROM run_lead y JOIN lead_draft dd ON dd.run_id = y.run_id AND dd.lead_id = y.lead_id JOIN sequence s ON s.id = dd.sequence_id
                               WHERE y.run_id = :runId::uuid AND y.status = 'researched' AND dd.outcome = 'drafted'
                               GROUP BY s.rep_email) x), '[]'::jsonb) AS by_rep
     ${from}`,
    { runId },
  );
  const notDrafted = await firstRows<{ lead: string; reason: string }>(
    sql,
    `SELECT l.email AS lead, left(${NOT_DRAFTED_REASON_SQL}, 1000) AS reason
     ${from} AND d.outcome IS DISTINCT FROM 'drafted' ORDER BY l.email`,
    { runId },
    SUMMARY_LIST_LIMIT,
  );
  return { drafted: count.rows[0].drafted, byRep: count.rows[0].by_rep, notDrafted };
}

/** Up to `max` rows of an ordered query, read `LIST_PAGE` at a time. */
async function firstRows<R extends object>(sql: Sql, text: string, params: Record<string, string>, max: number): Promise<R[]> {
  const rows: R[] = [];
  while (rows.length < max) {
    const limit = Math.min(LIST_PAGE, max - rows.length);
    const page = await sql.query<R>(`${text} LIMIT :limit OFFSET :offset`, { ...params, limit, offset: rows.length });
    rows.push(...page.rows);
    if (page.rows.length < limit) break;
  }
  return rows;
}

/** Why a lead its child execution left unfinished failed (the Map itself succeeded). */
export const CHILD_ENDED_REASON =
  "its lead Map child execution ended before this lead finished (an Express child stops at 5 minutes, with its batch half done): redrive the run to research it";

/** The execution's output: counts only, since Step Functions keeps outputs in its history. */
export type RunCounts = Omit<RunSummary, 'skipped' | 'failures' | 'notDrafted' | 'draftedByRep'>;

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
    await deps.sql.transaction((tx) => failUnfinishedRunLeads(tx, runId, { name: failed.name, message: reason, reason }, deps.newId));
  } else {
    // The lead Map succeeded (it tolerates failed children), yet a child may have ended with its
    // batch half done: an Express child stops at 5 minutes, and its leads have no Catch of their
    // own then. They fail here, so the run accounts for them and a redrive picks them up. When
    // every child finished its leads, this is one SELECT that finds none.
    const reason = CHILD_ENDED_REASON;
    await deps.sql.transaction((tx) => failUnfinishedRunLeads(tx, runId, { name: 'ChildExecutionEnded', message: reason, reason }, deps.newId));
  }
  await deps.sql.query(
    `UPDATE run SET status = :status, finished_at = :at::timestamptz, summary = :summary::jsonb WHERE id = :runId::uuid`,
    { runId, status: interrupted ? 'interrupted' : failed ? 'failed' : 'succeeded', at: deps.clock.now(), summary: failed ? { error: `${failed.name}: ${failed.message}` } : {} },
  );
  const summary = await summarizeRun(deps.sql, runId);
  const { skipped, failures, notDrafted, draftedByRep, ...counts } = summary;
  await deps.sql.query(`UPDATE run SET summary = :summary::jsonb WHERE id = :runId::uuid`, {
    runId,
    summary: counts as unknown as { [k: string]: string },
  });
  await deps.lake.put(lakeKeys.runSummary(runId), JSON.stringify(summary, null, 2), { contentType: 'application/json' });
  deps.log.info('run finished', { runId, status: summary.status, researched: summary.leadsResearched, failed: summary.leadsFailed });
  return counts;
}
