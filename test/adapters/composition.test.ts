/**
 * The cloud composition root: environment validation per step, only the step's adapters built,
 * secrets, the heuristic fallback, metrics and redacted logs. Secrets Manager is mocked (aws-sdk-client-mock: it cannot run here); the
 * lake is the real S3Lake on a loopback S3.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { HttpLeadSearch } from '#adapters/http-lead-search.ts';
import { PowertoolsLog } from '#adapters/powertools-log.ts';
import { DirectoryLeadSearch } from '#adapters/directory-lead-search.ts';
import { STEP_IDS, UndeclaredPortError } from '#core/pipeline/step-ports.ts';
import {
  CONFIGURED_LLM_PROVIDER,
  PLACEHOLDER_PREFIX,
  buildCloudDeps,
  cloudDeps,
  isPlaceholderSecret,
  loadCloudEnv,
  readApiKeySecret,
} from '../../lambdas/cloud/composition.ts';
import { stepEnvKeys } from '../../lambdas/cloud/step-env.ts';
import { FakeS3 } from '#test/fakes/fake-s3.ts';
import { ValidationError } from '#core/errors.ts';

const GROQ_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prospector-groq-AbCdEf';
const SEARCH_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prospector-search-AbCdEf';

const ENV = {
  DB_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:prospector-db',
  DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prospector-db-AbCdEf',
  DB_NAME: 'prospector',
  LAKE_BUCKET: 'prospector-lake-123',
  GROQ_SECRET_ARN: GROQ_SECRET,
  LEAD_CONCURRENCY: '4',
  FACTS_MODEL: 'openai/gpt-oss-20b',
  SYNTHESIS_MODEL: 'openai/gpt-oss-120b',
  PROMPT_TOKEN_BUDGET: '4000',
  SES_CONFIGURATION_SET: 'prospector-sending',
  UNSUBSCRIBE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prospector-unsubscribe-AbCdEf',
  UNSUBSCRIBE_BASE_URL: 'https://abc123.lambda-url.us-east-1.on.aws/unsubscribe',
};

/** Captures what Powertools writes (logs, EMF metrics; errors go to stderr), one parsed JSON per line. */
function captureStdout(): { lines: () => Record<string, unknown>[]; restore: () => void } {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(capture), vi.spyOn(process.stderr, 'write').mockImplementation(capture)];
  return {
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

describe('loadCloudEnv', () => {
  it('names every missing variable at once', () => {
    expect(() => loadCloudEnv({})).toThrow(/Lambda environment is invalid/);
    try {
      loadCloudEnv({});
    } catch (error) {
      const paths = (error as { issues: { path: string }[] }).issues.map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining(['DB_CLUSTER_ARN', 'DB_SECRET_ARN', 'DB_NAME', 'LAKE_BUCKET', 'GROQ_SECRET_ARN', 'LEAD_CONCURRENCY', 'FACTS_MODEL', 'SYNTHESIS_MODEL', 'PROMPT_TOKEN_BUDGET']),
      );
      expect(paths).not.toContain('PROSPECTOR_WORKSPACE');
    }
  });

  it('names bad values', () => {
    const bad = { ...ENV, LEAD_CONCURRENCY: 'many', LAKE_BUCKET: 'Not_A_Bucket', DB_SECRET_ARN: GROQ_SECRET.replace('secretsmanager', 'ssm'), LEAD_SEARCH_URL: 'https://leads.example/v1' };

    expect(() => loadCloudEnv(bad)).toThrow(/LEAD_CONCURRENCY[\s\S]*LAKE_BUCKET|LAKE_BUCKET[\s\S]*LEAD_CONCURRENCY/);
    expect(() => loadCloudEnv(bad)).toThrow(/DB_SECRET_ARN: must be a secretsmanager ARN/);
    expect(() => loadCloudEnv(bad)).toThrow(/LEAD_SEARCH_SECRET_ARN: is required when LEAD_SEARCH_URL is set/);
  });

  it('parses numbers and treats blank optionals as unset', () => {
    const env = loadCloudEnv({ ...ENV, PROSPECTOR_WORKSPACE: ' ', LEAD_SEARCH_URL: '' });

    expect(env.LEAD_CONCURRENCY).toBe(4);
    expect(env.PROMPT_TOKEN_BUDGET).toBe(4000);
    expect(env.PROSPECTOR_WORKSPACE).toBeUndefined();
    expect(env.LEAD_SEARCH_URL).toBeUndefined();
    expect(env.ON_DAILY_LIMIT).toBe('skip');
    expect(env.MODEL_PRICES).toBeUndefined();
  });

  it('refuses a model Groq has shut down at cold start, naming the variable, the date and the replacement', () => {
    let error: unknown;
    try {
      loadCloudEnv({ ...ENV, SYNTHESIS_MODEL: 'llama-3.3-70b-versatile' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: 'SYNTHESIS_MODEL', message: expect.stringMatching(/llama-3\.3-70b-versatile was shut down by Groq on 2026-08-16 .*use openai\/gpt-oss-120b/) },
    ]);
  });

  it('refuses a dollar budget over an unpriced model unless MODEL_PRICES prices it', () => {
    const unpriced = { ...ENV, FACTS_MODEL: 'qwen/qwen3-32b', RUN_COST_BUDGET_USD: '1' };
    expect(() => loadCloudEnv(unpriced)).toThrow(/FACTS_MODEL: qwen\/qwen3-32b has no price .*RUN_COST_BUDGET_USD could not be enforced.*MODEL_PRICES/s);
    // without a dollar budget an unpriced model is fine: nothing depends on its price
    expect(loadCloudEnv({ ...unpriced, RUN_COST_BUDGET_USD: '' }).FACTS_MODEL).toBe('qwen/qwen3-32b');
    const priced = loadCloudEnv({ ...unpriced, MODEL_PRICES: 'qwen/qwen3-32b=0.29/0.59' });
    expect(priced.MODEL_PRICES).toEqual({ 'qwen/qwen3-32b': { inputPerMillion: 0.29, outputPerMillion: 0.59 } });
    expect(() => loadCloudEnv({ ...unpriced, MODEL_PRICES: 'qwen/qwen3-32b=cheap' })).toThrow(/MODEL_PRICES: "qwen\/qwen3-32b=cheap" is not model=input\/output/);
  });
});

