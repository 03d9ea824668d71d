/**
 * The one way this app makes a Lambda function: Node.js on ARM, an ESM bundle built locally by
 * esbuild (no Docker; one esbuild run for all the app's handlers, see handler-bundles.ts),
 * source maps on, its own log group with a retention, and its own role that can write only to
 * that log group (no AWSLambdaBasicExecutionRole, which grants CreateLogGroup and PutLogEvents
 * on every log group in the account).
 */
import path from 'node:path';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Stack, type CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { HandlerBundle, type BundledFile } from './handler-bundles.ts';

export { ESM_REQUIRE_SHIM, type BundledFile } from './handler-bundles.ts';

/** The repository root, from this file's location (never the working directory). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The newest Node.js runtime in the installed aws-cdk-lib; the bundle targets the same (ESBUILD_TARGET). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface ProspectorFunctionProps {
  /** The handler module, relative to the repository root (e.g. `lambdas/handlers/start-run.ts`). */
  entry: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  environment?: Record<string, string>;
  /** Caps concurrent executions (protects rate-limited dependencies such as Groq). */
  reservedConcurrentExecutions?: number;
  logRetention: logs.RetentionDays;
  /**
   * Files the code reads at run time relative to its own module (`new URL('./x', import.meta.url)`):
   * in the single-file bundle that module is `index.mjs`, so they are copied beside it.
   */
  files?: BundledFile[];
}

/** A bundled Node.js Lambda function with the app's fixed settings. */
export class ProspectorFunction extends lambda.Function {
  /** The function's own log group (with the retention), as a concrete LogGroup. */
  readonly logs: logs.LogGroup;
  /** The module bundled (relative to the repository root) and the files copied beside it. */
  readonly bundle: { entry: string; files: readonly BundledFile[] };

  constructor(scope: Construct, id: string, props: ProspectorFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      // Logs of a stateless function go with it; the data they describe is in the lake and Aurora.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (Lambda execution role)`,
    });
    logGroup.grantWrite(role);

    const files = props.files ?? [];
    super(scope, id, {
      // The handler module's bundle, staged as CDK stages any bundled asset (hashed by its
      // output; not built at all for a stack that needs no bundling, such as under `cdk ls`).
      code: lambda.Code.fromAsset(REPO_ROOT, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Required by the type; never used, since the local bundling builds or throws.
          image: DockerImage.fromRegistry('prospector-bundles-locally-with-esbuild'),
          local: new HandlerBundle(scope, REPO_ROOT, props.entry, files),
        },
      }),
      handler: 'index.handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role,
      logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });
    this.logs = logGroup;
    this.bundle = { entry: props.entry, files };
  }
}

/**
 * The cdk-nag finding id for `grantInvoke`'s second resource, `<function ARN>:*` (the function's
 * versions and aliases), as cdk-nag prints it for a role in the function's stack.
 */
export function invokeVersionsFinding(fn: lambda.Function): string {
  const logicalId = Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
  return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`;
}
