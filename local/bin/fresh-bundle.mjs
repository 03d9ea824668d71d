// Whether the CLI bundle in .build/cli may run: only while every source it was built from has
// the size and mtime it had when the build read it. An edit, a checkout or a deleted file makes it
// stale, and the bin falls back to running the TypeScript sources through tsx. Plain JavaScript
// with only node: imports, because it runs before any loader is registered.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BUNDLE_DIR = join(ROOT, '.build', 'cli');
export const MANIFEST = 'manifest.json';

/**
 * The bundle's entry URL when it is fresh, else `{ stale }` with the reason (no build yet, or
 * the first source that changed).
 */
export function freshBundle(dir = BUNDLE_DIR, root = ROOT) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
  } catch {
    return { stale: 'no bundle built' };
  }
  for (const [file, built] of Object.entries(manifest.inputs ?? {})) {
    let now;
    try {
      now = statSync(join(root, file));
    } catch {
      return { stale: `${file} is gone` };
    }
    if (now.size !== built.size || now.mtimeMs !== built.mtimeMs) return { stale: `${file} changed since the build` };
  }
  if (!manifest.inputs || !manifest.entry) return { stale: 'the manifest is incomplete' };
  return { entry: pathToFileURL(join(dir, manifest.entry)).href };
}
