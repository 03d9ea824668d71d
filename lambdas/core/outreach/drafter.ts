/**
 * The drafter seam: the one place the drafting step asks for words. `draft(input, mode)` returns
 * a sequence (or why there is none) written either by the LLM drafter or by the templates.
 *
 * - mode `template`: `draftFromTemplates`, no language model (the state machine's fallback
 *   after an LLM failure, and the offline default);
 * - mode `llm`: the LLM drafter, when one is plugged in (`LLM_DRAFTER`) and the provider is a
 *   real one; with the offline provider, or with no LLM drafter, templates write the sequence and
 *   say so (`source: 'template'`, `note`). Errors of the LLM drafter (LlmUnavailable, RateLimited,
 *   LlmOutputInvalid, DailyLimitReached, ...) are thrown unchanged: the state machine retries,
 *   waits or falls back to templates by their names.
 *
 * The grounding checker has already judged every message of the returned sequence; a drafter's
 * own claim counts for nothing.
 */
import type { Llm } from '../ports.ts';
import type { LlmCallRecord } from '../research/contract.ts';
import { DRAFT_PROMPT_VERSION } from './compose.ts';
import { DEFAULT_DRAFT_OPTIONS, draftLead, type DraftOptions } from './draft.ts';
import type { EditExample } from './drafting-context.ts';
import { draftFromTemplates, TEMPLATE_VERSION, type DraftOutcome, type TemplateInput } from './templates.ts';

export type DraftMode = 'llm' | 'template';

/** A drafter's answer, with the LLM calls it paid for (recorded on the run: its budgets count them). */
export type DraftResult = DraftOutcome & { llmCalls?: LlmCallRecord[] };

/** What a drafter reads: the template input plus recent approved rep edits as examples. */
export interface DraftInput extends TemplateInput {
  examples: EditExample[];
}

/** What an LLM drafter may use. */
export interface DrafterDeps {
  llm: Llm;
  /** Archives one LLM exchange (prompt, answer, tokens) and returns its lake key. */
  archive: (record: Record<string, unknown>, callId: string, at: Date) => Promise<string>;
  now: () => Date;
  newId: () => string;
}

/** An LLM drafter: one validated call for the whole sequence, every message checked for grounding. */
export interface LlmDrafter {
  /** Identifies the prompt and model: part of a sequence's idempotency key. */
  readonly version: string;
  draft(input: DraftInput, deps: DrafterDeps): Promise<DraftResult>;
}

/**
 * The LLM drafter (lambdas/core/outreach/draft.ts) with the pipeline's drafting settings: one
 * budgeted, validated, repair-once, archived call per lead. Its version names the prompt and
 * the model, so changing either drafts again instead of reusing a sequence.
 */
export function llmDrafter(options: Partial<DraftOptions> = {}): LlmDrafter {
  const model = options.model ?? DEFAULT_DRAFT_OPTIONS.model;
  return {
    version: `${DRAFT_PROMPT_VERSION}:${model}`,
    async draft(input, deps) {
      const asText = (m: EditExample['before']) => (m.subject ? `Subject: ${m.subject}\n\n${m.body}` : m.body);
      const examples = input.examples.map((e) => ({ before: asText(e.before), after: asText(e.after) }));
      const { calls, ...result } = await draftLead({ ...input, examples }, deps, 'llm', options);
      return { ...result, llmCalls: calls };
    },
  };
}

/** The LLM drafter with the default settings; the drafting step builds one from its config. */
export const LLM_DRAFTER: LlmDrafter | undefined = llmDrafter();

/** How a sequence will be written, known before any token is spent. */
export interface DraftingMethod {
  source: 'llm' | 'template';
  /** `template-v1`, or the LLM drafter's version: hashed into the sequence's idempotency key */
  version: string;
  /** why mode `llm` drafts from templates, when it does */
  note?: string;
}

/** The method `draft` will use for `mode` with this provider and drafter. */
export function draftingMethod(mode: DraftMode, llm: Pick<Llm, 'provider'>, drafter: LlmDrafter | undefined = LLM_DRAFTER): DraftingMethod {
  if (mode === 'template') return { source: 'template', version: TEMPLATE_VERSION };
  if (llm.provider === 'offline-heuristic') return { source: 'template', version: TEMPLATE_VERSION, note: 'no LLM configured (offline)' };
  if (!drafter) return { source: 'template', version: TEMPLATE_VERSION, note: 'no LLM drafter in this build' };
  return { source: 'llm', version: drafter.version };
}

/** Drafts a sequence for one lead by `mode` (see the module comment). */
export async function draft(input: DraftInput, mode: DraftMode, deps: DrafterDeps, drafter: LlmDrafter | undefined = LLM_DRAFTER): Promise<DraftResult> {
  const method = draftingMethod(mode, deps.llm, drafter);
  if (method.source === 'llm' && drafter) return drafter.draft(input, deps);
  return draftFromTemplates(input);
}
