/**
 * `--out FILE` of `export` and `report`: refused before any work when it cannot be a file, with
 * the path and what is wrong. No folder is created: a typo in the path would otherwise leave a
 * stray tree and a file nobody finds.
 */
import { stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ProspectorError } from '#core/errors.ts';

const refuse = (path: string, why: string, cause?: unknown) => new ProspectorError(`cannot write ${path}: ${why}`, cause === undefined ? undefined : { cause });

/** The file system's entry at `path`: a folder, another kind, or none (its error code). */
async function entry(path: string): Promise<'folder' | 'file' | { missing: string }> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch (error) {
    return { missing: (error as NodeJS.ErrnoException).code ?? 'error' };
  }
}

/**
 * Refuses an out file that cannot be written: a folder, a path whose folder does not exist (or
 * is a file). `example` is a file name to suggest inside a folder given as the path.
 */
export async function checkOutFile(path: string, example: string): Promise<void> {
  if (path.trim() === '') throw new ProspectorError(`--out is empty: give a file path, e.g. --out ${example}`);
  if ((await entry(path)) === 'folder') throw refuse(path, `it is a folder: give a file in it, e.g. --out ${join(path, example)}`);
  const dir = dirname(path);
  const parent = await entry(dir);
  if (parent === 'file') throw refuse(path, `${dir} is a file, not a folder`);
  if (parent !== 'folder') {
    throw refuse(path, parent.missing === 'ENOENT' || parent.missing === 'ENOTDIR' ? `folder ${dir} does not exist: create it first, or choose a folder that exists` : `folder ${dir} cannot be read (${parent.missing})`);
  }
}

/** Writes an out file checked with `checkOutFile`; a failure to write names the path. */
export async function writeOutFile(path: string, text: string, example: string): Promise<void> {
  await checkOutFile(path, example);
  try {
    await writeFile(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw refuse(path, `it may not be written (${code}): choose a folder you can write`, error);
    if (code === 'ENOSPC') throw refuse(path, 'the disk is full (ENOSPC)', error);
    throw error;
  }
}
