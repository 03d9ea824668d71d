/**
 * The home's lock and stale holders: a lock whose process died is taken over; so is one whose
 * pid is alive but belongs to another process that got the pid later (told apart by the start
 * time the lock records); a live holder is refused with its name. Checked directly on the lock
 * module with real processes, and once through the CLI as a child process.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { acquireHomeLock, holderState, HomeLockedError, LOCK_FILE, processStart, type LockHolder } from '#local/lock.ts';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'local', 'bin', 'prospector.mjs');
const linux = process.platform === 'linux';

/** A process that stays alive until killed. */
function sleeper(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

const holder = (pid: number, started?: string): LockHolder => ({
  pid, command: 'run --leads old.csv', since: '2026-01-01T00:00:00.000Z', host: hostname(), readOnly: false, ...(started ? { started } : {}),
});

describe('processStart', () => {
  test('is stable for one process and differs between two', () => {
    const mine = processStart(process.pid);
    expect(mine).not.toBeNull();
    expect(processStart(process.pid)).toBe(mine);
    if (linux) expect(mine).toMatch(/^linux:[0-9a-f-]{36}:\d+$/);
    const child = sleeper();
    try {
      const theirs = processStart(child.pid!);
      expect(theirs).not.toBeNull();
      expect(theirs).not.toBe(mine);
    } finally {
      child.kill();
    }
  });

  test('is null for a pid that no longer exists', async () => {
    expect(processStart(await deadPid())).toBeNull();
  });
});

describe('holderState', () => {
  let child: ChildProcess;
  beforeEach(() => {
    child = sleeper();
  });
  afterEach(() => {
    child.kill();
  });

  test('live: the pid runs and started when the lock says', () => {
    expect(holderState(holder(child.pid!, processStart(child.pid!)!))).toBe('live');
  });

  test('reused: the pid runs, but started at another time than the holder did', () => {
    // the lock was written by an earlier process that had this pid (its recorded start differs)
    const earlier = processStart(process.pid)!;
    expect(holderState(holder(child.pid!, earlier))).toBe('reused');
    // the same after a reboot: another boot id
    expect(holderState(holder(child.pid!, 'linux:00000000-0000-0000-0000-000000000000:1'), () => 'linux:11111111-1111-1111-1111-111111111111:1')).toBe('reused');
  });

  test('dead: no such pid; remote: another host cannot be checked; an older lock without a start time counts the pid', async () => {
    expect(holderState(holder(await deadPid(), 'linux:x:1'))).toBe('dead');
    expect(holderState({ ...holder(child.pid!, 'linux:x:1'), host: 'another-host' })).toBe('remote');
    expect(holderState(holder(child.pid!))).toBe('live');
    // a start that cannot be read, or was read another way, does not make a live holder stale
    expect(holderState(holder(child.pid!, 'linux:x:1'), () => null)).toBe('live');
    expect(holderState(holder(child.pid!, 'ps:Mon Jan  1 00:00:00 2026'), () => 'linux:x:2')).toBe('live');
  });
});

describe('acquireHomeLock over a stale or live holder', () => {
  let home: string;
  let child: ChildProcess;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'prospector-lock-'));
    child = sleeper();
  });
  afterEach(async () => {
    child.kill();
    await rm(home, { recursive: true, force: true });
  });

  test('takes over a lock whose process died, and records its own start', async () => {
    await writeFile(join(home, LOCK_FILE), JSON.stringify(holder(await deadPid(), 'linux:x:1')));
    const lock = await acquireHomeLock(home, { command: 'run', readOnly: false });
    const written = JSON.parse(await readFile(join(home, LOCK_FILE), 'utf8')) as LockHolder;
    expect(written).toMatchObject({ pid: process.pid, command: 'run', started: processStart(process.pid) });
    await lock.release();
  });

  test('takes over a lock whose pid now belongs to another process', async () => {
    await writeFile(join(home, LOCK_FILE), JSON.stringify(holder(child.pid!, processStart(process.pid)!)));
    const lock = await acquireHomeLock(home, { command: 'run', readOnly: false });
    expect(lock.holder.pid).toBe(process.pid);
    await lock.release();
  });

  test('refuses a live holder, naming it', async () => {
    await writeFile(join(home, LOCK_FILE), JSON.stringify(holder(child.pid!, processStart(child.pid!)!)));
    const error = await acquireHomeLock(home, { command: 'run', readOnly: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HomeLockedError);
    expect((error as Error).message).toContain(`\`prospector run --leads old.csv\` (pid ${child.pid}, since 2026-01-01 00:00:00 UTC)`);
  });

  test('through the CLI: a command on a home whose lock names a reused pid runs, and a live holder is refused', async () => {
    const env = { ...process.env, PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' };
    await writeFile(join(home, LOCK_FILE), JSON.stringify(holder(child.pid!, processStart(process.pid)!)));
    const ok = await exec(process.execPath, [BIN, 'onboard', '--sample'], { env });
    expect(ok.stdout).toContain('Onboarded workspace "tallyhand"');
    await expect(readFile(join(home, LOCK_FILE), 'utf8')).rejects.toThrow(/ENOENT/);

    await writeFile(join(home, LOCK_FILE), JSON.stringify(holder(child.pid!, processStart(child.pid!)!)));
    const refused = (await exec(process.execPath, [BIN, 'onboard', '--sample'], { env }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(refused.code).toBe(75);
    expect(refused.stderr).toContain(`is in use by \`prospector run --leads old.csv\` (pid ${child.pid}`);
  }, 120_000);
});

