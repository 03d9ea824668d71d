/**
 * DraftOutreach: a grounded sequence for one researched lead, after CommitResearch.
 *
 * A lead is drafted for when its research is committed in this run (`researched`), its fit
 * reaches the ICP's `fitThreshold`, it is not suppressed or otherwise excluded (suppressions
 * are read again now: an opt-out may have arrived since the search), its address is a person's
 * (not a role address such as `accounts@`: leads/role-address.ts), and it is not already in an
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
 *
 * A fresh, strong signal (intent/trigger.ts) starts or refreshes a sequence here, through the
 * same path: once the lead passes the checks above, its company's triggers are selected for this
 * lead only and a trigger is claimed for the run; the signal joins the research as a citable fact
 * (its after-quote, verified against the after page's stored text: intent/trigger-draft.ts), the
 * first touch opens with it, and the grounding checker judges what the draft says about it like
 * any other claim. The trigger is then settled `drafted` (with the sequence) or `skipped` (why).
 * The signal is part of the sequence's key, and a repeated step of the run finds the trigger it
 * claimed, so nothing is drafted twice. `triggered` (the watch machine) drafts only for a
 * trigger: a re-checked company is not drafted again just because it was researched again.
 */
import { z } from 'zod';
import { BudgetExceededError, LlmAnswerDeferred, NotFoundError } from '../errors.ts';
import { lakeKeys } from '../lake-keys.ts';
import { roleAddress } from '../leads/role-address.ts';
import { CHECKER_VERSION } from '../outreach/grounding.ts';
import { draft, draftingMethod, llmDrafter, type DraftInput, type DraftMode, type LlmDrafter } from '../outreach/drafter.ts';
import { loadDraftingLead, loadDraftingResearch, loadEditExamples, loadOnboarding } from '../outreach/drafting-context.ts';
import { experimentName, fitBelowThreshold, NO_ICP_REASON, recordDraftOutcome, recordLlmCalls, writeSequence } from '../outreach/sequence-writer.ts';
import { assignVariants } from '../outreach/templates.ts';
import { chooseRep, REP_ROWS_SQL, repParameters } from '../outreach/assign-rep.ts';
import { draftOptionsFrom } from '../outreach/draft.ts';
import type { OnboardingIcp } from '../onboarding/schema.ts';
import type { Deps } from './deps.ts';
import { getSignal } from '../intent/repository.ts';
import { claimTrigger, selectOutreachTriggers, settleTrigger, type ClaimedTrigger } from '../intent/trigger.ts';
import { saveSignalSummary, signalFact, summariseSignal } from '../intent/trigger-draft.ts';
import type { StoredSignal } from '../intent/types.ts';
import type { DraftFact } from '../outreach/templates.ts';
import { parseStatesError } from './record-failure.ts';
import { AttemptCacheLlm } from '../research/attempt-cache.ts';
import { deferLlmRequest } from './llm-batch.ts';
import { DeferringLlm, pairPriceUsd, runBudgetShortfall } from './research-lead.ts';
import { failureAttempts } from './run-lead-repo.ts';
import { exclusionFor } from './search-leads.ts';
import { sha256, stableJson } from './util.ts';

const StatesError = z.object({ Error: z.string(), Cause: z.unknown().optional() });

