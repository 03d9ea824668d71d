/**
 * Lambda bundles for a synthesis, built by one esbuild run instead of one a function.
 *
 * NodejsFunction starts esbuild once for each function (as `npx --no-install esbuild …`), and
 * each run parses again the modules every handler shares: the core, the adapters, zod, linkedom,
 * Powertools: 26 functions here. Here the first function of an app that needs its bundle builds
 * every handler module in `lambdas/handlers/` at once, in memory (`write: false`), with the
 * options below; each function's asset then takes its own module's output. esbuild emits each
 * entry self-contained when code splitting is off, so every bundle is byte for byte what a build
 * of that handler alone gives (`test/cdk/stacks.test.ts` compares two). `cdk synth` went from
 * 39.0 s and 55.6 CPU-seconds to 16.9 s and 17.9 on a 2-core machine.
 *
 * The asset is still CDK's own: `Code.fromAsset` with bundling, hashed by its output, skipped for
 * stacks that need no bundling (`cdk ls`, `aws:cdk:bundling-stacks`), staged into the assembly
 * as NodejsFunction's were. There is no Docker fallback: without esbuild installed the synthesis
 * stops and says so.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BuildOptions, OutputFile } from 'esbuild';
import type { ILocalBundling } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** A folder or file (relative to the repository root) copied into the bundle beside the handler. */
export interface BundledFile {
  from: string;
  to: string;
}

/**
 * Bundles are ESM; some dependencies are CommonJS and call `require`, which ESM lacks, so every
 * bundle starts by defining one.
 */
export const ESM_REQUIRE_SHIM = "import { createRequire as __prospectorCreateRequire } from 'node:module'; const require = __prospectorCreateRequire(import.meta.url);";

/** The Node.js version the bundles target: the functions' runtime (FUNCTION_RUNTIME). */
export const ESBUILD_TARGET = 'node24';

/**
 * What every Lambda bundle is built with: what NodejsFunction passed esbuild for this app's
 * settings (ESM, minified with names kept, source maps without sources), and the same
 * externals: the runtime ships the AWS SDK v3, and linkedom's optional `canvas` is never installed.
 */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: ESBUILD_TARGET,
  mainFields: ['module', 'main'],
  minify: true,
  keepNames: true,
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
  banner: { js: ESM_REQUIRE_SHIM },
  external: ['@aws-sdk/*', 'canvas'],
  outExtension: { '.js': '.mjs' },
} as const satisfies BuildOptions;

/** The handler modules beside `entry` (every file there that exports `handler`), by file name without `.ts`. */
export function handlerModules(entryDir: string): Map<string, string> {
  const modules = new Map<string, string>();
  for (const file of readdirSync(entryDir).sort()) {
    if (!file.endsWith('.ts')) continue;
    if (/^export (const|async function|function) handler\b/m.test(readFileSync(path.join(entryDir, file), 'utf8'))) modules.set(file.slice(0, -3), path.join(entryDir, file));
  }
  return modules;
}

type Built = Map<string, { js: Uint8Array; map: Uint8Array }>;

/** One build per app (the construct tree's root) and folder of handlers; dropped with the app. */
const builds = new WeakMap<IConstruct, Map<string, Built>>();

function esbuild(): typeof import('esbuild') {
  const require = createRequire(import.meta.url);
  try {
    return require('esbuild') as typeof import('esbuild');
  } catch (error) {
    throw new Error(`bundling the Lambda functions needs esbuild (a devDependency): run npm ci. ${(error as Error).message}`);
  }
}

/**
 * Every handler module of `entryDir`, bundled in one esbuild run. The output paths sit two
 * folders below the repository root (`<root>/.bundles/<name>/index.mjs`, never written), so the
 * source maps name `../../lambdas/…` as NodejsFunction's did from its staging folder.
 */
function buildAll(repoRoot: string, entryDir: string): Built {
  const modules = handlerModules(entryDir);
  const outdir = path.join(repoRoot, '.bundles');
  const result = esbuild().buildSync({
    ...LAMBDA_BUILD_OPTIONS,
    entryPoints: Object.fromEntries([...modules].map(([name, file]) => [`${name}/index`, file])),
    outdir,
    write: false,
  });
  const byPath = new Map<string, OutputFile>(result.outputFiles.map((f) => [f.path, f]));
  const built: Built = new Map();
  for (const name of modules.keys()) {
    const js = byPath.get(path.join(outdir, name, 'index.mjs'));
    const map = byPath.get(path.join(outdir, name, 'index.mjs.map'));
    if (!js || !map) throw new Error(`esbuild gave no index.mjs and index.mjs.map for ${name}`);
    built.set(name, { js: js.contents, map: map.contents });
  }
  return built;
}

/**
 * The local bundling of one function: its handler module's bundle as `index.mjs` (and its source
 * map), the files it reads copied beside it. `entry` and `files` are fields, so CDK's asset cache
 * and hash (which serialise the bundling options) tell functions apart.
 */
export class HandlerBundle implements ILocalBundling {
  readonly entry: string;
  readonly files: readonly BundledFile[];
  readonly #scope: IConstruct;
  readonly #repoRoot: string;

  constructor(scope: IConstruct, repoRoot: string, entry: string, files: readonly BundledFile[]) {
    this.entry = entry;
    this.files = files;
    this.#scope = scope;
    this.#repoRoot = repoRoot;
  }

  tryBundle(outputDir: string): boolean {
    const file = path.join(this.#repoRoot, this.entry);
    if (!existsSync(file)) throw new Error(`${this.entry}: no such handler module`);
    const dir = path.dirname(file);
    const name = path.basename(file, '.ts');
    const root = this.#scope.node.root;
    let byDir = builds.get(root);
    if (!byDir) builds.set(root, (byDir = new Map()));
    let built = byDir.get(dir);
    if (!built) byDir.set(dir, (built = buildAll(this.#repoRoot, dir)));
    const bundle = built.get(name);
    if (!bundle) throw new Error(`${this.entry} exports no handler (export const handler or export function handler)`);
    mkdirSync(outputDir, { recursive: true });
    writeFileSync(path.join(outputDir, 'index.mjs'), bundle.js);
    writeFileSync(path.join(outputDir, 'index.mjs.map'), bundle.map);
    for (const f of this.files) cpSync(path.join(this.#repoRoot, f.from), path.join(outputDir, f.to), { recursive: true });
    return true;
  }
}
