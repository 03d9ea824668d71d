/** Figures the pipeline and scale benchmarks both report, computed one way. */

/** The value at fraction `p` (0–1) of `values` (nearest rank; NaN when empty). */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const tenth = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(1)) : x);

/** Median, mean and 95th percentile of per-lead milliseconds, to a tenth. */
export function msSummary(values: readonly number[]): { median: number; mean: number; p95: number } {
  return {
    median: tenth(percentile(values, 0.5)),
    mean: tenth(values.reduce((s, x) => s + x, 0) / Math.max(1, values.length)),
    p95: tenth(percentile(values, 0.95)),
  };
}

/** Samples this process's RSS and JS heap every 100 ms and keeps the peaks until `stop()`. */
export class MemoryPeaks {
  rss = process.memoryUsage().rss;
  heap = process.memoryUsage().heapUsed;
  readonly #timer = setInterval(() => {
    const m = process.memoryUsage();
    this.rss = Math.max(this.rss, m.rss);
    this.heap = Math.max(this.heap, m.heapUsed);
  }, 100);

  /** Starts the RSS peak again from `rss` (a baseline taken after setup). */
  resetRss(rss: number): void {
    this.rss = rss;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
