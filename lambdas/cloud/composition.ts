/**
 * The cloud composition root: what a Lambda handler gets as `Deps`, built once per container at
 * cold start (`runtime.ts` imports this module lazily and awaits `cloudDeps(step)`).
 *
 * - Least privilege: a function builds only the adapters its step declares (STEPS in
 *   lambdas/core/pipeline/step-ports.ts); any other port throws `UndeclaredPort` when touched,
 *   and the lake refuses keys outside the step's areas. The stack grants the same ports only.
 * - Config: one zod schema over `process.env`, parsed once, naming every missing or bad
 *   variable; a step requires only its own variables (step-env.ts), and nothing the cloud must
 *   set has a silent default.
 * - Secrets: the Groq API key (and the lead provider's key) come from Secrets Manager at cold
 *   start, never from a plain environment variable. A Groq secret still holding the deploy-time
 *   placeholder means the offline heuristic researcher is used, and the logs say so loudly.
 * - Adapters: Data API (Aurora), S3 lake, SSRF-guarded web (no allow-list: nothing private is
 *   reachable), lead search over the provider's HTTP API when `LEAD_SEARCH_URL` is set, else the
 *   bundled demo directory; Powertools Logger behind `Log` (emails redacted).
 * - Metrics (Powertools, namespace `Prospector`): tokens per LLM call, and per finished run the
 *   leads processed/researched/skipped/failed, read from the run summary as FinishRun writes it
 *   (the one place the pipeline states a run's outcome), so no step needs a metrics port.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { stateMachineRedrive } from './redrive.ts';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { z } from 'zod';
import { DataApiSql } from '#adapters/data-api-sql.ts';
import { DirectoryLeadSearch } from '#adapters/directory-lead-search.ts';
import { GroqBatch } from '#adapters/groq-batch.ts';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { GuardedWeb } from '#adapters/guarded-web.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import { HttpLeadSearch } from '#adapters/http-lead-search.ts';
import { PowertoolsLog } from '#adapters/powertools-log.ts';
import { S3Lake } from '#adapters/s3-lake.ts';
import { SesMailer } from '#adapters/ses-mailer.ts';
import { ValidationError } from '#core/errors.ts';
import { defaultPipelineConfig, type Deps, type MailDeps } from '#core/pipeline/deps.ts';
import { restrictDeps, ScopedLake, stepPorts, type StepId } from '#core/pipeline/step-ports.ts';
import type { Lake, LeadSearch, Llm, LlmRequest, LlmResponse, Log, Sql } from '#core/ports.ts';
import { unsubscribeSecret } from '#core/sending/unsubscribe.ts';
import type { CognitoConfig } from '#web/cognito.ts';
import { CONFIGURED_LLM_PROVIDER, EDGE_FUNCTIONS, edgeEnvKeys, edgeLakeReads, stepEnvKeys, type CloudEnvKey, type EdgeFunctionId } from './step-env.ts';
import { modelConfigIssues, modelPricesField } from '#core/research/models.ts';

/** Metric namespace and service dimension; the CloudWatch alarms in the stateless stack use the same. */
export const METRICS_NAMESPACE = 'Prospector';
export const SERVICE_NAME = 'prospector';

/** Secret values starting with this are the deploy-time placeholder, not a key. */
export const PLACEHOLDER_PREFIX = 'REPLACE_ME';

const ARN = /^arn:aws[a-z-]*:/;
const isBlank = (v: unknown) => v === undefined || (typeof v === 'string' && v.trim() === '');
const blankToUndefined = (v: unknown) => (isBlank(v) ? undefined : v);
const arn = (service: string) =>
  z.string().regex(ARN, 'must be an ARN').refine((v) => v.split(':')[2] === service, `must be a ${service} ARN`);
