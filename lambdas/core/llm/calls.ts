/**
 * The one way the core asks a language model for a structured answer: budgeted, validated with
 * zod, repaired once, recorded and archived. Research passes (facts, synthesis), drafting and
 * reply classification all go through `LlmCalls.ask`, so every call is accounted for the same way:
 *
 * - budget: a call whose prompt does not fit what is left of the caller's prompt-token budget is
 *   not made (`skipped`);
 * - validation: the answer is parsed as JSON and checked with the pass's zod schema; an invalid
 *   answer gets exactly one repair call (the repair prompt names the pass and the error), then
 *   `LlmOutputError`;
 * - an answer cut off at `max_completion_tokens` (`finish_reason: "length"`) is `LlmTruncated`,
 *   with no repair (it would hit the same limit);
 * - every exchange, failed ones included, is archived in the lake (llm/dt=.../<call-id>.json)
 *   and every answered call yields an `LlmCallRecord` for the `llm_call` table.
 *
 * Throttling and outages from the `Llm` port propagate unchanged: the state machine waits and
 * retries; nothing here sleeps.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { describeError, LlmOutputError, LlmRequestTooLarge, LlmTruncated } from '../errors.ts';
import type { Llm, LlmRequest, LlmResponse } from '../ports.ts';
import { GROQ_BATCH_DISCOUNT } from '../pricing.ts';
import { callCostUsd, MODELS, supportsStrictJsonSchema, type ModelPrices } from '../research/models.ts';
import { PROMPTS, renderTemplate, type PromptTemplate } from '../research/prompts.ts';
import { neutraliseDelimiters, planTokens } from '../research/text.ts';
import type { LlmCallRecord, LlmExchangeRecord } from './records.ts';

export { LlmCallRecord, LlmExchangeRecord } from './records.ts';

/** A system + user prompt, rendered. */
export interface RenderedPrompt {
  system: string;
  user: string;
}

/**
 * What a pass answers: its name (recorded with each call and named in the repair prompt), the zod
 * schema that validates the answer, the JSON Schema sent as `response_format` where the model
 * supports strict mode, and the same shape in words for models that do not.
 */
export interface AnswerSpec<T> {
  pass: string;
  schema: z.ZodType<T>;
  jsonSchema: { name: string; schema: Record<string, unknown> };
  /** the answer format in words: sent in the prompt (and the repair) when the model has no strict mode */
  format: string;
  /** tolerated spelling variants mapped before validation (costs nothing, saves a repair) */
  normalise?: (json: unknown) => unknown;
}

/**
 * An `AnswerSpec` whose JSON Schema is derived from the zod schema with `toStrictJsonSchema`
 * unless one is given.
 */
export function defineAnswer<T>(spec: {
  pass: string;
  schema: z.ZodType<T>;
  jsonSchemaName: string;
  jsonSchema?: Record<string, unknown>;
  format: string;
  normalise?: (json: unknown) => unknown;
}): AnswerSpec<T> {
  return {
    pass: spec.pass,
    schema: spec.schema,
    jsonSchema: { name: spec.jsonSchemaName, schema: spec.jsonSchema ?? toStrictJsonSchema(spec.schema) },
    format: spec.format,
    ...(spec.normalise ? { normalise: spec.normalise } : {}),
  };
}

/** A prompt file as the archive names it. */
export interface TemplateRef {
  id: string;
}

/** A repair prompt: `{{pass}}`, `{{error}}`, `{{previous}}` and `{{answerFormat}}` in its user part. */
export type RepairTemplate = TemplateRef & Pick<PromptTemplate, 'system' | 'user'>;

