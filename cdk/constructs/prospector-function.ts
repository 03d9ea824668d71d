/**
 * The one way this app makes a Lambda function: Node.js on ARM, an ESM bundle built locally by
 * esbuild (no Docker), source maps on, its own log group with a retention, and its own role
 * that can write only to that log group (no AWSLambdaBasicExecutionRole, which grants
 * CreateLogGroup and PutLogEvents on every log group in the account).
 */
import path from 'node:path';
import { Duration, RemovalPolicy, Stack, type CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The repository root, from this file's location (never the working directory). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The newest Node.js runtime in the installed aws-cdk-lib; the bundle targets the same. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;
const ESBUILD_TARGET = 'node24';

/**
 * Bundles are ESM; some dependencies are CommonJS and call `require`, which ESM lacks, so every
 * bundle starts by defining one.
 */
export const ESM_REQUIRE_SHIM = "import { createRequire as __prospectorCreateRequire } from 'node:module'; const require = __prospectorCreateRequire(import.meta.url);";

/** A folder or file (relative to the repository root) copied into the bundle beside the handler. */
export interface BundledFile {
  from: string;
  to: string;
}

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
export class ProspectorFunction extends NodejsFunction {
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
      entry: path.join(REPO_ROOT, props.entry),
      handler: 'handler',
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
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: ESBUILD_TARGET,
        mainFields: ['module', 'main'],
        // Smaller bundles start faster; keepNames and the source map keep stack traces readable.
        minify: true,
        keepNames: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        logLevel: LogLevel.WARNING,
        banner: ESM_REQUIRE_SHIM,
        // The runtime ships the AWS SDK v3; linkedom's optional `canvas` is never installed.
        externalModules: ['@aws-sdk/*', 'canvas'],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) =>
            files.map((f) => `cp -R "${path.posix.join(inputDir, f.from)}" "${path.posix.join(outputDir, f.to)}"`),
        },
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
export function invokeVersionsFinding(fn: NodejsFunction): string {
  const logicalId = Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
  return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`;
}
