/**
 * Pipeline benchmark: synthetic leads through the LOCAL STATE MACHINE (the real ASL run by the
 * local interpreter, real handlers, PGlite in a temporary PROSPECTOR_HOME, the bundled sample web
 * on loopback) with the real Groq adapter pointed at the fake Groq server, which answers after a
 * set latency and enforces a tokens-per-minute limit with 429 + `retry-after`. The state
 * machine's rate-limit path (Catch RateLimited → Wait SecondsPath) does all the waiting.
 *
 * The figures:
 * - bound: the lead rate the TPM limit allows. Groq's limits, and the fake's, are per model, so
 *   it is TPM / the tokens a lead needs on the model that needs the most (measured: the tokens of
 *   the LLM calls committed with each lead's research, by model);
 * - leads per minute in steady state, against that bound (`boundUtilization`). The fake's limit is
 *   a sliding one-minute window, which admits a whole minute's tokens at once at the start; so
 *   the steady state is measured over whole minutes from one minute after the first call until
 *   the last lead has started research (the lead Map then drains and demand falls). A run too
 *   short for one such minute is measured over all of it against one minute of capacity and
 *   flagged `steady: false`;
 * - `tokenUtilization`: tokens the limiter admitted in that window over what it could admit; the
 *   gap to `boundUtilization` is tokens spent twice (an attempt that was rate-limited midway and
 *   retried from the start);
 * - orchestration overhead per lead: the time from the lead's first state entered to its last
 *   state left, minus the time inside its handlers and its rate-limit Wait states (interpreter,
 *   JSONPath, Pass/Choice states, scheduling). A lead waiting for its turn in its batch (the
 *   batch's leads go one after another) is not counted: it is not in a state yet;
 * - 429s seen, rate-limit waits, `leadsLostTo429` (leads that ended failed because of rate
 *   limiting; must be 0), peak RSS of this process (the fake server included).
 *
 *   node local/bin/run-ts.mjs bench/pipeline.ts [--json] [--leads N] [--concurrency N]
 *                                               [--latency MS] [--tpm N] [--target LEADS_PER_MIN]
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { describeError } from '#core/errors.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { StepHandler } from '#handlers/runtime.ts';
import { openLocal, runOnce } from '#local/runner.ts';
import { sampleWebDomains, SPECIAL_HOSTS } from '#local/sample-web/server.ts';
import { startFakeGroq } from '#test/fakes/fake-groq.ts';
import { MemoryPeaks, msSummary } from './measure.ts';
import { SAMPLE_ONBOARDING } from './tokens.ts';

/**
 * Tokens a lead takes with the offline answers of the fake (prompt + completion) on the model
 * that needs the most, for sizing the TPM: the limits are per model, and the two research passes
 * run on two models of about 2,400 tokens each.
 */
export const ESTIMATED_TOKENS_PER_LEAD = 2500;

export interface PipelineBenchOptions {
  /** synthetic leads (default 1000) */
  leads?: number;
  /**
   * PROSPECTOR_LEAD_CONCURRENCY (default 8). Enough to keep the limiter busy; more only makes
   * leads race for freed capacity, and every lead rate-limited after its facts call pays that
   * call again (see `tokens.spentTwice`).
   */
  concurrency?: number;
  /** the fake's delay before each answer (default 250 ms) */
  latencyMs?: number;
  /** the fake's tokens-per-minute limit (default targetLeadsPerMinute × ESTIMATED_TOKENS_PER_LEAD) */
  tokensPerMinute?: number;
  /** lead rate the default TPM should allow (default 480/min: 1,000 leads in about 2 minutes) */
  targetLeadsPerMinute?: number;
  /** progress lines (stderr by default) */
  log?: (line: string) => void;
}

