/**
 * The PGlite templates test/global-setup.ts builds once per run: `dumpDataDir()` tarballs of an
 * empty cluster (initdb only), the same migrated, and migrated with the sample onboarding.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { PGLITE_START_PARAMS } from '#adapters/pglite-sql.ts';

export interface PgTemplates {
  /** initdb's cluster, nothing else in it. */
  empty: string;
  /** Every migration applied. */
  migrated: string;
  /** Migrated, with local/data/sample-onboarding.yaml imported. */
  onboarded: string;
  /** The sample workspace's id in `onboarded`. */
  onboardedWorkspaceId: string;
  /** A migrated database folder on disk, as PROSPECTOR_HOME/db is after a first command. */
  homeDb: string;
}

/** The templates of this run, or undefined outside vitest or without the global setup. */
export function pgTemplates(): PgTemplates | undefined {
  try {
    return inject('pgTemplates');
  } catch {
    return undefined;
  }
}

const loaded = new Map<string, Promise<Blob>>();

/** A template's tarball, read once per worker. */
export function templateBlob(file: string): Promise<Blob> {
  let blob = loaded.get(file);
  if (!blob) {
    blob = readFile(file).then((bytes) => new Blob([bytes]));
    blob.catch(() => loaded.delete(file));
    loaded.set(file, blob);
  }
  return blob;
}

let engine: Promise<{ pgliteWasmModule: WebAssembly.Module; fsBundle: Blob } | undefined> | undefined;

/**
 * PGlite compiles its WASM module and unpacks its file bundle on every open; doing that once per
 * worker takes about a quarter off each open. Undefined (PGlite's defaults) if the files move.
 */
export function pgliteEngine(): Promise<{ pgliteWasmModule: WebAssembly.Module; fsBundle: Blob } | undefined> {
  engine ??= (async () => {
    try {
      const dist = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
      const [wasm, data] = await Promise.all([readFile(path.join(dist, 'pglite.wasm')), readFile(path.join(dist, 'pglite.data'))]);
      return { pgliteWasmModule: await WebAssembly.compile(wasm), fsBundle: new Blob([data]) };
    } catch {
      return undefined;
    }
  })();
  return engine;
}

/**
 * A new in-memory PGlite with the adapter's start parameters and the worker's compiled engine:
 * loaded from `loadDataDir` (a template's tarball), or made by initdb without one.
 */
export async function openPglite(loadDataDir?: Blob | File): Promise<PGlite> {
  return PGlite.create({ ...(await pgliteEngine()), startParams: [...PGLITE_START_PARAMS], ...(loadDataDir ? { loadDataDir } : {}) });
}
