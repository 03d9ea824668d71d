/**
 * One side of the cleanup benchmark, run in its own process so its peak memory is its own:
 *   node --import tsx bench/cleanup-worker.ts <project|jsdom> <corpusDir> <limit> <passes> <outFile>
 * Writes per-page timings, the text to score and the memory high-water mark to <outFile> as JSON.
 * The jsdom side never loads linkedom and the project side never loads jsdom.
 */
import { readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** The URL Readability's own test suite used for these pages. */
export const CORPUS_PAGE_URL = 'http://fakehost/test/page.html';

export type Side = 'project' | 'jsdom';

export interface WorkerResult {
  side: Side;
  pages: { name: string; ms: number[]; text: string }[];
  /** wall time of each pass over all pages, yields and GC included, file reads excluded */
  passMs: number[];
  /** CPU time (user + system, all threads) of each pass, file reads excluded */
  passCpuMs: number[];
  peakRssMb: number;
}

type CleanOne = (html: string) => Promise<string>;

async function projectCleaner(): Promise<CleanOne> {
  const { cleanPage, bodyText } = await import('#core/clean/clean.ts');
  return async (html) => bodyText(await cleanPage(html, CORPUS_PAGE_URL, { kind: 'other' }));
}

async function jsdomCleaner(): Promise<CleanOne> {
  const { JSDOM, VirtualConsole } = await import('jsdom');
  const { Readability } = await import('@mozilla/readability');
  // a silent console: jsdom otherwise prints every stylesheet it cannot parse
  const virtualConsole = new VirtualConsole();
  return async (html) => {
    const dom = new JSDOM(html, { url: CORPUS_PAGE_URL, virtualConsole });
    try {
      const article = new Readability(dom.window.document).parse();
      // textContent is what a jsdom pipeline would hand on; content is kept to score it
      void article?.textContent;
      return article?.content ?? '';
    } finally {
      dom.window.close();
    }
  };
}

/** Run one side over the corpus and report timings, texts and peak memory. */
export async function runSide(side: Side, corpusDir: string, limit: number, passes: number): Promise<WorkerResult> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const clean = side === 'project' ? await projectCleaner() : await jsdomCleaner();
    const names = readdirSync(corpusDir)
      .filter((n) => existsSync(join(corpusDir, n, 'source.html')))
      .sort()
      .slice(0, limit > 0 ? limit : undefined);
    const pages = names.map((name) => ({ name, ms: [] as number[], text: '' }));
    const passMs: number[] = [];
    const passCpuMs: number[] = [];
    for (let pass = 0; pass < passes; pass++) {
      let readMs = 0;
      let readCpuMs = 0;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < names.length; i++) {
        // one page in memory at a time, as in the pipeline; disk time is kept out of the figures
        const r0 = performance.now();
        const rc0 = process.cpuUsage();
        const html = readFileSync(join(corpusDir, names[i], 'source.html'), 'utf8');
        const rc = process.cpuUsage(rc0);
        readCpuMs += (rc.user + rc.system) / 1000;
        const start = performance.now();
        readMs += start - r0;
        const text = await clean(html);
        pages[i].ms.push(performance.now() - start);
        if (pass === passes - 1) pages[i].text = text;
        peak = Math.max(peak, process.memoryUsage().rss);
        // closed documents are freed only once the event loop turns
        await yieldToLoop();
      }
      passMs.push(performance.now() - t0 - readMs);
      const cpu = process.cpuUsage(cpu0);
      passCpuMs.push((cpu.user + cpu.system) / 1000 - readCpuMs);
    }
    // maxRSS is in kilobytes on Linux and macOS
    const maxRss = process.resourceUsage().maxRSS * 1024;
    return { side, pages, passMs, passCpuMs, peakRssMb: Math.max(peak, maxRss) / (1024 * 1024) };
  } finally {
    clearInterval(timer);
  }
}

const [, , sideArg, corpusDir, limitArg, passesArg, outFile] = process.argv;
if (sideArg === 'project' || sideArg === 'jsdom') {
  const result = await runSide(sideArg, corpusDir, Number(limitArg) || 0, Math.max(1, Number(passesArg) || 1));
  writeFileSync(outFile, JSON.stringify(result));
}
