/**
 * DraftOutreach: a grounded sequence for one researched lead, after CommitResearch.
 *
 * A lead is drafted for when its research is committed in this run (`researched`), its fit
 * reaches the ICP's `fitThreshold`, it is not suppressed or otherwise excluded (suppressions
 * are read again now: an opt-out may have arrived since the search), and it is not already in an
 * open sequence. The state machine already skips leads that are not researched or below the
 * threshold (a Choice, visible in the execution history); they are checked again here because a
 * step must not trust its caller.
 *
 * Modes (the `mode` of the event):
 * - `llm`: the drafter seam's LLM path (lambdas/core/outreach/drafter.ts); throws the LLM's
 *   errors for the state machine to retry, wait on or fall back from;
 * - `template`: templates only, after the LLM failed past its retries (`error` says how);
 * - `failed`: drafting failed for another reason (`error`): recorded for the run summary; the
 *   lead's research stands and the run goes on.
 *
 * Idempotent: the sequence's key hashes the lead, the research, the onboarding and the drafting
 * method, so a repeated step finds its sequence and an unchanged re-run drafts nothing new. A
 * lead already in another open sequence is not drafted again (a rep decides on the first).
 */
import { z } from 'zod';
import { BudgetExceededError, NotFoundError } from '../errors.ts';
import { lakeKeys } from '../lake-keys.ts';
import { CHECKER_VERSION } from '../outreach/grounding.ts';
import { draft, draftingMethod, llmDrafter, type DraftInput, type DraftMode, type LlmDrafter } from '../outreach/drafter.ts';
import { loadDraftingLead, loadDraftingResearch, loadEditExamples, loadOnboarding } from '../outreach/drafting-context.ts';
import { experimentName, recordDraftOutcome, recordLlmCalls, writeSequence } from '../outreach/sequence-writer.ts';
import { assignVariants } from '../outreach/templates.ts';
import { draftOptionsFrom } from '../outreach/draft.ts';
import type { Deps } from './deps.ts';
import { parseStatesError } from './record-failure.ts';
import { pairPriceUsd, runBudgetShortfall } from './research-lead.ts';
import { exclusionReason, loadExclusions } from './search-leads.ts';
import { sha256, stableJson } from './util.ts';

const StatesError = z.object({ Error: z.string(), Cause: z.unknown().optional() });

export const DraftOutreachInput = z
  .object({
    runId: z.uuid(),
    leadId: z.uuid(),
    mode: z.enum(['llm', 'template', 'failed']).default('llm'),
    /** template: the LLM failure that led here; failed: the drafting failure to record */
    error: StatesError.optional(),
  })
  .refine((e) => e.mode !== 'failed' || e.error !== undefined, { path: ['error'], message: 'mode "failed" needs the error to record' });
export type DraftOutreachInput = z.input<typeof DraftOutreachInput>;

export interface DraftOutreachOutput {
  drafted: boolean;
  /** why not, or a note on how it was drafted */
  reason?: string;
  sequenceId?: string;
  /** false: the sequence already existed under its key (nothing new was written) */
  inserted?: boolean;
  source?: 'llm' | 'template';
  /** the sequence's status: `draft`, or `approved` by the ICP's autopilot */
  status?: string;
  variant?: 'a' | 'b';
}

/** Prompt tokens one lead's drafting may use (the bound); the run's budgets reserve it. */
export const DRAFT_PROMPT_TOKENS = 1500;

export interface DraftOutreachOptions {
  /** The LLM drafter (default: `llmDrafter` with the step's drafting settings). */
  drafter?: LlmDrafter;
}

