/**
 * Runs one local execution in a process of its own, so its peak memory is measured without the
 * test runner's (or PGlite's first-open initdb, done beforehand by the parent). Configured by
 * the JSON in HOSTILE_RUN_CONFIG; prints `HOSTILE_RESULT <json>` as its last stdout line.
 * The socket tripwire is installed before anything can dial.
 */
import '#core/polyfills.ts';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { GuardedWeb } from '#adapters/guarded-web.ts';
import { jsonLog } from '#core/log.ts';
import { openLocal, runOnce } from '#local/runner.ts';
import { fakeResolver, installTripwire } from './support.ts';

/** What the parent passes in. */
export interface ChildConfig {
  home: string;
  leadsFile: string;
  webHost: string;
  webPort: number;
  domains: string[];
  resolve: Record<string, string[]>;
  groqBaseUrl: string;
  apiKey: string;
  leadConcurrency: number;
  fetchTimeoutMs: number;
  llmTimeoutMs: number;
}

/** What the child reports back. */
export interface ChildResult {
  summary: unknown;
  dials: { host: string; port: number }[];
  refused: { host: string; port: number }[];
  resolverAsked: string[];
  retried: { state: string; index?: number }[];
  waits: { state: string; at: number }[];
  elapsedMs: number;
  memory: { rssBeforeOpen: number; rssAfterOpen: number; peakRss: number; maxRssKiB: number };
}

const tripwire = installTripwire();
const cfg = JSON.parse(process.env.HOSTILE_RUN_CONFIG ?? '{}') as ChildConfig;
const resolver = fakeResolver(cfg.resolve);
const rssBeforeOpen = process.memoryUsage().rss;

// Configured as local/runner.ts configures it: the hostile server's exact address and port
// allow-listed, its names mapped with connectTo. Online (names resolved, through a fake
// resolver), which is stricter than the offline default: refusals must come from the guard.
const web = new GuardedWeb({
  allow: [{ address: cfg.webHost, port: cfg.webPort }],
  connectTo: Object.fromEntries(cfg.domains.map((d) => [d, `http://${cfg.webHost}:${cfg.webPort}`])),
  offline: false,
  resolve: resolver.resolve,
  hostDelayMs: 0,
  totalTimeoutMs: cfg.fetchTimeoutMs,
  connectTimeoutMs: 1000,
});
const rt = await openLocal({
  env: { PROSPECTOR_HOME: cfg.home, PROSPECTOR_LEAD_CONCURRENCY: String(cfg.leadConcurrency) },
  web,
  llm: new GroqLlm({ apiKey: cfg.apiKey, baseURL: cfg.groqBaseUrl, timeoutMs: cfg.llmTimeoutMs }),
  log: jsonLog({ level: 'silent' }),
  sampleWeb: false,
});
const rssAfterOpen = process.memoryUsage().rss;
let peakRss = rssAfterOpen;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
const retried: ChildResult['retried'] = [];
const waits: ChildResult['waits'] = [];
const fast = 1;
const started = performance.now();
let summary: unknown;
try {
  summary = await runOnce(rt, {
    leadsFile: cfg.leadsFile,
    // Every Retry fast; the rate-limit Wait keeps its real length, which the test asserts.
    retryIntervalOverrides: Object.fromEntries(
      ['StartRun', 'SearchLeads', 'ListRunLeads', 'FetchSite', 'CleanPages', 'ResearchLead', 'CommitResearch', 'RecordFailure', 'FinishRun'].map((s) => [s, fast]),
    ),
    onEvent: (e) => {
      if (e.type === 'StateRetried') retried.push({ state: e.state?.name ?? '', index: e.index as number | undefined });
      if (e.type === 'StateEntered' && e.state?.name === 'WaitForRateLimit') waits.push({ state: e.state.name, at: Date.now() });
    },
  });
} finally {
  clearInterval(sampler);
  await rt.close();
}
const result: ChildResult = {
  summary,
  dials: tripwire.dials,
  refused: tripwire.refused,
  resolverAsked: resolver.asked,
  retried,
  waits,
  elapsedMs: Math.round(performance.now() - started),
  memory: { rssBeforeOpen, rssAfterOpen, peakRss: Math.max(peakRss, process.memoryUsage().rss), maxRssKiB: process.resourceUsage().maxRSS },
};
process.stdout.write(`HOSTILE_RESULT ${JSON.stringify(result)}\n`);
