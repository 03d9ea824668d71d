/**
 * Cleanup benchmark: the project's cleaner (linkedom + Readability, homepage-aware) against the
 * jsdom + Readability baseline on the corpus of real pages. Each pass of each side runs in its own
 * child process, so peak memory is measured per side in the same run; sides alternate between
 * passes and each figure is the median over passes. Peak RSS of a GC'd process depends on when
 * major collections happen to fall, so a single pass can read up to ~1.8x its usual peak; the
 * worst pass is reported too.
 *
 *   npx tsx bench/cleanup.ts [--json] [--limit N] [--passes N]
 *
 * Targets: ≥ 6× jsdom's pages/s, ≤ 1/3 of its peak memory, mean word F1 ≥ 0.99 vs expected.html.
 * Exits 1 when a target is missed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DOMParser } from 'linkedom';
import type { Side, WorkerResult } from './cleanup-worker.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORKER = join(ROOT, 'bench', 'cleanup-worker.ts');
/** Default corpus: the shared copy of Readability's test pages next to the repository (`PROSPECTOR_CORPUS_DIR` names another). */
export const DEFAULT_CORPUS_DIR = process.env.PROSPECTOR_CORPUS_DIR ?? resolve(ROOT, '..', 'shared', 'corpus', 'web-pages');

export const TARGETS = { speedupVsJsdom: 6, memoryRatioVsJsdom: 1 / 3, f1: 0.99 } as const;

export interface SideFigures {
  /** median over passes, wall clock */
  pagesPerSec: number;
  /** median over passes, per CPU-second of the process (less sensitive to other load on the machine) */
  cpuPagesPerSec: number;
  /** over every page of every pass */
  p95Ms: number;
  /** median over passes */
  peakRssMb: number;
  /** highest peak of any pass */
  worstPeakRssMb: number;
}

export interface CleanupBench {
  pages: number;
  passes: number;
  project: SideFigures;
  jsdom: SideFigures;
  speedupVsJsdom: number;
  /** the same ratio on CPU time */
  cpuSpeedupVsJsdom: number;
  /** project peak RSS over jsdom peak RSS */
  memoryRatioVsJsdom: number;
  /** mean word-level F1 of the project's text vs the text of expected.html */
  f1: number;
  /** the same for jsdom + Readability's article content */
  jsdomF1: number;
  /** pages where the project scores below the F1 target, with jsdom's score for comparison */
  pagesBelowTarget: { name: string; f1: number; jsdomF1: number }[];
  /** the project produced the same text for every page in every pass */
  deterministic: boolean;
  /** 1-minute load average when the run started, and the machine's core count */
  load: { average: number; cores: number };
}

export interface BenchOptions {
  corpusDir?: string;
  /** first N pages (sorted by name); default all */
  limit?: number;
  /** passes over the pages per side, each in a fresh process; default 3 */
  passes?: number;
}

// ---------------------------------------------------------------------------------------------
// Word-level F1

const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'br', 'caption', 'dd', 'details', 'div', 'dl', 'dt', 'figcaption', 'figure',
  'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table',
  'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);

interface TextNode {
  nodeType: number;
  localName?: string;
  data?: string;
  firstChild: TextNode | null;
  nextSibling: TextNode | null;
}

function textOf(node: TextNode): string {
  let out = '';
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 3) out += c.data ?? '';
    else if (c.nodeType === 1) {
      // block boundaries separate words the way a browser lays them out
      const block = BLOCK.has(c.localName ?? '');
      if (block) out += ' ';
      out += textOf(c);
      if (block) out += ' ';
    }
  }
  return out;
}

/** Text of an HTML fragment with tags stripped (block elements become word breaks). */
export function htmlToText(html: string): string {
  const doc = new DOMParser().parseFromString(`<!doctype html><html><body>${html}</body></html>`, 'text/html') as unknown as {
    body: TextNode;
  };
  return textOf(doc.body);
}

