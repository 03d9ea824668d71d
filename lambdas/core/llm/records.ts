/**
 * What every LLM call leaves behind, as zod schemas that are the single source of their types:
 * the per-call record stored in `llm_call`, and the exchange archived in the lake
 * (llm/dt=<yyyy-mm-dd>/<call-id>.json). Readers of either (the pipeline recording a failed
 * attempt's calls, the eval reading what a model was given) parse with these schemas.
 */
import { z } from 'zod';

/** How a call ended: a valid answer, an invalid one, or a valid one after the repair call. */
export const LLM_CALL_OUTCOMES = ['ok', 'invalid', 'repaired'] as const;

/** One answered call, as stored in `llm_call`. */
export const LlmCallRecord = z.object({
  id: z.string().min(1),
  /** the pass (`facts`, `synthesis`, `draft`...) or its repair (`<pass>.repair`) */
  pass: z.string().min(1),
  provider: z.string().min(1),
  model: z.string().min(1),
  promptVersion: z.string(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  latencyMs: z.number().nonnegative(),
  costUsd: z.number().nonnegative(),
  requestId: z.string().nullable(),
  outcome: z.enum(LLM_CALL_OUTCOMES),
  /** lake key of the archived exchange: llm/dt=<yyyy-mm-dd>/<call-id>.json */
  lakeKey: z.string().min(1),
});
export type LlmCallRecord = z.infer<typeof LlmCallRecord>;

/**
 * One archived exchange: the request as sent, the response as received (null when the call
 * failed, with `error` saying why), the validation outcome and the budget after the call.
 */
export const LlmExchangeRecord = z.object({
  kind: z.literal('llm-exchange'),
  callId: z.string().min(1),
  at: z.string(),
  /** whom the call is about */
  lead: z.object({ domain: z.string(), companyName: z.string() }),
  pass: z.string().min(1),
  provider: z.string(),
  model: z.string(),
  responseModel: z.string().nullable(),
  promptVersion: z.string(),
  /** the prompt file, e.g. `facts.v1` */
  template: z.string(),
  context: z.record(z.string(), z.unknown()),
  request: z.object({
    system: z.string(),
    user: z.string(),
    schema: z.object({ name: z.string(), strict: z.boolean() }),
    maxTokens: z.number(),
    temperature: z.number().nullable(),
    reasoningEffort: z.enum(['low', 'medium', 'high']).nullable(),
  }),
  response: z
    .object({
      content: z.string(),
      promptTokens: z.number(),
      completionTokens: z.number(),
      latencyMs: z.number(),
      requestId: z.string().nullable(),
      finishReason: z.string().nullable(),
      reasoningTokens: z.number().nullable(),
    })
    .nullable(),
  outcome: z.enum([...LLM_CALL_OUTCOMES, 'error']),
  validationError: z.string().nullable(),
  error: z.object({ name: z.string(), message: z.string() }).nullable(),
  costUsd: z.number(),
  tokenBudget: z.object({ limit: z.number(), usedAfter: z.number() }),
  /** added by the pipeline when it archives the exchange */
  runId: z.string().optional(),
  leadId: z.string().optional(),
});
export type LlmExchangeRecord = z.infer<typeof LlmExchangeRecord>;

/**
 * The call record of an archived exchange that got an answer (null for one that failed before
 * any answer came back): what `LlmCalls` records, rebuilt from the archive, for the calls of an
 * attempt that failed before its records could be returned.
 */
export function callRecordOf(x: LlmExchangeRecord, lakeKey: string): LlmCallRecord | null {
  if (!x.response || x.outcome === 'error') return null;
  return {
    id: x.callId,
    pass: x.pass,
    provider: x.provider,
    model: x.responseModel || x.model,
    promptVersion: x.promptVersion,
    promptTokens: x.response.promptTokens,
    completionTokens: x.response.completionTokens,
    latencyMs: Math.max(0, Math.round(x.response.latencyMs)),
    costUsd: x.costUsd,
    requestId: x.response.requestId,
    outcome: x.outcome,
    lakeKey,
  };
}
