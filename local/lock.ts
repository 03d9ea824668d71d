/**
 * One process at a time on a home. PGlite is an embedded, single-process Postgres: two processes
 * opening the same data directory corrupt it (two runs a second apart lost a run's row). Every
 * command that opens the database takes `PROSPECTOR_HOME/prospector.lock` first, created with
 * O_EXCL so exactly one process wins; the file names the holder (pid, command, since) for the
 * message the others print.
 *
 * A lock left by a process that died (SIGKILL, power loss) is stale: its pid no longer exists on
 * this host, or it does but belongs to another process that was given the same pid later (after
 * a reboot, or once pids wrap around). The lock records its process's start (the boot id and the
 * start time from /proc/<pid>/stat on Linux, `ps -o lstart=` elsewhere), so a live pid whose
 * start differs is a reused one. A stale lock is taken over under a second O_EXCL file
 * (`prospector.lock.takeover`) so that two processes finding the same stale lock cannot both
 * delete it and each believe it won.
 *
 * Read-only commands hold the lock too (PGlite cannot share the directory even for reading), but
 * only for a moment, so a command that finds a read-only holder waits a little before giving up.
 */
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { readFileSync, unlinkSync } from 'node:fs';
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProspectorError } from '#core/errors.ts';

export const LOCK_FILE = 'prospector.lock';

/** Who holds a home. */
export interface LockHolder {
  pid: number;
  /** The command line as the user typed it after `prospector`, e.g. `run --leads x.csv`. */
  command: string;
  /** ISO time the lock was taken. */
  since: string;
  host: string;
  /** True for commands that only read (they release the lock within moments). */
  readOnly: boolean;
  /** When the holding process started (`processStart`), to tell it from a later one with its pid; absent in older locks. */
  started?: string;
}

/** The home is held by another live process. */
export class HomeLockedError extends ProspectorError {
  constructor(
    message: string,
    readonly holder: LockHolder,
  ) {
    super(message);
    this.name = 'HomeLockedError';
  }
}

export interface HomeLock {
  holder: LockHolder;
  release(): Promise<void>;
}

export interface AcquireOptions {
  command: string;
  readOnly: boolean;
  /** How long to wait for a read-only holder to finish (ms). */
  waitForReadersMs?: number;
  pid?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when `pid` is a live process on this host (EPERM: alive but someone else's). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When process `pid` started, as a string that differs between two processes that had the same
 * pid: on Linux the boot id and the start time in clock ticks since boot (/proc/<pid>/stat, field
 * 22); elsewhere what `ps -o lstart=` prints (to the second). Null when it cannot be read.
 */
export function processStart(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces and ')': count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19]; // field 22 overall: fields 3.. start at index 0
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    if (ticks && /^\d+$/.test(ticks)) return `linux:${boot}:${ticks}`;
  } catch {
    // no /proc (macOS, BSD), or the process is gone
  }
  if (process.platform === 'win32') return null;
  try {
    const lstart = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    return lstart ? `ps:${lstart}` : null;
  } catch {
    return null;
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid !== 'number' || typeof h.since !== 'string') return null;
    return {
      pid: h.pid, command: String(h.command ?? '?'), since: h.since, host: String(h.host ?? ''), readOnly: Boolean(h.readOnly),
      ...(typeof h.started === 'string' ? { started: h.started } : {}),
    };
  } catch {
    return null;
  }
}

/** What holds the home right now, or null (no lock, or a stale one). */
export async function lockHolder(home: string): Promise<LockHolder | null> {
  const text = await readFile(join(home, LOCK_FILE), 'utf8').catch(() => null);
  const holder = text === null ? null : parseHolder(text);
  return holder && isLive(holder) ? holder : null;
}

/**
 * Whether the lock's holder still runs: `live`; `dead` (no such pid); `reused` (the pid is
 * alive but started at another time than the holder: another process got its pid); or `remote`
 * (taken on another host, e.g. a home on a network share: cannot be checked, so counted live).
 */
