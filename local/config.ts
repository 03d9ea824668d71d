/**
 * Local configuration: one zod schema over the environment, parsed once at start-up, naming
 * every bad variable. Everything has an embedded default, so a laptop needs nothing set.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '#core/errors.ts';
import { plainWords } from '#core/issue-words.ts';
import { defaultPipelineConfig, type PipelineConfig } from '#core/pipeline/deps.ts';
import { modelConfigIssues, modelPricesField } from '#core/research/models.ts';

const positiveInt = z.coerce.number().int().positive();
// Dollars: a positive decimal such as 0.50; no currency sign.
const positiveUsd = z.coerce.number().positive().max(1_000_000);

const LocalEnv = z.object({
  PROSPECTOR_HOME: z.string().min(1).default('./.prospector'),
  GROQ_API_KEY: z.string().min(1).optional(),
  /** Where groq-sdk sends requests; tests point it at a loopback fake. */
  GROQ_BASE_URL: z.url().optional(),
  PROSPECTOR_WORKSPACE: z.string().min(1).optional(),
  /** Extra host:port pairs the fetcher may reach despite the SSRF guard (comma-separated). */
  PROSPECTOR_FETCH_ALLOW: z.string().optional(),
  /** `1` lets the fetcher resolve real hostnames (off by default: the sample web needs none). */
  PROSPECTOR_ONLINE: z.enum(['0', '1', 'true', 'false']).optional(),
  PROSPECTOR_SAMPLE_WEB_VERSION: z.enum(['1', '2']).optional(),
  PROSPECTOR_LEAD_CONCURRENCY: positiveInt.max(64).default(defaultPipelineConfig.leadConcurrency),
  /** Leads one lead Map child takes (the cloud's ItemBatcher; locally the same grouping). */
  PROSPECTOR_LEAD_BATCH_SIZE: positiveInt.max(1000).default(defaultPipelineConfig.leadBatchSize),
  PROSPECTOR_MAX_PAGES: positiveInt.max(50).default(defaultPipelineConfig.maxPagesPerSite),
  PROSPECTOR_FACTS_MODEL: z.string().min(1).default(defaultPipelineConfig.factsModel),
  PROSPECTOR_SYNTHESIS_MODEL: z.string().min(1).default(defaultPipelineConfig.synthesisModel),
  /** The model outreach drafting asks; unset: the synthesis model. */
  PROSPECTOR_DRAFT_MODEL: z.string().min(1).optional(),
  PROSPECTOR_PROMPT_TOKEN_BUDGET: positiveInt.default(defaultPipelineConfig.promptTokenBudget),
  /** Tokens (prompt + completion) one run may spend; unset: unlimited. */
  PROSPECTOR_RUN_TOKEN_BUDGET: positiveInt.optional(),
  /** US dollars one run may spend on LLM calls; unset: unlimited. */
  PROSPECTOR_RUN_COST_BUDGET_USD: positiveUsd.optional(),
  /** Prompt tokens one lead's research may plan; unset: PROSPECTOR_PROMPT_TOKEN_BUDGET. */
  PROSPECTOR_LEAD_TOKEN_BUDGET: positiveInt.optional(),
  /** US dollars one lead's research may spend; unset: unlimited. */
  PROSPECTOR_LEAD_COST_BUDGET_USD: positiveUsd.optional(),
  /** Explicit model prices, `model=in/out` (USD per 1M tokens), comma-separated. */
  PROSPECTOR_MODEL_PRICES: modelPricesField,
  /**
   * What a Groq per-day limit (RPD/TPD) does to the rest of the run: `skip` sets the remaining
   * leads aside as failed with that reason (redrive them once it resets), `wait` waits it out.
   */
  PROSPECTOR_ON_DAILY_LIMIT: z.enum(['skip', 'wait']).default('skip'),
  PROSPECTOR_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('error'),
  /** Per-host spacing of requests in ms (politeness); the sample web is local, so it can be small. */
  PROSPECTOR_HOST_DELAY_MS: z.coerce.number().int().min(0).default(50),
  PROSPECTOR_FETCH_TIMEOUT_MS: positiveInt.default(8000),
});

export interface LocalConfig {
  home: string;
  groqApiKey?: string;
  groqBaseUrl?: string;
  fetchAllow: string;
  online: boolean;
  /** Which version of the bundled sample web to serve: 1, or 2 (local/sample-web/versions.ts: the edits intent detection must find). */
  sampleWebVersion: 1 | 2;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  hostDelayMs: number;
  fetchTimeoutMs: number;
  /** What a Groq per-day limit does: set the remaining leads aside (`skip`) or wait it out. */
  onDailyLimit: 'skip' | 'wait';
  /** The models a run asks, each with its pass and the variable that names it (drafting only when PROSPECTOR_DRAFT_MODEL is set: else it is the synthesis model). */
  models: ConfiguredModel[];
  pipeline: PipelineConfig;
}

/** A model the configuration names for one pass. */
export interface ConfiguredModel {
  pass: 'facts' | 'synthesis' | 'drafting';
  variable: string;
  model: string;
}