export const DraftOutreachInput = z
  .object({
    runId: z.uuid(),
    leadId: z.uuid(),
    mode: z.enum(['llm', 'template', 'failed']).default('llm'),
    /** template: the LLM failure that led here; failed: the drafting failure to record */
    error: StatesError.optional(),
    /** draft only when a fresh signal triggers outreach for this lead (the watch machine) */
    triggered: z.boolean().default(false),
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
  /** the rep the new sequence went to (its mailbox sends it), and why that rep */
  rep?: string;
  repReason?: string;
  /** the signal that triggered this draft, when one did */
  signalId?: string;
  /**
   * Batch mode: the draft needs an answer that is not cached yet; its request is deferred to the
   * run's next Groq batch and the lead waits (still `researched`, no draft outcome recorded).
   */
  waiting?: boolean;
}

/** Prompt tokens one lead's drafting may use (the bound); the run's budgets reserve it. */
export const DRAFT_PROMPT_TOKENS = 1500;

export interface DraftOutreachOptions {
  /** The LLM drafter (default: `llmDrafter` with the step's drafting settings). */
  drafter?: LlmDrafter;
}

/** Why a team mailbox is not drafted for, and how to have it drafted for. */
export function roleAddressReason(role: string, company: string, icpSlug: string): string {
  return `${role}@ is a role address (a team's mailbox, not a person): find a named contact at ${company}, or let ICP ${icpSlug} draft for team mailboxes (draftRoleAddresses)`;
}

/** The ICP with its sequence's email steps only: a team mailbox has no LinkedIn profile and no phone. */
export function emailsOnly(icp: OnboardingIcp): OnboardingIcp {
  return { ...icp, sequence: { steps: icp.sequence.steps.filter((s) => s.kind === 'email' || s.kind === 'follow_up_email') } };
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
  if (!lead.icpId) return notDrafted(NO_ICP_REASON);

  const research = await loadDraftingResearch(sql, lead.researchId);
  const { onboarding, icp } = await loadOnboarding(sql, lead.workspaceId, lead.icpId);
  const threshold = icp.icp.fitThreshold;
  if (research.fitScore === null) return notDrafted(`no fit score (the ICP's threshold is ${threshold})`);
  if (research.fitScore < threshold) return notDrafted(fitBelowThreshold(research.fitScore, threshold));
  const excluded = await exclusionFor(sql, lead.workspaceId, deps.clock.now(), lead);
  if (excluded) return notDrafted(excluded);
  const role = roleAddress(lead.email);
  if (role && !icp.icp.draftRoleAddresses) return notDrafted(roleAddressReason(role, lead.companyName, icp.icp.slug));

  // A fresh signal may trigger this lead's outreach: the signal becomes a citable fact.
  const triggered = await triggerFor(deps, { runId, leadId, workspaceId: lead.workspaceId, researchId: research.researchId });
  if (input.triggered && !triggered.trigger) return notDrafted(triggered.reason);
  const trigger = triggered.trigger;
  const signalCited = triggered.fact;
  const skipTrigger = async (reason: string) => {
    if (trigger) await settleTrigger(sql, { signalId: trigger.signalId, status: 'skipped', reason, at: deps.clock.now() });
  };
  const facts = signalCited ? [...research.facts.filter((f) => f.id !== signalCited.id), signalCited] : research.facts;

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
      ...(signalCited && trigger ? { signalId: trigger.signalId } : {}),
    }),
  );
  // The lead's open sequence (or the one of this key), and in the same statement what choosing
  // its rep needs, should it be drafted for.
  const repParams = repParameters(onboarding, icp.icp);
  const open = await sql.query<{ kind: 'sequence' | 'owner' | 'load'; id: string | null; status: string | null; idempotency_key: string | null; rep_email: string | null; open: number | null }>(
    `SELECT 'sequence' AS kind, x.id, x.status, x.idempotency_key, NULL::text AS rep_email, NULL::int AS open
       FROM (SELECT id, status, idempotency_key FROM sequence
              WHERE lead_id = :lead::uuid AND (idempotency_key = :key OR status IN ('draft', 'approved', 'active', 'paused'))
              ORDER BY (idempotency_key = :key) DESC LIMIT 1) x
     UNION ALL
     SELECT r.kind, NULL::uuid, NULL::text, NULL::text, r.rep_email, r.open FROM (${REP_ROWS_SQL}) r`,
    { lead: leadId, ws: lead.workspaceId, key: idempotencyKey, ...repParams },
  );
  const found = open.rows.find((r) => r.kind === 'sequence');
  const existing = found ? { id: found.id!, status: found.status!, idempotency_key: found.idempotency_key! } : undefined;
  if (existing && existing.idempotency_key === idempotencyKey) {
    await recordDraftOutcome(sql, { runId, leadId, outcome: 'drafted', sequenceId: existing.id, source: method.source, reason: 'already drafted: the same research, onboarding and drafting method' });
    if (trigger) await settleTrigger(sql, { signalId: trigger.signalId, status: 'drafted', sequenceId: existing.id, at: deps.clock.now() });
    return { drafted: true, sequenceId: existing.id, inserted: false, source: method.source, status: existing.status, ...(trigger ? { signalId: trigger.signalId } : {}) };
  }
  if (existing) {
    const reason = `already in an open sequence (${existing.id.slice(0, 8)}, ${existing.status})`;
    await skipTrigger(reason);
    return notDrafted(reason);
  }
  if (trigger && !signalCited) {
    // the claimed trigger's signal could not be made a verified fact: said on the trigger; the lead is drafted as usual
    await skipTrigger(triggered.reason);
    if (input.triggered) return notDrafted(triggered.reason);
  }

  const rep = chooseRep(open.rows, repParams.repCandidates);
  const draftInput: DraftInput = {
    lead: { name: lead.name, email: lead.email, companyName: lead.companyName, domain: lead.domain, title: lead.title, ...(role ? { teamMailbox: role } : {}) },
    research: {
      researchId: research.researchId,
      fitScore: research.fitScore,
      facts: facts.map(({ factId: _f, ...f }) => f),
      findings: research.findings,
      ...(signalCited ? { openWith: signalCited.id } : {}),
    },
    ...(signalCited && triggered.signal ? { signal: { factId: signalCited.id, kind: triggered.signal.kind } } : {}),
    onboarding,
    icp: role ? emailsOnly(icp.icp) : icp.icp,
    repEmail: rep.email,
    allowGeneric: icp.genericDrafts,
    examples: await loadEditExamples(sql, lead.workspaceId, 3),
  };

  // In batch mode the drafting answer comes only from the lead's attempt cache, where
  // ImportLlmBatch writes it: a request not answered yet is deferred to the run's next Groq
  // batch and the lead waits (the lead Map resumes it here after the import, see FetchSite).
  const batchMode = method.source === 'llm' && deps.llm.provider !== 'offline-heuristic' && lead.groqBatch;
  let llm = deps.llm;
  let cachePrefix = '';
  if (batchMode) {
    cachePrefix = lakeKeys.llmCache(runId, leadId, await failureAttempts(sql, runId, leadId));
    llm = new AttemptCacheLlm(new DeferringLlm(deps.llm.provider), deps.lake, cachePrefix);
  }

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
    // batch mode: no summary (it is a nicety; the deferring LLM makes it do without)
    if (signalCited && triggered.signal && triggered.signal.llmSummary === null) await summarise({ ...deps, llm }, triggered.signal, lead, runId, leadId);
  }

  let outcome: Awaited<ReturnType<typeof draft>>;
  try {
    outcome = await draft(draftInput, mode, {
      llm,
      archive: async (record, callId, at) => {
        const key = lakeKeys.llmCall(at, callId);
        await deps.lake.put(key, JSON.stringify({ ...record, runId, leadId }), { contentType: 'application/json' });
        return key;
      },
      now: () => deps.clock.now(),
      newId: deps.newId,
    }, drafter);
  } catch (error) {
    if (batchMode && error instanceof LlmAnswerDeferred) {
      // nothing is recorded in this round: the draft that uses the answer records it, at the batch price
      const customId = await deferLlmRequest(deps, runId, leadId, cachePrefix, error.request);
      deps.log.info('lead waits for a batch answer', { runId, leadId, pass: error.request.pass, customId });
      return { drafted: false, waiting: true, reason: `the ${error.request.pass} answer waits for the next Groq batch` };
    }
    throw error;
  }
  if (!outcome.drafted) {
    await recordLlmCalls(sql, runId, leadId, outcome.llmCalls ?? []);
    const reason = icp.genericDrafts ? outcome.reason : `${outcome.reason} (generic drafts are off for ICP ${icp.icp.slug}: genericDrafts)`;
    await skipTrigger(`drafting refused: ${reason}`);
    return notDrafted(reason);
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
    factIds: new Map(facts.map((f) => [f.id, f.factId])),
    variant,
    // a referred person never heard from us: a rep approves the first words, whatever the ICP says
    autopilot: icp.icp.autopilot && !lead.referredBy,
    now: deps.clock.now(),
    note,
    llmCalls: outcome.llmCalls,
  });
  if (trigger && signalCited) {
    // The trigger's point is the signal: a sequence whose first touch cannot be sent as drafted about it did not act on it.
    const first = sequence.steps[0]?.messages ?? [];
    const allBlocked = first.length > 0 && first.every((m) => m.check.verdict === 'blocked');
    const cites = first.some((m) => m.check.verdict !== 'blocked' && m.check.sentences.some((x) => x.validFactIds.includes(signalCited.id)));
    if (allBlocked) await skipTrigger(`the grounding checker blocked every first-touch message (sequence ${written.sequenceId.slice(0, 8)} waits for a rep's edit)`);
    else await settleTrigger(sql, { signalId: trigger.signalId, status: 'drafted', sequenceId: written.sequenceId, reason: cites ? null : 'the first touch does not cite the signal', at: deps.clock.now() });
  }
  deps.log.info('lead drafted', { runId, leadId, sequenceId: written.sequenceId, source: sequence.source, status: written.status, flags: written.flags, rep: rep.why, ...(trigger ? { signalId: trigger.signalId } : {}) });
  return {
    drafted: true,
    sequenceId: written.sequenceId,
    inserted: written.inserted,
    source: sequence.source,
    status: written.status,
    variant: written.variant,
    ...(written.inserted ? { rep: sequence.repEmail, repReason: rep.why } : {}),
    ...(note ? { reason: note } : {}),
    ...(trigger ? { signalId: trigger.signalId } : {}),
  };
}

