/**
 * Startup benchmark: how long `prospector --help` takes from a cold process, as a user types it
 * (`npx prospector --help`, which resolves the package's bin and starts it) and as the bin alone
 * (`node local/bin/prospector.mjs --help`, what `npm run prospector` and the npx shim end up
 * running). One start first warms the TypeScript loader's on-disk cache, as any earlier command
 * would have; then each variant is started `--starts` times and its median and fastest reported.
 *
 *   node local/bin/run-ts.mjs bench/startup.ts [--json] [--starts N]
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = resolve(ROOT, 'local', 'bin', 'prospector.mjs');

export interface StartupVariant {
  command: string;
  starts: number;
  medianMs: number;
  minMs: number;
}

export interface StartupBench {
  /** `npx prospector --help` in the repository */
  npx: StartupVariant;
  /** `node local/bin/prospector.mjs --help` */
  bin: StartupVariant;
  /** load average over the last minute when the benchmark ended (other work on the machine) */
  loadAverage1m: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function time(command: string, file: string, args: string[], starts: number): StartupVariant {
  const ms: number[] = [];
  for (let i = 0; i < starts; i++) {
    const t0 = performance.now();
    const r = spawnSync(file, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    const took = performance.now() - t0;
    if (r.status !== 0 || !r.stdout.includes('Usage: prospector')) {
      throw new Error(`\`${command}\` failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(0, 500)}`);
    }
    ms.push(took);
  }
  return { command, starts, medianMs: Math.round(median(ms)), minMs: Math.round(Math.min(...ms)) };
}

/** Times `prospector --help` through npx and through the bin directly. */
export async function benchStartup(options: { starts?: number } = {}): Promise<StartupBench> {
  const starts = options.starts ?? 5;
  time('warm-up', process.execPath, [BIN, '--help'], 1);
  const { loadavg } = await import('node:os');
  const npx = time('npx prospector --help', 'npx', ['--no-install', 'prospector', '--help'], starts);
  const bin = time('node local/bin/prospector.mjs --help', process.execPath, [BIN, '--help'], starts);
  return { npx, bin, loadAverage1m: Number(loadavg()[0].toFixed(2)) };
}

/** The figures as text. */
export function formatStartup(s: StartupBench): string {
  const line = (v: StartupVariant) => `  ${v.command.padEnd(40)} median ${v.medianMs} ms · fastest ${v.minMs} ms (${v.starts} starts)`;
  return [`Startup (load average ${s.loadAverage1m}):`, line(s.npx), line(s.bin)].join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const i = process.argv.indexOf('--starts');
  const result = await benchStartup({ starts: i > 0 ? Number(process.argv[i + 1]) : undefined });
  process.stdout.write(`${process.argv.includes('--json') ? JSON.stringify(result) : formatStartup(result)}\n`);
}
