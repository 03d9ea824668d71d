/**
 * Scale benchmark: many synthetic leads through the LOCAL STATE MACHINE (the real ASL, its lead
 * Map reading the run's JSONL manifest a window at a time, batches of `leadBatchSize` leads per
 * child), real handlers, PGlite in a temporary PROSPECTOR_HOME, the sample web on loopback and
 * the real Groq adapter against the fake Groq server at fast settings (short latency, a limit no
 * run reaches). It answers: is every lead accounted for, does memory stay flat as the lead count
 * grows, and what does orchestration cost per lead?
 *
 * The figures:
 * - `accountedFor`: leads whose run_lead ended researched, skipped or failed, against the leads
 *   given (must be equal; `pending` or mid-pipeline leads would be lost leads);
 * - `peakRssMb` and `baselineRssMb` (RSS once the database is open and onboarded): the run's own
 *   growth is the difference. Sampled every 100 ms;
 * - orchestration overhead per lead: the lead's inner Map iteration wall time minus the time
 *   inside its handlers (interpreter, JSONPath, Pass and Choice states, scheduling), median,
 *   mean and p95; and `manifestReadMsPerLead`, the local ItemReader's time over the leads.
 *
 * Nothing here keeps per-lead state beyond the leads in flight: handler time is summed per lead
 * only until its iteration ends, and the fake's recorded calls are counted and dropped each second.
 *
 *   node local/bin/run-ts.mjs bench/scale.ts [--json] [--leads N] [--concurrency N] [--batch N] [--latency MS] [--site-pages N]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { StepHandler } from '#handlers/runtime.ts';
import { openLocal, runOnce } from '#local/runner.ts';
import { localReaderStates } from '#local/state-machine.ts';
import { startFakeGroq } from '#test/fakes/fake-groq.ts';
import { MemoryPeaks, msSummary } from './measure.ts';
import { syntheticLeads } from './pipeline.ts';
import { SAMPLE_ONBOARDING } from './tokens.ts';

export interface ScaleBenchOptions {
  /** synthetic leads (default 2000) */
  leads?: number;
  /** PROSPECTOR_LEAD_CONCURRENCY: lead Map children at once (default 8) */
  concurrency?: number;
  /** PROSPECTOR_LEAD_BATCH_SIZE: leads per child (default 10) */
  batch?: number;
  /** the fake's delay before each answer (default 5 ms) */
  latencyMs?: number;
  /** PROSPECTOR_MAX_PAGES: pages fetched a site (default the pipeline's, 6); fewer keeps a 20,000-lead run within the hour on a busy 2-core machine */
  sitePages?: number;
  log?: (line: string) => void;
}

export interface ScaleBench {
  leads: number;
  concurrency: number;
  batch: number;
  latencyMs: number;
  /** pages fetched a site (PROSPECTOR_MAX_PAGES), when set */
  sitePages: number | null;
  wallSeconds: number;
  leadsPerSecond: number;
  leadsResearched: number;
  leadsSkipped: number;
  leadsFailed: number;
  /** leads that reached a final status (researched, skipped, failed) */
  accountedFor: number;
  /** run_lead statuses that are not final, by status (must be empty) */
  unfinished: Record<string, number>;
  manifestWindows: number;
  manifestReadMsPerLead: number;
  orchestrationOverheadMsPerLead: { median: number; mean: number; p95: number };
  llmCalls: number;
  baselineRssMb: number;
  peakRssMb: number;
  /** peak minus baseline: what the run itself added */
  runRssMb: number;
  peakHeapMb: number;
}

const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

