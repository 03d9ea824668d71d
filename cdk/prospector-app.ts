/**
 * Builds the Prospector CDK app: the stateful and stateless stacks, with cdk-nag's AWS Solutions
 * checks as a validation plugin. `cdk/app.ts` synthesizes it; tests build it in memory.
 *
 * Settings come from CDK context (`-c key=value` or cdk.json): deletionProtection (true),
 * llmRetentionDays (90), schedule ("rate(1 day)"), groqBatch (false: the scheduled run researches
 * through Groq's Batch API, one batch a round, at half the price), workspace, leadConcurrency (4),
 * leadBatchSize (5 for Express children, 10 for Standard), leadChildExecutionType (EXPRESS or STANDARD;
 * default EXPRESS),
 * researchReservedConcurrency (4), runTokenBudget, runCostBudgetUsd, leadCostBudgetUsd (unset:
 * no cap), leadSearchUrl, alarmEmail, mailboxDomain (the domain SES receives replies at);
 * sending (off until sendingDomain is set): sendingDomain, sesConfigurationSet
 * ("prospector-sending"), sendSchedule ("rate(5 minutes)"), watchSchedule ("rate(6 hours)"), sendBatchLimit (25),
 * sesMessageIdDomain; the web app (off unless webApp=true): webApp, webAuthDomainPrefix
 * ("prospector-<account id>"). Nothing is looked up in an AWS account: the app synthesizes offline.
 */
import { App, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StatefulStack } from './stateful-stack.ts';
import { LEAD_CHILD_EXECUTION_TYPES, StatelessStack } from './stateless-stack.ts';

export interface ProspectorAppOptions {
  /** Where the cloud assembly goes; default the CLI's (CDK_OUTDIR) or a temporary folder. */
  outdir?: string;
  context?: Record<string, unknown>;
  /**
   * aws-cdk-lib's built-in CloudFormation template validation (default on, as in the CLI). It
   * only warns, into validation-report.json; a test that never reads the report may turn it off.
   */
  builtinCloudFormationValidation?: boolean;
}

function contextString(app: App, key: string): string | undefined {
  const v = app.node.tryGetContext(key) as unknown;
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

function contextNumber(app: App, key: string): number | undefined {
  const v = contextString(app, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`context ${key} must be a number, got "${v}"`);
  return n;
}

function contextBoolean(app: App, key: string): boolean | undefined {
  const v = contextString(app, key);
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw new Error(`context ${key} must be true or false, got "${v}"`);
  return v === 'true';
}

function contextChoice<T extends string>(app: App, key: string, choices: readonly T[]): T | undefined {
  const v = contextString(app, key);
  if (v === undefined) return undefined;
  const upper = v.toUpperCase();
  if (!(choices as readonly string[]).includes(upper)) throw new Error(`context ${key} must be one of ${choices.join(', ')}, got "${v}"`);
  return upper as T;
}

/** The deployment target: the CLI's account if it found one, else env-agnostic on the account. */
export function deploymentEnv(): Environment {
  return {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION ?? 'us-east-1',
  };
}

/**
 * Feature flags this app depends on, set here so the CLI, tests and any cdk.json agree:
 * - server access logs are delivered through a bucket policy, not the legacy ACL (which cannot
 *   coexist with BucketOwnerEnforced object ownership);
 * - cross-stack references stay strong (CloudFormation exports): the stateful stack cannot drop
 *   a value the stateless stack still imports.
 */
const FEATURE_FLAGS = {
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
};

/** Creates the app and both stacks. */
export function createApp(options: ProspectorAppOptions = {}): { app: App; stateful: StatefulStack; stateless: StatelessStack } {
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    ...(options.builtinCloudFormationValidation === false ? { builtinCloudFormationValidation: false } : {}),
    context: { ...FEATURE_FLAGS, ...options.context },
  });
  const env = deploymentEnv();
  const leadSearchUrl = contextString(app, 'leadSearchUrl');
  const mailboxDomain = contextString(app, 'mailboxDomain');
  const sendingDomain = contextString(app, 'sendingDomain');
  if (sendingDomain !== undefined && !/^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(sendingDomain)) {
    throw new Error(`context sendingDomain must be a domain name such as mail.example.com, got "${sendingDomain}"`);
  }

  const stateful = new StatefulStack(app, 'ProspectorStateful', {
    env,
    description: 'Prospector: Aurora PostgreSQL (Data API), the S3 data lake, secrets',
    deletionProtection: contextBoolean(app, 'deletionProtection') ?? true,
    llmRetentionDays: contextNumber(app, 'llmRetentionDays') ?? 90,
    leadSearchSecret: leadSearchUrl !== undefined,
    sesInbound: mailboxDomain !== undefined,
  });

  const stateless = new StatelessStack(app, 'ProspectorStateless', {
    env,
    description: 'Prospector: step functions, state machine, schedule, schema migration, Athena, alarms',
    cluster: stateful.database.cluster,
    databaseName: stateful.database.databaseName,
    lakeExports: stateful.lakeExports,
    groqSecret: stateful.groqSecret,
    ...(leadSearchUrl && stateful.leadSearchSecret ? { leadSearch: { url: leadSearchUrl, secret: stateful.leadSearchSecret } } : {}),
    schedule: contextString(app, 'schedule') ?? 'rate(1 day)',
    groqBatch: contextBoolean(app, 'groqBatch') ?? false,
    watchSchedule: contextString(app, 'watchSchedule'),
    workspace: contextString(app, 'workspace'),
    leadConcurrency: contextNumber(app, 'leadConcurrency') ?? 4,
    leadBatchSize: contextNumber(app, 'leadBatchSize'),
    leadChildExecutionType: contextChoice(app, 'leadChildExecutionType', LEAD_CHILD_EXECUTION_TYPES),
    researchReservedConcurrency: contextNumber(app, 'researchReservedConcurrency') ?? 4,
    budgets: {
      runTokens: contextNumber(app, 'runTokenBudget'),
      runCostUsd: contextNumber(app, 'runCostBudgetUsd'),
      leadCostUsd: contextNumber(app, 'leadCostBudgetUsd'),
    },
    alarmEmail: contextString(app, 'alarmEmail'),
    mailboxDomain,
    ...(contextBoolean(app, 'webApp') ? { webApp: { authDomainPrefix: contextString(app, 'webAuthDomainPrefix') } } : {}),
    ...(sendingDomain
      ? {
          sending: {
            domain: sendingDomain,
            configurationSetName: contextString(app, 'sesConfigurationSet'),
            messageIdDomain: contextString(app, 'sesMessageIdDomain'),
            schedule: contextString(app, 'sendSchedule'),
            batchLimit: contextNumber(app, 'sendBatchLimit'),
          },
        }
      : {}),
  });
  stateless.addStackDependency(stateful);

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stateful, stateless };
}
