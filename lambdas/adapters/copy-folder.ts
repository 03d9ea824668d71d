/**
 * Copies a folder tree: a PGlite data directory (about 1,300 files and 27 folders, 33 MB for a
 * migrated home) into a new home from the cluster cache, a read-only home's database into a
 * temporary copy, the tests' migrated home into each test's.
 *
 * Node's `fs.promises.cp` does this in JavaScript, a stat, an lstat, a copy and a chmod a file,
 * each a round trip through libuv's thread pool: a migrated home took 620 ms and 640
 * CPU-milliseconds (460 of them in the kernel, the pool's threads contending) where this takes
 * 220 ms and 220, alternating 20 copies each on one 2-core machine. It is synchronous on purpose:
 * a copy happens before a database opens, with nothing else in the process waiting on it, and the
 * pool's hand-offs are what it saves.
 *
 * What it keeps: file contents and modes (libuv's copyfile creates the file with its source's
 * mode), folder modes (set after the folder's contents are in, so a read-only folder can be
 * copied), symbolic links as links. With `writable`, the copy's folders are 0700 and its files
 * 0600 whatever the source's instead: a copy of a read-only database that PGlite must write.
 * Timestamps are not kept, as `cp` does not by default. A file or folder already at the
 * destination is an error (EEXIST, naming both paths), so nothing there is overwritten; `dest`
 * itself may exist (an empty folder made for the copy).
 */
import { chmodSync, constants, copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import path from 'node:path';

export function copyFolder(src: string, dest: string, options: { writable?: boolean } = {}): void {
  const root = lstatSync(src);
  if (!root.isDirectory()) throw new Error(`cannot copy ${src}: not a folder`);
  mkdirSync(dest, { recursive: true });
  const folderMode = (folder: string) => (options.writable ? 0o700 : lstatSync(folder).mode & 0o7777);
  // Each folder's mode, applied last and deepest first: a folder without write permission in
  // the source must still take its files in the copy.
  const modes: [string, number][] = [[dest, folderMode(src)]];
  const walk = (from: string, to: string): void => {
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      if (entry.isFile()) {
        copyFileSync(source, target, constants.COPYFILE_EXCL);
        if (options.writable) chmodSync(target, 0o600);
      } else if (entry.isDirectory()) {
        mkdirSync(target);
        modes.push([target, folderMode(source)]);
        walk(source, target);
      } else if (entry.isSymbolicLink()) {
        symlinkSync(readlinkSync(source), target);
      } else {
        throw new Error(`cannot copy ${source}: not a file, folder or symbolic link`);
      }
    }
  };
  walk(src, dest);
  for (const [folder, mode] of modes.reverse()) chmodSync(folder, mode);
}
