/**
 * Synthesizes the Prospector CDK app for the tests under test/cdk, once per configuration in a
 * test file: `synthApp(context)` builds the app, synthesizes it (cdk-nag runs as a validation
 * plugin, so synthesis throws on an unacknowledged finding) and hands back the stacks and their
 * templates; a second call with the same context and options returns the same synthesis.
 *
 * - By default the functions are not bundled (CDK's own switch, `aws:cdk:bundling-stacks`);
 *   `bundle: true` bundles them as a deploy does (one esbuild run for every handler,
 *   cdk/constructs/handler-bundles.ts).
 * - Every app writes its cloud assembly to a temporary folder of this helper's (an App without
 *   `outdir` makes a `cdk.out*` folder in the system's temporary directory that nothing removes:
 *   a test run left eight of them, 0.9 MB each). `synthApp` removes it once the templates are
 *   read; `outdir: true` keeps it (the bundles, validation-report.json) until
 *   `removeSynthOutputs()`, which a file using it or `buildApp` calls in an afterAll.
 * - `cloudFormationValidation: false` turns off aws-cdk-lib's built-in CloudFormation template
 *   validation. It only ever warns (its findings go to validation-report.json, never fail
 *   synthesis), and its WebAssembly engine takes several seconds to load in each process, so a
 *   file that never reads the report need not pay for it.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
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
  /** Keep the assembly's folder after synthesis, returned as `outdir` (default false). */
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
  /** The stateless template's resources by logical id, as JSON. */
  statelessResources: Record<string, TemplateResource>;
  /** The assembly's folder, with `outdir: true`. */
  outdir?: string;
}

/** Builds the app (no synthesis): the context the tests use, bundling off unless asked. */
export function buildApp(context: Record<string, unknown> = {}, options: SynthOptions = {}): ReturnType<typeof createApp> & { outdir: string } {
  const outdir = mkdtempSync(path.join(tmpdir(), 'prospector-cdk-'));
  outdirs.push(outdir);
  // Bundles leave @aws-sdk/* to the Lambda runtime; here the repository's copy stands in for it.
  if (options.bundle) symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(outdir, 'node_modules'));
  try {
    // A function's asset bundles in its constructor, so building the app is what runs esbuild.
    const built = createApp({
      outdir,
      context: { ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
      ...(options.cloudFormationValidation === false ? { builtinCloudFormationValidation: false } : {}),
    });
    return { ...built, outdir };
  } catch (error) {
    // Refused settings: no app, no folder.
    removeOutdir(outdir);
    throw error;
  }
}

/** The assembly folders made and not yet removed. */
const outdirs: string[] = [];

function removeOutdir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  outdirs.splice(outdirs.indexOf(dir), 1);
}
const synthesized = new Map<string, Synthesized>();

/** The app with `context`, synthesized (throws on an unacknowledged cdk-nag finding); one synthesis per configuration. */
export function synthApp(context: Record<string, unknown> = {}, options: SynthOptions = {}): Synthesized {
  const key = JSON.stringify([context, options]);
  const cached = synthesized.get(key);
  if (cached) return cached;
  const built = buildApp(context, options);
  built.app.synth();
  const statelessTemplate = Template.fromStack(built.stateless);
  const result: Synthesized = {
    app: built.app,
    stateful: built.stateful,
    stateless: built.stateless,
    statefulTemplate: Template.fromStack(built.stateful),
    statelessTemplate,
    statelessResources: statelessTemplate.toJSON().Resources,
    ...(options.outdir ? { outdir: built.outdir } : {}),
  };
  // The templates are read: an assembly nobody asked to keep goes now.
  if (!options.outdir) removeOutdir(built.outdir);
  synthesized.set(key, result);
  return result;
}

/** Removes the assemblies kept (`outdir: true`, or an app from `buildApp`): for an afterAll. */
export function removeSynthOutputs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  synthesized.clear();
}

// --- Reading a synthesized template --------------------------------------------------------------

/** A resource of a template's JSON (`template.toJSON().Resources`). */
export type TemplateResource = { Type: string; Properties: Record<string, any> };
/** One statement of an IAM policy document in a template. */
export type PolicyStatement = { Effect: string; Action: string | string[]; Resource: unknown };

/** A statement's actions, always a list. */
export const actionsOf = (s: PolicyStatement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
/** A statement's resources, always a list. */
export const resourcesOf = (s: PolicyStatement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** Every statement of the IAM policies attached to the role with logical id `roleId`. */
export function statementsOfRole(resources: Record<string, TemplateResource>, roleId: string): PolicyStatement[] {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as PolicyStatement[]);
}