/** One question to a model. */
export interface AskRequest<T> {
  answer: AnswerSpec<T>;
  model: string;
  /** the prompt file it was rendered from: its id (e.g. `facts.v1`) is archived with the exchange */
  template: TemplateRef;
  prompt: RenderedPrompt;
  /** the prompt version recorded with the call, e.g. `facts.v1+synthesis.v1+repair.v1` */
  promptVersion: string;
  /** answer tokens; room for reasoning is added on reasoning models */
  maxTokens: number;
  /** archived with the exchange (batch, page ids, fact ids...) */
  context?: Record<string, unknown>;
  /**
   * An invalid answer with no budget left for its repair: `skip` returns `skipped` (the caller
   * does without), `fail` (default) throws `LlmOutputError`.
   */
  whenNoRepairBudget?: 'skip' | 'fail';
}

export type AskResult<T> = { kind: 'ok'; value: T } | { kind: 'skipped' };

/**
 * How a pass's calls spend answer tokens and are priced, the same for research, drafting and
 * reply classification.
 */
export interface CallSpendOptions {
  /** answer tokens of each call: its `max_completion_tokens` on a model that does not reason */
  maxCompletionTokens: number;
  /**
   * Room for hidden reasoning on a reasoning model, added to the answer's tokens: on gpt-oss the
   * reasoning counts as completion tokens and comes out of `max_completion_tokens`, so without
   * it the answer is cut off (console.groq.com/docs/reasoning).
   */
  reasoningTokens: number;
  /** `reasoning_effort` on reasoning models */
  reasoningEffort: 'low' | 'medium' | 'high';
  /** explicit prices for models the table does not price */
  modelPrices?: ModelPrices;
}

/** What a ledger needs. */
export interface LlmCallsOptions extends Omit<CallSpendOptions, 'maxCompletionTokens'> {
  llm: Llm;
  /** archives each exchange under llm/dt=.../<call-id>.json and returns the key */
  archive: (record: LlmExchangeRecord, callId: string, at: Date) => Promise<string>;
  /** prompt tokens all calls of this ledger may use, repairs included */
  promptTokenBudget: number;
  /** who the calls are about: archived with every exchange */
  subject: { domain: string; companyName: string };
  /** the repair prompt (default: the `repair` prompt file) */
  repairTemplate?: RepairTemplate;
  now?: () => Date;
  newId?: () => string;
}

interface Exchange {
  id: string;
  at: Date;
  request: LlmRequest;
  template: TemplateRef;
  context: Record<string, unknown>;
  response: LlmResponse;
}

/** What a caller of one LLM pass needs (drafting, reply classification): the port, the archive, a clock and ids. */
export interface LlmPassDeps {
  llm: Llm;
  /** archives each exchange under llm/dt=.../<call-id>.json and returns the key */
  archive: (record: Record<string, unknown>, callId: string, at: Date) => Promise<string>;
  now?: () => Date;
  newId?: () => string;
}

/** A ledger over a caller's port, archive, clock and ids (LlmPassDeps, ResearchDeps) for one subject's calls. */
export function ledgerFor(deps: Pick<LlmCallsOptions, 'llm' | 'archive' | 'now' | 'newId'>, options: Omit<LlmCallsOptions, 'llm' | 'archive' | 'now' | 'newId'>): LlmCalls {
  return new LlmCalls({ ...options, llm: deps.llm, archive: deps.archive, now: deps.now, newId: deps.newId });
}

/** One subject's LLM calls (one lead's research, one lead's drafts): budget, validation, records, archive. */
export class LlmCalls {
  used = 0;
  readonly records: LlmCallRecord[] = [];
  private readonly limit: number;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly repairTemplate: RepairTemplate;

  constructor(private readonly opts: LlmCallsOptions) {
    this.limit = opts.promptTokenBudget;
    this.now = opts.now ?? (() => new Date());
    this.newId = opts.newId ?? randomUUID;
    this.repairTemplate = opts.repairTemplate ?? PROMPTS.repair;
  }

  /** Prompt tokens left in the budget. */
  remaining(): number {
    return this.limit - this.used;
  }

  get provider(): string {
    return this.opts.llm.provider;
  }