export interface PipelineBench {
  leads: number;
  concurrency: number;
  latencyMs: number;
  tokensPerMinute: number;
  wallSeconds: number;
  leadsResearched: number;
  leadsSkipped: number;
  leadsFailed: number;
  /** tokens (prompt + completion) of the calls committed with a lead's research, per researched lead */
  tokensPerLead: number;
  /** the model that needs the most tokens a lead (limits are per model), and those tokens */
  bindingModel: { model: string; tokensPerLead: number };
  /** TPM / bindingModel.tokensPerLead: every model has the whole TPM */
  boundLeadsPerMinute: number;
  /** researched leads per minute in the steady-state window */
  leadsPerMinute: number;
  /** leadsPerMinute / boundLeadsPerMinute */
  boundUtilization: number;
  /** the binding model's tokens admitted in the window / (TPM × window minutes) */
  tokenUtilization: number;
  steady: { fromSeconds: number; toSeconds: number; minutes: number } | false;
  /** all leads over the whole wall time (start-up burst and drain included) */
  wholeRunLeadsPerMinute: number;
  tokens: { admitted: number; committed: number; spentTwice: number; spentTwiceShare: number };
  llmCalls: { answered: number; rateLimited: number; perResearchedLead: number };
  responses429: number;
  rateLimitWaits: number;
  /** mean seconds a Wait state held a lead */
  meanRateLimitWaitSeconds: number;
  researchAttemptsPerLead: number;
  leadsLostTo429: number;
  orchestrationOverheadMsPerLead: { median: number; mean: number; p95: number };
  /** mean time per lead inside each handler */
  handlerMsPerLead: Record<string, number>;
  /** RSS once the database is open and onboarded, before the run: what the run itself added is the difference */
  baselineRssMb: number;
  peakRssMb: number;
  peakHeapMb: number;
}

interface HandlerCall {
  state: string;
  leadId: string | undefined;
  start: number;
  end: number;
  error?: string;
}


const round = (x: number, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

/** Sample-web sites that research normally: no special host, not excluded by the sample seller, not closed by robots.txt. */
export function benchDomains(): string[] {
  const special = new Set<string>(Object.values(SPECIAL_HOSTS));
  const excluded = new Set(['keelhaul-freight.example', 'hartwell-advisory.example']);
  return sampleWebDomains().filter((d) => !special.has(d) && !excluded.has(d));
}

/** `count` synthetic leads spread round-robin over the sample web's sites. */
export function syntheticLeads(count: number): { company_name: string; company_website: string; lead_email: string; lead_name: string }[] {
  const domains = benchDomains();
  return Array.from({ length: count }, (_, i) => {
    const domain = domains[i % domains.length];
    const company = domain.replace(/\.example$/, '').replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => `${dash ? ' ' : ''}${c.toUpperCase()}`);
    return { company_name: company, company_website: `https://${domain}`, lead_email: `bench.lead${String(i).padStart(5, '0')}@${domain}`, lead_name: `Bench Lead ${i}` };
  });
}

