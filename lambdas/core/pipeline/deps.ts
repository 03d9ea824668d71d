/** What every pipeline step needs. Each runtime builds this once (its composition root). */
import type { LlmBatch } from '../llm/batch.ts';
import type { Clock, Lake, LeadSearch, Llm, Log, Mailer, Sql, Web } from '../ports.ts';
import { DEFAULT_MODELS, type ModelPrices } from '../research/models.ts';

export interface PipelineConfig {
  /** Workspace slug; omitted means the only workspace. */
  workspace?: string;
  /** Leads processed at once by the lead Map. */
  leadConcurrency: number;
  /**
   * Leads one child execution of the lead Map takes, one after another, each with its own
   * Catch (the Distributed Map's ItemBatcher). The Map runs `leadConcurrency` children at once.
   */
  leadBatchSize: number;
  /** Pages fetched per lead's site, homepage included. */
  maxPagesPerSite: number;
  /** Body bytes fetched per lead's site. */
  maxBytesPerSite: number;
  factsModel: string;
  synthesisModel: string;
  /** The model outreach drafting asks (one call per lead's sequence). Unset: `synthesisModel`. */
  draftModel?: string;
  /** Prompt tokens one lead's research may spend across all passes. */
  promptTokenBudget: number;
  /**
   * Tokens (prompt + completion) the whole run may spend, counting every LLM call recorded for
   * the run plus a reservation for each lead still being researched; once spent, the remaining
   * leads are skipped with that reason. Unset: unlimited.
   */
  runTokenBudget?: number;
  /** US dollars the whole run may spend on LLM calls, enforced like `runTokenBudget`. Unset: unlimited. */
  runCostBudgetUsd?: number;
  /**
   * Prompt tokens one lead's research may plan across all passes; the engine stops early (and
   * may answer "not enough evidence") rather than exceed it. Unset: `promptTokenBudget`.
   */
  leadTokenBudget?: number;
  /**
   * US dollars one lead's research may spend, turned into a prompt-token plan at the dearest
   * configured model's price (see `leadBudgetPlan`). Unset: unlimited.
   */
  leadCostBudgetUsd?: number;
  /** Explicit prices (USD per 1M tokens) for models the table does not price, or prices otherwise. */
  modelPrices?: ModelPrices;
}

export const defaultPipelineConfig: PipelineConfig = {
  leadConcurrency: 4,
  leadBatchSize: 10,
  maxPagesPerSite: 6,
  maxBytesPerSite: 3_000_000,
  factsModel: DEFAULT_MODELS.facts,
  synthesisModel: DEFAULT_MODELS.synthesis,
  promptTokenBudget: 4000,
};

export interface Deps {
  sql: Sql;
  lake: Lake;
  llm: Llm;
  leadSearch: LeadSearch;
  web: Web;
  log: Log;
  clock: Clock;
  newId: () => string;
  config: PipelineConfig;
  /**
   * Sending mail, given only to the send step (STEPS in step-ports.ts): the mailer, and the
   * one-click unsubscribe route's base URL and signing key. Absent where nothing is sent.
   */
  mail?: MailDeps;
  /**
   * Groq's Batch API, given only to the batch steps (SubmitLlmBatch, PollLlmBatch,
   * ImportLlmBatch). Absent without a Groq key: a batch-mode run is then refused at StartRun.
   */
  llmBatch?: LlmBatch;
}

/** What the send step needs to send one message. */
export interface MailDeps {
  mailer: Mailer;
  unsubscribe: { baseUrl: string; secret: Buffer };
}