  /**
   * Asks and validates the answer; one repair call on an invalid answer, then
   * `LlmOutputError`. Returns `skipped` instead of calling when the budget cannot cover the prompt.
   */
  async ask<T>(ask: AskRequest<T>): Promise<AskResult<T>> {
    const { answer, model } = ask;
    const pass = answer.pass;
    const strict = supportsStrictJsonSchema(model);
    if (!this.fits(ask.prompt, strict, answer)) return { kind: 'skipped' };
    const first = await this.call(ask, pass, ask.template, ask.prompt, strict);
    await this.refuseTruncated(first, ask.promptVersion);
    const parsed = parseJsonAnswer(answer, first.response.content);
    if (parsed.ok) {
      await this.record(first, ask.promptVersion, 'ok', null);
      return { kind: 'ok', value: parsed.value };
    }
    await this.record(first, ask.promptVersion, 'invalid', parsed.error);

    const repairPrompt = renderRepair(this.repairTemplate, answer, parsed.error, first.response.content, strict);
    if (!this.fits(repairPrompt, strict, answer)) {
      if (ask.whenNoRepairBudget === 'skip') return { kind: 'skipped' };
      throw new LlmOutputError(`${pass} pass: invalid answer (${parsed.error}) and no token budget left for a repair`);
    }
    const second = await this.call(ask, `${pass}.repair`, this.repairTemplate, repairPrompt, strict);
    await this.refuseTruncated(second, ask.promptVersion);
    const repaired = parseJsonAnswer(answer, second.response.content);
    if (repaired.ok) {
      await this.record(second, ask.promptVersion, 'repaired', null);
      return { kind: 'ok', value: repaired.value };
    }
    await this.record(second, ask.promptVersion, 'invalid', repaired.error);
    throw new LlmOutputError(`${pass} pass: answer still invalid after one repair attempt: ${repaired.error}`);
  }

  /**
   * An answer cut off at `max_completion_tokens` arrives as HTTP 200 with `finish_reason:
   * "length"`: it is recorded (its tokens are spent) and fails the call by name. A repair call
   * would hit the same limit, so none is made.
   */
  private async refuseTruncated(x: Exchange, promptVersion: string): Promise<void> {
    if (x.response.finishReason !== 'length') return;
    const reasoning = x.response.reasoningTokens ?? null;
    await this.record(x, promptVersion, 'invalid', 'cut off at max_completion_tokens (finish_reason "length")');
    throw new LlmTruncated(
      `${x.request.pass} pass: the answer of ${x.request.model} was cut off at max_completion_tokens=${x.request.maxTokens}` +
        `${reasoning !== null ? ` (${reasoning} of ${x.response.completionTokens} completion tokens were reasoning)` : ''}; ` +
        `no repair was attempted`,
      { maxTokens: x.request.maxTokens, reasoningTokens: reasoning },
    );
  }

  private fits(prompt: RenderedPrompt, strict: boolean, answer: AnswerSpec<unknown>): boolean {
    return this.used + promptTokens(prompt, strict, answer) <= this.limit;
  }

  private async call<T>(ask: AskRequest<T>, pass: string, template: TemplateRef, prompt: RenderedPrompt, strict: boolean): Promise<Exchange> {
    const { model, answer } = ask;
    const reasoning = MODELS[model]?.reasoning ?? false;
    const request: LlmRequest = {
      pass,
      model,
      promptVersion: ask.promptVersion,
      system: prompt.system,
      user: prompt.user,
      schema: { ...answer.jsonSchema, strict },
      maxTokens: completionLimit(model, promptTokens(prompt, strict, answer), ask.maxTokens + (reasoning ? this.opts.reasoningTokens : 0), pass),
      temperature: 0,
      ...(reasoning ? { reasoningEffort: this.opts.reasoningEffort } : {}),
    };
    const id = this.newId();
    const at = this.now();
    const context = ask.context ?? {};
    let response: LlmResponse;
    try {
      response = await this.opts.llm.complete(request);
    } catch (error) {
      // a deferred answer (batch mode) is not an exchange: nothing was asked yet
      if (describeError(error).name === 'LlmAnswerDeferred') throw error;
      // keep the failed exchange for the audit trail, then let the error reach the state machine
      await this.opts
        .archive(this.archiveRecord({ id, at, request, template, context }, ask.promptVersion, null, 'error', null, describeError(error)), id, at)
        .catch(() => undefined);
      throw error;
    }
    this.used += response.promptTokens;
    return { id, at, request, template, context, response };
  }

