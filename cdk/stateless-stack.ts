/**
 * What can be deleted and redeployed at will: one Lambda function per state machine step, the
 * state machine itself (from `statemachine/prospecting.asl.json`), the schedule that starts it,
 * the schema migration, Athena over the lake, and the alarms.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ArnFormat, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { CloudEnv } from '../lambdas/cloud/composition.ts';
import { ProspectorAlarms } from './constructs/alarms.ts';
import { LakeAnalytics } from './constructs/lake-analytics.ts';
import { ProspectorFunction, REPO_ROOT, invokeVersionsFinding, type BundledFile } from './constructs/prospector-function.ts';
import { SchemaMigration } from './constructs/schema-migration.ts';

/** The state machine definition; its `${Placeholders}` are filled by `definitionSubstitutions`. */
export const ASL_FILE = path.join(REPO_ROOT, 'statemachine', 'prospecting.asl.json');

/** Metric namespace and service, as the Lambda composition root emits them. */
export const METRICS = { namespace: 'Prospector', service: 'prospector' } as const;

export interface StatelessStackProps extends StackProps {
  cluster: rds.DatabaseCluster;
  databaseName: string;
  /** Export names of the lake bucket's ARN and name (StatefulStack.lakeExports). */
  lakeExports: { arn: string; name: string };
  groqSecret: secretsmanager.ISecret;
  /** The lead provider's API; without it, the bundled demo directory is searched. */
  leadSearch?: { url: string; secret: secretsmanager.ISecret };
  /** EventBridge Scheduler expression; default `rate(1 day)` (the onboarding default). */
  schedule?: string;
  /** Workspace slug; default the only one. */
  workspace?: string;
  leadConcurrency?: number;
  factsModel?: string;
  synthesisModel?: string;
  promptTokenBudget?: number;
  /** Spending caps per run and per lead (tokens, US dollars); unset means none. */
  budgets?: { runTokens?: number; runCostUsd?: number; leadCostUsd?: number };
  /**
   * Concurrent ResearchLead invocations across all executions (Groq's free tier allows 30
   * requests a minute). Default 4; 0 for none (an account whose concurrency limit is 10 cannot
   * reserve any).
   */
  researchReservedConcurrency?: number;
  logRetention?: logs.RetentionDays;
  alarmEmail?: string;
  /** Glue database and Athena workgroup names; default `prospector`. */
  analyticsName?: string;
}

/** Steps of the state machine: placeholder, handler file, memory, timeout (inside the ASL's TimeoutSeconds). */
export const STEPS = [
  { placeholder: 'StartRunFunctionArn', id: 'StartRun', entry: 'start-run.ts', memorySize: 512, timeout: 45 },
  { placeholder: 'SearchLeadsFunctionArn', id: 'SearchLeads', entry: 'search-leads.ts', memorySize: 512, timeout: 100 },
  { placeholder: 'ListRunLeadsFunctionArn', id: 'ListRunLeads', entry: 'list-run-leads.ts', memorySize: 512, timeout: 45 },
  { placeholder: 'FetchSiteFunctionArn', id: 'FetchSite', entry: 'fetch-site.ts', memorySize: 1024, timeout: 280 },
  { placeholder: 'CleanPagesFunctionArn', id: 'CleanPages', entry: 'clean-pages.ts', memorySize: 2048, timeout: 280 },
  { placeholder: 'ResearchLeadFunctionArn', id: 'ResearchLead', entry: 'research-lead.ts', memorySize: 1024, timeout: 570 },
  { placeholder: 'CommitResearchFunctionArn', id: 'CommitResearch', entry: 'commit-research.ts', memorySize: 512, timeout: 100 },
  { placeholder: 'RecordFailureFunctionArn', id: 'RecordFailure', entry: 'record-failure.ts', memorySize: 256, timeout: 25 },
  { placeholder: 'FinishRunFunctionArn', id: 'FinishRun', entry: 'finish-run.ts', memorySize: 512, timeout: 50 },
] as const;

