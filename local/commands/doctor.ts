/**
 * `prospector doctor`: the configuration that decides what a run will do (home, researcher,
 * models per pass (facts, synthesis, drafting) with price, free-tier limits and strict-JSON
 * support, budgets), and, with a Groq key, whether Groq serves each configured model today
 * (`GET /openai/v1/models`). Exits non-zero when a run could not work as configured: a model
 * Groq does not serve or has shut down, an unpriced model under a dollar budget, or a key Groq
 * refuses (the model checks are the run's own, `modelIssues` in local/config.ts).
 */
// groq-sdk, the model table and the config (zod) load when the doctor runs, not with every
// command's --help.
import type Groq from 'groq-sdk';
import type { Command } from 'commander';
import { describeError } from '#core/errors.ts';
import type { ModelPrices } from '#core/research/models.ts';
import type { CliContext } from '../cli-context.ts';
import type { LocalConfig } from '../config.ts';

const DEFAULT_GROQ_URL = 'https://api.groq.com';

/** One configured model as the doctor reports it. */
export interface DoctorModel {
  pass: 'facts' | 'synthesis' | 'drafting';
  variable: string;
  model: string;
  /** the drafting model while PROSPECTOR_DRAFT_MODEL is unset: the synthesis model, checked as that */
  sameAs?: 'synthesis';
  /** USD per 1M tokens, input/output; null when neither the table nor PROSPECTOR_MODEL_PRICES prices it */
  price: { inputPerMillion: number; outputPerMillion: number } | null;
  limits: { rpm: number | null; rpd: number | null; tpm: number | null; tpd: number | null } | null;
  strictJsonSchema: boolean;
  reasoning: boolean;
  /** whether Groq lists it today; null without a key (not asked) or when the list could not be read */
  served: boolean | null;
}

/** What `prospector doctor` found. */
export interface DoctorReport {
  home: string;
  researcher: { provider: 'groq' | 'offline-heuristic'; baseUrl: string | null };
  onDailyLimit: 'skip' | 'wait';
  budgets: { promptTokensPerLead: number; runTokens: number | null; runUsd: number | null; leadUsd: number | null };
  models: DoctorModel[];
  /** models Groq listed, when asked */
  groqModels: string[] | null;
  problems: string[];
}

const n = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toLocaleString('en-US'));

/** Builds the report; asks Groq only when a key is configured. */
export async function doctor(config: LocalConfig, options: { groq?: Pick<Groq, 'models'> } = {}): Promise<DoctorReport> {
  const { MODELS, modelPrice } = await import('#core/research/models.ts');
  const { modelIssues } = await import('../config.ts');
  const { default: GroqClient, APIConnectionError, APIError } = await import('groq-sdk');
  const p = config.pipeline;
  const prices: ModelPrices | undefined = p.modelPrices;
  // What the run refuses, found by the same check the run makes.
  const problems = modelIssues(config).map((i) => `${i.path}: ${i.message}`);
  const configured: Omit<DoctorModel, 'price' | 'limits' | 'strictJsonSchema' | 'reasoning' | 'served'>[] = [...config.models];
  if (!configured.some((m) => m.pass === 'drafting')) configured.push({ pass: 'drafting', variable: 'PROSPECTOR_DRAFT_MODEL', model: p.synthesisModel, sameAs: 'synthesis' });

  let groqModels: string[] | null = null;
  if (config.groqApiKey) {
    const client =
      options.groq ?? new GroqClient({ apiKey: config.groqApiKey, baseURL: config.groqBaseUrl ?? DEFAULT_GROQ_URL, maxRetries: 0, timeout: 15_000 });
    try {
      const list = await client.models.list();
      groqModels = list.data.map((m) => m.id).sort();
    } catch (error) {
      problems.push(`could not list Groq's models: ${describeGroqError(error, config.groqApiKey, { APIConnectionError, APIError })}`);
    }
  }

  const models: DoctorModel[] = configured.map(({ pass, variable, model, sameAs }) => {
    const info = MODELS[model];
    const served = groqModels ? groqModels.includes(model) : null;
    // (a drafting model that is the synthesis model is reported once, as that)
    if (served === false && !info?.decommissioned && !sameAs) problems.push(`${variable}: Groq does not serve ${model} (it is not in GET /openai/v1/models)`);
    return {
      pass,
      variable,
      model,
      ...(sameAs ? { sameAs } : {}),
      price: modelPrice(model, prices) ?? null,
      limits: info ? { rpm: info.rpm, rpd: info.rpd, tpm: info.tpm, tpd: info.tpd } : null,
      strictJsonSchema: info?.strictJsonSchema ?? false,
      reasoning: info?.reasoning ?? false,
      served,
    };
  });

  return {
    home: config.home,
    researcher: config.groqApiKey ? { provider: 'groq', baseUrl: config.groqBaseUrl ?? DEFAULT_GROQ_URL } : { provider: 'offline-heuristic', baseUrl: null },
    onDailyLimit: config.onDailyLimit,
    budgets: { promptTokensPerLead: p.leadTokenBudget ?? p.promptTokenBudget, runTokens: p.runTokenBudget ?? null, runUsd: p.runCostBudgetUsd ?? null, leadUsd: p.leadCostBudgetUsd ?? null },
    models,
    groqModels,
    problems,
  };
}