/** Lower-cased words, split on anything that is not a letter or digit. */
export function words(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** Harmonic mean of precision and recall over word multisets. */
export function wordF1(candidate: string[], reference: string[]): number {
  if (!candidate.length && !reference.length) return 1;
  const counts = new Map<string, number>();
  for (const w of reference) counts.set(w, (counts.get(w) ?? 0) + 1);
  let common = 0;
  for (const w of candidate) {
    const k = counts.get(w);
    if (k) {
      common++;
      counts.set(w, k - 1);
    }
  }
  if (!common) return 0;
  const precision = common / candidate.length;
  const recall = common / reference.length;
  return (2 * precision * recall) / (precision + recall);
}

// ---------------------------------------------------------------------------------------------

function runWorker(side: Side, corpusDir: string, limit: number, passes: number, outDir: string): Promise<WorkerResult> {
  const outFile = join(outDir, `${side}.json`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, side, corpusDir, String(limit), String(passes), outFile], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0 || !existsSync(outFile)) reject(new Error(`${side} worker exited with code ${code}`));
      else resolvePromise(JSON.parse(readFileSync(outFile, 'utf8')) as WorkerResult);
    });
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function median(values: number[]): number {
  return percentile(values, 0.5);
}

function figures(runs: WorkerResult[]): SideFigures {
  const pages = runs[0].pages.length;
  const peaks = runs.map((r) => r.peakRssMb);
  return {
    pagesPerSec: median(runs.map((r) => pages / (median(r.passMs) / 1000))),
    cpuPagesPerSec: median(runs.map((r) => pages / (median(r.passCpuMs) / 1000))),
    p95Ms: percentile(runs.flatMap((r) => r.pages.flatMap((p) => p.ms)), 0.95),
    peakRssMb: median(peaks),
    worstPeakRssMb: Math.max(...peaks),
  };
}

