/**
 * Tokens benchmark: how many tokens the pipeline keeps away from the LLM. Over a real local run
 * on the bundled sample web with the offline heuristic researcher, it compares, per researched
 * lead, the raw HTML of the pages fetched for the lead's site (estimated in tokens the way the
 * engine estimates text: `estimateTokens`, about four characters a token) with the prompt tokens
 * actually sent for the lead (the heuristic reports exactly that estimate for its prompts).
 * The clean text in between shows how much of the saving is cleaning and how much is the
 * engine's passage selection under its token budget.
 *
 *   node local/bin/run-ts.mjs bench/tokens.ts [--json] [--sites N]
 *
 * `--sites N` runs one lead at each of the first N sample sites instead of the onboarding's own
 * search over the bundled directory (the harness's smoke test uses 2).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { estimateTokens } from '#core/research/text.ts';
import type { LeadCandidate } from '#core/ports.ts';
import { openLocal, runOnce } from '#local/runner.ts';
import { sampleSites } from '#local/sample-web/generate.ts';

/** The bundled sample seller (the same file `prospector onboard --sample` imports). */
export const SAMPLE_ONBOARDING = resolve(import.meta.dirname, '..', 'local', 'data', 'sample-onboarding.yaml');

export interface TokensBench {
  /** researched leads measured (those whose research sent prompts) */
  leads: number;
  promptTokenBudget: number;
  totals: { rawHtmlTokens: number; cleanTextTokens: number; promptTokens: number; completionTokens: number };
  /** raw HTML tokens of the fetched pages over prompt tokens sent, summed over leads */
  rawToPromptRatio: number;
  /** raw HTML over clean text: what cleaning removes */
  rawToCleanRatio: number;
  /** clean text over prompt tokens: what passage selection and the budget remove */
  cleanToPromptRatio: number;
  medianPerLead: { pages: number; rawHtmlTokens: number; cleanTextTokens: number; promptTokens: number; completionTokens: number; rawToPromptRatio: number };
  estimator: string;
  runSeconds: number;
}

export interface TokensBenchOptions {
  /** progress lines (stderr by default) */
  log?: (line: string) => void;
  /** one lead at each of the first N sample sites, instead of the onboarding's search */
  sites?: number;
}

