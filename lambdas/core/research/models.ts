/**
 * What the research engine knows about each model: price, free-tier limits, whether Groq
 * offers strict structured output for it, and whether Groq still serves it. One table, so
 * cost, request shape and configuration checks never disagree.
 *
 * Sources (checked December 2026): prices, context and completion limits from
 * console.groq.com/docs/models; free-plan limits (RPM, RPD, TPM, TPD) from
 * console.groq.com/docs/rate-limits; strict `json_schema` support from
 * console.groq.com/docs/structured-outputs; shut-down dates from console.groq.com/docs/deprecations.
 */
import { z } from 'zod';

export interface ModelInfo {
  /** USD per 1M prompt tokens */
  inputPerMillion: number;
  /** USD per 1M completion tokens */
  outputPerMillion: number;
  /** Groq free-tier requests per minute */
  rpm: number | null;
  /** Groq free-tier requests per day (what `x-ratelimit-limit-requests` reports) */
  rpd: number | null;
  /** Groq free-tier tokens per minute (what `x-ratelimit-limit-tokens` reports) */
  tpm: number | null;
  /** Groq free-tier tokens per day */
  tpd: number | null;
  /** most completion tokens one request may ask for */
  maxCompletionTokens: number | null;
  /** strict `json_schema` (constrained decoding); otherwise `json_object` + schema in the prompt */
  strictJsonSchema: boolean;
  /** reasoning model: its hidden reasoning is billed as, and limited by, completion tokens */
  reasoning: boolean;
  /** set when Groq no longer serves the model: requests fail with `model_decommissioned` */
  decommissioned?: { on: string; replacement: string };
}

/** The offline heuristic's model name: it costs nothing and is labelled as such everywhere. */
export const HEURISTIC_MODEL = 'heuristic-v1';

/**
 * The models each research pass uses unless configured otherwise: the only place they are
 * named. Both are served by Groq with strict structured outputs; the facts pass reads many
 * pages and wants the small fast model, synthesis wants the larger one.
 */
export const DEFAULT_MODELS = Object.freeze({ facts: 'openai/gpt-oss-20b', synthesis: 'openai/gpt-oss-120b' });

// Groq shut both Llama models down on 2026-08-16 (console.groq.com/docs/deprecations); their
// prices stay so that calls recorded before then still cost what they cost.
const LLAMA_SHUTDOWN = '2026-08-16';

/** Prices (USD per 1M tokens, input/output) and limits of every model the engine may use. */
export const MODELS: Readonly<Record<string, ModelInfo>> = {
  'openai/gpt-oss-20b': { inputPerMillion: 0.075, outputPerMillion: 0.3, rpm: 30, rpd: 1_000, tpm: 8_000, tpd: 200_000, maxCompletionTokens: 65_536, strictJsonSchema: true, reasoning: true },
  'openai/gpt-oss-120b': { inputPerMillion: 0.15, outputPerMillion: 0.6, rpm: 30, rpd: 1_000, tpm: 8_000, tpd: 200_000, maxCompletionTokens: 65_536, strictJsonSchema: true, reasoning: true },
  'llama-3.1-8b-instant': {
    inputPerMillion: 0.05, outputPerMillion: 0.08, rpm: 30, rpd: 14_400, tpm: 6_000, tpd: 500_000, maxCompletionTokens: 131_072, strictJsonSchema: false, reasoning: false,
    decommissioned: { on: LLAMA_SHUTDOWN, replacement: DEFAULT_MODELS.facts },
  },
  'llama-3.3-70b-versatile': {
    inputPerMillion: 0.59, outputPerMillion: 0.79, rpm: 30, rpd: 1_000, tpm: 12_000, tpd: 100_000, maxCompletionTokens: 32_768, strictJsonSchema: false, reasoning: false,
    decommissioned: { on: LLAMA_SHUTDOWN, replacement: DEFAULT_MODELS.synthesis },
  },
  [HEURISTIC_MODEL]: { inputPerMillion: 0, outputPerMillion: 0, rpm: null, rpd: null, tpm: null, tpd: null, maxCompletionTokens: null, strictJsonSchema: false, reasoning: false },
};

/** Models Groq serves today according to the table (what the fake Groq serves by default). */
export function servedModels(): string[] {
  return Object.entries(MODELS)
    .filter(([id, info]) => id !== HEURISTIC_MODEL && !info.decommissioned)
    .map(([id]) => id);
}

