/**
 * StartWatch: opens a watch run over the companies already researched whose re-check is due (the
 * ICP's `watchEvery` since the company's last completed fetch), one lead per company, so the
 * per-lead steps re-visit each site with conditional requests.
 */
import { z } from 'zod';
import { NotFoundError } from '../errors.ts';
import { findWorkspace } from '../onboarding/import.ts';
import type { Deps } from '../pipeline/deps.ts';
import type { StartRunOutput } from '../pipeline/start-run.ts';
import { DEFAULT_WATCH_EVERY, watchIntervalMs } from './interval.ts';

export const StartWatchInput = z.object({
  workspace: z.string().min(1).optional(),
  /** re-check every researched company now, whatever its interval (`prospector watch --all`) */
  all: z.boolean().default(false),
});
export type StartWatchInput = z.input<typeof StartWatchInput>;

export interface StartWatchOutput extends StartRunOutput {
  /** companies whose re-check is due (one lead each) */
  due: number;
  /** researched companies not due yet */
  notDue: number;
}

/** Creates the watch run and its run leads; the lead Map then re-visits each due company. */
export async function startWatch(deps: Deps, rawInput: StartWatchInput): Promise<StartWatchOutput> {
  const input = StartWatchInput.parse(rawInput);
  const { sql, config, log } = deps;
  const name = input.workspace ?? config.workspace;
  const workspace = await findWorkspace(sql, name);
  if (!workspace) throw new NotFoundError(name ? `workspace "${name}" is not onboarded: run \`prospector onboard FILE\` first` : 'no workspace is onboarded: run `prospector onboard FILE` first');

  // One lead per researched company: its latest researched lead, with that lead's ICP (the
  // lead's own, or the run's) and when the company's site was last fetched to the end.
  const rows = await sql.query<{ lead_id: string; company_id: string; icp_id: string | null; watch_every: string | null; last_fetch: string }>(
    `SELECT DISTINCT ON (l.company_id) l.id AS lead_id, l.company_id, COALESCE(l.icp_id, rl.icp_id) AS icp_id, i.watch_every,
            (SELECT max(f.completed_at) FROM site_fetch f WHERE f.company_id = l.company_id) AS last_fetch
     FROM research r JOIN lead l ON l.id = r.lead_id JOIN run_lead rl ON rl.run_id = r.run_id AND rl.lead_id = r.lead_id
     LEFT JOIN icp i ON i.id = COALESCE(l.icp_id, rl.icp_id)
     WHERE l.workspace_id = :ws::uuid AND EXISTS (SELECT 1 FROM site_fetch f WHERE f.company_id = l.company_id)
     ORDER BY l.company_id, r.created_at DESC`,
    { ws: workspace.id },
  );
  const now = deps.clock.now().getTime();
  const due = rows.rows.filter((r) => {
    const every = watchIntervalMs(r.watch_every ?? DEFAULT_WATCH_EVERY);
    if (every === null) return false;
    return input.all || new Date(r.last_fetch).getTime() + every <= now;
  });

  const runId = deps.newId();
  await sql.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO run (id, workspace_id, trigger, llm_provider, lead_source, started_at)
       VALUES (:id::uuid, :ws::uuid, 'watch', :provider, 'watch', :startedAt::timestamptz)`,
      { id: runId, ws: workspace.id, provider: deps.llm.provider, startedAt: deps.clock.now() },
    );
    for (const r of due) {
      await tx.query(
        `INSERT INTO run_lead (run_id, lead_id, icp_id, is_new) VALUES (:runId::uuid, :leadId::uuid, :icpId::uuid, false)`,
        { runId, leadId: r.lead_id, icpId: r.icp_id },
      );
    }
  });
  log.info('watch started', { runId, workspace: workspace.slug, due: due.length, notDue: rows.rows.length - due.length });
  return {
    runId, workspaceId: workspace.id, redrive: false, leadConcurrency: config.leadConcurrency, leadBatchSize: config.leadBatchSize, icps: [], groqBatch: false,
    due: due.length, notDue: rows.rows.length - due.length,
  };
}
