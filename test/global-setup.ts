/**
 * Runs once per `vitest run`, before any test file, in the main vitest process (each project
 * calls it; the second call shares the first one's templates).
 *
 * - Builds the PGlite database templates once for the whole run instead of once per test file:
 *   an empty cluster (what initdb leaves: the loopback Data API starts from it and migrates
 *   through the Data API), the same migrated, and migrated with the sample onboarding imported.
 *   Each is a `dumpDataDir()` tarball in a temporary folder that `inject('pgTemplates')` names;
 *   test/helpers/db.ts and test/fakes/fake-data-api.ts load copies of them; test/helpers/home.ts
 *   copies a migrated database folder into a new PROSPECTOR_HOME. initdb alone takes seconds on
 *   2 cores, and 30 s and more when the machine is loaded.
 * - Points PROSPECTOR_CACHE_DIR at a folder of this run, holding the empty cluster that every
 *   other new database (a first command on an empty home, an eval's temporary home) copies
 *   instead of running initdb, as on a user's machine after the first. The cluster is the
 *   machine's cached one (`openHomeTemplate`), so initdb runs once a machine, not once a run.
 * - Puts the run's temporary files in a folder on tmpfs when the machine has room there
 *   (`runTmpdir`): every test's home, lake and database copy, and those of the commands it starts.
 * - Makes sure the CLI bundle (.build/cli, what `npm ci` builds) matches the sources, so that the
 *   tests that spawn `prospector` start it without the TypeScript loader, as a user's install
 *   does. After an edit it is rebuilt here (about a second) rather than each child compiling
 *   the sources through tsx.
 */
import { existsSync, statfsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { copyFolder } from '#adapters/copy-folder.ts';
import { clusterCacheDir, clusterCacheKey, PgliteSql } from '#adapters/pglite-sql.ts';
import { migrate } from '#core/db/migrate.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { templateBlob, type PgTemplates } from './helpers/pg-templates.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplates: PgTemplates;
  }
}

const SAMPLE_ONBOARDING = join(import.meta.dirname, '..', 'local', 'data', 'sample-onboarding.yaml');

async function save(dir: string, name: string, dump: Blob): Promise<string> {
  const file = join(dir, `${name}.tar`);
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  return file;
}

/**
 * The run's cluster cache, filled. The home template is opened as the CLI opens a new home, with
 * the machine's cache (`clusterCacheDir()`: the cluster a first `npm start` or any earlier run
 * left there, made by initdb only if there is none yet, which takes 5–6 s here), and that entry
 * is then copied into the run's own cache, which every database of the run copies from. Tests
 * never read or change the machine's cache after this. With PROSPECTOR_CACHE_DIR=off the run's
 * cache is made by initdb, as before.
 */
async function openHomeTemplate(homeDb: string, runCache: string, machineCache: string | undefined): Promise<PgliteSql> {
  const db = await PgliteSql.open({ dataDir: homeDb, clusterCache: machineCache ?? runCache });
  if (machineCache) {
    const key = await clusterCacheKey();
    const entry = join(machineCache, key);
    // An unwritable machine cache leaves no entry (the database was made by initdb): the run's
    // cache is then made on first use, as a user's would be.
    if (existsSync(join(entry, 'PG_VERSION'))) copyFolder(entry, join(runCache, key));
  }
  return db;
}

async function buildTemplates(dir: string, clusterCache: string, machineCache: string | undefined): Promise<PgTemplates> {
  // A home's database folder as the CLI leaves it after its first command (migrated, on disk).
  // Opened as the CLI opens a new one, so the run's cluster cache is made here, once, and no
  // test pays for initdb in it.
  const homeDb = join(dir, 'home-db');
  const onDisk = await openHomeTemplate(homeDb, clusterCache, machineCache);
  let empty: string;
  let migrated: string;
  try {
    empty = await save(dir, 'empty', await onDisk.dump());
    await migrate(onDisk);
    migrated = await save(dir, 'migrated', await onDisk.dump());
  } finally {
    await onDisk.close();
  }
  const db = await PgliteSql.open({ loadDataDir: await templateBlob(migrated) });
  try {
    const { workspaceId } = await importOnboarding(db, await loadOnboardingFile(SAMPLE_ONBOARDING));
    const onboarded = await save(dir, 'onboarded', await db.dump());
    return { empty, migrated, onboarded, onboardedWorkspaceId: workspaceId, homeDb };
  } finally {
    await db.close();
  }
}