/** Run both sides over the corpus and compare speed, peak memory and word F1. */
export async function benchCleanup(options: BenchOptions = {}): Promise<CleanupBench> {
  const corpusDir = resolve(options.corpusDir ?? DEFAULT_CORPUS_DIR);
  if (!existsSync(corpusDir)) throw new Error(`corpus not found: ${corpusDir}`);
  const limit = Math.max(0, Math.floor(options.limit ?? 0));
  const passes = Math.max(1, Math.floor(options.passes ?? 3));
  const outDir = mkdtempSync(join(tmpdir(), 'bench-cleanup-'));
  const load = { average: loadavg()[0], cores: availableParallelism() };
  try {
    const projectRuns: WorkerResult[] = [];
    const jsdomRuns: WorkerResult[] = [];
    // one process at a time (two would compete for the cores), alternating sides so drift in
    // machine load hits both alike
    for (let pass = 0; pass < passes; pass++) {
      projectRuns.push(await runWorker('project', corpusDir, limit, 1, outDir));
      jsdomRuns.push(await runWorker('jsdom', corpusDir, limit, 1, outDir));
    }
    const project = projectRuns[0];
    const jsdom = jsdomRuns[0];
    const deterministic = projectRuns.every((r) => r.pages.every((p, i) => p.text === project.pages[i].text));

    const scored = project.pages.map((page, i) => {
      const expectedFile = join(corpusDir, page.name, 'expected.html');
      const reference = existsSync(expectedFile) ? words(htmlToText(readFileSync(expectedFile, 'utf8'))) : null;
      return {
        name: page.name,
        f1: reference ? wordF1(words(page.text), reference) : NaN,
        jsdomF1: reference ? wordF1(words(htmlToText(jsdom.pages[i]?.text ?? '')), reference) : NaN,
      };
    });
    const withRef = scored.filter((s) => !Number.isNaN(s.f1));
    const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

    const p = figures(projectRuns);
    const j = figures(jsdomRuns);
    return {
      pages: project.pages.length,
      passes,
      project: p,
      jsdom: j,
      speedupVsJsdom: p.pagesPerSec / j.pagesPerSec,
      cpuSpeedupVsJsdom: p.cpuPagesPerSec / j.cpuPagesPerSec,
      memoryRatioVsJsdom: p.peakRssMb / j.peakRssMb,
      f1: mean(withRef.map((s) => s.f1)),
      jsdomF1: mean(withRef.map((s) => s.jsdomF1)),
      pagesBelowTarget: withRef.filter((s) => s.f1 < TARGETS.f1).sort((a, b) => a.f1 - b.f1),
      deterministic,
      load,
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** True when every target is met. */
export function meetsTargets(r: CleanupBench): boolean {
  return r.speedupVsJsdom >= TARGETS.speedupVsJsdom && r.memoryRatioVsJsdom <= TARGETS.memoryRatioVsJsdom && r.f1 >= TARGETS.f1 && r.deterministic;
}

function formatTable(r: CleanupBench): string {
  const row = (name: string, s: SideFigures, f1: number): string =>
    `${name.padEnd(22)}${s.pagesPerSec.toFixed(1).padStart(9)}${s.p95Ms.toFixed(0).padStart(9)}${s.peakRssMb.toFixed(0).padStart(14)}${s.worstPeakRssMb.toFixed(0).padStart(12)}${f1.toFixed(4).padStart(10)}`;
  const mark = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
  const lines = [
    `Cleanup benchmark: ${r.pages} pages, ${r.passes} pass(es) per side, each in a fresh process; medians over passes`,
    '',
    `${'side'.padEnd(22)}${'pages/s'.padStart(9)}${'p95 ms'.padStart(9)}${'peak RSS MB'.padStart(14)}${'worst MB'.padStart(12)}${'word F1'.padStart(10)}`,
    row('project (linkedom)', r.project, r.f1),
    row('jsdom + Readability', r.jsdom, r.jsdomF1),
    '',
    `speed vs jsdom:  ${r.speedupVsJsdom.toFixed(2)}x   (target >= ${TARGETS.speedupVsJsdom}x)  ${mark(r.speedupVsJsdom >= TARGETS.speedupVsJsdom)}   on CPU time: ${r.cpuSpeedupVsJsdom.toFixed(2)}x (${r.project.cpuPagesPerSec.toFixed(1)} vs ${r.jsdom.cpuPagesPerSec.toFixed(1)} pages per CPU-second)`,
    `memory vs jsdom: ${r.memoryRatioVsJsdom.toFixed(2)}    (target <= 0.33)  ${mark(r.memoryRatioVsJsdom <= TARGETS.memoryRatioVsJsdom)}`,
    `word F1:         ${r.f1.toFixed(4)}  (target >= ${TARGETS.f1})  ${mark(r.f1 >= TARGETS.f1)}`,
    `deterministic:   ${r.deterministic ? 'yes' : 'NO'} (same text in every pass)`,
  ];
  if (r.load.average > r.load.cores) {
    lines.push('', `note: load average ${r.load.average.toFixed(1)} on ${r.load.cores} cores when the run started; wall-clock figures are noisy`);
  }
  if (r.pagesBelowTarget.length) {
    lines.push('', `pages below F1 ${TARGETS.f1}:`);
    for (const p of r.pagesBelowTarget) lines.push(`  ${p.name.padEnd(40)} project ${p.f1.toFixed(4)}   jsdom ${p.jsdomF1.toFixed(4)}`);
  }
  return lines.join('\n');
}

function argValue(args: string[], flag: string): number | undefined {
  const i = args.indexOf(flag);
  if (i < 0 || i + 1 >= args.length) return undefined;
  const n = Number(args[i + 1]);
  return Number.isFinite(n) ? n : undefined;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const args = process.argv.slice(2);
  const result = await benchCleanup({ limit: argValue(args, '--limit'), passes: argValue(args, '--passes') });
  console.log(args.includes('--json') ? JSON.stringify(result, null, 2) : formatTable(result));
  if (!meetsTargets(result)) process.exitCode = 1;
}