/** Runs the benchmark end to end and returns its figures. */
export async function benchPipeline(options: PipelineBenchOptions = {}): Promise<PipelineBench> {
  const count = options.leads ?? 1000;
  const concurrency = options.concurrency ?? 8;
  const latencyMs = options.latencyMs ?? 250;
  const tpm = options.tokensPerMinute ?? Math.round((options.targetLeadsPerMinute ?? 480) * ESTIMATED_TOKENS_PER_LEAD);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const fake = await startFakeGroq({ latencyMs, tokensPerMinute: tpm });
  const home = await mkdtemp(join(tmpdir(), 'bench-pipeline-'));
  const memory = new MemoryPeaks();
  const rt = await openLocal({
    env: {
      PROSPECTOR_HOME: home,
      PROSPECTOR_LOG_LEVEL: 'silent',
      PROSPECTOR_LEAD_CONCURRENCY: String(concurrency),
      PROSPECTOR_FETCH_TIMEOUT_MS: '5000',
    },
    llm: new GroqLlm({ apiKey: 'gsk_bench_not_a_key', baseURL: fake.baseURL, timeoutMs: 60_000 }),
  });
  try {
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    const leadsFile = join(home, 'bench-leads.json');
    await writeFile(leadsFile, JSON.stringify(syntheticLeads(count)));
    const baselineRss = process.memoryUsage().rss;

    const handlerCalls: HandlerCall[] = [];
    const wrap = (state: string, fn: StepHandler): StepHandler => async (event) => {
      const start = Date.now();
      const leadId = (event as { leadId?: string } | null)?.leadId;
      let error: string | undefined;
      try {
        return await fn(event);
      } catch (e) {
        error = describeError(e).name;
        throw e;
      } finally {
        handlerCalls.push({ state, leadId, start, end: Date.now(), error });
      }
    };
    // per lead: when its first state was entered and its last left, and its rate-limit Wait
    // states. The lead Map iterates over batches (ItemBatcher) and each batch's inner Map over
    // its leads, one after another, so a Map iteration is not a lead; every state of a lead's
    // processor carries its leadId in its input, which is what the lead is known by here.
    const perLead = new Map<string, { start?: number; end?: number; waits: number; waitMs: number; waitStart?: number }>();
    const leadTimes = (leadId: string) => perLead.get(leadId) ?? (perLead.set(leadId, { waits: 0, waitMs: 0 }), perLead.get(leadId)!);
    const WAIT_STATES = new Set(['WaitForRateLimit', 'DraftWaitForRateLimit']);
    let done = 0;
    const onEvent = (e: { type: string; timestamp?: number; parentState?: { name: string }; state?: { name: string; input?: unknown } }) => {
      const at = e.timestamp ?? Date.now();
      if (e.parentState?.name === 'ProcessBatch' && (e.type === 'MapIterationSucceeded' || e.type === 'MapIterationFailed')) {
        done++;
        return;
      }
      const leadId = (e.state?.input as { leadId?: unknown } | null | undefined)?.leadId;
      if (!e.state || typeof leadId !== 'string') return;
      const lead = leadTimes(leadId);
      const waiting = WAIT_STATES.has(e.state.name);
      if (e.type === 'StateEntered') {
        lead.start ??= at;
        if (waiting) {
          lead.waitStart = at;
          lead.waits++;
        }
      } else if (e.type === 'StateExited' || e.type === 'StateFailed') {
        lead.end = at;
        if (waiting && lead.waitStart !== undefined) {
          lead.waitMs += at - lead.waitStart;
          lead.waitStart = undefined;
        }
      }
    };

    log(`pipeline: ${count} leads, concurrency ${concurrency}, fake Groq ${latencyMs} ms latency, ${tpm.toLocaleString('en-US')} TPM…`);
    const t0 = Date.now();
    const ticker = setInterval(() => {
      const limited = fake.calls.filter((c) => c.status === 429).length;
      log(`pipeline: ${done}/${count} leads done · ${limited} 429s · ${Math.round((Date.now() - t0) / 1000)} s`);
    }, 15_000);
    let summary;
    try {
      summary = await runOnce(rt, { leadsFile, wrap, onEvent: onEvent as never });
    } finally {
      clearInterval(ticker);
    }
    const t1 = Date.now();

    // ---- tokens and the bound ------------------------------------------------------------------
    const committed = await rt.deps.sql.query<{ leads: number; tokens: number }>(
      `SELECT count(DISTINCT lead_id)::int AS leads, COALESCE(sum(prompt_tokens + completion_tokens), 0)::int AS tokens
       FROM llm_call WHERE run_id = :runId::uuid AND research_id IS NOT NULL`,
      { runId: summary.runId },
    );
    const answered = fake.calls.filter((c) => c.status === 200);
    const admittedAt = (c: (typeof answered)[number]) => c.receivedAt + latencyMs;
    const tokensOf = (calls: typeof answered) => calls.reduce((s, c) => s + (c.promptTokens ?? 0) + (c.completionTokens ?? 0), 0);
    const admittedTokens = tokensOf(answered);
    const committedTokens = committed.rows[0].tokens;
    const tokensPerLead = committed.rows[0].leads ? committedTokens / committed.rows[0].leads : NaN;
    // Groq's limits are per model (console.groq.com/docs/rate-limits), and so are the fake's: each
    // model has the whole TPM, and the bound is set by the model that needs the most tokens a lead.
    const byModel = await rt.deps.sql.query<{ model: string; tokens: number }>(
      `SELECT model, COALESCE(sum(prompt_tokens + completion_tokens), 0)::int AS tokens
       FROM llm_call WHERE run_id = :runId::uuid AND research_id IS NOT NULL GROUP BY model ORDER BY tokens DESC, model`,
      { runId: summary.runId },
    );
    const binding = byModel.rows[0] ?? { model: '', tokens: 0 };
    const bindingTokensPerLead = committed.rows[0].leads ? binding.tokens / committed.rows[0].leads : NaN;
    const bound = tpm / bindingTokensPerLead;

    // ---- steady-state window -------------------------------------------------------------------
    const researchOk = handlerCalls.filter((h) => h.state === 'ResearchLead' && !h.error);
    const firstResearchStart = new Map<string, number>();
    for (const h of handlerCalls) if (h.state === 'ResearchLead' && h.leadId && !firstResearchStart.has(h.leadId)) firstResearchStart.set(h.leadId, h.start);
    const tFirst = answered.length ? Math.min(...answered.map(admittedAt)) : t0;
    const saturatedUntil = firstResearchStart.size ? Math.max(...firstResearchStart.values()) : t1;
    const windowStart = tFirst + 60_000;
    const minutes = Math.floor((saturatedUntil - windowStart) / 60_000);
    let steady: PipelineBench['steady'];
    let leadsPerMinute: number;
    let tokenUtilization: number;
    if (minutes >= 1) {
      const windowEnd = windowStart + minutes * 60_000;
      const inWindow = (t: number) => t >= windowStart && t < windowEnd;
      leadsPerMinute = researchOk.filter((h) => inWindow(h.end)).length / minutes;
      tokenUtilization = tokensOf(answered.filter((c) => c.model === binding.model && inWindow(admittedAt(c)))) / (tpm * minutes);
      steady = { fromSeconds: round((windowStart - t0) / 1000, 1), toSeconds: round((windowEnd - t0) / 1000, 1), minutes };
    } else {
      // too short for a steady minute: the whole run against one burst of capacity per started minute
      const lastEnd = researchOk.length ? Math.max(...researchOk.map((h) => h.end)) : t1;
      const span = Math.max(1, Math.ceil((lastEnd - tFirst) / 60_000));
      leadsPerMinute = researchOk.length / span;
      tokenUtilization = tokensOf(answered.filter((c) => c.model === binding.model)) / (tpm * span);
      steady = false;
    }

    // ---- orchestration overhead per lead -------------------------------------------------------
    const handlerMsByLead = new Map<string, number>();
    for (const h of handlerCalls) if (h.leadId) handlerMsByLead.set(h.leadId, (handlerMsByLead.get(h.leadId) ?? 0) + (h.end - h.start));
    const overheads: number[] = [];
    let waitMs = 0;
    let waits = 0;
    for (const [leadId, lead] of perLead) {
      waitMs += lead.waitMs;
      waits += lead.waits;
      if (lead.start === undefined || lead.end === undefined) continue;
      overheads.push(Math.max(0, lead.end - lead.start - (handlerMsByLead.get(leadId) ?? 0) - lead.waitMs));
    }
    const perState = new Map<string, number>();
    for (const h of handlerCalls) if (h.leadId) perState.set(h.state, (perState.get(h.state) ?? 0) + (h.end - h.start));
    const leadsSeen = Math.max(1, new Set(handlerCalls.filter((h) => h.leadId).map((h) => h.leadId)).size);

    const lost = summary.failures.filter((f) => f.error === 'RateLimited' || /rate.?limit/i.test(f.message)).length;
    const limited = fake.calls.filter((c) => c.status === 429).length;
    const wall = (t1 - t0) / 1000;
    return {
      leads: count,
      concurrency,
      latencyMs,
      tokensPerMinute: tpm,
      wallSeconds: round(wall, 1),
      leadsResearched: summary.leadsResearched,
      leadsSkipped: summary.leadsSkipped,
      leadsFailed: summary.leadsFailed,
      tokensPerLead: round(tokensPerLead, 1),
      bindingModel: { model: binding.model, tokensPerLead: round(bindingTokensPerLead, 1) },
      boundLeadsPerMinute: round(bound, 1),
      leadsPerMinute: round(leadsPerMinute, 1),
      boundUtilization: round(leadsPerMinute / bound),
      tokenUtilization: round(tokenUtilization),
      steady,
      wholeRunLeadsPerMinute: round((summary.leadsResearched / wall) * 60, 1),
      tokens: {
        admitted: admittedTokens,
        committed: committedTokens,
        spentTwice: Math.max(0, admittedTokens - committedTokens),
        spentTwiceShare: round(Math.max(0, admittedTokens - committedTokens) / Math.max(1, admittedTokens)),
      },
      llmCalls: { answered: answered.length, rateLimited: limited, perResearchedLead: round(answered.length / Math.max(1, summary.leadsResearched), 2) },
      responses429: limited,
      rateLimitWaits: waits,
      meanRateLimitWaitSeconds: round(waits ? waitMs / waits / 1000 : 0, 2),
      researchAttemptsPerLead: round(handlerCalls.filter((h) => h.state === 'ResearchLead').length / leadsSeen, 2),
      leadsLostTo429: lost,
      orchestrationOverheadMsPerLead: msSummary(overheads),
      handlerMsPerLead: Object.fromEntries([...perState.entries()].map(([state, ms]) => [state, round(ms / leadsSeen, 1)])),
      baselineRssMb: round(baselineRss / 1048576, 0),
      peakRssMb: round(memory.rss / 1048576, 0),
      peakHeapMb: round(memory.heap / 1048576, 0),
    };
  } finally {
    memory.stop();
    await rt.close();
    await fake.close();
    await rm(home, { recursive: true, force: true });
  }
}