/**
 * Files the core reads relative to its own modules at run time, copied beside every bundle:
 * the prompt templates (lambdas/core/research/prompts.ts) and the demo lead directory.
 */
const RUNTIME_FILES: BundledFile[] = [
  { from: 'lambdas/core/research/prompts', to: 'prompts' },
  { from: 'local/data/lead-directory.json', to: 'lead-directory.json' },
];

/** The stateless half of Prospector. */
export class StatelessStack extends Stack {
  readonly functions: Record<(typeof STEPS)[number]['id'], ProspectorFunction>;
  readonly stateMachine: sfn.StateMachine;
  readonly definitionSubstitutions: Record<string, string>;
  readonly schedule: scheduler.Schedule;
  readonly migration: SchemaMigration;
  readonly analytics: LakeAnalytics;
  readonly alarms: ProspectorAlarms;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const lakeBucket = s3.Bucket.fromBucketAttributes(this, 'LakeBucket', {
      bucketArn: Fn.importValue(props.lakeExports.arn),
      bucketName: Fn.importValue(props.lakeExports.name),
    });

    this.migration = new SchemaMigration(this, 'SchemaMigration', { cluster: props.cluster, databaseName: props.databaseName, logRetention });

    // Every pipeline function builds the same Deps (lambdas/cloud/composition.ts), so each gets
    // the whole environment; no value here is a secret (keys are read from Secrets Manager).
    const env: Record<keyof CloudEnv, string | undefined> = {
      DB_CLUSTER_ARN: props.cluster.clusterArn,
      DB_SECRET_ARN: props.cluster.secret!.secretArn,
      DB_NAME: props.databaseName,
      LAKE_BUCKET: lakeBucket.bucketName,
      GROQ_SECRET_ARN: props.groqSecret.secretArn,
      PROSPECTOR_WORKSPACE: props.workspace,
      LEAD_CONCURRENCY: String(props.leadConcurrency ?? 4),
      FACTS_MODEL: props.factsModel ?? 'llama-3.1-8b-instant',
      SYNTHESIS_MODEL: props.synthesisModel ?? 'llama-3.3-70b-versatile',
      PROMPT_TOKEN_BUDGET: String(props.promptTokenBudget ?? 4000),
      RUN_TOKEN_BUDGET: props.budgets?.runTokens?.toString(),
      RUN_COST_BUDGET_USD: props.budgets?.runCostUsd?.toString(),
      LEAD_COST_BUDGET_USD: props.budgets?.leadCostUsd?.toString(),
      LEAD_SEARCH_URL: props.leadSearch?.url,
      LEAD_SEARCH_SECRET_ARN: props.leadSearch?.secret.secretArn,
    };
    const environment: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: METRICS.service,
      POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    for (const [k, v] of Object.entries(env)) if (v !== undefined) environment[k] = v;

    const reserved = props.researchReservedConcurrency ?? 4;
    const functions = {} as Record<(typeof STEPS)[number]['id'], ProspectorFunction>;
    for (const step of STEPS) {
      const fn = new ProspectorFunction(this, step.id, {
        entry: `lambdas/handlers/${step.entry}`,
        description: `Prospector: ${step.id} step`,
        memorySize: step.memorySize,
        timeout: Duration.seconds(step.timeout),
        environment,
        logRetention,
        files: RUNTIME_FILES,
        ...(step.id === 'ResearchLead' && reserved > 0 ? { reservedConcurrentExecutions: reserved } : {}),
      });
      props.cluster.grantDataApiAccess(fn);
      lakeBucket.grantRead(fn);
      // The lake is append-only from the pipeline's side: read and put, never delete.
      lakeBucket.grantPut(fn);
      props.groqSecret.grantRead(fn);
      props.leadSearch?.secret.grantRead(fn);
      acknowledgeLakeGrants(fn, props.lakeExports.arn);
      functions[step.id] = fn;
    }
    this.functions = functions;

