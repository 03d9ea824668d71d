/** What command modules share: opening the runtime (under the home's lock) and printing. */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ProspectorError } from '#core/errors.ts';
import { acquireHomeLock, type HomeLock } from './lock.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { copyFolder } from '#adapters/copy-folder.ts';
import type { LocalRuntime, OpenLocalOptions } from './runner.ts';
import type { WorkspaceChoice } from './commands/resolve.ts';

export interface RuntimeOptions extends Pick<OpenLocalOptions, 'sampleWeb'> {
  /** The command writes the home (run, onboard…): it never waits for another holder. */
  write?: boolean;
}

export interface CliContext {
  /**
   * Takes the home's lock, opens the local runtime, runs `fn`, and always closes it (PGlite must
   * be closed) and lets the lock go. A home held by another process is refused with its holder.
   */
  withRuntime<T>(fn: (rt: LocalRuntime) => Promise<T>, options?: RuntimeOptions): Promise<T>;
  /** Writes a line to stdout. */
  print(text: string): void;
  /** The workspace named with --workspace (or else PROSPECTOR_WORKSPACE), if any. */
  workspace(): WorkspaceChoice | undefined;
}

let workspaceFlag: string | undefined;

/**
 * Databases kept open between commands, by home, while pooling is on (`poolDatabases()`): a
 * process that runs many commands (the CLI test suites call `main` in-process) opens each home's
 * PGlite once instead of once a command. Everything else is still built per command, and the
 * home's lock is still taken and let go by each command.
 */
let pool: Map<string, Promise<PgliteSql>> | undefined;

/** Keeps each home's database open across the commands of this process until `closeDatabasePool()`. */
export function poolDatabases(): void {
  pool ??= new Map();
}

/** Closes every pooled database and turns pooling off. */
export async function closeDatabasePool(): Promise<void> {
  const open = pool;
  pool = undefined;
  if (!open) return;
  await Promise.all([...open.values()].map(async (sql) => (await sql.catch(() => undefined))?.close()));
}

/** The pooled database of `home` (opened on first use), or undefined when pooling is off. */
export async function pooledDatabase(home: string): Promise<PgliteSql | undefined> {
  if (!pool) return undefined;
  let sql = pool.get(home);
  if (!sql) {
    const { clusterCacheDir, PgliteSql } = await import('#adapters/pglite-sql.ts');
    const opening = PgliteSql.open({ dataDir: join(home, 'db'), clusterCache: clusterCacheDir() });
    sql = opening;
    pool.set(home, opening);
    // A home that could not be opened is tried afresh by the next command.
    opening.catch(() => {
      if (pool?.get(home) === opening) pool.delete(home);
    });
  }
  return sql;
}

/** Records the global --workspace flag (set by the program before each command runs). */
export function setWorkspaceFlag(slug: string | undefined): void {
  workspaceFlag = slug;
}

/** A temporary copy of a read-only home's database, said on stderr. */
async function readOnlyCopy(home: string, code: string): Promise<string> {
  const db = join(home, 'db');
  if (!(await stat(db).then((s) => s.isDirectory()).catch(() => false))) {
    throw new ProspectorError(`PROSPECTOR_HOME ${home} is read-only (${code}) and holds no database yet: point PROSPECTOR_HOME at a folder you can write, or at a populated home`);
  }
  const copy = await mkdtemp(join(tmpdir(), 'prospector-readonly-'));
  // The copy keeps none of the read-only modes of the original: PGlite writes its own files.
  copyFolder(db, copy, { writable: true });
  process.stderr.write(`note: PROSPECTOR_HOME ${home} is read-only (${code}): reading a copy of its database\n`);
  return copy;
}

/** Why a home could not be made a folder: it, or a folder above it, is a file. */
async function notAFolder(home: string): Promise<string> {
  const isFile = (path: string) => stat(path).then((s) => !s.isDirectory()).catch(() => false);
  const fix = 'point PROSPECTOR_HOME at a folder (a missing one is created)';
  for (let path = home; ; path = dirname(path)) {
    if (await isFile(path)) return `PROSPECTOR_HOME ${home} ${path === home ? 'is a file, not a folder' : `cannot be a folder: ${path} is a file`}: ${fix}`;
    if (dirname(path) === path) return `PROSPECTOR_HOME ${home} cannot be made a folder: ${fix}`;
  }
}

/** The command line after `prospector`, as the lock file names its holder. */
export function commandLine(argv = process.argv): string {
  return argv.slice(2).join(' ').slice(0, 200) || '(no command)';
}

export const cliContext: CliContext = {
  async withRuntime(fn, options = {}) {
    // Imported here so that commands which never open the runtime (--help) do not load zod & co.
    const { loadLocalConfig } = await import('./config.ts');
    const config = loadLocalConfig();
    let lock: HomeLock | undefined;
    let dbCopy: string | undefined;
    try {
      await mkdir(config.home, { recursive: true }).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST' || error.code === 'ENOTDIR') throw new ProspectorError(await notAFolder(config.home), { cause: error });
        throw error;
      });
      lock = await acquireHomeLock(config.home, { command: commandLine(), readOnly: !options.write });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') throw error;
      if (options.write) {
        throw new ProspectorError(`PROSPECTOR_HOME ${config.home} is read-only (${code}): this command writes; point PROSPECTOR_HOME at a folder you can write`, { cause: error });
      }
      // Nobody can write a read-only home, so a copy of its database is a consistent snapshot;
      // PGlite cannot open a database without writing to its folder.
      dbCopy = await readOnlyCopy(config.home, code);
    }
    try {
      const { openLocal } = await import('./runner.ts');
      const sql = dbCopy ? undefined : await pooledDatabase(config.home);
      const rt = await openLocal({ sampleWeb: options.sampleWeb, dbDir: dbCopy, sql });
      try {
        return await fn(rt);
      } finally {
        await rt.close();
      }
    } finally {
      await lock?.release();
      if (dbCopy) await rm(dbCopy, { recursive: true, force: true });
    }
  },
  print: (text) => {
    // After EPIPE (`prospector runs --json | head -c 300`) nothing more is written.
    if (!process.stdout.destroyed) process.stdout.write(`${text}\n`);
  },
  workspace: () => {
    if (workspaceFlag) return { slug: workspaceFlag, from: '--workspace' };
    const env = process.env.PROSPECTOR_WORKSPACE;
    return env ? { slug: env, from: 'PROSPECTOR_WORKSPACE' } : undefined;
  },
};
