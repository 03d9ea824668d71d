/**
 * What 1,000 leads cost in the cloud: the AWS list prices (with their sources and the date they
 * were read) and the arithmetic from a lead's usage to dollars. Groq's prices are the per-model
 * table in `research/models.ts` (`MODELS`), read from here, never copied. The README's cost
 * table is this module's output (`test/report/pricing.test.ts` recomputes it from the README).
 */
import { MODELS } from './research/models.ts';

export interface ListPrice {
  /** USD per unit */
  usd: number;
  unit: string;
  source: string;
  /** when the page was read (YYYY-MM-DD) */
  checked: string;
}

/** AWS list prices, us-east-1, the tier a Prospector account is in (the first one). */
export const AWS_PRICES = {
  sfnStandardTransition: { usd: 0.025 / 1000, unit: 'state transition (Standard)', source: 'https://aws.amazon.com/step-functions/pricing/', checked: '2026-12-02' },
  sfnExpressRequest: { usd: 1.0 / 1_000_000, unit: 'Express execution started', source: 'https://aws.amazon.com/step-functions/pricing/', checked: '2026-12-02' },
  sfnExpressGbSecond: { usd: 0.00001667, unit: 'Express GB-second (first 1,000 GB-hours a month; 64 MB chunks, 100 ms steps)', source: 'https://aws.amazon.com/step-functions/pricing/', checked: '2026-12-02' },
  lambdaArmGbSecond: { usd: 0.0000133334, unit: 'Lambda GB-second, arm64 (first 7.5 billion a month)', source: 'https://aws.amazon.com/lambda/pricing/', checked: '2026-12-02' },
  lambdaRequest: { usd: 0.2 / 1_000_000, unit: 'Lambda request', source: 'https://aws.amazon.com/lambda/pricing/', checked: '2026-12-02' },
  s3Put: { usd: 0.005 / 1000, unit: 'S3 Standard PUT, COPY, POST or LIST request', source: 'https://aws.amazon.com/s3/pricing/', checked: '2026-12-02' },
  s3Get: { usd: 0.0004 / 1000, unit: 'S3 Standard GET, HEAD or SELECT request', source: 'https://aws.amazon.com/s3/pricing/', checked: '2026-12-02' },
  auroraAcuHour: { usd: 0.12, unit: 'Aurora Serverless v2 ACU-hour (Aurora Standard)', source: 'https://aws.amazon.com/rds/aurora/pricing/', checked: '2026-12-02' },
  dataApiRequest: { usd: 0.35 / 1_000_000, unit: 'RDS Data API request (first billion a month)', source: 'https://aws.amazon.com/rds/aurora/pricing/', checked: '2026-12-02' },
} as const satisfies Record<string, ListPrice>;

/**
 * Groq's Batch API: the same models at half the synchronous price, answers within the
 * completion window (24 hours to 7 days). The 50% is from Groq's API reference as summarised in
 * May 2026 ("/batches … 50% discount, 24h–7d window"); Groq's batch page as stored earlier said
 * 25%, so the README also gives the total at 25%. Not read from Groq's pricing page here (no network).
 */
export const GROQ_BATCH_DISCOUNT = {
  fraction: 0.5,
  source: 'https://hivebook.wiki/wiki/groq-api-may-2026-lpu-inference-at-api-groq-com-openai-v1-chat-completions-audio-whisper-v3-turbo-batches-50-files-responses-beta-groq-compound-compound-mini-agent-systems-llama-3-4-gpt-oss-qwen3-python-npm-sdk-1-2-0 (summarising console.groq.com/docs/api-reference); earlier console.groq.com/docs/batch: 25%',
  checked: '2026-12-02',
} as const;

/** Express bills memory in 64 MB chunks; a lead child's definition and payloads fit the first. */
export const EXPRESS_BILLED_GB = 64 / 1024;

export interface TokenCount {
  prompt: number;
  completion: number;
}

/** One lead's use of everything that is billed; `perRun` items are spread over the run's leads. */
export interface LeadUsage {
  models: { facts: string; synthesis: string; draft: string };
  /** `batch`: every Groq call through the Batch API, at `GROQ_BATCH_DISCOUNT` off (default `sync`) */
  groq?: 'sync' | 'batch';
  /** passes of the lead Map over a lead (batch mode: facts, synthesis, drafting; default 1) */
  leadMapRounds?: number;
  tokens: { facts: TokenCount; synthesis: TokenCount; draft: TokenCount };
  /** share of leads drafted (the fit threshold passes them) */
  draftedShare: number;
  children: 'EXPRESS' | 'STANDARD';
  /** leads one child execution takes (ItemBatcher) */
  leadsPerChild: number;
  /** states a lead enters in its child on the usual path (counted from the ASL) */
  transitionsPerLead: number;
  /** states a child enters besides its leads' (the inner Map) */
  transitionsPerChild: number;
  /** states the parent execution enters per run (StartRun … FinishRun), spread over the run's leads */
  transitionsPerRun: number;
  /** seconds one lead keeps its child running (what Express bills) */
  leadSeconds: number;
  lambda: { gbSeconds: number; invocations: number };
  s3: { puts: number; gets: number };
  dataApiStatements: number;
  /** ACU-hours Aurora runs per 1,000 leads (0.5 ACU for the run, then it pauses) */
  auroraAcuHoursPer1000: number;
}

