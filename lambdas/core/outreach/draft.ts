/**
 * The drafter: one lead's sequence, from templates or from a language model.
 *
 * - `template`: `draftFromTemplates`, no model, labelled as such.
 * - `llm`: one budgeted, validated, repair-once, archived call through the shared LLM call
 *   module (`llm/calls.ts`, as research uses), with the prompt `compose.ts` builds (under 1,500
 *   tokens), then `sequenceFromAnswer`, where the grounding checker judges every message. With
 *   the offline provider there is no model to ask, and a lead without a verified fact to cite
 *   gets no model call either: both go to the templates (which give a labelled generic sequence
 *   only when allowed, else a reason), and spend no token.
 *
 * Throttling, outages and invalid output propagate unchanged, as in research: the state machine
 * waits, retries, and past its retries drafts from templates instead.
 */
import { BudgetExceededError } from '../errors.ts';
import { ledgerFor, type CallSpendOptions, type LlmCallRecord, type LlmPassDeps } from '../llm/calls.ts';
import type { PipelineConfig } from '../pipeline/deps.ts';
import { DEFAULT_MODELS, supportsStrictJsonSchema } from '../research/models.ts';
import { buildDraftPrompt, DRAFT_PROMPT, DRAFT_PROMPT_TOKEN_LIMIT, DRAFT_PROMPT_VERSION, sequenceFromAnswer, type ComposeInput } from './compose.ts';
import { draftFromTemplates, rankFacts, type DraftOutcome } from './templates.ts';

/** Drafting uses the synthesis model unless configured otherwise (`PROSPECTOR_DRAFT_MODEL` locally). */
export const DEFAULT_DRAFT_MODEL = DEFAULT_MODELS.synthesis;

export type DraftMode = 'llm' | 'template';

export type DraftDeps = LlmPassDeps;

export interface DraftOptions extends CallSpendOptions {
  model: string;
  /** prompt tokens of the drafting prompt */
  promptTokenLimit: number;
  /**
   * Prompt tokens a repair may add when the first answer is invalid (it carries that answer
   * back); the drafting prompt itself never exceeds `promptTokenLimit`.
   */
  repairTokenBudget: number;
}

export const DEFAULT_DRAFT_OPTIONS: Readonly<DraftOptions> = {
  model: DEFAULT_DRAFT_MODEL,
  promptTokenLimit: DRAFT_PROMPT_TOKEN_LIMIT,
  repairTokenBudget: 1500,
  // five short messages as JSON
  maxCompletionTokens: 2000,
  reasoningTokens: 1500,
  reasoningEffort: 'low',
};

/** Drafting options from the pipeline's settings: the drafting model (else the synthesis model) and model prices. */
export function draftOptionsFrom(config: Pick<PipelineConfig, 'draftModel' | 'synthesisModel' | 'modelPrices'>): Partial<DraftOptions> {
  return { model: config.draftModel ?? config.synthesisModel, ...(config.modelPrices ? { modelPrices: config.modelPrices } : {}) };
}

/** The drafting prompt as it was sent: its size and what it had to leave out. */
export interface DraftPromptInfo {
  tokens: number;
  factIds: string[];
  examplesShown: number;
  dropped: { examples: number; facts: number };
}

export type DraftLeadResult = DraftOutcome & {
  /** who drafted: the model, or the templates (asked for, or because no model could be asked) */
  drafter: DraftMode;
  /** why `llm` was asked for and templates drafted, when they did */
  templateReason?: string;
  /** the calls made (stored as `llm_call` rows); empty for templates */
  calls: LlmCallRecord[];
  prompt: DraftPromptInfo | null;
};

/** Drafts one lead's sequence; see the module comment for what each mode does. */
export async function draftLead(input: ComposeInput, deps: DraftDeps, mode: DraftMode, options?: Partial<DraftOptions>): Promise<DraftLeadResult> {
  const templates = (templateReason?: string): DraftLeadResult => ({
    ...draftFromTemplates(input),
    drafter: 'template',
    ...(templateReason ? { templateReason } : {}),
    calls: [],
    prompt: null,
  });
  if (mode === 'template') return templates();
  if (deps.llm.provider === 'offline-heuristic') return templates('no language model is configured (offline provider)');
  if (rankFacts(input.research).length === 0) return templates('no verified fact to cite: no model call for a personalised draft');

  const opts: DraftOptions = { ...DEFAULT_DRAFT_OPTIONS, ...Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined)) };
  const prompt = buildDraftPrompt(input, { strict: supportsStrictJsonSchema(opts.model), limit: opts.promptTokenLimit });
  const calls = ledgerFor(deps, {
    promptTokenBudget: opts.promptTokenLimit + opts.repairTokenBudget,
    subject: { domain: input.lead.domain, companyName: input.lead.companyName },
    reasoningTokens: opts.reasoningTokens,
    reasoningEffort: opts.reasoningEffort,
    modelPrices: opts.modelPrices,
  });
  const answer = await calls.ask({
    answer: prompt.answer,
    model: opts.model,
    template: DRAFT_PROMPT,
    prompt: { system: prompt.system, user: prompt.user },
    promptVersion: DRAFT_PROMPT_VERSION,
    maxTokens: opts.maxCompletionTokens,
    context: { researchId: input.research.researchId, facts: prompt.factIds, examples: prompt.examplesShown },
  });
  if (answer.kind === 'skipped') {
    // Not reachable with the defaults (the prompt is built to fit); a smaller budget is a setting error.
    throw new BudgetExceededError(`draft: a ${prompt.tokens}-token drafting prompt does not fit the ${opts.promptTokenLimit + opts.repairTokenBudget}-token budget`);
  }
  const model = calls.records.at(-1)?.model ?? opts.model;
  return {
    drafted: true,
    sequence: sequenceFromAnswer(input, answer.value, { model, promptVersion: DRAFT_PROMPT_VERSION }),
    drafter: 'llm',
    calls: calls.records,
    prompt: { tokens: prompt.tokens, factIds: prompt.factIds, examplesShown: prompt.examplesShown, dropped: prompt.dropped },
  };
}
