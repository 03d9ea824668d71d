/** StartRun: opens a run (or reopens one for a redrive) and lists the ICPs to search. */
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../errors.ts';
import { findWorkspace } from '../onboarding/import.ts';
import type { Sql } from '../ports.ts';
import type { Deps } from './deps.ts';
import { MAX_SEARCH_RESULTS } from './search-leads.ts';

export const StartRunInput = z.object({
  workspace: z.string().min(1).optional(),
  trigger: z.enum(['schedule', 'manual']).default('manual'),
  /** Lake key of a JSON array of leads (`prospector run --leads FILE`) used instead of the search. */
  leadsKey: z.string().min(1).optional(),
  /**
   * Slug of one of the workspace's ICPs (`prospector run --icp SLUG`). With `leadsKey` the file's
   * leads belong to it (researched for its fit, drafted with its tone and threshold); without,
   * the run searches for that ICP alone. Named explicitly, an ICP runs even when it is not active.
   */
  icp: z.string().min(1).optional(),
  redrive: z.object({ runId: z.uuid() }).optional(),
  /** Ask Groq through its Batch API (half the price, answers within the completion window); a redrive keeps the run's mode. */
  groqBatch: z.boolean().default(false),
});
export type StartRunInput = z.input<typeof StartRunInput>;

export interface IcpItem {
  icpId: string | null;
  slug: string;
  keywords: string[];
  quota: number;
  leadsKey?: string;
}

export interface StartRunOutput {
  runId: string;
  workspaceId: string;
  redrive: boolean;
  leadConcurrency: number;
  /** leads one child execution of the lead Map takes (its ItemBatcher's MaxItemsPerBatchPath) */
  leadBatchSize: number;
  icps: IcpItem[];
  /** batch mode: the lead Map is followed by the batch states (SubmitLlmBatch, PollLlmBatch, ImportLlmBatch) */
  groqBatch: boolean;
}

interface IcpRow {
  id: string;
  slug: string;
  search_keywords: string[];
  daily_lead_quota: number;
  active: boolean;
}

/** Every ICP of the workspace, by slug. */
export async function workspaceIcps(sql: Sql, workspaceId: string): Promise<IcpRow[]> {
  const rows = await sql.query<IcpRow>(
    `SELECT id, slug, search_keywords, daily_lead_quota, active FROM icp WHERE workspace_id = :workspaceId::uuid ORDER BY slug`,
    { workspaceId },
  );
  return rows.rows;
}

/** The ICP `slug` names among `icps`; none is refused, naming `field` and the ICPs there are. */
export function namedIcp<T extends { slug: string }>(icps: T[], workspaceSlug: string, slug: string, field = 'icp', subject = 'run'): T {
  const found = icps.find((r) => r.slug === slug);
  if (found) return found;
  const known = icps.map((r) => r.slug);
  throw new ValidationError(subject, [{ path: field, message: `workspace "${workspaceSlug}" has no ICP "${slug}"; its ICPs: ${known.length ? known.join(', ') : '(none)'}` }]);
}

/** Creates the run row and returns what the ICP Map iterates over. */
export async function startRun(deps: Deps, rawInput: StartRunInput): Promise<StartRunOutput> {
  const input = StartRunInput.parse(rawInput);
  const { sql, config, log } = deps;

  if (input.redrive) {
    const found = await sql.query<{ id: string; workspace_id: string; groq_batch: boolean }>(
      `UPDATE run SET status = 'running', finished_at = NULL, redrives = redrives + 1
       WHERE id = :runId::uuid RETURNING id, workspace_id, groq_batch`,
      { runId: input.redrive.runId },
    );
    if (found.rows.length === 0) throw new NotFoundError(`run ${input.redrive.runId} does not exist: nothing to redrive`);
    log.info('redrive started', { runId: input.redrive.runId });
    return {
      runId: input.redrive.runId,
      workspaceId: found.rows[0].workspace_id,
      redrive: true,
      leadConcurrency: config.leadConcurrency,
      leadBatchSize: config.leadBatchSize,
      icps: [],
      groqBatch: found.rows[0].groq_batch === true,
    };
  }

  if (input.groqBatch && deps.llm.provider !== 'groq') {
    throw new ValidationError('run', [
      { path: 'groqBatch', message: `batch mode sends the research to Groq's Batch API, but the run's LLM is ${deps.llm.provider}: set GROQ_API_KEY (the offline heuristics have no batch)` },
    ]);
  }

  const workspace = await findWorkspace(sql, input.workspace ?? config.workspace);
  if (!workspace) {
    throw new NotFoundError(
      input.workspace ?? config.workspace
        ? `workspace "${input.workspace ?? config.workspace}" is not onboarded: run \`prospector onboard FILE\` first`
        : 'no workspace is onboarded: run `prospector onboard FILE` (or `prospector onboard --sample`) first',
    );
  }

  // A leads file for no ICP needs none of them: one Data API call fewer.
  const rows = input.leadsKey && input.icp === undefined ? [] : await workspaceIcps(sql, workspace.id);
  const chosen = input.icp === undefined ? undefined : namedIcp(rows, workspace.slug, input.icp);
  let icps: IcpItem[];
  if (input.leadsKey) {
    // A leads file is one search whose quota is every lead it holds (up to what one SearchLeads
    // considers): the file is the selection, no daily quota applies.
    icps = [{ icpId: chosen?.id ?? null, slug: chosen?.slug ?? 'leads-file', keywords: [], quota: MAX_SEARCH_RESULTS, leadsKey: input.leadsKey }];
  } else {
    icps = (chosen ? [chosen] : rows.filter((r) => r.active)).map((r) => ({ icpId: r.id, slug: r.slug, keywords: r.search_keywords, quota: r.daily_lead_quota }));
  }

  // The run row is written last, in one statement: if anything before it fails (the database
  // still resuming after its retries), there is no half-opened run left `running`.
  const runId = deps.newId();
  await sql.query(
    `INSERT INTO run (id, workspace_id, trigger, llm_provider, lead_source, started_at, groq_batch)
     VALUES (:id::uuid, :workspaceId::uuid, :trigger, :provider, :source, :startedAt::timestamptz, :groqBatch)`,
    {
      id: runId,
      workspaceId: workspace.id,
      trigger: input.trigger,
      provider: deps.llm.provider,
      source: input.leadsKey ? `file:${input.leadsKey}` : deps.leadSearch.name,
      startedAt: deps.clock.now(),
      groqBatch: input.groqBatch,
    },
  );
  log.info('run started', { runId, workspace: workspace.slug, icps: icps.length });
  return { runId, workspaceId: workspace.id, redrive: false, leadConcurrency: config.leadConcurrency, leadBatchSize: config.leadBatchSize, icps, groqBatch: input.groqBatch };
}