/** The benchmark's figures as text. */
export function formatPipeline(r: PipelineBench): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    `Pipeline: ${n(r.leads)} synthetic leads through the local state machine in ${r.wallSeconds} s (concurrency ${r.concurrency}; fake Groq ${r.latencyMs} ms, ${n(r.tokensPerMinute)} TPM)`,
    `  researched ${n(r.leadsResearched)} · skipped ${n(r.leadsSkipped)} · failed ${n(r.leadsFailed)} · lost to 429: ${r.leadsLostTo429}`,
    `  bound ${r.boundLeadsPerMinute} leads/min (${n(r.bindingModel.tokensPerLead)} tokens a lead on ${r.bindingModel.model}, each model's TPM its own; ${n(r.tokensPerLead)} in all) · steady state ${r.leadsPerMinute} leads/min = ${pct(r.boundUtilization)} of the bound` +
      (r.steady ? ` (minutes ${r.steady.fromSeconds}–${r.steady.toSeconds} s)` : ' (run too short for a steady minute: whole run)'),
    `  limiter busy ${pct(r.tokenUtilization)} · tokens spent twice ${pct(r.tokens.spentTwiceShare)} (${n(r.tokens.spentTwice)} of ${n(r.tokens.admitted)}) · whole run ${r.wholeRunLeadsPerMinute} leads/min`,
    `  429s ${n(r.responses429)} · rate-limit waits ${n(r.rateLimitWaits)} (mean ${r.meanRateLimitWaitSeconds} s) · research attempts per lead ${r.researchAttemptsPerLead} · LLM calls per lead ${r.llmCalls.perResearchedLead}`,
    `  orchestration overhead per lead: median ${r.orchestrationOverheadMsPerLead.median} ms · mean ${r.orchestrationOverheadMsPerLead.mean} ms · p95 ${r.orchestrationOverheadMsPerLead.p95} ms`,
    `  inside handlers per lead: ${Object.entries(r.handlerMsPerLead).map(([k, v]) => `${k} ${v} ms`).join(' · ')}`,
    `  peak RSS ${r.peakRssMb} MB (${r.baselineRssMb} MB before the run: PGlite, the sample web, the fake) · peak JS heap ${r.peakHeapMb} MB`,
  ].join('\n');
}

function argNumber(args: string[], flag: string): number | undefined {
  const i = args.indexOf(flag);
  if (i < 0 || i + 1 >= args.length) return undefined;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${flag} takes a positive number`);
  return v;
}

/** Options from command-line flags (shared with bench/run.ts). */
export function pipelineOptionsFromArgs(args: string[]): PipelineBenchOptions {
  return {
    leads: argNumber(args, '--leads'),
    concurrency: argNumber(args, '--concurrency'),
    latencyMs: argNumber(args, '--latency'),
    tokensPerMinute: argNumber(args, '--tpm'),
    targetLeadsPerMinute: argNumber(args, '--target'),
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const args = process.argv.slice(2);
  const result = await benchPipeline(pipelineOptionsFromArgs(args));
  console.log(args.includes('--json') ? JSON.stringify(result, null, 2) : formatPipeline(result));
}