describe('loadCloudEnv for one step', () => {
  const missingOf = (step: Parameters<typeof stepEnvKeys>[0]): string[] => {
    try {
      loadCloudEnv({}, step);
    } catch (error) {
      return (error as { issues: { path: string }[] }).issues.map((i) => i.path).sort();
    }
    return [];
  };

  it('requires of FetchSite and CleanPages only the database and the lake: no Groq or lead-search secret, no models', () => {
    for (const step of ['FetchSite', 'CleanPages'] as const) {
      expect(missingOf(step), step).toEqual(['DB_CLUSTER_ARN', 'DB_NAME', 'DB_SECRET_ARN', 'LAKE_BUCKET']);
    }
  });

  it('requires the Groq secret of ResearchLead, DraftOutreach, ClassifyReply, DraftResponse and the batch-mode steps only, and the research settings of the first two only', () => {
    expect(missingOf('ResearchLead')).toEqual(['DB_CLUSTER_ARN', 'DB_NAME', 'DB_SECRET_ARN', 'FACTS_MODEL', 'GROQ_SECRET_ARN', 'LAKE_BUCKET', 'PROMPT_TOKEN_BUDGET', 'SYNTHESIS_MODEL']);
    // Drafting uses the LLM under the run's budgets and archives its exchange in the lake.
    expect(missingOf('DraftOutreach')).toEqual(['DB_CLUSTER_ARN', 'DB_NAME', 'DB_SECRET_ARN', 'FACTS_MODEL', 'GROQ_SECRET_ARN', 'LAKE_BUCKET', 'PROMPT_TOKEN_BUDGET', 'SYNTHESIS_MODEL']);
    // Reply classification: the LLM and its model, the lake for the mail and the exchange, no database.
    expect(missingOf('ClassifyReply')).toEqual(['FACTS_MODEL', 'GROQ_SECRET_ARN', 'LAKE_BUCKET', 'SYNTHESIS_MODEL']);
    // A response to a reply: the database, the LLM and its models, the lake for the raw reply and the exchange.
    expect(missingOf('DraftResponse')).toEqual(['DB_CLUSTER_ARN', 'DB_NAME', 'DB_SECRET_ARN', 'FACTS_MODEL', 'GROQ_SECRET_ARN', 'LAKE_BUCKET', 'SYNTHESIS_MODEL']);
    // Batch mode: Groq's Batch API on the same key; Submit and Import also the database and the lake, Poll neither.
    expect(missingOf('SubmitLlmBatch')).toEqual(['DB_CLUSTER_ARN', 'DB_NAME', 'DB_SECRET_ARN', 'GROQ_SECRET_ARN', 'LAKE_BUCKET']);
    expect(missingOf('PollLlmBatch')).toEqual(['GROQ_SECRET_ARN']);
    expect(missingOf('ImportLlmBatch')).toEqual(['DB_CLUSTER_ARN', 'DB_NAME', 'DB_SECRET_ARN', 'GROQ_SECRET_ARN', 'LAKE_BUCKET']);
    const groqSteps = ['ClassifyReply', 'DraftResponse', 'SubmitLlmBatch', 'PollLlmBatch', 'ImportLlmBatch'];
    for (const step of STEP_IDS.filter((s) => s !== 'ResearchLead' && s !== 'DraftOutreach')) {
      if (!groqSteps.includes(step)) expect(stepEnvKeys(step), step).not.toContain('GROQ_SECRET_ARN');
      expect(stepEnvKeys(step), step).not.toContain('PROMPT_TOKEN_BUDGET');
    }
  });

  it('requires of StartRun the database, LEAD_CONCURRENCY and the models, and lets it name the lead provider without its secret', () => {
    expect(missingOf('StartRun')).toEqual(['DB_CLUSTER_ARN', 'DB_NAME', 'DB_SECRET_ARN', 'FACTS_MODEL', 'LEAD_CONCURRENCY', 'SYNTHESIS_MODEL']);
    const { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME, LEAD_CONCURRENCY, FACTS_MODEL, SYNTHESIS_MODEL } = ENV;
    const own = { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME, LEAD_CONCURRENCY, FACTS_MODEL, SYNTHESIS_MODEL };
    const env = loadCloudEnv({ ...own, LEAD_SEARCH_URL: 'https://leads.example/v1' }, 'StartRun');
    expect(env).toEqual({ ...own, LEAD_CONCURRENCY: 4, LEAD_SEARCH_URL: 'https://leads.example/v1' });
    // a shut-down model stops the run at its first step, before any lead
    expect(() => loadCloudEnv({ ...own, FACTS_MODEL: 'llama-3.1-8b-instant' }, 'StartRun')).toThrow(/FACTS_MODEL: .*shut down by Groq/);
  });

  it('holds SearchLeads to the provider pair, and ignores bad variables of other steps', () => {
    const { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME, LAKE_BUCKET } = ENV;
    const own = { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME, LAKE_BUCKET };

    expect(() => loadCloudEnv({ ...own, LEAD_SEARCH_URL: 'https://leads.example/v1' }, 'SearchLeads')).toThrow(/Lambda environment of SearchLeads is invalid[\s\S]*LEAD_SEARCH_SECRET_ARN: is required/);
    expect(loadCloudEnv({ ...own, LEAD_CONCURRENCY: 'many', GROQ_SECRET_ARN: 'not-an-arn' }, 'FetchSite')).toEqual(own);
  });
});