export interface CostItem {
  item: string;
  usdPer1000: number;
}

const groq = (model: string, t: TokenCount): number => {
  const m = MODELS[model];
  if (!m) throw new Error(`${model} has no price in MODELS (lambdas/core/research/models.ts)`);
  return (t.prompt * m.inputPerMillion + t.completion * m.outputPerMillion) / 1_000_000;
};

/** USD per 1,000 leads, item by item, and the total (unrounded). */
export function costPer1000Leads(u: LeadUsage): { items: CostItem[]; total: number } {
  const p = AWS_PRICES;
  const off = u.groq === 'batch' ? 1 - GROQ_BATCH_DISCOUNT.fraction : 1;
  const tag = u.groq === 'batch' ? ', batch' : '';
  const rounds = u.leadMapRounds ?? 1;
  const perLead: CostItem[] = [
    { item: `Groq, facts (${u.models.facts}${tag})`, usdPer1000: off * groq(u.models.facts, u.tokens.facts) },
    { item: `Groq, synthesis (${u.models.synthesis}${tag})`, usdPer1000: off * groq(u.models.synthesis, u.tokens.synthesis) },
    { item: `Groq, drafting (${u.models.draft}${tag})`, usdPer1000: off * u.draftedShare * groq(u.models.draft, u.tokens.draft) },
    {
      item: `Step Functions (${u.children === 'EXPRESS' ? 'Express children' : 'Standard children'})`,
      usdPer1000:
        u.children === 'EXPRESS'
          ? // the Distributed Map bills one parent transition per child it starts, then Express per request and GB-second
            // (a lead passes through the Map `rounds` times: one child start per round)
            (rounds / u.leadsPerChild) * (p.sfnStandardTransition.usd + p.sfnExpressRequest.usd) + u.leadSeconds * EXPRESS_BILLED_GB * p.sfnExpressGbSecond.usd
          : (rounds / u.leadsPerChild) * (1 + u.transitionsPerChild) * p.sfnStandardTransition.usd + u.transitionsPerLead * p.sfnStandardTransition.usd,
    },
    { item: 'Lambda (arm64)', usdPer1000: u.lambda.gbSeconds * p.lambdaArmGbSecond.usd + u.lambda.invocations * p.lambdaRequest.usd },
    { item: 'S3 requests', usdPer1000: u.s3.puts * p.s3Put.usd + u.s3.gets * p.s3Get.usd },
    { item: 'Aurora and the Data API', usdPer1000: u.dataApiStatements * p.dataApiRequest.usd + (u.auroraAcuHoursPer1000 * p.auroraAcuHour.usd) / 1000 },
  ];
  const items = perLead.map((i) => ({ item: i.item, usdPer1000: i.usdPer1000 * 1000 }));
  // the parent's own transitions, once per run of 1,000 leads
  const sfn = items.find((i) => i.item.startsWith('Step Functions'))!;
  sfn.usdPer1000 += u.transitionsPerRun * p.sfnStandardTransition.usd;
  return { items, total: items.reduce((s, i) => s + i.usdPer1000, 0) };
}

/**
 * Token counts measured on the sample web in November 2026 (facts and synthesis; see the README
 * for how), the same for every profile below: only prices and orchestration differ.
 */
const MEASURED_TOKENS = {
  facts: { prompt: 1552, completion: 965 },
  synthesis: { prompt: 1993, completion: 616 },
  /** draft.v2 prompt with a researched lead's facts (about 1,300 tokens) and a 3-step sequence (about 450): an estimate */
  draft: { prompt: 1300, completion: 450 },
};

const COMMON = {
  tokens: MEASURED_TOKENS,
  draftedShare: 0.5,
  transitionsPerLead: 9,
  transitionsPerChild: 1,
  transitionsPerRun: 12,
  leadSeconds: 30,
  lambda: { gbSeconds: 4, invocations: 5 },
  dataApiStatements: 40,
} as const;

/** The README's "before": Standard children of 10 leads, gpt-oss-120b for synthesis and drafting, Aurora for a 4-lead-wide run. */
export const BEFORE: LeadUsage = {
  ...COMMON,
  models: { facts: 'openai/gpt-oss-20b', synthesis: 'openai/gpt-oss-120b', draft: 'openai/gpt-oss-120b' },
  children: 'STANDARD',
  leadsPerChild: 10,
  s3: { puts: 30, gets: 20 },
  // 1,000 leads 4 at a time at 30 s a lead: 2.1 h, plus 5 minutes before Aurora pauses, at 0.5 ACU
  auroraAcuHoursPer1000: 0.5 * ((1000 * 30) / 4 / 3600 + 5 / 60),
};

