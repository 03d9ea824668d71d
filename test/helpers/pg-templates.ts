/**
 * The PGlite templates test/global-setup.ts builds once per run: `dumpDataDir()` tarballs of an
 * empty cluster (initdb only), the same migrated, and migrated with the sample onboarding.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { PGLITE_INITDB_PARAMS, PGLITE_START_PARAMS } from '#adapters/pglite-sql.ts';

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

/**
 * Bytes PGlite reads through `Blob.arrayBuffer()`, handed over without a copy. Node 20's
 * `Blob.arrayBuffer()` reads the blob as a stream of 64 KiB chunks and joins them: for a 44 MB
 * template and PGlite's 6 MB file bundle that was 0.35 CPU-seconds of every open, a third of it.
 * `shared` says whether PGlite may keep the buffer: its tarball loader only reads it (each file is
 * sliced out, then copied again into the in-memory file system), so a template's bytes are shared
 * by every open; the file bundle's files are mounted over the buffer itself, so each open gets a
 * copy of its own.
 */
export class BytesBlob extends Blob {
  readonly #bytes: ArrayBuffer;
  readonly #shared: boolean;

  constructor(bytes: ArrayBuffer, shared: boolean) {
    super([]);
    this.#bytes = bytes;
    this.#shared = shared;
  }

  override get size(): number {
    return this.#bytes.byteLength;
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    return this.#shared ? this.#bytes : this.#bytes.slice(0);
  }
}

/** A file's bytes as an ArrayBuffer of their own. */
async function readBytes(file: string): Promise<ArrayBuffer> {
  const bytes = await readFile(file);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

const loaded = new Map<string, Promise<Blob>>();

/** A template's tarball, read once per worker. */
export function templateBlob(file: string): Promise<Blob> {
  let blob = loaded.get(file);
  if (!blob) {
    blob = readBytes(file).then((bytes) => new BytesBlob(bytes, true));
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
      const [wasm, data] = await Promise.all([readFile(path.join(dist, 'pglite.wasm')), readBytes(path.join(dist, 'pglite.data'))]);
      return { pgliteWasmModule: await WebAssembly.compile(wasm), fsBundle: new BytesBlob(data, false) };
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
  return PGlite.create({
    ...(await pgliteEngine()),
    startParams: [...PGLITE_START_PARAMS],
    initDbStartParams: [...PGLITE_INITDB_PARAMS],
    ...(loadDataDir ? { loadDataDir } : {}),
  });
}
