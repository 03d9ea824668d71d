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
 * copied), symbolic links as links. Timestamps are not kept, as `cp` does not by default. A
 * file or folder already at the destination is an error (EEXIST, naming both paths), so nothing
 * there is overwritten; `dest` itself may exist (an empty folder made for the copy).
 */
import { chmodSync, constants, copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import path from 'node:path';

export function copyFolder(src: string, dest: string): void {
  const root = lstatSync(src);
  if (!root.isDirectory()) throw new Error(`cannot copy ${src}: not a folder`);
  mkdirSync(dest, { recursive: true });
  // Each folder's mode, applied last and deepest first: a folder without write permission in
  // the source must still take its files in the copy.
  const modes: [string, number][] = [[dest, root.mode & 0o7777]];
  const walk = (from: string, to: string): void => {
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      if (entry.isFile()) {
        copyFileSync(source, target, constants.COPYFILE_EXCL);
      } else if (entry.isDirectory()) {
        mkdirSync(target);
        modes.push([target, lstatSync(source).mode & 0o7777]);
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