/**
 * S3 requests a lead makes now, measured: `node local/bin/run-ts.mjs bench/lake-writes.ts` (27
 * leads, one per sample-web site, 6 pages each, the real Groq adapter against the fake Groq;
 * every `Lake.put` and `Lake.get` counted) gave 20.1 PUTs and 19.1 GETs a lead, December 2026:
 * per site 12 for the pages (raw HTML, clean text) + 1 metadata object + 1 signals object, per
 * lead 2 LLM call records + 2 cached answers + the research result + its research-table line.
 * The drafted half of the leads add one LLM call record: 20.6 PUTs, rounded up. Before the page
 * metadata and signals were folded into one object a site, the same run wrote 30.1 a lead.
 */
const MEASURED_S3 = { puts: 21, gets: 19 };

/**
 * Data API statements a lead now, measured: 23.7 a lead over 300 leads of the scale benchmark
 * (`bench/scale.ts`, December 2026), after facts and LLM calls were written in one statement
 * each and the seller context read in one; the 40 of `BEFORE` was the earlier estimate.
 */
const MEASURED_STATEMENTS = 24;

/** Now: Express children of 5 leads (the CDK default), the default models, one metadata and one signals object a site. */
export const NOW: LeadUsage = { ...BEFORE, children: 'EXPRESS', leadsPerChild: 5, s3: MEASURED_S3, dataApiStatements: MEASURED_STATEMENTS };

/**
 * The cheapest configuration this model knows: `SYNTHESIS_MODEL` and `DRAFT_MODEL` set to
 * gpt-oss-20b (its answer quality against gpt-oss-120b was not measured: no network here), and
 * 16 leads at once (Groq's Developer tier), so Aurora runs half an hour instead of two.
 */
export const LEANEST: LeadUsage = {
  ...NOW,
  models: { facts: 'openai/gpt-oss-20b', synthesis: 'openai/gpt-oss-20b', draft: 'openai/gpt-oss-20b' },
  auroraAcuHoursPer1000: 0.5 * ((1000 * 30) / 16 / 3600 + 5 / 60),
};

/**
 * Scheduled runs in batch mode (what a run with `groqBatch` does; see the README): every Groq
 * call, research and drafting, at the batch price; the lead Map passes over every lead three
 * times (deferring facts, then synthesis, then committing and deferring the draft) and over the
 * drafted share once more (the draft), each pass a child start (no repair counted); the
 * parent polls each batch every 10 minutes for about 6 hours a round (3 × 36 polls × 3 states);
 * 15 more Data API statements a lead (recording, submitting and importing its 2.5 requests, a
 * few reads a round) and 10 more GETs (cached answers read again each round); 4 more Lambda
 * invocations a lead (FetchSite and the step it resumes at, once more each pass). Groq's per-minute limits do not apply to batches, so the run fetches 16
 * leads at once (bounded by politeness to the sites, not by Groq), and Aurora pauses between
 * rounds (5 idle minutes a round before it does). All estimates, none measured.
 */
export const SCHEDULED_BATCH: LeadUsage = {
  ...NOW,
  groq: 'batch',
  leadMapRounds: 3 + NOW.draftedShare,
  transitionsPerRun: NOW.transitionsPerRun + 3 * 36 * 3,
  lambda: { gbSeconds: NOW.lambda.gbSeconds, invocations: NOW.lambda.invocations + 2 * 2 },
  s3: { puts: NOW.s3.puts, gets: NOW.s3.gets + 10 },
  dataApiStatements: NOW.dataApiStatements + 15,
  auroraAcuHoursPer1000: 0.5 * ((1000 * 30) / 16 / 3600 + (3 * 5) / 60),
};

const usd = (x: number): string => `$${x.toFixed(2)}`;

/** The README's cost table, rows generated from the profiles above (the README must contain it verbatim). */
export function costTableMarkdown(profiles: { name: string; usage: LeadUsage }[] = [
  { name: 'before (Standard children)', usage: BEFORE },
  { name: 'now (Express children, default models)', usage: NOW },
  { name: 'gpt-oss-20b throughout, 16 at once', usage: LEANEST },
  { name: 'scheduled, Groq batch (default models)', usage: SCHEDULED_BATCH },
]): string {
  const costs = profiles.map((p) => costPer1000Leads(p.usage));
  const strip = (item: string) => item.replace(/ \(.*\)$/, '');
  const rows = costs[0].items.map((first, i) => `| ${strip(first.item)} | ${costs.map((c) => `${usd(c.items[i].usdPer1000)}${c.items[i].item === first.item || !/\(/.test(c.items[i].item) ? '' : ` (${c.items[i].item.replace(/^.*\((.*)\)$/, '$1')})`}`).join(' | ')} |`);
  return [
    `| per 1,000 leads | ${profiles.map((p) => p.name).join(' | ')} |`,
    `|---|${profiles.map(() => '---:').join('|')}|`,
    ...rows,
    `| **total** | ${costs.map((c) => `**${usd(c.total)}**`).join(' | ')} |`,
  ].join('\n');
}
