/**
 * copyFolder: what a new home, a read-only home's copy and the tests' homes are copied with. The
 * copy has the source's files, bytes and modes, its folders' modes and its symbolic links; it
 * never overwrites what is already at the destination, and says which path was in the way.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFolder } from '#adapters/copy-folder.ts';

let root: string;
let src: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'prospector-copy-folder-'));
  src = path.join(root, 'src');
  mkdirSync(path.join(src, 'base', '1'), { recursive: true });
  mkdirSync(path.join(src, 'pg_wal', 'archive_status'), { recursive: true });
  mkdirSync(path.join(src, 'locked'));
  writeFileSync(path.join(src, 'PG_VERSION'), '17\n');
  writeFileSync(path.join(src, 'base', '1', '1259'), Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256)));
  writeFileSync(path.join(src, 'pg_wal', 'archive_status', '.keep'), '');
  writeFileSync(path.join(src, 'locked', 'inside'), 'kept');
  writeFileSync(path.join(src, 'secret.conf'), 'mode 0600');
  chmodSync(path.join(src, 'secret.conf'), 0o600);
  chmodSync(path.join(src, 'PG_VERSION'), 0o444);
  chmodSync(path.join(src, 'base'), 0o750);
  symlinkSync('base/1/1259', path.join(src, 'link'));
  // A folder nobody may write into: its file must still be copied, its mode set afterwards.
  chmodSync(path.join(src, 'locked'), 0o500);
  chmodSync(src, 0o700);
});
afterAll(() => {
  // The read-only folders (the source's and the copies') writable again, so that they can be removed.
  const unlock = (dir: string) => {
    chmodSync(dir, 0o700);
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) unlock(path.join(dir, entry.name));
  };
  unlock(root);
  rmSync(root, { recursive: true, force: true });
});

/** Every path under `dir` with what it is: a file's bytes and mode, a folder's mode, a link's target. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at).sort()) {
      const full = path.join(at, name);
      const rel = path.relative(dir, full);
      const s = lstatSync(full);
      const mode = (s.mode & 0o777).toString(8);
      if (s.isSymbolicLink()) out[rel] = `link -> ${readlinkSync(full)}`;
      else if (s.isDirectory()) {
        out[rel] = `folder ${mode}`;
        walk(full);
      } else out[rel] = `file ${mode} ${s.size} ${readFileSync(full).toString('base64').slice(0, 40)}`;
    }
  };
  walk(dir);
  return out;
}

describe('copyFolder', () => {
  it('copies files with their bytes and modes, folders with theirs, links as links', () => {
    const dest = path.join(root, 'copy');
    copyFolder(src, dest);
    const copied = tree(dest);
    expect(copied).toEqual(tree(src));
    expect(copied['secret.conf']).toMatch(/^file 600 /);
    expect(copied.locked).toBe('folder 500');
    expect(readFileSync(path.join(dest, 'locked', 'inside'), 'utf8')).toBe('kept');
    expect(copied.link).toBe('link -> base/1/1259');
    expect(readFileSync(path.join(dest, 'link'))).toEqual(readFileSync(path.join(src, 'base', '1', '1259')));
    expect((lstatSync(dest).mode & 0o777).toString(8)).toBe('700');
  });

  it('copies into an empty folder made for it', () => {
    const dest = mkdtempSync(path.join(root, 'copy-into-'));
    copyFolder(src, dest);
    expect(tree(dest)).toEqual(tree(src));
  });

  it('with `writable`, makes every folder 0700 and every file 0600 whatever the source says', () => {
    const dest = path.join(root, 'copy-writable');
    copyFolder(src, dest, { writable: true });
    const copied = tree(dest);
    const source = tree(src);
    expect(Object.keys(copied)).toEqual(Object.keys(source));
    for (const [rel, what] of Object.entries(copied)) {
      if (what.startsWith('folder')) expect(what, rel).toBe('folder 700');
      else if (what.startsWith('file')) expect(what, rel).toBe(source[rel].replace(/^file \d+/, 'file 600'));
      else expect(what, rel).toBe(source[rel]);
    }
    expect(copied['PG_VERSION']).toMatch(/^file 600 /);
    expect((lstatSync(dest).mode & 0o777).toString(8)).toBe('700');
  });

  it('never overwrites: a file in the way is an error naming it, and keeps its bytes', () => {
    const dest = path.join(root, 'copy-over');
    mkdirSync(dest);
    writeFileSync(path.join(dest, 'PG_VERSION'), 'mine');
    expect(() => copyFolder(src, dest)).toThrow(/EEXIST.*copy-over[/\\]PG_VERSION/);
    expect(readFileSync(path.join(dest, 'PG_VERSION'), 'utf8')).toBe('mine');
  });

  it('refuses a source that is not a folder, or is missing, naming it', () => {
    expect(() => copyFolder(path.join(src, 'PG_VERSION'), path.join(root, 'copy-file'))).toThrow(/cannot copy .*PG_VERSION: not a folder/);
    expect(() => copyFolder(path.join(root, 'nowhere'), path.join(root, 'copy-none'))).toThrow(/ENOENT.*nowhere/);
  });
});