// One stub for the file: aws-sdk-client-mock patches the client class itself.
const sm = mockClient(SecretsManagerClient);

describe('secrets', () => {
  afterEach(() => sm.reset());

  it('reads a plain key or a JSON key with its header', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'a' }).resolves({ SecretString: ' gsk_abc123 \n' });
    sm.on(GetSecretValueCommand, { SecretId: 'b' }).resolves({ SecretString: '{"apiKey":"k-1","header":"authorization"}' });

    expect(await readApiKeySecret(new SecretsManagerClient({}), 'a')).toEqual({ apiKey: 'gsk_abc123' });
    expect(await readApiKeySecret(new SecretsManagerClient({}), 'b')).toEqual({ apiKey: 'k-1', header: 'authorization' });
  });

  it('knows the placeholder', () => {
    expect(isPlaceholderSecret(`${PLACEHOLDER_PREFIX}: put the Groq API key here`)).toBe(true);
    expect(isPlaceholderSecret('')).toBe(true);
    expect(isPlaceholderSecret(undefined)).toBe(true);
    expect(isPlaceholderSecret('gsk_live')).toBe(false);
  });
});

describe('buildCloudDeps', () => {
  let s3: FakeS3;
  let out: ReturnType<typeof captureStdout>;

  beforeAll(async () => {
    s3 = await FakeS3.start();
  });
  afterAll(async () => {
    await s3.close();
  });
  beforeEach(() => {
    out = captureStdout();
  });
  afterEach(() => {
    out.restore();
    sm.reset();
  });

  const build = (step: (typeof STEP_IDS)[number], env: Record<string, string>) =>
    buildCloudDeps(step, {
      env,
      secrets: new SecretsManagerClient({ region: 'us-east-1' }),
      s3: s3.client(),
      logger: new Logger({ serviceName: 'prospector', logLevel: 'DEBUG' }),
      metrics: new Metrics({ namespace: 'Prospector', serviceName: 'prospector' }),
    });

  it('falls back to the offline heuristic, loudly, while the Groq secret holds its placeholder', async () => {
    sm.on(GetSecretValueCommand, { SecretId: GROQ_SECRET }).resolves({ SecretString: `${PLACEHOLDER_PREFIX}: aws secretsmanager put-secret-value` });

    const deps = await build('ResearchLead', ENV);

    expect(deps.llm.provider).toBe('offline-heuristic');
    const loud = out.lines().find((l) => String(l.message).includes('OFFLINE HEURISTIC'));
    expect(loud).toMatchObject({ level: 'ERROR', service: 'prospector' });
    expect(String(loud?.message)).toContain(GROQ_SECRET);
  });

  it('gives ResearchLead Groq with the key from Secrets Manager, and its research settings', async () => {
    sm.on(GetSecretValueCommand, { SecretId: GROQ_SECRET }).resolves({ SecretString: 'gsk_live_key_1234567890' });

    const deps = await build('ResearchLead', { ...ENV, RUN_COST_BUDGET_USD: '2.5' });

    expect(deps.llm.provider).toBe('groq');
    expect(deps.config).toMatchObject({ factsModel: 'openai/gpt-oss-20b', synthesisModel: 'openai/gpt-oss-120b', promptTokenBudget: 4000, runCostBudgetUsd: 2.5 });
    expect(deps.config.runTokenBudget).toBeUndefined();
    expect(deps.lake.location).toBe('s3://prospector-lake-123/');
    expect(JSON.stringify(out.lines())).not.toContain('gsk_live_key_1234567890');
  });

  it('builds FetchSite without reading any secret: the LLM, the lead search and the research settings throw when touched', async () => {
    const { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME, LAKE_BUCKET } = ENV;

    const deps = await build('FetchSite', { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME, LAKE_BUCKET });

    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(() => deps.llm.complete).toThrow(UndeclaredPortError);
    expect(() => deps.llm.provider).toThrow(/FetchSite did not declare the llm port/);
    expect(() => deps.leadSearch.searchLeads).toThrow(/FetchSite did not declare the leadSearch port/);
    expect(() => deps.config.factsModel).toThrow(/FetchSite did not declare the "models" settings/);
    expect(() => deps.config.promptTokenBudget).toThrow(/FetchSite did not declare the "research" settings/);
    expect(deps.config.maxPagesPerSite).toBeGreaterThan(0);
  });

  it('scopes FetchSite\'s lake to the areas it writes: other keys are refused before any request', async () => {
    const { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME, LAKE_BUCKET } = ENV;
    const deps = await build('FetchSite', { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME, LAKE_BUCKET });
    const before = s3.requests.length;

    await expect(deps.lake.put('runs/r-1/summary.json', '{}')).rejects.toThrow(/FetchSite may not write lake key runs\/r-1\/summary.json/);
    await expect(deps.lake.get('clean/text/domain=acme.example/abc.md')).rejects.toThrow(UndeclaredPortError);
    expect(s3.requests.length).toBe(before);
    await deps.lake.put('raw/meta/domain=acme.example/abc.json', '{}');
    expect(s3.objects.has('prospector-lake-123/raw/meta/domain=acme.example/abc.json')).toBe(true);
  });

  it('builds no lake for ClaimDue (it needs no bucket), only the manifest area for ListRunLeads, and lets StartRun name the providers without their keys', async () => {
    const { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME, FACTS_MODEL, SYNTHESIS_MODEL, LAKE_BUCKET } = ENV;

    const claim = await build('ClaimDue', { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME });
    const list = await build('ListRunLeads', { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME, LAKE_BUCKET });
    const start = await build('StartRun', { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME, FACTS_MODEL, SYNTHESIS_MODEL, LEAD_CONCURRENCY: '8', PROSPECTOR_WORKSPACE: 'tallyhand', LEAD_SEARCH_URL: 'https://leads.example/v1/search_leads' });

    expect(() => claim.lake.location).toThrow(/ClaimDue did not declare the lake port/);
    await expect(list.lake.put('raw/html/domain=a.example/x.html.gz', 'x')).rejects.toThrow(/ListRunLeads may not write lake key raw\/html/);
    expect(start.config).toMatchObject({ workspace: 'tallyhand', leadConcurrency: 8 });
    expect(start.llm.provider).toBe(CONFIGURED_LLM_PROVIDER);
    expect(start.leadSearch.name).toBe('http:leads.example');
    expect(() => start.leadSearch.searchLeads).toThrow(/StartRun did not declare the leadSearch port \(only its name\)/);
    expect(() => start.llm.complete).toThrow(UndeclaredPortError);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('searches the bundled directory from SearchLeads when no provider is configured', async () => {
    const { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME, LAKE_BUCKET } = ENV;

    const deps = await build('SearchLeads', { DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME, LAKE_BUCKET, GROQ_SECRET_ARN: GROQ_SECRET });

    expect(deps.leadSearch).toBeInstanceOf(DirectoryLeadSearch);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('searches the lead provider when LEAD_SEARCH_URL is set, with its key from Secrets Manager', async () => {
    sm.on(GetSecretValueCommand, { SecretId: SEARCH_SECRET }).resolves({ SecretString: 'provider-key' });

    const deps = await build('SearchLeads', { ...ENV, LEAD_SEARCH_URL: 'https://leads.example/v1/search_leads', LEAD_SEARCH_SECRET_ARN: SEARCH_SECRET });

    expect(deps.leadSearch).toBeInstanceOf(HttpLeadSearch);
    expect(deps.leadSearch.name).toBe('http:leads.example');
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual([SEARCH_SECRET]);
  });

  it('refuses a lead provider whose secret holds no key', async () => {
    sm.on(GetSecretValueCommand, { SecretId: SEARCH_SECRET }).resolves({ SecretString: `${PLACEHOLDER_PREFIX}` });

    await expect(build('SearchLeads', { ...ENV, LEAD_SEARCH_URL: 'https://leads.example/v1', LEAD_SEARCH_SECRET_ARN: SEARCH_SECRET })).rejects.toThrow(/holds no API key/);
  });

  it('emits lead metrics when FinishRun writes a run summary, and token metrics per LLM call', async () => {
    sm.on(GetSecretValueCommand, { SecretId: GROQ_SECRET }).resolves({ SecretString: `${PLACEHOLDER_PREFIX}` });
    const finish = await build('FinishRun', ENV);
    const research = await build('ResearchLead', ENV);

    await finish.lake.put('runs/r-1/summary.json', JSON.stringify({ leadsResearched: 6, leadsSkipped: 1, leadsFailed: 3, costUsd: 0.02 }));
    await research.lake.put('runs/r-1/research/l.json', '{}');
    await research.llm.complete({ pass: 'facts', model: 'm', promptVersion: 'v1', system: 's', user: 'Northwind ships freight.', schema: { name: 'x', schema: {}, strict: false }, maxTokens: 100 });

    const emf = out.lines().filter((l) => '_aws' in l);
    const run = emf.find((l) => 'LeadsFailed' in l)!;
    expect(run).toMatchObject({ LeadsProcessed: 10, LeadsResearched: 6, LeadsSkipped: 1, LeadsFailed: 3, service: 'prospector' });
    expect((run._aws as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0].Namespace).toBe('Prospector');
    expect(emf.filter((l) => 'LeadsFailed' in l)).toHaveLength(1);
    expect(emf.find((l) => 'PromptTokens' in l)).toMatchObject({ LlmCalls: 1, PromptTokens: expect.any(Number), CompletionTokens: expect.any(Number) });
    expect(s3.objects.has('prospector-lake-123/runs/r-1/summary.json')).toBe(true);
  });
});

describe('cloudDeps', () => {
  it('does not keep a failed cold start: the next invocation tries again', async () => {
    const saved = { ...process.env };
    for (const k of Object.keys(ENV)) delete process.env[k];
    try {
      await expect(cloudDeps('FetchSite')).rejects.toThrow(/DB_CLUSTER_ARN/);
      await expect(cloudDeps('FetchSite')).rejects.toThrow(/DB_CLUSTER_ARN/);
    } finally {
      process.env = saved;
    }
  });
});

describe('PowertoolsLog', () => {
  it('redacts emails and secret-looking keys before Powertools writes the line', () => {
    const out = captureStdout();
    try {
      const log = new PowertoolsLog({ logger: new Logger({ serviceName: 'prospector' }) });
      log.info('researching dana@northwind.example', { lead: 'dana@northwind.example', apiKey: 'gsk_abcdefgh12345', nested: { to: ['sam@acme.example'] } });
      log.debug('not at INFO level');

      const [line, ...rest] = out.lines();
      expect(rest).toHaveLength(0);
      expect(line).toMatchObject({ level: 'INFO', message: 'researching d***@northwind.example', lead: 'd***@northwind.example', apiKey: '***', nested: { to: ['s***@acme.example'] } });
      expect(JSON.stringify(line)).not.toContain('gsk_abcdefgh12345');
    } finally {
      out.restore();
    }
  });
});