  private async record(x: Exchange, promptVersion: string, outcome: LlmCallRecord['outcome'], validationError: string | null): Promise<void> {
    const provider = this.opts.llm.provider;
    const listCost = callCostUsd(provider, x.response.model || x.request.model, x.response.promptTokens, x.response.completionTokens, this.opts.modelPrices);
    const costUsd = x.response.paidInBatch ? listCost * (1 - GROQ_BATCH_DISCOUNT.fraction) : listCost;
    const lakeKey = await this.opts.archive(this.archiveRecord(x, promptVersion, x.response, outcome, validationError, null, costUsd), x.id, x.at);
    this.records.push({
      id: x.id,
      pass: x.request.pass,
      provider,
      model: x.response.model || x.request.model,
      promptVersion,
      promptTokens: x.response.promptTokens,
      completionTokens: x.response.completionTokens,
      latencyMs: Math.max(0, Math.round(x.response.latencyMs)),
      costUsd,
      requestId: x.response.requestId ?? null,
      outcome,
      lakeKey,
    });
  }

  private archiveRecord(
    x: Omit<Exchange, 'response'>,
    promptVersion: string,
    response: LlmResponse | null,
    outcome: LlmCallRecord['outcome'] | 'error',
    validationError: string | null,
    error: { name: string; message: string } | null,
    costUsd = 0,
  ): LlmExchangeRecord {
    return {
      kind: 'llm-exchange',
      callId: x.id,
      at: x.at.toISOString(),
      lead: { domain: this.opts.subject.domain, companyName: this.opts.subject.companyName },
      pass: x.request.pass,
      provider: this.opts.llm.provider,
      model: x.request.model,
      responseModel: response?.model ?? null,
      promptVersion,
      template: x.template.id,
      context: x.context,
      request: {
        system: x.request.system,
        user: x.request.user,
        schema: { name: x.request.schema.name, strict: x.request.schema.strict },
        maxTokens: x.request.maxTokens,
        temperature: x.request.temperature ?? null,
        reasoningEffort: x.request.reasoningEffort ?? null,
      },
      response: response
        ? {
            content: response.content,
            promptTokens: response.promptTokens,
            completionTokens: response.completionTokens,
            latencyMs: response.latencyMs,
            requestId: response.requestId ?? null,
            finishReason: response.finishReason ?? null,
            reasoningTokens: response.reasoningTokens ?? null,
          }
        : null,
      outcome,
      validationError,
      error,
      costUsd,
      tokenBudget: { limit: this.limit, usedAfter: this.used },
    };
  }
}

/**
 * The tokens a prompt is planned to cost: system, user and, in strict mode, the JSON Schema
 * (Groq sends it to the model).
 */
export function promptTokens(prompt: RenderedPrompt, strict: boolean, answer: Pick<AnswerSpec<unknown>, 'jsonSchema'>): number {
  return planTokens(prompt.system) + planTokens(prompt.user) + (strict ? planTokens(JSON.stringify(answer.jsonSchema.schema)) : 0);
}

/**
 * The repair prompt for any pass: the pass's name, the validation error, the previous answer
 * (model output, kept from forming delimiters) and, without strict mode, the format in words.
 */