export function holderState(holder: LockHolder, startOf: (pid: number) => string | null = processStart): 'live' | 'dead' | 'reused' | 'remote' {
  if (holder.host !== hostname()) return 'remote';
  if (!processAlive(holder.pid)) return 'dead';
  // A lock without a start time (written by an older version) cannot tell: the pid counts.
  if (holder.started === undefined) return 'live';
  const now = startOf(holder.pid);
  // Compared only when read the same way; unreadable (another user's process on macOS): live.
  if (now === null || now.split(':')[0] !== holder.started.split(':')[0]) return 'live';
  return now === holder.started ? 'live' : 'reused';
}

function isLive(holder: LockHolder): boolean {
  const state = holderState(holder);
  return state === 'live' || state === 'remote';
}

/** The message for a home held by `holder`, saying what the caller can do. */
export function lockedMessage(home: string, holder: LockHolder, readOnly: boolean): string {
  const since = holder.since.slice(0, 19).replace('T', ' ');
  const who = `\`prospector ${holder.command}\` (pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}, since ${since} UTC)`;
  const what = readOnly
    ? 'the embedded database (PGlite) can be opened by one process at a time, even to read. Wait for it to end; `prospector lake query` reads the lake and works meanwhile'
    : 'only one process at a time may write a home. Wait for it to finish, or stop it (Ctrl-C in its terminal)';
  return `PROSPECTOR_HOME ${home} is in use by ${who}: ${what}`;
}

/**
 * Takes the home's lock or throws HomeLockedError naming the holder. A stale lock (its process
 * is gone) is taken over; a read-only holder is waited for up to `waitForReadersMs`.
 */
export async function acquireHomeLock(home: string, options: AcquireOptions): Promise<HomeLock> {
  const path = join(home, LOCK_FILE);
  const me: LockHolder = {
    pid: options.pid ?? process.pid,
    command: options.command,
    since: new Date().toISOString(),
    host: hostname(),
    readOnly: options.readOnly,
  };
  const started = processStart(me.pid);
  if (started) me.started = started;
  const body = JSON.stringify(me);
  const deadline = Date.now() + (options.waitForReadersMs ?? 10_000);
  for (;;) {
    try {
      await writeFile(path, body, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const text = await readFile(path, 'utf8').catch(() => null);
    if (text === null) continue; // released meanwhile: try again
    const holder = parseHolder(text);
    if (holder === null) {
      // Created but not yet written (the holder is between open and write), or cut short by a
      // crash: give a live writer a moment, then treat it as stale.
      const age = Date.now() - (await stat(path).then((s) => s.mtimeMs).catch(() => Date.now()));
      if (age < 2000) {
        await sleep(50);
        continue;
      }
    } else if (isLive(holder)) {
      if (holder.readOnly && Date.now() < deadline) {
        await sleep(100);
        continue;
      }
      throw new HomeLockedError(lockedMessage(home, holder, options.readOnly), holder);
    }
    await takeOver(path, text);
  }
  let released = false;
  const releaseSync = () => {
    if (released) return;
    released = true;
    try {
      if (readFileSync(path, 'utf8') === body) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  // A process that exits without closing (process.exit, an uncaught error) still lets go.
  process.once('exit', releaseSync);
  return {
    holder: me,
    release: async () => {
      process.off('exit', releaseSync);
      releaseSync();
    },
  };
}

/** Removes a stale lock whose text is `stale`, under the takeover guard; the caller retries. */
async function takeOver(path: string, stale: string): Promise<void> {
  const guard = `${path}.takeover`;
  try {
    await writeFile(guard, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process is taking over; a guard left by one that died mid-takeover expires.
    const owner = Number(await readFile(guard, 'utf8').catch(() => ''));
    const age = Date.now() - (await stat(guard).then((s) => s.mtimeMs).catch(() => Date.now()));
    if (owner > 0 ? !processAlive(owner) : age > 2000) await unlink(guard).catch(() => undefined);
    await sleep(20);
    return;
  }
  try {
    // Only the exact stale lock is removed: one written since by a live process is kept.
    if ((await readFile(path, 'utf8').catch(() => null)) === stale) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}
