#!/usr/bin/env node
// Bundles the CLI (local/cli.ts and every source it imports) into .build/cli with esbuild, so
// `npx prospector` starts without the TypeScript loader, and links node_modules/.bin/prospector to
// the bin. Runs as the `prepare` script (on `npm ci` and `npm install`); run it by hand with
// `npm run prepare`.
//
// Why a link rather than package.json's `bin`: for a bin the root package declares itself, npx
// loads npm's whole dependency tree first (about 0.6 s on this tree); a bin in node_modules/.bin
// it runs directly.
//
// The bin uses the bundle only while every source it was built from is unchanged (see
// fresh-bundle.mjs), so an edit is never run stale: it falls back to tsx until the next build.
// A failed build is a warning, not a failed install: the bin then always uses tsx.
//
//   node local/bin/build-cli.mjs [--out DIR]
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { BUNDLE_DIR, MANIFEST, ROOT } from './fresh-bundle.mjs';

/** Files that decide how sources compile or resolve, though no import names them. */
const SETTINGS = ['package.json', 'tsconfig.json', 'local/bin/build-cli.mjs'];

/** The source's path from the root, with forward slashes (the manifest is the same on every OS). */
const fromRoot = (file) => relative(ROOT, file).split(sep).join('/');

/**
 * Builds the bundle into `out` and writes its manifest: each input's size and mtime as they were
 * before it was read, so a change during or after the build makes the bundle stale.
 */
export async function buildCli(out = BUNDLE_DIR) {
  const { build } = await import('esbuild');
  const inputs = {};
  const record = async (file) => {
    const s = await stat(file);
    inputs[fromRoot(file)] = { size: s.size, mtimeMs: s.mtimeMs };
  };
  for (const f of SETTINGS) await record(join(ROOT, f));
  // Sources read files beside themselves (`import.meta.dirname`: migrations, the ASL, sample
  // data): in the bundle those must still name the source tree, not the bundle's folder.
  const rootFromOut = `${relative(out, ROOT).split(sep).join('/')}/`;
  const sourcePaths = {
    name: 'source-paths',
    setup(b) {
      b.onLoad({ filter: /\.(ts|json)$/ }, async (args) => {
        if (!args.path.startsWith(ROOT + sep) || args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        await record(args.path);
        const text = await readFile(args.path, 'utf8');
        const rel = fromRoot(args.path);
        if (extname(args.path) === '.json') return { contents: text, loader: 'json' };
        const contents = text
          .replaceAll('import.meta.dirname', `__prospectorSource(${JSON.stringify(dirname(rel))})`)
          .replaceAll('import.meta.url', `__prospectorSourceUrl(${JSON.stringify(rel)})`);
        return { contents, loader: 'ts' };
      });
    },
  };
  const tmp = `${out}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  const result = await build({
    entryPoints: { cli: join(ROOT, 'local', 'cli.ts') },
    outdir: tmp,
    bundle: true,
    // Each dynamic import stays a chunk of its own: a command loads only what it uses.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'warning',
    plugins: [sourcePaths],
    banner: {
      js: [
        `import { fileURLToPath as __prospectorPath, pathToFileURL as __prospectorUrl } from 'node:url';`,
        `import { join as __prospectorJoin } from 'node:path';`,
        `const __prospectorRoot = __prospectorPath(new URL(${JSON.stringify(rootFromOut)}, import.meta.url));`,
        `const __prospectorSource = (dir) => __prospectorJoin(__prospectorRoot, dir);`,
        `const __prospectorSourceUrl = (file) => __prospectorUrl(__prospectorJoin(__prospectorRoot, file)).href;`,
      ].join('\n'),
    },
  });
  const unrecorded = Object.keys(result.metafile.inputs).filter((f) => !(fromRoot(resolve(ROOT, f)) in inputs));
  if (unrecorded.length > 0) throw new Error(`inputs not tracked for freshness: ${unrecorded.join(', ')}`);
  const digest = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
  await writeFile(join(tmp, MANIFEST), `${JSON.stringify({ entry: 'cli.mjs', builtAt: new Date().toISOString(), digest, inputs }, null, 1)}\n`);
  await mkdir(dirname(out), { recursive: true });
  await rm(out, { recursive: true, force: true });
  await rename(tmp, out);
  return { out, inputs: Object.keys(inputs).length, outputs: Object.keys(result.metafile.outputs).length };
}

/** Links node_modules/.bin/prospector to local/bin/prospector.mjs (what `npx prospector` runs). */
export async function linkBin() {
  const bins = join(ROOT, 'node_modules', '.bin');
  const link = join(bins, 'prospector');
  const target = relative(bins, join(ROOT, 'local', 'bin', 'prospector.mjs'));
  const existing = await lstat(link).catch(() => undefined);
  if (existing?.isSymbolicLink() && (await readlink(link)) === target) return link;
  await mkdir(bins, { recursive: true });
  await rm(link, { force: true });
  await symlink(target, link);
  return link;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename);
if (isMain) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? resolve(process.argv[i + 1]) : BUNDLE_DIR;
  const t0 = performance.now();
  if (i < 0) {
    await linkBin().catch((error) => {
      process.stderr.write(`prospector: could not link node_modules/.bin/prospector (${error.message}); run the CLI with \`npm run prospector --\` instead of npx\n`);
    });
  }
  try {
    const r = await buildCli(out);
    process.stdout.write(`prospector: bundled the CLI into ${relative(process.cwd(), r.out) || r.out} (${r.inputs} sources, ${Math.round(performance.now() - t0)} ms)\n`);
  } catch (error) {
    process.stderr.write(`prospector: could not bundle the CLI (${error instanceof Error ? error.message : error}); it runs through tsx instead, which starts slower\n`);
    await rm(`${out}.tmp-${process.pid}`, { recursive: true, force: true }).catch(() => {});
  }
}
