/**
 * Where a test run keeps its temporary files (test/global-setup.ts `runTmpdir`): a folder of its
 * own on tmpfs when /dev/shm is tmpfs with room, the OS temporary folder otherwise.
 */
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runTmpdir, tmpfsHasRoom } from '../global-setup.ts';

const shmHasRoom = tmpfsHasRoom('/dev/shm');

describe('the run’s temporary folder', () => {
  it('stays the OS folder when TMPDIR is set, when asked to, and when the folder given is not tmpfs', async () => {
    expect(await runTmpdir({ TMPDIR: '/somewhere/else' })).toBeUndefined();
    expect(await runTmpdir({ PROSPECTOR_TEST_TMPDIR: 'os' })).toBeUndefined();
    // procfs, never tmpfs (a checkout may be on tmpfs where /tmp is)
    expect(tmpfsHasRoom('/proc')).toBe(false);
    expect(await runTmpdir({}, '/proc')).toBeUndefined();
    expect(await runTmpdir({}, '/no/such/folder')).toBeUndefined();
  });

  it.runIf(shmHasRoom)('is a new folder on tmpfs, world-writable and sticky like /tmp', async () => {
    const dir = await runTmpdir({});
    try {
      expect(dir).toMatch(/^\/dev\/shm\/prospector-test-/);
      expect(statSync(dir!).mode & 0o7777).toBe(0o1777);
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });
});