function median(values: number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** One local run on the sample web, then raw-HTML vs prompt tokens per researched lead. */
export async function benchTokens(options: TokensBenchOptions = {}): Promise<TokensBench> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const home = await mkdtemp(join(tmpdir(), 'bench-tokens-'));
  // the slow host would hold the run for its full timeout; a short one keeps the benchmark short
  const rt = await openLocal({
    env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_FETCH_TIMEOUT_MS: '2000' },
    sampleWebSlowMs: 10_000,
  });
  try {
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    log('tokens: one local run over the bundled directory and sample web (offline heuristic)…');
    const t0 = performance.now();
    const leads: LeadCandidate[] | undefined = options.sites
      ? sampleSites.slice(0, options.sites).map((site) => ({ company_name: site.name, company_website: `https://${site.domain}/`, lead_email: `bench@${site.domain}`, lead_name: 'Bench Lead' }))
      : undefined;
    const summary = await runOnce(rt, { leads });
    const runSeconds = (performance.now() - t0) / 1000;
    const sql = rt.deps.sql;

    const calls = await sql.query<{ lead_id: string; company_id: string; prompt: number; completion: number }>(
      `SELECT c.lead_id, l.company_id, sum(c.prompt_tokens)::int AS prompt, sum(c.completion_tokens)::int AS completion
       FROM llm_call c JOIN lead l ON l.id = c.lead_id
       WHERE c.run_id = :runId::uuid AND c.research_id IS NOT NULL GROUP BY c.lead_id, l.company_id`,
      { runId: summary.runId },
    );
    const pages = await sql.query<{ company_id: string; raw_key: string; clean_key: string | null }>(
      `SELECT company_id, raw_key, clean_key FROM page_snapshot WHERE run_id = :runId::uuid AND outcome = 'fetched'`,
      { runId: summary.runId },
    );
    const tokensOf = new Map<string, number>();
    const lakeTokens = async (key: string | null, gz: boolean): Promise<number> => {
      if (!key) return 0;
      if (!tokensOf.has(key)) {
        const body = await rt.deps.lake.get(key);
        tokensOf.set(key, body ? estimateTokens((gz ? gunzipSync(body) : body).toString('utf8')) : 0);
      }
      return tokensOf.get(key)!;
    };
    const perLead: { pages: number; raw: number; clean: number; prompt: number; completion: number }[] = [];
    for (const c of calls.rows) {
      const mine = pages.rows.filter((p) => p.company_id === c.company_id);
      let raw = 0;
      let clean = 0;
      for (const p of mine) {
        raw += await lakeTokens(p.raw_key, true);
        clean += await lakeTokens(p.clean_key, false);
      }
      perLead.push({ pages: mine.length, raw, clean, prompt: c.prompt, completion: c.completion });
    }
    const sum = (f: (x: (typeof perLead)[number]) => number) => perLead.reduce((s, x) => s + f(x), 0);
    const totals = { rawHtmlTokens: sum((x) => x.raw), cleanTextTokens: sum((x) => x.clean), promptTokens: sum((x) => x.prompt), completionTokens: sum((x) => x.completion) };
    return {
      leads: perLead.length,
      promptTokenBudget: rt.config.pipeline.promptTokenBudget,
      totals,
      rawToPromptRatio: round(totals.rawHtmlTokens / totals.promptTokens),
      rawToCleanRatio: round(totals.rawHtmlTokens / totals.cleanTextTokens),
      cleanToPromptRatio: round(totals.cleanTextTokens / totals.promptTokens),
      medianPerLead: {
        pages: median(perLead.map((x) => x.pages)),
        rawHtmlTokens: median(perLead.map((x) => x.raw)),
        cleanTextTokens: median(perLead.map((x) => x.clean)),
        promptTokens: median(perLead.map((x) => x.prompt)),
        completionTokens: median(perLead.map((x) => x.completion)),
        rawToPromptRatio: round(median(perLead.map((x) => x.raw / x.prompt))),
      },
      estimator: 'estimateTokens: ceil(characters / 4), over the raw HTML decoded as UTF-8 and over the clean text; prompts as the offline heuristic reports them (the same estimate)',
      runSeconds: round(runSeconds, 1),
    };
  } finally {
    await rt.close();
    await rm(home, { recursive: true, force: true });
  }
}

/** The benchmark's figures as text. */
export function formatTokens(r: TokensBench): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return [
    `Tokens: ${r.leads} researched leads of one local run (offline heuristic, budget ${n(r.promptTokenBudget)} prompt tokens a lead, run ${r.runSeconds} s)`,
    `  raw HTML → prompt: ${r.rawToPromptRatio}x fewer tokens sent (raw HTML ${n(r.totals.rawHtmlTokens)}, clean text ${n(r.totals.cleanTextTokens)}, prompts ${n(r.totals.promptTokens)})`,
    r.cleanToPromptRatio >= 1
      ? `  of which cleaning ${r.rawToCleanRatio}x, passage selection under the budget ${r.cleanToPromptRatio}x`
      : `  cleaning alone: ${r.rawToCleanRatio}x; prompts are ${round(1 / r.cleanToPromptRatio)}x the clean text (instructions, seller and ICP context and framing outweigh these small sites' text)`,
    `  median per lead: ${r.medianPerLead.pages} pages · raw ${n(r.medianPerLead.rawHtmlTokens)} · clean ${n(r.medianPerLead.cleanTextTokens)} · prompt ${n(r.medianPerLead.promptTokens)} · completion ${n(r.medianPerLead.completionTokens)} · ratio ${r.medianPerLead.rawToPromptRatio}x`,
  ].join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const at = process.argv.indexOf('--sites');
  const sites = at > 0 ? Number(process.argv[at + 1]) : undefined;
  if (sites !== undefined && !(Number.isInteger(sites) && sites > 0)) {
    process.stderr.write(`tokens: --sites takes a positive whole number, not "${process.argv[at + 1]}"\n`);
    process.exit(2);
  }
  const result = await benchTokens({ sites });
  console.log(process.argv.includes('--json') ? JSON.stringify(result, null, 2) : formatTokens(result));
}