/** Runs the benchmark end to end and returns its figures. */
export async function benchScale(options: ScaleBenchOptions = {}): Promise<ScaleBench> {
  const count = options.leads ?? 2000;
  const concurrency = options.concurrency ?? 8;
  const batch = options.batch ?? 10;
  const latencyMs = options.latencyMs ?? 5;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const fake = await startFakeGroq({ latencyMs, tokensPerMinute: 1_000_000_000 });
  let llmCalls = 0;
  // The fake records every request body; count and drop them so only the pipeline's memory is measured.
  const drain = setInterval(() => {
    llmCalls += fake.calls.length;
    fake.calls.length = 0;
  }, 1000);
  const home = await mkdtemp(join(tmpdir(), 'bench-scale-'));
  const memory = new MemoryPeaks();
  const rt = await openLocal({
    env: {
      PROSPECTOR_HOME: home,
      PROSPECTOR_LOG_LEVEL: 'silent',
      PROSPECTOR_LEAD_CONCURRENCY: String(concurrency),
      PROSPECTOR_LEAD_BATCH_SIZE: String(batch),
      PROSPECTOR_HOST_DELAY_MS: '0',
      PROSPECTOR_FETCH_TIMEOUT_MS: '5000',
      ...(options.sitePages ? { PROSPECTOR_MAX_PAGES: String(options.sitePages) } : {}),
    },
    llm: new GroqLlm({ apiKey: 'gsk_bench_not_a_key', baseURL: fake.baseURL, timeoutMs: 60_000 }),
  });
  try {
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    const leadsFile = join(home, 'bench-leads.json');
    await writeFile(leadsFile, JSON.stringify(syntheticLeads(count)));
    const baselineRss = process.memoryUsage().rss;
    memory.resetRss(baselineRss);

    const reader = localReaderStates('ProcessLeads').read;
    const inFlightHandlerMs = new Map<string, number>();
    let readerMs = 0;
    let windows = 0;
    const wrap = (state: string, fn: StepHandler): StepHandler => async (event) => {
      const start = performance.now();
      try {
        return await fn(event);
      } finally {
        const ms = performance.now() - start;
        const leadId = (event as { leadId?: string } | null)?.leadId;
        if (state === reader) {
          readerMs += ms;
          windows++;
        } else if (leadId) inFlightHandlerMs.set(leadId, (inFlightHandlerMs.get(leadId) ?? 0) + ms);
      }
    };
    const started = new Map<string, number>();
    const overheads: number[] = [];
    let done = 0;
    const onEvent = (e: { type: string; index?: number; parentState?: { name: string; input?: unknown } }) => {
      if (e.parentState?.name !== 'ProcessBatch' || typeof e.index !== 'number') return;
      const leadId = (e.parentState.input as { Items?: { leadId: string }[] } | undefined)?.Items?.[e.index]?.leadId;
      if (!leadId) return;
      if (e.type === 'MapIterationStarted') started.set(leadId, performance.now());
      else {
        const at = started.get(leadId);
        if (at !== undefined) overheads.push(Math.max(0, performance.now() - at - (inFlightHandlerMs.get(leadId) ?? 0)));
        started.delete(leadId);
        inFlightHandlerMs.delete(leadId);
        done++;
      }
    };

    log(`scale: ${count} leads, ${concurrency} children at once, ${batch} leads a child, fake Groq ${latencyMs} ms…`);
    const t0 = performance.now();
    const ticker = setInterval(() => {
      log(`scale: ${done}/${count} leads done · ${Math.round((performance.now() - t0) / 1000)} s · RSS ${Math.round(process.memoryUsage().rss / 1048576)} MB`);
    }, 30_000);
    let summary;
    try {
      summary = await runOnce(rt, { leadsFile, wrap, onEvent: onEvent as never });
    } finally {
      clearInterval(ticker);
    }
    const wall = (performance.now() - t0) / 1000;

    const statuses = await rt.deps.sql.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM run_lead WHERE run_id = :runId::uuid GROUP BY status`,
      { runId: summary.runId },
    );
    const final = new Set(['researched', 'skipped', 'failed']);
    const unfinished = Object.fromEntries(statuses.rows.filter((r) => !final.has(r.status)).map((r) => [r.status, r.n]));
    const accountedFor = statuses.rows.filter((r) => final.has(r.status)).reduce((s, r) => s + r.n, 0);
    llmCalls += fake.calls.length;
    return {
      leads: count,
      concurrency,
      batch,
      latencyMs,
      sitePages: options.sitePages ?? null,
      wallSeconds: round(wall, 1),
      leadsPerSecond: round(count / wall),
      leadsResearched: summary.leadsResearched,
      leadsSkipped: summary.leadsSkipped,
      leadsFailed: summary.leadsFailed,
      accountedFor,
      unfinished,
      manifestWindows: windows,
      manifestReadMsPerLead: round(readerMs / Math.max(1, count), 3),
      orchestrationOverheadMsPerLead: msSummary(overheads),
      llmCalls,
      baselineRssMb: Math.round(baselineRss / 1048576),
      peakRssMb: Math.round(memory.rss / 1048576),
      runRssMb: Math.round((memory.rss - baselineRss) / 1048576),
      peakHeapMb: Math.round(memory.heap / 1048576),
    };
  } finally {
    memory.stop();
    clearInterval(drain);
    await rt.close();
    await fake.close();
    await rm(home, { recursive: true, force: true });
  }
}

/** The benchmark's figures as text. */
export function formatScale(r: ScaleBench): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const open = Object.entries(r.unfinished).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return [
    `Scale: ${n(r.leads)} synthetic leads through the local state machine in ${r.wallSeconds} s (${r.leadsPerSecond} leads/s; ${r.concurrency} children of ${r.batch} leads at once; fake Groq ${r.latencyMs} ms${r.sitePages ? `; ${r.sitePages} page(s) a site` : ''})`,
    `  accounted for ${n(r.accountedFor)} of ${n(r.leads)} (researched ${n(r.leadsResearched)} · skipped ${n(r.leadsSkipped)} · failed ${n(r.leadsFailed)}; unfinished: ${open})`,
    `  manifest read in ${r.manifestWindows} windows, ${r.manifestReadMsPerLead} ms a lead · orchestration overhead per lead: median ${r.orchestrationOverheadMsPerLead.median} ms · mean ${r.orchestrationOverheadMsPerLead.mean} ms · p95 ${r.orchestrationOverheadMsPerLead.p95} ms`,
    `  peak RSS ${r.peakRssMb} MB (${r.baselineRssMb} MB before the run; the run added ${r.runRssMb} MB) · peak JS heap ${r.peakHeapMb} MB · ${n(r.llmCalls)} LLM calls`,
  ].join('\n');
}

function argNumber(args: string[], flag: string): number | undefined {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${flag} takes a positive number`);
  return v;
}

/** Options from command-line flags (shared with bench/run.ts). */
export function scaleOptionsFromArgs(args: string[]): ScaleBenchOptions {
  return { leads: argNumber(args, '--leads'), concurrency: argNumber(args, '--concurrency'), batch: argNumber(args, '--batch'), latencyMs: argNumber(args, '--latency'), sitePages: argNumber(args, '--site-pages') };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const args = process.argv.slice(2);
  const result = await benchScale(scaleOptionsFromArgs(args));
  console.log(args.includes('--json') ? JSON.stringify(result, null, 2) : formatScale(result));
}
