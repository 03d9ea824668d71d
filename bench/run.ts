/**
 * `npm run bench`: every benchmark in one run, each reporting ratios measured in that same run.
 *
 *   npm run bench                          # all three, as text
 *   npm run bench -- --json                # one JSON object on stdout (progress on stderr)
 *   npm run bench -- --only pipeline --leads 200
 *   npm run bench -- --only cleanup,tokens --pages 10 --passes 1
 *   npm run bench -- --only startup --starts 10
 *   npm run bench -- --only scale --leads 20000   # lead manifest at scale: accounted for, memory, overhead
 *   npm run bench -- --only data-api           # Data API calls a lead, by operation and by step
 *
 * Flags: --only cleanup|tokens|pipeline|startup|scale|data-api (comma-separated or repeated),
 * --leads N (pipeline and scale: leads; data-api: the lead directory's first N entries),
 * --concurrency N, --latency MS, --tpm N, --target LEADS_PER_MIN (pipeline), --pages N and
 * --passes N (cleanup corpus size and passes per side), --starts N (startup: starts per variant),
 * --sites N (tokens: one lead at each of the first N sample sites instead of the onboarding's search).
 *
 * The tokens and pipeline benchmarks each run in a child process of their own, so one's peak
 * memory is not the other's leftovers; the cleanup benchmark starts a process per pass itself.
 */
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchCleanup, type CleanupBench } from './cleanup.ts';
import { benchPipeline, formatPipeline, pipelineOptionsFromArgs, type PipelineBench } from './pipeline.ts';
import { benchTokens, formatTokens, type TokensBench } from './tokens.ts';
import { benchScale, formatScale, scaleOptionsFromArgs, type ScaleBench } from './scale.ts';
import { benchStartup, formatStartup, type StartupBench } from './startup.ts';
import { benchDataApiCalls, dataApiCallsOptionsFromArgs, formatDataApiCalls, type DataApiCallsBench } from './data-api-calls.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BENCHMARKS = ['cleanup', 'tokens', 'pipeline', 'startup', 'scale', 'data-api'] as const;
/**
 * What a bare `npm run bench` runs: scale takes minutes per thousand leads, and data-api counts
 * calls rather than timing anything, so they run only when named.
 */
export const DEFAULT_BENCHMARKS: BenchName[] = ['cleanup', 'tokens', 'pipeline', 'startup'];
export type BenchName = (typeof BENCHMARKS)[number];

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  arch: string;
}

export interface BenchReport {
  machine: Machine;
  startedAt: string;
  seconds: number;
  cleanup?: CleanupBench;
  tokens?: TokensBench;
  pipeline?: PipelineBench;
  startup?: StartupBench;
  scale?: ScaleBench;
  dataApi?: DataApiCallsBench;
  /** the targets each benchmark is held to, where one ran */
  checks: Record<string, boolean>;
}

/** What this machine is, for reading the figures. */
export function machine(): Machine {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Number((totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
  };
}

interface Args {
  json: boolean;
  only: BenchName[];
  pages?: number;
  passes?: number;
  starts?: number;
  /** tokens: one lead at each of the first N sample sites */
  sites?: number;
  pipelineArgs: string[];
}

/** Parses the command line; unknown flags and bad values are errors, not silently ignored. */
export function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, only: [], pipelineArgs: [] };
  const number = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n <= 0) throw new Error(`${flag} takes a positive number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--only') {
      for (const name of (argv[++i] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
        if (!(BENCHMARKS as readonly string[]).includes(name)) throw new Error(`--only takes ${BENCHMARKS.join('|')}, not "${name}"`);
        args.only.push(name as BenchName);
      }
    } else if (a === '--pages') args.pages = number(a, argv[++i]);
    else if (a === '--passes') args.passes = number(a, argv[++i]);
    else if (a === '--starts') args.starts = number(a, argv[++i]);
    else if (a === '--sites') args.sites = number(a, argv[++i]);
    else if (['--leads', '--concurrency', '--latency', '--tpm', '--target', '--batch', '--site-pages'].includes(a)) args.pipelineArgs.push(a, String(number(a, argv[++i])));
    else throw new Error(`unknown flag ${a}: use --json, --only ${BENCHMARKS.join('|')}, --leads, --concurrency, --latency, --tpm, --target, --batch, --site-pages, --pages, --passes, --starts, --sites`);
  }
  if (!args.only.length) args.only = [...DEFAULT_BENCHMARKS];
  return args;
}

/** Runs `bench/<name>.ts --json` in its own process and parses the one JSON object it prints. */
function runIsolated<T>(name: string, extra: string[]): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    // with the V8 settings of the CLI and of this command (local/bin/v8-flags.mjs)
    const child = spawn(process.execPath, ['--import', join(ROOT, 'local', 'bin', 'v8-flags.mjs'), '--import', 'tsx', join(ROOT, 'bench', `${name}.ts`), '--json', ...extra], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${name} benchmark exited with code ${code}`));
      try {
        resolvePromise(JSON.parse(out) as T);
      } catch (error) {
        reject(new Error(`${name} benchmark printed no JSON: ${(error as Error).message}`));
      }
    });
  });
}

