/**
 * What a run did, as a rep reads it: counts, tokens and cost per pass, failures grouped by stage
 * and error, skipped leads and researched leads not drafted for grouped by reason. Shared by
 * `prospector show RUN_ID` and the web app.
 */
import type { RunSummary } from '../pipeline/finish-run.ts';
import type { Sql } from '../ports.ts';

export interface ReasonGroup<L> {
  reason: string;
  count: number;
  leads: L[];
}

export interface RunShow {
  kind: 'run';
  run: Omit<RunSummary, 'skipped' | 'failures' | 'notDrafted'>;
  durationSeconds: number | null;
  llmByPass: { pass: string; model: string; calls: number; promptTokens: number; completionTokens: number; costUsd: number; meanLatencyMs: number }[];
  failuresByReason: (ReasonGroup<{ lead: string; message: string }> & { stage: string; error: string })[];
  skippedByReason: ReasonGroup<{ lead: string; reason: string }>[];
  /** researched leads with no sequence from the run, by reason (below the threshold, excluded, a team's mailbox, …) */
  notDraftedByReason: ReasonGroup<{ lead: string; reason: string }>[];
}

const UUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The group a skip reason belongs to: the reason without what varies from lead to lead. */
export function skipGroup(reason: string): string {
  if (/^unchanged\b/i.test(reason)) return 'unchanged: same pages, prompts and models as earlier research (no tokens spent)';
  if (/^not enough evidence\b/i.test(reason)) return 'not enough evidence';
  if (/^robots\.txt\b/i.test(reason)) return 'robots.txt disallows the site';
  if (/^competitor\b/i.test(reason)) return 'competitor';
  return reason.replace(UUIDS, '…').replace(/\(\d{4}-\d{2}-\d{2}\)/g, '').trim();
}

/** A run's drafted sequences by rep in words, counts as the pages write them: "lukas@x.example 1,200, ana@x.example 11". */
export function draftedByRepText(byRep: RunSummary['draftedByRep']): string {
  return byRep.map((r) => `${r.rep} ${r.sequences.toLocaleString('en-US')}`).join(', ');
}

/** The group a not-drafted reason belongs to: a fit below the threshold, whatever the score, is one. */
export function notDraftedGroup(reason: string): string {
  return reason.replace(/^fit \d+ is below/, 'fit is below').replace(/\([0-9a-f]{8}, \w+\)/, '').trim();
}

function groupBy<T, L>(items: T[], key: (t: T) => string, lead: (t: T) => L): ReasonGroup<L>[] {
  const groups = new Map<string, L[]>();
  for (const it of items) groups.set(key(it), [...(groups.get(key(it)) ?? []), lead(it)]);
  return [...groups.entries()].map(([reason, leads]) => ({ reason, count: leads.length, leads })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/** Everything `show RUN_ID` prints. */
export async function showRun(sql: Sql, runId: string): Promise<RunShow> {
  const { summarizeRun } = await import('../pipeline/finish-run.ts');
  const { skipped, failures, notDrafted, ...run } = await summarizeRun(sql, runId);
  const passes = await sql.query<{ pass: string; model: string; calls: number; prompt: number; completion: number; cost: number; latency: number }>(
    `SELECT pass, model, count(*)::int AS calls, sum(prompt_tokens)::int AS prompt, sum(completion_tokens)::int AS completion,
            sum(cost_usd)::float8 AS cost, avg(latency_ms)::float8 AS latency
     FROM llm_call WHERE run_id = :runId::uuid GROUP BY pass, model ORDER BY pass, model`,
    { runId },
  );
  const failureGroups = new Map<string, { stage: string; error: string; leads: { lead: string; message: string }[] }>();
  for (const f of failures) {
    const key = `${f.stage} · ${f.error}`;
    const g = failureGroups.get(key) ?? { stage: f.stage, error: f.error, leads: [] };
    g.leads.push({ lead: f.lead, message: f.message });
    failureGroups.set(key, g);
  }
  return {
    kind: 'run',
    run,
    durationSeconds: run.finishedAt ? (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000 : null,
    llmByPass: passes.rows.map((p) => ({
      pass: p.pass, model: p.model, calls: p.calls, promptTokens: p.prompt, completionTokens: p.completion,
      costUsd: Number(p.cost.toFixed(6)), meanLatencyMs: Math.round(p.latency),
    })),
    failuresByReason: [...failureGroups.entries()]
      .map(([reason, g]) => ({ reason, stage: g.stage, error: g.error, count: g.leads.length, leads: g.leads }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    skippedByReason: groupBy(skipped, (s) => skipGroup(s.reason), (s) => ({ lead: s.lead, reason: s.reason })),
    notDraftedByReason: groupBy(notDrafted, (s) => notDraftedGroup(s.reason), (s) => ({ lead: s.lead, reason: s.reason })),
  };
}


/** A run's counts as `prospector runs` lists them, with its workspace's slug. */
export type RunListItem = Omit<RunSummary, 'skipped' | 'failures' | 'notDrafted'> & { workspace: string };

/** Recent runs, newest first, of one workspace (or of every workspace when `workspaceId` is null). */
export async function listRuns(sql: Sql, options: { workspaceId: string | null; limit: number }): Promise<RunListItem[]> {
  const runs = await sql.query<{ id: string; workspace: string }>(
    `SELECT r.id, w.slug AS workspace FROM run r JOIN workspace w ON w.id = r.workspace_id
     WHERE :workspace::uuid IS NULL OR r.workspace_id = :workspace::uuid
     ORDER BY r.started_at DESC LIMIT :limit`,
    { limit: options.limit, workspace: options.workspaceId },
  );
  const { summarizeRun } = await import('../pipeline/finish-run.ts');
  const out: RunListItem[] = [];
  for (const r of runs.rows) {
    const { skipped: _s, failures: _f, notDrafted: _n, ...counts } = await summarizeRun(sql, r.id);
    out.push({ workspace: r.workspace, ...counts });
  }
  return out;
}

/** How many of a run's leads stand at each stage (pending, fetched, cleaned, researched, skipped, failed). */
export async function stageCounts(sql: Sql, runId: string): Promise<{ stage: string; leads: number }[]> {
  const r = await sql.query<{ stage: string; leads: number }>(
    `SELECT status AS stage, count(*)::int AS leads FROM run_lead WHERE run_id = :runId::uuid GROUP BY status
      ORDER BY array_position(ARRAY['pending', 'fetched', 'cleaned', 'researched', 'skipped', 'failed'], status)`,
    { runId },
  );
  return r.rows;
}