/** Whether Groq accepts `response_format: json_schema` with `strict: true` for this model. */
export function supportsStrictJsonSchema(model: string): boolean {
  return MODELS[model]?.strictJsonSchema ?? false;
}

/** Whether the model is a reasoning model (reasoning tokens are billed as output). */
export function isReasoningModel(model: string): boolean {
  return MODELS[model]?.reasoning ?? false;
}

/** Why a configured model cannot be used, naming the date and the replacement; undefined when it can. */
export function decommissionedReason(model: string): string | undefined {
  const d = MODELS[model]?.decommissioned;
  if (!d) return undefined;
  return `${model} was shut down by Groq on ${d.on} (console.groq.com/docs/deprecations); use ${d.replacement} instead`;
}

/** USD per 1M tokens, input and output, for models the table does not price (or priced differently). */
export type ModelPrices = Readonly<Record<string, { inputPerMillion: number; outputPerMillion: number }>>;

/**
 * Parses `model=in/out` pairs (USD per 1M tokens), comma-separated, e.g.
 * `qwen/qwen3-32b=0.29/0.59,openai/gpt-oss-20b=0.1/0.5`. Throws an Error naming the bad pair.
 */
export function parseModelPrices(text: string): Record<string, { inputPerMillion: number; outputPerMillion: number }> {
  const out: Record<string, { inputPerMillion: number; outputPerMillion: number }> = {};
  for (const raw of text.split(',')) {
    const pair = raw.trim();
    if (!pair) continue;
    const m = /^([^=\s]+)\s*=\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(pair);
    if (!m) throw new Error(`"${pair}" is not model=input/output (USD per 1M tokens, e.g. openai/gpt-oss-20b=0.075/0.30)`);
    out[m[1]] = { inputPerMillion: Number(m[2]), outputPerMillion: Number(m[3]) };
  }
  return out;
}

/** The price of a model: an explicit price first, then the table; undefined when neither has it. */
export function modelPrice(model: string, prices?: ModelPrices): { inputPerMillion: number; outputPerMillion: number } | undefined {
  return prices?.[model] ?? MODELS[model];
}

/**
 * USD cost of one call, rounded to 6 decimals (the database column's scale). The offline
 * heuristic is free whatever model name it was asked for; an unpriced model costs 0, which is
 * why configuration refuses a dollar budget with an unpriced model (see `unpricedModels`).
 */
export function callCostUsd(provider: string, model: string, promptTokens: number, completionTokens: number, prices?: ModelPrices): number {
  if (provider === 'offline-heuristic') return 0;
  const info = modelPrice(model, prices);
  if (!info) return 0;
  const usd = (promptTokens * info.inputPerMillion + completionTokens * info.outputPerMillion) / 1_000_000;
  return Math.round(usd * 1e6) / 1e6;
}

/** The configured models neither the table nor `prices` can price. */
export function unpricedModels(models: string[], prices?: ModelPrices): string[] {
  return [...new Set(models)].filter((m) => modelPrice(m, prices) === undefined);
}

/**
 * What is wrong with the configured models, each issue naming its variable: a model Groq has
 * shut down (every call would fail), or an unpriced model while a dollar budget is set (it would
 * cost $0 and silently switch the budget off). Empty when the models can be used.
 */
export function modelConfigIssues(
  models: { variable: string; model: string }[],
  options: { dollarBudgetVariable?: string; pricesVariable: string; prices?: ModelPrices },
): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  for (const { variable, model } of models) {
    const gone = decommissionedReason(model);
    if (gone) issues.push({ path: variable, message: gone });
    else if (options.dollarBudgetVariable && unpricedModels([model], options.prices).length > 0) {
      issues.push({
        path: variable,
        message:
          `${model} has no price in the model table, so ${options.dollarBudgetVariable} could not be enforced (it would cost $0); ` +
          `price it with ${options.pricesVariable}="${model}=<input>/<output>" (USD per 1M tokens) or unset the dollar budget`,
      });
    }
  }
  return issues;
}

/** An optional `model=in/out,...` variable as a zod field: parsed prices, or an issue naming what is wrong. */
export const modelPricesField = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return undefined;
    try {
      return parseModelPrices(v);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