async function freshCliBundle(): Promise<void> {
  // Plain JavaScript modules without types (they run before any loader).
  // @ts-expect-error: no declaration file
  const { freshBundle } = (await import('../local/bin/fresh-bundle.mjs')) as { freshBundle: () => { entry?: string; stale?: string } };
  if (freshBundle().entry) return;
  // @ts-expect-error: no declaration file
  const { buildCli } = (await import('../local/bin/build-cli.mjs')) as { buildCli: () => Promise<unknown> };
  try {
    await buildCli();
  } catch (error) {
    // As in `npm ci`: without a bundle the bin runs the sources through tsx, slower but the same.
    process.stderr.write(`warning: could not build the CLI bundle, CLI tests run the sources through tsx: ${(error as Error).message}\n`);
  }
}

/** Room a run needs on tmpfs: a whole run peaked at about 200 MB there (`df /dev/shm` every 2 s). */
export const RUN_TMP_BYTES = 1024 ** 3;

/** Whether `folder` is on tmpfs (Linux; statfs(2)'s magic number) with RUN_TMP_BYTES free: a folder on disk would gain nothing. */
export function tmpfsHasRoom(folder: string): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const fs = statfsSync(folder);
    return fs.type === 0x01021994 && fs.bavail * fs.bsize >= RUN_TMP_BYTES;
  } catch {
    return false;
  }
}

/**
 * A folder for the run's temporary files on tmpfs (/dev/shm) when TMPDIR is not set and tmpfs
 * has RUN_TMP_BYTES free; `undefined` keeps the OS temporary folder. Every test makes a home, a
 * lake or a database copy there, and on a disk file system their writes (a migrated home alone is
 * 19 MB in 679 files) cost kernel time in page-cache writeback that tmpfs does not have: the CLI,
 * intent and pipeline suites, alternating, 17-21 system CPU-seconds on ext4 against 9-10 on
 * tmpfs. World-writable and sticky like /tmp, so a command run as another user (the read-only
 * home test) can reach its home. PROSPECTOR_TEST_TMPDIR=os keeps the OS folder.
 */
export async function runTmpdir(env: NodeJS.ProcessEnv = process.env, shm = '/dev/shm'): Promise<string | undefined> {
  if (env.TMPDIR || env.PROSPECTOR_TEST_TMPDIR === 'os' || !tmpfsHasRoom(shm)) return undefined;
  const dir = await mkdtemp(join(shm, 'prospector-test-'));
  await chmod(dir, 0o1777);
  return dir;
}

/** Both vitest projects run this setup in the one main process: the templates are built once and removed after the last. */
const shared = globalThis as { prospectorTemplates?: { ready: Promise<{ dir: string; templates: PgTemplates; runTmp: string | undefined }>; users: number } };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  shared.prospectorTemplates ??= {
    users: 0,
    ready: (async () => {
      // Before anything is made: the workers and the commands they start inherit TMPDIR.
      const runTmp = await runTmpdir();
      if (runTmp !== undefined) {
        // where what outlives the run goes (the screenshots: test/helpers/browser.ts)
        process.env.PROSPECTOR_TEST_OS_TMPDIR = tmpdir();
        process.env.TMPDIR = runTmp;
      }
      const dir = await mkdtemp(join(tmpdir(), 'prospector-pg-templates-'));
      // New databases copy their empty cluster from the run's own cache (PgliteSql.open), never
      // from the machine's: the workers and the commands they start inherit this.
      const clusterCache = join(dir, 'cluster-cache');
      const machineCache = clusterCacheDir();
      process.env.PROSPECTOR_CACHE_DIR = clusterCache;
      const [templates] = await Promise.all([buildTemplates(dir, clusterCache, machineCache), freshCliBundle()]);
      return { dir, templates, runTmp };
    })(),
  };
  const entry = shared.prospectorTemplates;
  entry.users += 1;
  const { dir, templates, runTmp } = await entry.ready;
  project.provide('pgTemplates', templates);
  return async () => {
    entry.users -= 1;
    if (entry.users > 0) return;
    shared.prospectorTemplates = undefined;
    await rm(dir, { recursive: true, force: true });
    // whatever a test left behind goes with the run's folder
    if (runTmp !== undefined) await rm(runTmp, { recursive: true, force: true });
  };
}
