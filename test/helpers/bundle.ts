/**
 * Bundles a Lambda function the way `ProspectorFunction` (CDK) does, into `out/index.mjs`, with
 * the runtime files it ships copied beside it, so a test can run the very bundle a deploy uploads.
 * `@aws-sdk/*` stays external, as the Lambda runtime provides it.
 */
import { cpSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { ESM_REQUIRE_SHIM, REPO_ROOT, type ProspectorFunction } from '../../cdk/constructs/prospector-function.ts';

export async function bundleLikeCdk(fn: Pick<ProspectorFunction, 'bundle'>, out: string): Promise<string> {
  const outfile = path.join(out, 'index.mjs');
  await build({
    entryPoints: [path.join(REPO_ROOT, fn.bundle.entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_SHIM },
    external: ['@aws-sdk/*', 'canvas'],
    logLevel: 'error',
  });
  for (const f of fn.bundle.files) cpSync(path.join(REPO_ROOT, f.from), path.join(out, f.to), { recursive: true });
  return outfile;
}