interface TriggerForLead {
  trigger: ClaimedTrigger | null;
  signal: StoredSignal | null;
  /** the signal as a verified fact of the research, when it could be cited */
  fact: (DraftFact & { factId: string }) | null;
  /** why there is no trigger, or no fact to cite */
  reason: string;
}

/**
 * The trigger this lead's drafting works on in the run (one it claimed before, its pending one, or
 * one selected now for this lead only) and the signal as a fact of the research; nothing when the
 * lead has no fresh strong signal.
 */
async function triggerFor(deps: Deps, input: { runId: string; leadId: string; workspaceId: string; researchId: string }): Promise<TriggerForLead> {
  const { sql } = deps;
  let trigger = await claimTrigger(sql, input);
  if (!trigger) {
    const companyId = (await sql.query<{ company_id: string }>(`SELECT company_id FROM lead WHERE id = :leadId::uuid`, { leadId: input.leadId })).rows[0]?.company_id;
    if (companyId) await selectOutreachTriggers(sql, { workspaceId: input.workspaceId, now: deps.clock.now(), scope: { companyId, leadId: input.leadId } });
    trigger = await claimTrigger(sql, input);
  }
  const none = (reason: string, t: ClaimedTrigger | null = null, signal: StoredSignal | null = null): TriggerForLead => ({ trigger: t, signal, fact: null, reason });
  if (!trigger) return none('no fresh signal triggers outreach for this lead');
  if (trigger.status === 'skipped') return none(`the trigger was skipped: ${trigger.reason ?? 'no reason recorded'}`);
  const signal = await getSignal(sql, trigger.signalId);
  if (!signal) return none('the trigger\'s signal no longer exists', trigger);
  const fact = await signalFact(deps, input.researchId, signal);
  if (!fact.ok) return none(fact.reason, trigger, signal);
  return { trigger, signal, fact: fact.fact, reason: 'triggered by a fresh signal' };
}

