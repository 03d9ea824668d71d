/**
 * Startup benchmark: how long `prospector --help` takes from a cold process, as a user types it
 * (`npx prospector --help`, which finds node_modules/.bin/prospector and starts it) and as the
 * bin alone (`node local/bin/prospector.mjs --help`, what `npm run prospector` and the npx shim
 * end up running); and a read-only command (`runs`, on a home holding only the sample seller),
 * which opens the embedded database. The bin and `runs` are timed twice: from the bundle that
 * `npm ci` builds (.build/cli) and from the TypeScript sources through tsx (PROSPECTOR_BUNDLE=0,
 * what runs after an edit until the next build). One start first warms tsx's on-disk cache, as
 * any earlier command would have; then each variant is started `--starts` times and its median
 * and fastest reported.
 *
 *   node local/bin/run-ts.mjs bench/startup.ts [--json] [--starts N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-expect-error: a plain JavaScript module without types (it runs before any loader)
import { freshBundle } from '../local/bin/fresh-bundle.mjs';
// @ts-expect-error: a plain JavaScript module without types
import { linkBin } from '../local/bin/build-cli.mjs';

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
  /** `node local/bin/prospector.mjs --help` (from the bundle when it is fresh) */
  bin: StartupVariant;
  /** the same through tsx (PROSPECTOR_BUNDLE=0) */
  binTsx: StartupVariant;
  /** `prospector runs` on a home with the sample seller onboarded (from the bundle when fresh) */
  runs: StartupVariant;
  /** the same through tsx */
  runsTsx: StartupVariant;
  /** whether the bundle was fresh (else every variant ran through tsx); the reason when not */
  bundle: { fresh: boolean; stale?: string };
  /** load average over the last minute when the benchmark ended (other work on the machine) */
  loadAverage1m: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function time(command: string, file: string, args: string[], starts: number, env: NodeJS.ProcessEnv = {}, expect = 'Usage: prospector'): StartupVariant {
  const ms: number[] = [];
  for (let i = 0; i < starts; i++) {
    const t0 = performance.now();
    const r = spawnSync(file, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', ...env } });
    const took = performance.now() - t0;
    if (r.status !== 0 || !r.stdout.includes(expect)) {
      throw new Error(`\`${command}\` failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(0, 500)}`);
    }
    ms.push(took);
  }
  return { command, starts, medianMs: Math.round(median(ms)), minMs: Math.round(Math.min(...ms)) };
}

/** Times `prospector --help` through npx and through the bin directly. */
export async function benchStartup(options: { starts?: number; home?: string } = {}): Promise<StartupBench> {
  const starts = options.starts ?? 5;
  // `npx prospector` finds the CLI through the link `npm ci` makes (prepare); a checkout whose
  // node_modules came another way gets it here, as `npm run prepare` would make it.
  await (linkBin as () => Promise<string>)();
  const fresh = freshBundle() as { entry?: string; stale?: string };
  const tsx = { PROSPECTOR_BUNDLE: '0' };
  // A home given is the caller's to remove; its database may already be migrated.
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'prospector-startup-'));
  try {
    time('warm-up', process.execPath, [BIN, '--help'], 1, tsx);
    time('onboard', process.execPath, [BIN, 'onboard', '--sample'], 1, { PROSPECTOR_HOME: home }, 'Onboarded');
    const { loadavg } = await import('node:os');
    const npx = time('npx prospector --help', 'npx', ['--no-install', 'prospector', '--help'], starts);
    const bin = time('node local/bin/prospector.mjs --help', process.execPath, [BIN, '--help'], starts);
    const binTsx = time('… --help through tsx', process.execPath, [BIN, '--help'], starts, tsx);
    const runs = time('node local/bin/prospector.mjs runs', process.execPath, [BIN, 'runs'], starts, { PROSPECTOR_HOME: home }, '(no rows)');
    const runsTsx = time('… runs through tsx', process.execPath, [BIN, 'runs'], starts, { ...tsx, PROSPECTOR_HOME: home }, '(no rows)');
    return {
      npx, bin, binTsx, runs, runsTsx,
      bundle: fresh.entry ? { fresh: true } : { fresh: false, stale: fresh.stale },
      loadAverage1m: Number(loadavg()[0].toFixed(2)),
    };
  } finally {
    if (!options.home) rmSync(home, { recursive: true, force: true });
  }
}

/** The figures as text. */
export function formatStartup(s: StartupBench): string {
  const line = (v: StartupVariant) => `  ${v.command.padEnd(40)} median ${v.medianMs} ms · fastest ${v.minMs} ms (${v.starts} starts)`;
  const bundle = s.bundle.fresh ? 'from the bundle' : `NO FRESH BUNDLE (${s.bundle.stale}): everything ran through tsx; run npm run prepare`;
  return [`Startup (load average ${s.loadAverage1m}; ${bundle}):`, ...[s.npx, s.bin, s.binTsx, s.runs, s.runsTsx].map(line)].join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const i = process.argv.indexOf('--starts');
  const result = await benchStartup({ starts: i > 0 ? Number(process.argv[i + 1]) : undefined });
  process.stdout.write(`${process.argv.includes('--json') ? JSON.stringify(result) : formatStartup(result)}\n`);
}
