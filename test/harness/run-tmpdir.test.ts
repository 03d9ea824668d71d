/**
 * Where a test run keeps its temporary files (test/global-setup.ts `runTmpdir`): a folder of its
 * own on tmpfs when /dev/shm is tmpfs with room, the OS temporary folder otherwise.
 */
import { statfsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { RUN_TMP_BYTES, runTmpdir } from '../global-setup.ts';

const shmHasRoom = (() => {
  try {
    const fs = statfsSync('/dev/shm');
    return process.platform === 'linux' && fs.type === 0x01021994 && fs.bavail * fs.bsize >= RUN_TMP_BYTES;
  } catch {
    return false;
  }
})();

describe('the run’s temporary folder', () => {
  it('stays the OS folder when TMPDIR is set, when asked to, and when the folder given is not tmpfs', async () => {
    expect(await runTmpdir({ TMPDIR: '/somewhere/else' })).toBeUndefined();
    expect(await runTmpdir({ PROSPECTOR_TEST_TMPDIR: 'os' })).toBeUndefined();
    // the project's own folder: a disk file system here, never tmpfs in a checkout
    expect(statfsSync(import.meta.dirname).type).not.toBe(0x01021994);
    expect(await runTmpdir({}, import.meta.dirname)).toBeUndefined();
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
