/**
 * Startup benchmark: how long `prospector --help` takes from a cold process, as a user types it
 * (`npx prospector --help`, which finds node_modules/.bin/prospector and starts it) and as the
 * bin alone (`node local/bin/prospector.mjs --help`, what `npm run prospector` and the npx shim
 * end up running); and a read-only command (`runs`, on a home holding only the sample seller),
 * which opens the embedded database. The bin and `runs` are timed twice: from the bundle that
 * `npm ci` builds (.build/cli) and from the TypeScript sources through tsx (PROSPECTOR_BUNDLE=0,
 * what runs after an edit until the next build). One start first warms tsx's on-disk cache, as
 * any earlier command would have; then each variant is started `--starts` times and its median
 * and fastest reported. Last, the first command on a new, empty home (`runs`, which creates and
 * migrates the database): with the cluster cache (PgliteSql.open copies the cached empty cluster;
 * the warm-up makes the entry if the cache lacks it) and without it (PROSPECTOR_CACHE_DIR=off:
 * initdb in WebAssembly, as every new database was made before the cache).
 *
 *   node local/bin/run-ts.mjs bench/startup.ts [--json] [--starts N]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { clusterCacheDir, clusterCacheKey } from '#adapters/pglite-sql.ts';
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
  /** `prospector runs` on a new, empty home, its database copied from the cluster cache */
  newHome: StartupVariant;
  /** the same with PROSPECTOR_CACHE_DIR=off: initdb for every new database */
  newHomeNoCache: StartupVariant;
  /** whether the bundle was fresh (else every variant ran through tsx); the reason when not */
  bundle: { fresh: boolean; stale?: string };
  /** load average over the last minute when the benchmark ended (other work on the machine) */
  loadAverage1m: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Starts `file args` `starts` times; `env` is added to this process's environment (a function: for each start, whose cleanup runs after it). */
function time(
  command: string,
  file: string,
  args: string[],
  starts: number,
  env: NodeJS.ProcessEnv | (() => { env: NodeJS.ProcessEnv; done: () => void }) = {},
  expect = 'Usage: prospector',
): StartupVariant {
  const ms: number[] = [];
  for (let i = 0; i < starts; i++) {
    const start = typeof env === 'function' ? env() : { env, done: () => undefined };
    try {
      const t0 = performance.now();
      const r = spawnSync(file, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', ...start.env } });
      const took = performance.now() - t0;
      if (r.status !== 0 || !r.stdout.includes(expect)) {
        throw new Error(`\`${command}\` failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(0, 500)}`);
      }
      ms.push(took);
    } finally {
      start.done();
    }
  }
  return { command, starts, medianMs: Math.round(median(ms)), minMs: Math.round(Math.min(...ms)) };
}

/** A new, empty PROSPECTOR_HOME for one start (removed after it), with `env` beside it. */
const newHome = (env: NodeJS.ProcessEnv = {}) => () => {
  const home = mkdtempSync(join(tmpdir(), 'prospector-startup-new-'));
  return { env: { ...env, PROSPECTOR_HOME: home }, done: () => rmSync(home, { recursive: true, force: true }) };
};

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
    const cache = clusterCacheDir();
    if (cache && !existsSync(join(cache, await clusterCacheKey(), 'PG_VERSION'))) time('warm-up: the cluster cache', process.execPath, [BIN, 'runs'], 1, newHome(), '(no rows)');
    const fresh1 = time('runs on a new home (cluster cache)', process.execPath, [BIN, 'runs'], starts, newHome(), '(no rows)');
    const fresh0 = time('… with PROSPECTOR_CACHE_DIR=off', process.execPath, [BIN, 'runs'], starts, newHome({ PROSPECTOR_CACHE_DIR: 'off' }), '(no rows)');
    return {
      npx, bin, binTsx, runs, runsTsx, newHome: fresh1, newHomeNoCache: fresh0,
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
  return [`Startup (load average ${s.loadAverage1m}; ${bundle}):`, ...[s.npx, s.bin, s.binTsx, s.runs, s.runsTsx, s.newHome, s.newHomeNoCache].map(line)].join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const i = process.argv.indexOf('--starts');
  const result = await benchStartup({ starts: i > 0 ? Number(process.argv[i + 1]) : undefined });
  process.stdout.write(`${process.argv.includes('--json') ? JSON.stringify(result) : formatStartup(result)}\n`);
}