/** Drafts, or records why not, for one lead of a run. */
export async function draftOutreach(deps: Deps, rawInput: DraftOutreachInput, options: DraftOutreachOptions = {}): Promise<DraftOutreachOutput> {
  const input = DraftOutreachInput.parse(rawInput);
  const { runId, leadId } = input;
  const { sql } = deps;

  if (input.mode === 'failed') {
    const { name, message } = parseStatesError(input.error!);
    const reason = `drafting failed: ${name}: ${message}`;
    await recordDraftOutcome(sql, { runId, leadId, outcome: 'failed', errorName: name, reason });
    deps.log.warn('drafting failed', { runId, leadId, error: name });
    return { drafted: false, reason };
  }
  const mode: DraftMode = input.mode;
  const notDrafted = async (reason: string): Promise<DraftOutreachOutput> => {
    await recordDraftOutcome(sql, { runId, leadId, outcome: 'not_drafted', reason });
    deps.log.info('lead not drafted', { runId, leadId, reason });
    return { drafted: false, reason };
  };

  const lead = await loadDraftingLead(sql, runId, leadId);
  if (!lead) throw new NotFoundError(`lead ${leadId} is not part of run ${runId}`);
  if (lead.status !== 'researched' || !lead.researchId) return notDrafted(`not researched in this run (${lead.status})`);
  if (!lead.icpId) return notDrafted('the lead has no ICP, so no fit threshold or tone to draft with');

  const research = await loadDraftingResearch(sql, lead.researchId);
  const { onboarding, icp } = await loadOnboarding(sql, lead.workspaceId, lead.icpId);
  const threshold = icp.icp.fitThreshold;
  if (research.fitScore === null) return notDrafted(`no fit score (the ICP's threshold is ${threshold})`);
  if (research.fitScore < threshold) return notDrafted(`fit ${research.fitScore} is below the ICP's threshold of ${threshold}`);
  const excluded = exclusionReason(await loadExclusions(sql, lead.workspaceId, deps.clock.now()), lead.email, lead.domain);
  if (excluded) return notDrafted(excluded);

  const drafter = options.drafter ?? llmDrafter(draftOptionsFrom(deps.config));
  const method = draftingMethod(mode, deps.llm, drafter);
  const idempotencyKey = sha256(
    stableJson({
      leadId,
      researchId: research.researchId,
      icpId: lead.icpId,
      onboarding: sha256(stableJson(onboarding)),
      method: `${method.source}:${method.version}`,
      checker: CHECKER_VERSION,
    }),
  );
  const open = await sql.query<{ id: string; status: string; idempotency_key: string }>(
    `SELECT id, status, idempotency_key FROM sequence
      WHERE lead_id = :leadId::uuid AND (idempotency_key = :key OR status IN ('draft', 'approved', 'active', 'paused'))
      ORDER BY (idempotency_key = :key) DESC LIMIT 1`,
    { leadId, key: idempotencyKey },
  );
  const existing = open.rows[0];
  if (existing && existing.idempotency_key === idempotencyKey) {
    await recordDraftOutcome(sql, { runId, leadId, outcome: 'drafted', sequenceId: existing.id, source: method.source, reason: 'already drafted: the same research, onboarding and drafting method' });
    return { drafted: true, sequenceId: existing.id, inserted: false, source: method.source, status: existing.status };
  }
  if (existing) return notDrafted(`already in an open sequence (${existing.id.slice(0, 8)}, ${existing.status})`);

  const rep = onboarding.users.find((u) => u.role === 'rep') ?? onboarding.users[0];
  const draftInput: DraftInput = {
    lead: { name: lead.name, email: lead.email, companyName: lead.companyName, domain: lead.domain, title: lead.title },
    research: { researchId: research.researchId, fitScore: research.fitScore, facts: research.facts.map(({ factId: _f, ...f }) => f), findings: research.findings },
    onboarding,
    icp: icp.icp,
    repEmail: rep.email,
    allowGeneric: icp.genericDrafts,
    examples: await loadEditExamples(sql, lead.workspaceId, 3),
  };

  // Only now may money be spent: the run's budgets must cover one more drafting call.
  if (method.source === 'llm') {
    const models = [draftOptionsFrom(deps.config).model ?? deps.config.synthesisModel];
    const pair = pairPriceUsd(deps.llm.provider, models, deps.config.modelPrices);
    const shortfall = await runBudgetShortfall(sql, deps.config, runId, leadId, {
      promptTokens: DRAFT_PROMPT_TOKENS,
      reserveTokens: 2 * DRAFT_PROMPT_TOKENS,
      reserveUsd: Math.round(DRAFT_PROMPT_TOKENS * pair * 1e6) / 1e6,
    });
    if (shortfall) throw new BudgetExceededError(shortfall);
  }

  const outcome = await draft(draftInput, mode, {
    llm: deps.llm,
    archive: async (record, callId, at) => {
      const key = lakeKeys.llmCall(at, callId);
      await deps.lake.put(key, JSON.stringify({ ...record, runId, leadId }), { contentType: 'application/json' });
      return key;
    },
    now: () => deps.clock.now(),
    newId: deps.newId,
  }, drafter);
  if (!outcome.drafted) {
    await recordLlmCalls(sql, runId, leadId, outcome.llmCalls ?? []);
    return notDrafted(icp.genericDrafts ? outcome.reason : `${outcome.reason} (generic drafts are off for ICP ${icp.icp.slug}: genericDrafts)`);
  }

  // Balanced across the run's leads and the same for a lead whatever order leads finish in.
  const runLeads = await sql.query<{ lead_id: string }>(`SELECT lead_id FROM run_lead WHERE run_id = :runId::uuid`, { runId });
  const experiment = experimentName(icp.icp.slug);
  const variant = assignVariants(experiment, runLeads.rows.map((r) => r.lead_id)).get(leadId) ?? 'a';
  const llmFailure = input.error ? parseStatesError(input.error) : undefined;
  const note = llmFailure
    ? `drafted from templates: the LLM failed (${llmFailure.name}: ${llmFailure.message})`
    : method.note
      ? `drafted from templates: ${method.note}`
      : undefined;
  const sequence = outcome.sequence;
  const written = await writeSequence(sql, deps.newId, {
    runId,
    workspaceId: lead.workspaceId,
    leadId,
    researchId: research.researchId,
    icpId: lead.icpId,
    icpSlug: icp.icp.slug,
    idempotencyKey,
    sequence,
    source: sequence.source,
    model: sequence.model,
    promptVersion: sequence.promptVersion,
    factIds: new Map(research.facts.map((f) => [f.id, f.factId])),
    variant,
    // a referred person never heard from us: a rep approves the first words, whatever the ICP says
    autopilot: icp.icp.autopilot && !lead.referredBy,
    now: deps.clock.now(),
    note,
    llmCalls: outcome.llmCalls,
  });
  deps.log.info('lead drafted', { runId, leadId, sequenceId: written.sequenceId, source: sequence.source, status: written.status, flags: written.flags });
  return {
    drafted: true,
    sequenceId: written.sequenceId,
    inserted: written.inserted,
    source: sequence.source,
    status: written.status,
    variant: written.variant,
    ...(note ? { reason: note } : {}),
  };
}