export function renderRepair(template: RepairTemplate, answer: Pick<AnswerSpec<unknown>, 'pass' | 'format'>, error: string, previous: string, strict: boolean): RenderedPrompt {
  return {
    system: template.system,
    user: renderTemplate(template.user, {
      pass: answer.pass,
      error,
      previous: neutraliseDelimiters(truncate(previous, 12_000)),
      answerFormat: strict ? '' : answer.format,
    }),
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

// Groq wraps each message in a few formatting tokens of its own; planTokens cannot see them.
const CHAT_FORMAT_TOKENS = 64;
// Fewer completion tokens than this cannot hold a useful answer.
const MIN_COMPLETION_TOKENS = 256;

/**
 * `max_completion_tokens` for one call: `wanted` (the answer, plus room for reasoning on a
 * reasoning model), within the model's own maximum and within what its tokens-per-minute limit
 * leaves after the prompt. Groq counts prompt + max_completion_tokens against TPM before running
 * a request and refuses one that exceeds it alone with 413 (console.groq.com/docs/rate-limits),
 * so a request sized here cannot be refused that way on the table's (free-tier) limits. When not
 * even a minimal answer fits, `LlmRequestTooLarge` is thrown before anything is sent.
 */
export function completionLimit(model: string, promptTokens: number, wanted: number, pass = 'call'): number {
  const info = MODELS[model];
  let limit = wanted;
  if (info?.maxCompletionTokens) limit = Math.min(limit, info.maxCompletionTokens);
  if (info?.tpm) limit = Math.min(limit, info.tpm - promptTokens - CHAT_FORMAT_TOKENS);
  if (limit < Math.min(MIN_COMPLETION_TOKENS, wanted)) {
    throw new LlmRequestTooLarge(
      `${pass}: a ${promptTokens}-token prompt leaves no room for an answer within ${model}'s ${info?.tpm ?? '?'} tokens per minute ` +
        `(Groq counts prompt + max_completion_tokens against it); lower PROSPECTOR_PROMPT_TOKEN_BUDGET`,
    );
  }
  return limit;
}

// ---------------------------------------------------------------------------------------------
// Answers

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Parses and validates an answer. Tolerates what costs nothing to tolerate (a JSON code fence
 * around the object, the spec's spelling variants); anything else is an error whose text is sent
 * back in the one repair attempt.
 */
export function parseJsonAnswer<T>(answer: Pick<AnswerSpec<T>, 'schema' | 'normalise'>, content: string): ParseResult<T> {
  const text = stripFence(content.trim());
  if (!text) return { ok: false, error: 'the answer was empty' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `the answer is not valid JSON (${why}); it may have been cut off: answer with one complete JSON object, shorter if needed` };
  }
  const parsed = answer.schema.safeParse(answer.normalise ? answer.normalise(json) : json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.slice(0, 6).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  const more = parsed.error.issues.length > 6 ? ` (+${parsed.error.issues.length - 6} more)` : '';
  return { ok: false, error: `the JSON does not match the required shape: ${issues.join('; ')}${more}` };
}

function stripFence(text: string): string {
  const m = /^```(?:json)?\s*\n?([\s\S]*?)\n?```$/i.exec(text);
  return m ? m[1].trim() : text;
}

// Keywords Groq's strict mode is not documented to support: validation of them stays in zod.
const UNSUPPORTED_KEYWORDS = new Set(['$schema', 'minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems', 'pattern', 'format']);

/**
 * A strict-mode JSON Schema from a zod schema (`z.toJSONSchema`): unsupported keywords removed,
 * every property required and `additionalProperties: false` on every object.
 */
export function toStrictJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return strictify(z.toJSONSchema(schema)) as Record<string, unknown>;
}

function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (UNSUPPORTED_KEYWORDS.has(key)) continue;
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, strictify(v)])) : strictify(value);
  }
  if (out.type === 'object' && out.properties) {
    out.required = Object.keys(out.properties as object);
    out.additionalProperties = false;
  }
  return out;
}