/** A failure to list models, in words, without the key. */
function describeGroqError(
  error: unknown,
  apiKey: string,
  { APIConnectionError, APIError }: Pick<typeof import('groq-sdk'), 'APIConnectionError' | 'APIError'>,
): string {
  let text: string;
  if (error instanceof APIConnectionError) text = `no connection (${error.cause instanceof Error ? error.cause.message : error.message})`;
  else if (error instanceof APIError) text = `HTTP ${error.status}${error.status === 401 ? ': Groq refused the API key' : ''}: ${error.message}`;
  else text = describeError(error).message;
  return text.split(apiKey).join('[redacted]');
}

/** The report as the terminal shows it. */
export function renderDoctor(r: DoctorReport): string {
  const lines: string[] = [];
  lines.push(`home            ${r.home}`);
  lines.push(
    r.researcher.provider === 'groq'
      ? `researcher      Groq at ${r.researcher.baseUrl} (GROQ_API_KEY is set)`
      : 'researcher      OFFLINE HEURISTIC: GROQ_API_KEY is not set, so no language model is used (set it to research with Groq)',
  );
  lines.push(`daily limit     ${r.onDailyLimit === 'skip' ? 'skip: the rest of the run is set aside as failed, for a redrive' : 'wait it out'} (PROSPECTOR_ON_DAILY_LIMIT)`);
  const b = r.budgets;
  lines.push(
    `budgets         ${n(b.promptTokensPerLead)} prompt tokens a lead; run: ${b.runTokens === null ? 'no token cap' : `${n(b.runTokens)} tokens`}, ` +
      `${b.runUsd === null ? 'no dollar cap' : `$${b.runUsd}`}; lead: ${b.leadUsd === null ? 'no dollar cap' : `$${b.leadUsd}`}`,
  );
  lines.push('');
  lines.push(r.researcher.provider === 'groq' ? 'models' : 'models (used only with GROQ_API_KEY)');
  for (const m of r.models) {
    const price = m.price ? `$${m.price.inputPerMillion}/$${m.price.outputPerMillion} per 1M tokens in/out` : 'no price known';
    const limits = m.limits ? `free tier ${n(m.limits.rpm)} RPM, ${n(m.limits.rpd)} RPD, ${n(m.limits.tpm)} TPM, ${n(m.limits.tpd)} TPD` : 'limits unknown';
    const served = m.served === null ? '' : m.served ? '; Groq serves it' : '; NOT SERVED by Groq';
    lines.push(`  ${m.pass.padEnd(10)} ${m.model} (${m.sameAs ? `${m.variable} is not set: the ${m.sameAs} model` : m.variable})`);
    lines.push(`  ${''.padEnd(10)} ${price}; ${limits}; strict JSON ${m.strictJsonSchema ? 'yes' : 'no'}; reasoning ${m.reasoning ? 'yes' : 'no'}${served}`);
  }
  if (r.groqModels) lines.push('', `Groq serves ${r.groqModels.length} models: ${r.groqModels.join(', ')}`);
  lines.push('');
  if (r.problems.length === 0) lines.push('ok: a run can start as configured');
  else {
    lines.push(`${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}: a run would fail`);
    for (const p of r.problems) lines.push(`  - ${p}`);
  }
  return lines.join('\n');
}

/** Registers `prospector doctor`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('check the configuration: researcher, models (and whether Groq serves them), budgets')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      // Models are checked here, not refused at parse time, so every problem is reported.
      const { loadLocalConfig } = await import('../config.ts');
      const config = loadLocalConfig(process.env, { checkModels: false });
      const report = await doctor(config);
      ctx.print(opts.json ? JSON.stringify(report) : renderDoctor(report));
      process.exitCode = report.problems.length > 0 ? 1 : 0;
    });
}
