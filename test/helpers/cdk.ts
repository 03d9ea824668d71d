/**
 * Synthesizes the Prospector CDK app for the tests under test/cdk, once per configuration in a
 * test file: `synthApp(context)` builds the app, synthesizes it (cdk-nag runs as a validation
 * plugin, so synthesis throws on an unacknowledged finding) and hands back the stacks and their
 * templates; a second call with the same context and options returns the same synthesis.
 *
 * - By default the functions are not bundled (CDK's own switch, `aws:cdk:bundling-stacks`), which
 *   takes esbuild and an npx start per function; `bundle: true` bundles them as a deploy does,
 *   with the same esbuild and arguments, started directly instead of through npx (see
 *   `withDirectEsbuild`).
 * - `outdir: true` writes the cloud assembly to a temporary folder (the bundles, and
 *   validation-report.json); `removeSynthOutputs()` in an afterAll removes it.
 * - `cloudFormationValidation: false` turns off aws-cdk-lib's built-in CloudFormation template
 *   validation. It only ever warns (its findings go to validation-report.json, never fail
 *   synthesis), and its WebAssembly engine takes several seconds to load in each process, so a
 *   file that never reads the report need not pay for it.
 */
import { accessSync, constants, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { App } from 'aws-cdk-lib';
import { createApp } from '../../cdk/prospector-app.ts';
import { REPO_ROOT } from '../../cdk/constructs/prospector-function.ts';
import type { StatefulStack } from '../../cdk/stateful-stack.ts';
import type { StatelessStack } from '../../cdk/stateless-stack.ts';

export interface SynthOptions {
  /** Bundle every function with esbuild, as `cdk synth` does (default false). */
  bundle?: boolean;
  /** Write the assembly to a temporary folder, returned as `outdir` (default false). */
  outdir?: boolean;
  /** aws-cdk-lib's built-in CloudFormation validation (default true, as in the CLI). */
  cloudFormationValidation?: boolean;
}

export interface Synthesized {
  app: App;
  stateful: StatefulStack;
  stateless: StatelessStack;
  statefulTemplate: Template;
  statelessTemplate: Template;
  /** The assembly's folder, with `outdir: true`. */
  outdir?: string;
}

/** Builds the app (no synthesis): the context the tests use, bundling off unless asked. */
export function buildApp(context: Record<string, unknown> = {}, options: SynthOptions = {}): ReturnType<typeof createApp> & { outdir?: string } {
  let outdir: string | undefined;
  if (options.outdir) {
    outdir = mkdtempSync(path.join(tmpdir(), 'prospector-cdk-'));
    outdirs.push(outdir);
    // Bundles leave @aws-sdk/* to the Lambda runtime; here the repository's copy stands in for it.
    if (options.bundle) symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(outdir, 'node_modules'));
  }
  const create = () =>
    createApp({
      ...(outdir ? { outdir } : {}),
      context: { ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
      ...(options.cloudFormationValidation === false ? { builtinCloudFormationValidation: false } : {}),
    });
  // NodejsFunction bundles in its constructor, so building the app is what runs esbuild.
  const built = options.bundle ? withDirectEsbuild(create) : create();
  return { ...built, ...(outdir ? { outdir } : {}) };
}

const shell = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
let npxShim: string | null | undefined;

/**
 * aws-cdk-lib starts the project's esbuild as `npx --no-install esbuild …`, one npm start (about
 * half a CPU-second and a second of wall time here) for each of the app's functions. For `fn`,
 * an `npx` placed first on PATH runs node_modules/.bin/esbuild with the same arguments and hands
 * any other command to the real npx. Bundling runs synchronously inside `fn` (NodejsFunction
 * bundles with spawnSync in its constructor), so PATH is back before any other code can run.
 */
function withDirectEsbuild<T>(fn: () => T): T {
  if (npxShim === undefined) {
    const runnable = (file: string) => {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    };
    const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
    const real = dirs.map((dir) => path.join(dir, 'npx')).find(runnable);
    const esbuild = path.join(REPO_ROOT, 'node_modules', '.bin', 'esbuild');
    npxShim = null;
    // Without either, CDK's own npx call is left to say what is missing.
    if (real && runnable(esbuild)) {
      const dir = mkdtempSync(path.join(tmpdir(), 'prospector-npx-'));
      writeFileSync(
        path.join(dir, 'npx'),
        `#!/bin/sh\nif [ "$1" = --no-install ] && [ "$2" = esbuild ]; then shift 2; exec ${shell(esbuild)} "$@"; fi\nexec ${shell(real)} "$@"\n`,
        { mode: 0o755 },
      );
      npxShim = dir;
      outdirs.push(dir);
    }
  }
  if (!npxShim) return fn();
  const before = process.env.PATH;
  process.env.PATH = `${npxShim}${path.delimiter}${before ?? ''}`;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.PATH;
    else process.env.PATH = before;
  }
}

const outdirs: string[] = [];
const synthesized = new Map<string, Synthesized>();

/** The app with `context`, synthesized (throws on an unacknowledged cdk-nag finding); one synthesis per configuration. */
export function synthApp(context: Record<string, unknown> = {}, options: SynthOptions = {}): Synthesized {
  const key = JSON.stringify([context, options]);
  const cached = synthesized.get(key);
  if (cached) return cached;
  const built = buildApp(context, options);
  built.app.synth();
  const result: Synthesized = {
    app: built.app,
    stateful: built.stateful,
    stateless: built.stateless,
    statefulTemplate: Template.fromStack(built.stateful),
    statelessTemplate: Template.fromStack(built.stateless),
    ...(built.outdir ? { outdir: built.outdir } : {}),
  };
  synthesized.set(key, result);
  return result;
}

/** Removes the assemblies written with `outdir: true` and the npx shim (for an afterAll). */
export function removeSynthOutputs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  synthesized.clear();
  npxShim = undefined;
}