/** Options of `loadLocalConfig`. */
export interface LoadLocalConfigOptions {
  /**
   * Refuse models Groq has shut down and unpriced models under a dollar budget (default true);
   * `prospector doctor` turns it off so it can report them instead of stopping at the first.
   */
  checkModels?: boolean;
}

/** Parses the environment once; throws a ValidationError naming each bad variable. */
export function loadLocalConfig(env: NodeJS.ProcessEnv = process.env, options: LoadLocalConfigOptions = {}): LocalConfig {
  // An exported-but-empty variable (`export GROQ_API_KEY=`) means unset, as in most tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = LocalEnv.safeParse(present, { error: plainWords(present) });
  if (!parsed.success) {
    throw new ValidationError(
      'environment',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  const e = parsed.data;
  const config: LocalConfig = {
    home: resolve(e.PROSPECTOR_HOME),
    groqApiKey: e.GROQ_API_KEY,
    groqBaseUrl: e.GROQ_BASE_URL,
    fetchAllow: e.PROSPECTOR_FETCH_ALLOW ?? '',
    online: e.PROSPECTOR_ONLINE === '1' || e.PROSPECTOR_ONLINE === 'true',
    sampleWebVersion: e.PROSPECTOR_SAMPLE_WEB_VERSION === '2' ? 2 : 1,
    logLevel: e.PROSPECTOR_LOG_LEVEL,
    hostDelayMs: e.PROSPECTOR_HOST_DELAY_MS,
    fetchTimeoutMs: e.PROSPECTOR_FETCH_TIMEOUT_MS,
    onDailyLimit: e.PROSPECTOR_ON_DAILY_LIMIT,
    models: [
      { pass: 'facts', variable: 'PROSPECTOR_FACTS_MODEL', model: e.PROSPECTOR_FACTS_MODEL },
      { pass: 'synthesis', variable: 'PROSPECTOR_SYNTHESIS_MODEL', model: e.PROSPECTOR_SYNTHESIS_MODEL },
      ...(e.PROSPECTOR_DRAFT_MODEL ? [{ pass: 'drafting' as const, variable: 'PROSPECTOR_DRAFT_MODEL', model: e.PROSPECTOR_DRAFT_MODEL }] : []),
    ],
    pipeline: {
      ...defaultPipelineConfig,
      workspace: e.PROSPECTOR_WORKSPACE,
      leadConcurrency: e.PROSPECTOR_LEAD_CONCURRENCY,
      leadBatchSize: e.PROSPECTOR_LEAD_BATCH_SIZE,
      maxPagesPerSite: e.PROSPECTOR_MAX_PAGES,
      factsModel: e.PROSPECTOR_FACTS_MODEL,
      synthesisModel: e.PROSPECTOR_SYNTHESIS_MODEL,
      draftModel: e.PROSPECTOR_DRAFT_MODEL ?? e.PROSPECTOR_SYNTHESIS_MODEL,
      promptTokenBudget: e.PROSPECTOR_PROMPT_TOKEN_BUDGET,
      runTokenBudget: e.PROSPECTOR_RUN_TOKEN_BUDGET,
      runCostBudgetUsd: e.PROSPECTOR_RUN_COST_BUDGET_USD,
      leadTokenBudget: e.PROSPECTOR_LEAD_TOKEN_BUDGET ?? e.PROSPECTOR_PROMPT_TOKEN_BUDGET,
      leadCostBudgetUsd: e.PROSPECTOR_LEAD_COST_BUDGET_USD,
      ...(e.PROSPECTOR_MODEL_PRICES ? { modelPrices: e.PROSPECTOR_MODEL_PRICES } : {}),
    },
  };
  if (options.checkModels !== false) {
    // Refused here, before anything opens: with a model Groq no longer serves every lead would
    // fail one by one; with an unpriced one a dollar budget would silently never trigger.
    const issues = modelIssues(config);
    if (issues.length > 0) throw new ValidationError('environment', issues);
  }
  return config;
}

/**
 * What a run refuses in the configured models, by variable: a model Groq has shut down, or,
 * with a key, a model without a price under a dollar budget. `loadLocalConfig` throws them;
 * `prospector doctor` lists them.
 */
export function modelIssues(config: Pick<LocalConfig, 'groqApiKey' | 'models' | 'pipeline'>): { path: string; message: string }[] {
  const p = config.pipeline;
  return modelConfigIssues(config.models, {
    // the offline heuristic spends nothing: models only matter with a key
    dollarBudgetVariable: !config.groqApiKey
      ? undefined
      : p.runCostBudgetUsd !== undefined
        ? 'PROSPECTOR_RUN_COST_BUDGET_USD'
        : p.leadCostBudgetUsd !== undefined
          ? 'PROSPECTOR_LEAD_COST_BUDGET_USD'
          : undefined,
    pricesVariable: 'PROSPECTOR_MODEL_PRICES',
    prices: p.modelPrices,
  });
}