    const stateMachineName = `${this.stackName}-prospecting`;
    this.definitionSubstitutions = {
      ...Object.fromEntries(STEPS.map((s) => [s.placeholder, functions[s.id].functionArn])),
      LeadMapMode: 'DISTRIBUTED',
    };
    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      // The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy from growing per log group.
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Prospecting', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(readFileSync(ASL_FILE, 'utf8')),
      definitionSubstitutions: this.definitionSubstitutions,
      // Payloads carry run and lead ids (never secrets or page bodies); keep them out of logs anyway.
      logs: { destination: executionLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    for (const step of STEPS) functions[step.id].grantInvoke(this.stateMachine);
    this.#grantDistributedMap(stateMachineName);

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Starts a Prospector run',
      schedule: scheduler.ScheduleExpression.expression(props.schedule ?? 'rate(1 day)'),
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ trigger: 'schedule' }),
      }),
    });

    this.analytics = new LakeAnalytics(this, 'Analytics', {
      bucket: lakeBucket,
      databaseName: props.analyticsName ?? 'prospector',
      workGroupName: props.analyticsName ?? 'prospector',
      bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
    });

    this.alarms = new ProspectorAlarms(this, 'Alarms', {
      stateMachine: this.stateMachine,
      metricsNamespace: METRICS.namespace,
      serviceName: METRICS.service,
      ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
    });

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AthenaWorkGroup', { value: this.analytics.workGroup.ref });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'SchemaVersion', { value: this.migration.version });
  }

  /**
   * A Distributed Map runs each lead as a child execution of this same state machine, so its
   * role must start, describe, stop and redrive executions of itself. The ARNs are built from
   * the state machine's name with Stack.formatArn because referencing the state machine's own
   * ARN from its role's policy would be a circular dependency (the state machine waits for its
   * role's policy). Child execution ids are generated per map run, hence the `/*` suffix.
   */
  #grantDistributedMap(stateMachineName: string): void {
    const stack = Stack.of(this);
    const self = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const children = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachineName}/*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [self] }));
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution'], resources: [children] }),
    );
    const policy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (!policy) throw new Error('the state machine role has no default policy to acknowledge findings on');
    // cdk-nag prints unresolved pseudo parameters as <AWS::Name>, resolved ones as their value.
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:${stateMachineName}/*]`,
      reason: 'Distributed Map child executions of this state machine: their ids are generated per map run, so only a wildcard below this state machine\'s own name can name them.',
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs log delivery (CreateLogDelivery, PutResourcePolicy, Describe*) have no resource-level permissions; Step Functions needs them for tracing and execution logging.',
    });
    for (const step of STEPS) {
      Validations.of(policy).acknowledge({
        id: invokeVersionsFinding(this.functions[step.id]),
        reason: `grantInvoke on ${step.id} also covers its versions and aliases (\`:*\`), so publishing a version (e.g. for provisioned concurrency) does not break the state machine; it names this one function.`,
      });
    }
  }
}

/** Acknowledges the wildcards of `grantRead` + `grantPut` on the lake bucket, with reasons. */
function acknowledgeLakeGrants(fn: ProspectorFunction, lakeArnExport: string): void {
  const policy = fn.role?.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  const reasons: Record<string, string> = {
    'Action::s3:GetObject*': 'grantRead on the lake: GetObject and its variants (attributes, version) for the keys the pipeline reads back.',
    'Action::s3:GetBucket*': 'grantRead on the lake: bucket-level reads (location, versioning) the SDK may need; the lake bucket only.',
    'Action::s3:List*': 'grantRead on the lake: listing keys under a prefix (Lake.list) on the lake bucket only.',
    'Action::s3:Abort*': 'grantPut on the lake: aborting its own multipart uploads; no delete is granted.',
    [`Resource::${lakeArnExport}/*`]: 'Objects of the lake bucket: the pipeline reads and writes keys it derives at run time (domains, hashes, run and lead ids), so only the whole bucket\'s objects can be named.',
  };
  for (const [finding, reason] of Object.entries(reasons)) Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
}
