/**
 * Bundles one Lambda function the way `ProspectorFunction` (CDK) does, into `out/index.mjs`, with
 * the runtime files it ships copied beside it, so a test can run the very bundle a deploy uploads.
 * The same esbuild options as the synthesis (cdk/constructs/handler-bundles.ts), for this one
 * handler alone: a synthesis builds every handler in one run, and each entry comes out the same.
 */
import { cpSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_BUILD_OPTIONS } from '../../cdk/constructs/handler-bundles.ts';
import { REPO_ROOT, type ProspectorFunction } from '../../cdk/constructs/prospector-function.ts';

export async function bundleLikeCdk(fn: Pick<ProspectorFunction, 'bundle'>, out: string): Promise<string> {
  await build({ ...LAMBDA_BUILD_OPTIONS, logLevel: 'error', entryPoints: { index: path.join(REPO_ROOT, fn.bundle.entry) }, outdir: out });
  for (const f of fn.bundle.files) cpSync(path.join(REPO_ROOT, f.from), path.join(out, f.to), { recursive: true });
  return path.join(out, 'index.mjs');
}
