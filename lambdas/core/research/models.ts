/**
 * What the research engine knows about each model: price, free-tier limits and whether Groq
 * offers strict structured output for it. One table, so cost and request shape never disagree.
 */

export interface ModelInfo {
  /** USD per 1M prompt tokens */
  inputPerMillion: number;
  /** USD per 1M completion tokens */
  outputPerMillion: number;
  /** Groq free-tier requests per minute */
  rpm: number | null;
  /** Groq free-tier tokens per minute */
  tpm: number | null;
  /** strict `json_schema` (constrained decoding); otherwise `json_object` + schema in the prompt */
  strictJsonSchema: boolean;
  /** reasoning model: its thinking is billed as completion tokens, so ask for low effort */
  reasoning: boolean;
}

/** The offline heuristic's model name: it costs nothing and is labelled as such everywhere. */
export const HEURISTIC_MODEL = 'heuristic-v1';

/** Prices (USD per 1M tokens, input/output) and limits of every model the engine may use. */
export const MODELS: Readonly<Record<string, ModelInfo>> = {
  'llama-3.1-8b-instant': { inputPerMillion: 0.05, outputPerMillion: 0.08, rpm: 30, tpm: 6_000, strictJsonSchema: false, reasoning: false },
  'llama-3.3-70b-versatile': { inputPerMillion: 0.59, outputPerMillion: 0.79, rpm: 30, tpm: 12_000, strictJsonSchema: false, reasoning: false },
  'openai/gpt-oss-20b': { inputPerMillion: 0.075, outputPerMillion: 0.3, rpm: 30, tpm: 8_000, strictJsonSchema: true, reasoning: true },
  'openai/gpt-oss-120b': { inputPerMillion: 0.15, outputPerMillion: 0.6, rpm: 30, tpm: 8_000, strictJsonSchema: true, reasoning: true },
  [HEURISTIC_MODEL]: { inputPerMillion: 0, outputPerMillion: 0, rpm: null, tpm: null, strictJsonSchema: false, reasoning: false },
};

/** Whether Groq accepts `response_format: json_schema` with `strict: true` for this model. */
export function supportsStrictJsonSchema(model: string): boolean {
  return MODELS[model]?.strictJsonSchema ?? false;
}

/** Whether the model is a reasoning model (reasoning tokens are billed as output). */
export function isReasoningModel(model: string): boolean {
  return MODELS[model]?.reasoning ?? false;
}

/**
 * USD cost of one call, rounded to 6 decimals (the database column's scale). The offline
 * heuristic is free whatever model name it was asked for; an unknown model is priced at 0 and
 * the caller records the model name, so the gap is visible rather than guessed.
 */
export function callCostUsd(provider: string, model: string, promptTokens: number, completionTokens: number): number {
  if (provider === 'offline-heuristic') return 0;
  const info = MODELS[model];
  if (!info) return 0;
  const usd = (promptTokens * info.inputPerMillion + completionTokens * info.outputPerMillion) / 1_000_000;
  return Math.round(usd * 1e6) / 1e6;
}