/** The LLM's summary of the signal that triggered the draft; kept only when grounded in its after-quote. */
async function summarise(deps: Deps, signal: StoredSignal, lead: { domain: string; companyName: string }, runId: string, leadId: string): Promise<void> {
  try {
    const result = await summariseSignal(
      signal,
      {
        llm: deps.llm,
        archive: async (record, callId, at) => {
          const key = lakeKeys.llmCall(at, callId);
          await deps.lake.put(key, JSON.stringify({ ...record, runId, leadId, signalId: signal.id }), { contentType: 'application/json' });
          return key;
        },
        now: () => deps.clock.now(),
        newId: deps.newId,
      },
      { model: deps.config.factsModel, company: { domain: lead.domain, companyName: lead.companyName }, ...(deps.config.modelPrices ? { modelPrices: deps.config.modelPrices } : {}) },
    );
    await recordLlmCalls(deps.sql, runId, leadId, result.calls);
    if (result.summary) {
      await saveSignalSummary(deps.sql, signal.id, result.summary);
      signal.llmSummary = result.summary;
    } else deps.log.info('signal summary not kept', { signalId: signal.id, reason: result.reason });
  } catch (error) {
    // the summary is a nicety: throttling or an outage is the draft's to handle, with its retries
    deps.log.warn('signal summary failed', { signalId: signal.id, error: error instanceof Error ? error.message.slice(0, 300) : String(error) });
  }
}