const positiveInt = (max: number) => z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`);
const positiveAmount = z.coerce.number({ error: 'must be a number' }).positive('must be more than 0');

/** Every variable of the Lambda environment; each function gets only its step's (step-env.ts), plus Powertools' own. */
export const CloudEnv = z.object({
  DB_CLUSTER_ARN: arn('rds'),
  DB_SECRET_ARN: arn('secretsmanager'),
  DB_NAME: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a PostgreSQL database name'),
  LAKE_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  GROQ_SECRET_ARN: arn('secretsmanager'),
  PROSPECTOR_WORKSPACE: z.preprocess(blankToUndefined, z.string().optional()),
  LEAD_CONCURRENCY: positiveInt(1000),
  /** leads one lead Map child takes (the stack sets it; default the pipeline's, 10) */
  LEAD_BATCH_SIZE: z.preprocess(blankToUndefined, positiveInt(1000).optional()),
  FACTS_MODEL: z.string().min(1),
  SYNTHESIS_MODEL: z.string().min(1),
  /** the model that drafts outreach (default: the synthesis model) */
  DRAFT_MODEL: z.preprocess(blankToUndefined, z.string().min(1).optional()),
  PROMPT_TOKEN_BUDGET: positiveInt(1_000_000),
  RUN_TOKEN_BUDGET: z.preprocess(blankToUndefined, positiveInt(1_000_000_000).optional()),
  RUN_COST_BUDGET_USD: z.preprocess(blankToUndefined, positiveAmount.optional()),
  LEAD_COST_BUDGET_USD: z.preprocess(blankToUndefined, positiveAmount.optional()),
  LEAD_SEARCH_URL: z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
  LEAD_SEARCH_SECRET_ARN: z.preprocess(blankToUndefined, arn('secretsmanager').optional()),
  /** Explicit model prices, `model=in/out` (USD per 1M tokens), comma-separated. */
  MODEL_PRICES: z.preprocess(blankToUndefined, modelPricesField),
  /** What a Groq per-day limit does to the rest of the run: `skip` (default) or `wait`. */
  ON_DAILY_LIMIT: z.preprocess(blankToUndefined, z.enum(['skip', 'wait']).default('skip')),
  /** The SES configuration set every send names (its event destination reports bounces and complaints). */
  SES_CONFIGURATION_SET: z.preprocess(blankToUndefined, z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an SES configuration set name (letters, digits, _ and -, up to 64)').optional()),
  /** The domain SES puts in the Message-ID it writes (`email.amazonses.com` in us-east-1; see lambdas/adapters/ses-mailer.ts). */
  SES_MESSAGE_ID_DOMAIN: z.preprocess(blankToUndefined, z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'must be a domain name').optional()),
  /** The key that signs (send step) and verifies (the route) one-click unsubscribe tokens. */
  UNSUBSCRIBE_SECRET_ARN: z.preprocess(blankToUndefined, arn('secretsmanager').optional()),
  /** Where one-click links point: the unsubscribe function URL followed by `/unsubscribe`. */
  UNSUBSCRIBE_BASE_URL: z.preprocess(blankToUndefined, z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional()),
  /** The web app's Cognito user pool, app client and managed-login domain (lambdas/web/cognito.ts). */
  COGNITO_USER_POOL_ID: z.preprocess(blankToUndefined, z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+$/, 'must be a Cognito user pool id such as us-east-1_AbC123').optional()),
  COGNITO_CLIENT_ID: z.preprocess(blankToUndefined, z.string().regex(/^[0-9A-Za-z]{1,128}$/, 'must be a Cognito app client id').optional()),
  COGNITO_DOMAIN_URL: z.preprocess(blankToUndefined, z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional()),
  /** The web app's own public URL (its HTTP API endpoint); `<it>/auth/callback` is the app client's callback. */
  WEB_BASE_URL: z.preprocess(blankToUndefined, z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional()),
  /** The prospecting state machine the web app's Runs page starts a redrive execution of (lambdas/cloud/redrive.ts). */
  PROSPECTING_STATE_MACHINE_ARN: z.preprocess(
    blankToUndefined,
    z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/, 'must be a Step Functions state machine ARN').optional(),
  ),
});
export type CloudEnv = z.infer<typeof CloudEnv>;

/**
 * The send step's mail settings: all set (sending deployed, the stack's `sendingDomain`) or none
 * (nothing is sent: the send step refuses with SendingNotConfigured); never some of them.
 */
const MAIL_SETTINGS = ['SES_CONFIGURATION_SET', 'UNSUBSCRIBE_SECRET_ARN', 'UNSUBSCRIBE_BASE_URL'] as const;

// The web app's variables are required of its own function only (edge functions need all theirs).
const WEB_SETTINGS = ['COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID', 'COGNITO_DOMAIN_URL', 'WEB_BASE_URL', 'PROSPECTING_STATE_MACHINE_ARN'] as const;

const OPTIONAL = new Set(['PROSPECTOR_WORKSPACE', 'LEAD_BATCH_SIZE', ...WEB_SETTINGS, 'RUN_TOKEN_BUDGET', 'RUN_COST_BUDGET_USD', 'LEAD_COST_BUDGET_USD', 'LEAD_SEARCH_URL', 'LEAD_SEARCH_SECRET_ARN', 'MODEL_PRICES', 'ON_DAILY_LIMIT', 'DRAFT_MODEL', 'SES_MESSAGE_ID_DOMAIN', ...MAIL_SETTINGS]);

/**
 * Parses the variables `step` needs (every variable without a step), throwing one
 * ValidationError that names every missing or bad one; variables of other steps are ignored.
 */
export function loadCloudEnv(env: Record<string, string | undefined> = process.env, step?: StepId | EdgeFunctionId): Partial<CloudEnv> {
  const keys = step === undefined ? (Object.keys(CloudEnv.shape) as CloudEnvKey[]) : isEdgeFunction(step) ? edgeEnvKeys(step) : stepEnvKeys(step);
  const schema = CloudEnv.pick(Object.fromEntries(keys.map((k) => [k, true])) as Partial<Record<CloudEnvKey, true>>);
  const issues: { path: string; message: string }[] = [];
  // An edge function needs every variable it declares (the route cannot run without its key).
  const edge = step !== undefined && isEdgeFunction(step);
  const missing = new Set<string>(keys.filter((k) => (edge || !OPTIONAL.has(k)) && isBlank(env[k])));
  for (const k of missing) issues.push({ path: k, message: 'is not set' });
  // Checked on the raw values so the pair is reported even when other variables are bad; only
  // where the step uses the provider (StartRun reads the URL alone, for the provider's name).
  if (keys.includes('LEAD_SEARCH_SECRET_ARN')) {
    if (!isBlank(env.LEAD_SEARCH_URL) && isBlank(env.LEAD_SEARCH_SECRET_ARN)) {
      issues.push({ path: 'LEAD_SEARCH_SECRET_ARN', message: 'is required when LEAD_SEARCH_URL is set (the provider API key)' });
    }
    if (!isBlank(env.LEAD_SEARCH_SECRET_ARN) && isBlank(env.LEAD_SEARCH_URL)) {
      issues.push({ path: 'LEAD_SEARCH_URL', message: 'is required when LEAD_SEARCH_SECRET_ARN is set' });
    }
  }
  if (keys.includes('SES_CONFIGURATION_SET') && MAIL_SETTINGS.some((k) => !isBlank(env[k]))) {
    for (const k of MAIL_SETTINGS) {
      if (isBlank(env[k])) issues.push({ path: k, message: `is required when any of ${MAIL_SETTINGS.join(', ')} is set (sending is deployed)` });
    }
  }
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const path = i.path.join('.');
      if (!missing.has(path)) issues.push({ path, message: i.message });
    }
  }
  if (parsed.success && keys.includes('FACTS_MODEL')) {
    // Every function that reads the models parses this at cold start (StartRun too), so a
    // shut-down model or a dollar budget over an unpriced model fails the first step of a run
    // instead of every lead, one by one.
    const e = parsed.data;
    issues.push(
      ...modelConfigIssues(
        [
          { variable: 'FACTS_MODEL', model: e.FACTS_MODEL! },
          { variable: 'SYNTHESIS_MODEL', model: e.SYNTHESIS_MODEL! },
          ...(e.DRAFT_MODEL ? [{ variable: 'DRAFT_MODEL', model: e.DRAFT_MODEL }] : []),
        ],
        {
          dollarBudgetVariable: e.RUN_COST_BUDGET_USD !== undefined ? 'RUN_COST_BUDGET_USD' : e.LEAD_COST_BUDGET_USD !== undefined ? 'LEAD_COST_BUDGET_USD' : undefined,
          pricesVariable: 'MODEL_PRICES',
          prices: e.MODEL_PRICES,
        },
      ),
    );
  }
  if (issues.length > 0 || !parsed.success) throw new ValidationError(step ? `Lambda environment of ${step}` : 'Lambda environment', issues);
  return parsed.data as Partial<CloudEnv>;
}

/** Whether a secret value is still the placeholder the stack created it with (or empty). */
export function isPlaceholderSecret(value: string | undefined): boolean {
  return value === undefined || value.trim() === '' || value.trim().startsWith(PLACEHOLDER_PREFIX);
}

/**
 * Reads an API key from a secret: either the plain string, or JSON with `apiKey` (also
 * `api_key`/`key`); `header` in the JSON names the HTTP header the key goes in.
 */
export async function readApiKeySecret(client: SecretsManagerClient, secretId: string): Promise<{ apiKey: string | undefined; header?: string }> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const text = out.SecretString?.trim();
  if (!text) return { apiKey: undefined };
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      const key = [json.apiKey, json.api_key, json.key].find((v): v is string => typeof v === 'string');
      return { apiKey: key?.trim(), ...(typeof json.header === 'string' ? { header: json.header } : {}) };
    } catch {
      // Not JSON after all: a key that happens to start with "{" is used as is.
    }
  }
  return { apiKey: text };
}

/** Counts tokens per LLM call. */
class MeteredLlm implements Llm {
  readonly provider: string;
  constructor(
    private readonly inner: Llm,
    private readonly metrics: Metrics,
  ) {
    this.provider = inner.provider;
  }

  async complete(request: LlmRequest): Promise<LlmResponse> {
    try {
      const response = await this.inner.complete(request);
      this.metrics.addMetric('LlmCalls', MetricUnit.Count, 1);
      this.metrics.addMetric('PromptTokens', MetricUnit.Count, response.promptTokens);
      this.metrics.addMetric('CompletionTokens', MetricUnit.Count, response.completionTokens);
      this.metrics.publishStoredMetrics();
      return response;
    } catch (error) {
      if ((error as Error)?.name === 'RateLimited') {
        this.metrics.addMetric('LlmRateLimited', MetricUnit.Count, 1);
        this.metrics.publishStoredMetrics();
      }
      throw error;
    }
  }
}

const RUN_SUMMARY_KEY = /^runs\/[^/]+\/summary\.json$/;

/** Emits the lead counts of a run when FinishRun writes its summary to the lake. */
class MeteredLake implements Lake {
  readonly location: string;
  constructor(
    private readonly inner: Lake,
    private readonly metrics: Metrics,
    private readonly log: Log,
  ) {
    this.location = inner.location;
  }

  async put(key: string, body: Uint8Array | string, options?: { contentType?: string }): Promise<void> {
    await this.inner.put(key, body, options);
    if (RUN_SUMMARY_KEY.test(key)) this.#meterRun(key, body);
  }

  get(key: string) {
    return this.inner.get(key);
  }

  exists(key: string) {
    return this.inner.exists(key);
  }

  list(prefix: string) {
    return this.inner.list(prefix);
  }

  #meterRun(key: string, body: Uint8Array | string): void {
    try {
      const s = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8')) as Record<string, unknown>;
      const n = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : 0);
      const researched = n('leadsResearched');
      const skipped = n('leadsSkipped');
      const failed = n('leadsFailed');
      this.metrics.addMetric('LeadsProcessed', MetricUnit.Count, researched + skipped + failed);
      this.metrics.addMetric('LeadsResearched', MetricUnit.Count, researched);
      this.metrics.addMetric('LeadsSkipped', MetricUnit.Count, skipped);
      this.metrics.addMetric('LeadsFailed', MetricUnit.Count, failed);
      this.metrics.addMetric('RunCostUsd', MetricUnit.NoUnit, n('costUsd'));
      this.metrics.publishStoredMetrics();
    } catch (error) {
      // Metrics must never fail the run: the summary is already stored.
      this.log.warn('could not emit run metrics', { key, error });
    }
  }
}

/** Collaborators `buildCloudDeps` creates unless given (tests pass fakes and loopback clients). */
export interface CloudDepsOptions {
  env: Record<string, string | undefined>;
  secrets: SecretsManagerClient;
  rdsData?: RDSDataClient;
  s3?: S3Client;
  /** SES for the send step; default a client that never retries by itself (see SesMailer). */
  ses?: SESv2Client;
  logger: Logger;
  metrics: Metrics;
}

/** A file copied beside the bundled handler (see cdk/stateless-stack.ts), if there is one. */
function besideBundle(name: string): string | undefined {
  const file = join(import.meta.dirname, name);
  return existsSync(file) ? file : undefined;
}

/** Defined in step-env.ts, which loads no SDK client; re-exported for the composition's callers. */
export { CONFIGURED_LLM_PROVIDER };

/**
 * Builds the cloud `Deps` of one step from the environment and Secrets Manager: only the
 * adapters (and secrets) its ports need; the others throw `UndeclaredPort` when touched.
 */
export async function buildCloudDeps(step: StepId, options: Partial<CloudDepsOptions> = {}): Promise<Deps> {
  const { env: rawEnv, secrets, rdsData, s3, ses, logger, metrics } = {
    env: process.env,
    secrets: new SecretsManagerClient({}),
    logger: new Logger({ serviceName: SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    ...options,
  };
  const ports = stepPorts(step);
  const env = loadCloudEnv(rawEnv, step);
  // loadCloudEnv required every variable of the step's ports; this names one a port lacks.
  const need = <K extends keyof CloudEnv>(key: K): NonNullable<CloudEnv[K]> => {
    const value = env[key];
    if (value === undefined) throw new ValidationError(`Lambda environment of ${step}`, [{ path: key, message: 'is not set' }]);
    return value as NonNullable<CloudEnv[K]>;
  };
  const log = new PowertoolsLog({ logger });
  // Undeclared ports stay unbuilt: restrictDeps puts a throwing stand-in in their place.
  const unbuilt = undefined as never;

  let llm: Llm = unbuilt;
  if (ports.llm === 'use') {
    const secretArn = need('GROQ_SECRET_ARN');
    const groq = await readApiKeySecret(secrets, secretArn);
    let inner: Llm;
    if (isPlaceholderSecret(groq.apiKey)) {
      log.error(
        `GROQ API KEY NOT SET: research runs on the OFFLINE HEURISTIC, not an LLM, and every record says so. ` +
          `Put the key into ${secretArn} with "aws secretsmanager put-secret-value --secret-id <that ARN> --secret-string <key>"; new Lambda containers pick it up.`,
        { llmProvider: 'offline-heuristic' },
      );
      inner = new HeuristicLlm();
    } else {
      inner = new GroqLlm({ apiKey: groq.apiKey!, onDailyLimit: env.ON_DAILY_LIMIT });
    }
    llm = new MeteredLlm(inner, metrics);
  } else if (ports.llm === 'name') {
    // No key is read: the run records the configured LLM, and ResearchLead corrects it when
    // the key is still the placeholder and research runs on the offline heuristic.
    llm = { provider: CONFIGURED_LLM_PROVIDER } as Llm;
  }

  // Batch mode's steps: Groq's Batch API on the same key (a placeholder key: StartRun refused the run already).
  let llmBatch: GroqBatch | undefined;
  if (ports.llmBatch) {
    const groq = await readApiKeySecret(secrets, need('GROQ_SECRET_ARN'));
    if (!isPlaceholderSecret(groq.apiKey)) llmBatch = new GroqBatch({ apiKey: groq.apiKey! });
  }

  let leadSearch: LeadSearch = unbuilt;
  if (ports.leadSearch === 'use' && env.LEAD_SEARCH_URL && env.LEAD_SEARCH_SECRET_ARN) {
    const provider = await readApiKeySecret(secrets, env.LEAD_SEARCH_SECRET_ARN);
    if (isPlaceholderSecret(provider.apiKey)) {
      throw new ValidationError('lead search secret', [{ path: 'LEAD_SEARCH_SECRET_ARN', message: `${env.LEAD_SEARCH_SECRET_ARN} holds no API key yet` }]);
    }
    leadSearch = new HttpLeadSearch({ url: env.LEAD_SEARCH_URL, apiKey: provider.apiKey!, ...(provider.header ? { apiKeyHeader: provider.header } : {}) });
  } else if (ports.leadSearch === 'name' && env.LEAD_SEARCH_URL) {
    // The adapter without its key, for its name only (never searched: restrictDeps hides the rest).
    leadSearch = new HttpLeadSearch({ url: env.LEAD_SEARCH_URL, apiKey: '' });
  } else if (ports.leadSearch) {
    leadSearch = new DirectoryLeadSearch({ file: besideBundle('lead-directory.json') });
    if (ports.leadSearch === 'use') log.info('LEAD_SEARCH_URL is not set: leads come from the bundled demo directory, not a lead provider');
  }

  // Without the mail settings sending is not deployed: the send step refuses (SendingNotConfigured).
  let mail: MailDeps | undefined;
  if (ports.mailer && env.SES_CONFIGURATION_SET) {
    const messageIdDomain = env.SES_MESSAGE_ID_DOMAIN;
    mail = {
      mailer: new SesMailer({ configurationSetName: need('SES_CONFIGURATION_SET'), ...(messageIdDomain ? { messageIdDomain } : {}), ...(ses ? { client: ses } : {}) }),
      unsubscribe: { baseUrl: need('UNSUBSCRIBE_BASE_URL'), secret: await readUnsubscribeSecret(secrets, need('UNSUBSCRIBE_SECRET_ARN')) },
    };
  }

  // The real clock, never pinned: an execution input that asks for another moment (`now`) is refused.
  const clock = { now: () => new Date() };
  return restrictDeps(step, {
    sql: ports.sql ? new DataApiSql({ resourceArn: need('DB_CLUSTER_ARN'), secretArn: need('DB_SECRET_ARN'), database: need('DB_NAME'), ...(rdsData ? { client: rdsData } : {}) }) : unbuilt,
    lake: ports.lake ? new MeteredLake(new S3Lake({ bucket: need('LAKE_BUCKET'), ...(s3 ? { client: s3 } : {}) }), metrics, log) : unbuilt,
    llm,
    leadSearch,
    // No allow-list in the cloud: every private, loopback and metadata address stays refused.
    web: ports.web ? new GuardedWeb({ logger: log, clock }) : unbuilt,
    ...(mail ? { mail } : {}),
    ...(llmBatch ? { llmBatch } : {}),
    log,
    clock,
    newId: randomUUID,
    // Settings of groups the step did not declare keep the pipeline's defaults here, and
    // restrictDeps makes reading them throw.
    config: {
      ...defaultPipelineConfig,
      ...(env.PROSPECTOR_WORKSPACE ? { workspace: env.PROSPECTOR_WORKSPACE } : {}),
      ...(env.LEAD_CONCURRENCY !== undefined ? { leadConcurrency: env.LEAD_CONCURRENCY } : {}),
      ...(env.LEAD_BATCH_SIZE !== undefined ? { leadBatchSize: env.LEAD_BATCH_SIZE } : {}),
      ...(env.FACTS_MODEL !== undefined ? { factsModel: env.FACTS_MODEL } : {}),
      ...(env.SYNTHESIS_MODEL !== undefined ? { synthesisModel: env.SYNTHESIS_MODEL, draftModel: env.DRAFT_MODEL ?? env.SYNTHESIS_MODEL } : {}),
      ...(env.PROMPT_TOKEN_BUDGET !== undefined ? { promptTokenBudget: env.PROMPT_TOKEN_BUDGET } : {}),
      ...(env.RUN_TOKEN_BUDGET !== undefined ? { runTokenBudget: env.RUN_TOKEN_BUDGET } : {}),
      ...(env.RUN_COST_BUDGET_USD !== undefined ? { runCostBudgetUsd: env.RUN_COST_BUDGET_USD } : {}),
      ...(env.LEAD_COST_BUDGET_USD !== undefined ? { leadCostBudgetUsd: env.LEAD_COST_BUDGET_USD } : {}),
      ...(env.MODEL_PRICES ? { modelPrices: env.MODEL_PRICES } : {}),
    },
  });
}

/** The one-click signing key from Secrets Manager (a generated string, at least 32 bytes). */
async function readUnsubscribeSecret(client: SecretsManagerClient, secretId: string): Promise<Buffer> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  return unsubscribeSecret(out.SecretString?.trim(), `the secret ${secretId} (UNSUBSCRIBE_SECRET_ARN)`);
}

function isEdgeFunction(id: string): id is EdgeFunctionId {
  return Object.hasOwn(EDGE_FUNCTIONS, id);
}

/** What a function outside the state machines gets: the database, a log, and its route's key. */
export interface EdgeDeps {
  sql: Sql;
  log: Log;
  clock: { now(): Date };
  /** Only for the function that verifies one-click tokens. */
  unsubscribeSecret?: Buffer;
  /** Only for a function that reads the lake: scoped to the areas it declares (EDGE_FUNCTIONS `lakeReads`). */
  lake?: Lake;
  /** Only for the web app: its Cognito sign-in. */
  cognito?: CognitoConfig;
  /** Only for the web app: starts a redrive execution of the prospecting state machine. */
  startRedrive?: (input: { workspaceId: string; runId: string }) => Promise<{ executionArn: string }>;
}

/** Builds an edge function's dependencies from its own variables (step-env.ts EDGE_FUNCTIONS). */
export async function buildEdgeDeps(fn: EdgeFunctionId, options: Partial<Pick<CloudDepsOptions, 'env' | 'secrets' | 'rdsData' | 's3' | 'logger'>> = {}): Promise<EdgeDeps> {
  const { env: rawEnv, secrets, rdsData, s3, logger } = {
    env: process.env,
    secrets: new SecretsManagerClient({}),
    logger: new Logger({ serviceName: SERVICE_NAME }),
    ...options,
  };
  const env = loadCloudEnv(rawEnv, fn);
  const keys = edgeEnvKeys(fn);
  return {
    sql: new DataApiSql({ resourceArn: env.DB_CLUSTER_ARN!, secretArn: env.DB_SECRET_ARN!, database: env.DB_NAME!, ...(rdsData ? { client: rdsData } : {}) }),
    log: new PowertoolsLog({ logger }),
    clock: { now: () => new Date() },
    ...(keys.includes('UNSUBSCRIBE_SECRET_ARN') ? { unsubscribeSecret: await readUnsubscribeSecret(secrets, env.UNSUBSCRIBE_SECRET_ARN!) } : {}),
    ...(keys.includes('LAKE_BUCKET') ? { lake: new ScopedLake(fn, new S3Lake({ bucket: env.LAKE_BUCKET!, ...(s3 ? { client: s3 } : {}) }), { read: edgeLakeReads(fn) }) } : {}),
    ...(keys.includes('COGNITO_CLIENT_ID')
      ? { cognito: { userPoolId: env.COGNITO_USER_POOL_ID!, clientId: env.COGNITO_CLIENT_ID!, domainUrl: env.COGNITO_DOMAIN_URL!, appUrl: env.WEB_BASE_URL! } }
      : {}),
    ...(keys.includes('PROSPECTING_STATE_MACHINE_ARN')
      ? { startRedrive: stateMachineRedrive({ client: new SFNClient({}), stateMachineArn: env.PROSPECTING_STATE_MACHINE_ARN! }) }
      : {}),
  };
}

const built = new Map<StepId, Promise<Deps>>();

/** `build(key)` once per container per key; a failed build is retried on the next call. */
function once<K, T>(cache: Map<K, Promise<T>>, key: K, build: (key: K) => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = build(key);
    cache.set(key, value);
    value.catch(() => {
      if (cache.get(key) === value) cache.delete(key);
    });
  }
  return value;
}

/** The cloud `Deps` of a step, built once per container; a failed build is retried on the next call. */
export function cloudDeps(step: StepId): Promise<Deps> {
  return once(built, step, (s) => buildCloudDeps(s));
}

const builtEdge = new Map<EdgeFunctionId, Promise<EdgeDeps>>();

/** An edge function's dependencies, built once per container like `cloudDeps`. */
export function cloudEdgeDeps(fn: EdgeFunctionId): Promise<EdgeDeps> {
  return once(builtEdge, fn, (f) => buildEdgeDeps(f));
}