export interface RunOptions {
  /**
   * Run the tokens, pipeline and scale benchmarks each in a process of its own (default), so
   * that one's peak memory is not another's leftovers. `false` runs them in this process, with
   * the same options: the figures are the same in kind, the memory ones include this process's.
   */
  isolate?: boolean;
  /**
   * startup: the PROSPECTOR_HOME to onboard the sample into and time `runs` on, one whose
   * database is already migrated (a new empty home otherwise: its first command runs initdb and
   * every migration, seconds of CPU that are not what the benchmark times).
   */
  startupHome?: string;
}

/** Runs the selected benchmarks in order (cleanup, tokens, pipeline) and collects their figures. */
export async function runBenchmarks(args: Args, log: (line: string) => void, options: RunOptions = {}): Promise<BenchReport> {
  const isolate = options.isolate ?? true;
  const started = Date.now();
  const report: BenchReport = { machine: machine(), startedAt: new Date(started).toISOString(), seconds: 0, checks: {} };
  if (args.only.includes('cleanup')) {
    log('cleanup: the project cleaner vs jsdom + Readability on the shared corpus…');
    report.cleanup = await benchCleanup({ limit: args.pages, passes: args.passes });
    report.checks.cleanupSpeedupAtLeast6x = report.cleanup.speedupVsJsdom >= 6;
    report.checks.cleanupMemoryAtMostAThird = report.cleanup.memoryRatioVsJsdom <= 1 / 3;
    report.checks.cleanupF1AtLeast099 = report.cleanup.f1 >= 0.99;
  }
  if (args.only.includes('tokens')) {
    report.tokens = isolate
      ? await runIsolated<TokensBench>('tokens', args.sites ? ['--sites', String(args.sites)] : [])
      : await benchTokens({ sites: args.sites, log });
  }
  if (args.only.includes('pipeline')) {
    report.pipeline = isolate ? await runIsolated<PipelineBench>('pipeline', args.pipelineArgs) : await benchPipeline({ ...pipelineOptionsFromArgs(args.pipelineArgs), log });
    report.checks.pipelineLeadsLostTo429IsZero = report.pipeline.leadsLostTo429 === 0;
    // only a run with a steady-state window says anything about the bound
    if (report.pipeline.steady) {
      report.checks.pipelineBoundUtilizationAtLeast85 = report.pipeline.boundUtilization >= 0.85;
      // past the bound means the bound is computed wrong (the limits are per model), not a fast run
      report.checks.pipelineBoundUtilizationAtMost105 = report.pipeline.boundUtilization <= 1.05;
    }
  }
  if (args.only.includes('scale')) {
    report.scale = isolate ? await runIsolated<ScaleBench>('scale', args.pipelineArgs) : await benchScale({ ...scaleOptionsFromArgs(args.pipelineArgs), log });
    report.checks.scaleEveryLeadAccountedFor = report.scale.accountedFor === report.scale.leads;
  }
  if (args.only.includes('data-api')) {
    report.dataApi = isolate ? await runIsolated<DataApiCallsBench>('data-api-calls', args.pipelineArgs) : await benchDataApiCalls({ ...dataApiCallsOptionsFromArgs(args.pipelineArgs), log });
    // the run drafts (the sample's mix drafts half its leads): a step that fails on the Data API shows here
    report.checks.dataApiLeadsDrafted = report.dataApi.leadsDrafted > 0;
  }
  if (args.only.includes('startup')) {
    log('startup: prospector --help from a cold process…');
    report.startup = await benchStartup({ starts: args.starts, home: options.startupHome });
    report.checks.startupHelpUnder1s = report.startup.npx.medianMs < 1000;
  }
  report.seconds = Number(((Date.now() - started) / 1000).toFixed(1));
  return report;
}

/** The report as text. */
export function formatReport(r: BenchReport): string {
  const m = r.machine;
  const out = [`Machine: ${m.cpuModel} · ${m.cores} cores · ${m.memoryGiB} GiB · Node ${m.node} · ${m.platform}/${m.arch}`, ''];
  if (r.cleanup) {
    const c = r.cleanup;
    out.push(
      `Cleanup: ${c.pages} pages, ${c.passes} pass(es) per side`,
      `  project ${c.project.pagesPerSec.toFixed(1)} pages/s (p95 ${c.project.p95Ms.toFixed(0)} ms, peak ${c.project.peakRssMb.toFixed(0)} MB) · jsdom ${c.jsdom.pagesPerSec.toFixed(1)} pages/s (p95 ${c.jsdom.p95Ms.toFixed(0)} ms, peak ${c.jsdom.peakRssMb.toFixed(0)} MB)`,
      `  speed ${c.speedupVsJsdom.toFixed(2)}x jsdom · memory ${c.memoryRatioVsJsdom.toFixed(2)} of jsdom's · word F1 ${c.f1.toFixed(4)} (jsdom ${c.jsdomF1.toFixed(4)})`,
      '',
    );
  }
  if (r.tokens) out.push(formatTokens(r.tokens), '');
  if (r.pipeline) out.push(formatPipeline(r.pipeline), '');
  if (r.startup) out.push(formatStartup(r.startup), '');
  if (r.scale) out.push(formatScale(r.scale), '');
  if (r.dataApi) out.push(formatDataApiCalls(r.dataApi), '');
  const checks = Object.entries(r.checks);
  if (checks.length) out.push(`Checks: ${checks.map(([k, ok]) => `${k} ${ok ? 'ok' : 'MISSED'}`).join(' · ')}`);
  out.push(`Total ${r.seconds} s`);
  return out.join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const report = await runBenchmarks(args, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${args.json ? JSON.stringify(report) : formatReport(report)}\n`);
}
