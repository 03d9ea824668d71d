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
import { stepEnvKeys } from '../lambdas/cloud/step-env.ts';
import { lakeAreas, type LakeArea } from '../lambdas/core/lake-keys.ts';
import { STEPS as STEP_PORTS, STEP_IDS, type StepId, type StepPorts } from '../lambdas/core/pipeline/step-ports.ts';
import { DEFAULT_MODELS } from '../lambdas/core/research/models.ts';
import { ProspectorAlarms } from './constructs/alarms.ts';
import { LakeAnalytics } from './constructs/lake-analytics.ts';
import { RepliesInbound } from './constructs/replies-inbound.ts';
import { ProspectorFunction, REPO_ROOT, type BundledFile } from './constructs/prospector-function.ts';
import { SchemaMigration } from './constructs/schema-migration.ts';
import { acknowledgeStateMachineRole, SendingMail, SendingStateMachine } from './constructs/sending.ts';
import { WebApp } from './constructs/web-app.ts';

/** The state machine definition; its `${Placeholders}` are filled by `definitionSubstitutions`. */
export const ASL_FILE = path.join(REPO_ROOT, 'statemachine', 'prospecting.asl.json');
/** The watch machine's definition (re-checks of researched companies). */
export const WATCH_ASL_FILE = path.join(REPO_ROOT, 'statemachine', 'watch.asl.json');

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
  /**
   * The scheduled run in batch mode (`{"groqBatch": true}` in its input): research goes to Groq's
   * Batch API, one batch a round (SubmitLlmBatch → WaitForLlmBatch → PollLlmBatch →
   * ImportLlmBatch); default false, synchronous calls.
   */
  groqBatch?: boolean;
  /**
   * How often the watch machine looks for companies due a re-check (each ICP's `watchEvery`
   * decides which are due); default `rate(6 hours)`, fine enough for a 12h interval.
   */
  watchSchedule?: string;
  /** Workspace slug; default the only one. */
  workspace?: string;
  leadConcurrency?: number;
  /**
   * Leads one child execution of the lead Map takes (ItemBatcher's MaxItemsPerBatch); default 5
   * for Express children (half their 5-minute cap at ~30 s a lead), 10 for Standard ones.
   */
  leadBatchSize?: number;
  /**
   * The lead Map's child executions (ProcessorConfig.ExecutionType): `EXPRESS` (default: about a
   * tenth of the orchestration cost of Standard; see the README's cost section) or `STANDARD`
   * (no 5-minute cap per child; for sites so slow, or Groq limits so tight, that a batch's
   * fetches and rate-limit waits outlast it).
   */
  leadChildExecutionType?: LeadChildExecutionType;
  factsModel?: string;
  synthesisModel?: string;
  /** The model that drafts outreach (DRAFT_MODEL); default the synthesis model. */
  draftModel?: string;
  /** Explicit model prices, `model=in/out` USD per 1M tokens (MODEL_PRICES); needed for unpriced models under a dollar budget. */
  modelPrices?: string;
  /** What a Groq per-day limit does to the rest of a run: `skip` (default) or `wait` (ON_DAILY_LIMIT). */
  onDailyLimit?: 'skip' | 'wait';
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
  /** The domain SES receives replies at (see RepliesInbound); unset: no receipt rule. */
  mailboxDomain?: string;
  /** Sending (SES, the sending state machine and its schedule); without it nothing is sent. */
  sending?: SendingSettings;
  /** The reps' web app with Cognito sign-in (cdk/constructs/web-app.ts); without it, none. */
  webApp?: { authDomainPrefix?: string };
}

export const LEAD_CHILD_EXECUTION_TYPES = ['EXPRESS', 'STANDARD'] as const;
export type LeadChildExecutionType = (typeof LEAD_CHILD_EXECUTION_TYPES)[number];

/** The lead Map's batch size when none is set: smaller for Express children, which stop at 5 minutes. */
export function defaultLeadBatchSize(type: LeadChildExecutionType): number {
  return type === 'EXPRESS' ? 5 : 10;
}

/** Sending's settings (cdk/constructs/sending.ts). */
export interface SendingSettings {
  /** The SES domain identity mail is sent from. */
  domain: string;
  configurationSetName?: string;
  messageIdDomain?: string;
  /** EventBridge Scheduler expression; default `rate(5 minutes)`. */
  schedule?: string;
  batchLimit?: number;
}

/**
 * Steps of the state machine: placeholder, handler file, memory, timeout (inside the ASL's
 * TimeoutSeconds). What each may touch (and so its environment and grants) is STEP_PORTS.
 */
export const STEPS = [
  { placeholder: 'StartRunFunctionArn', id: 'StartRun', entry: 'start-run.ts', memorySize: 512, timeout: 45 },
  { placeholder: 'SearchLeadsFunctionArn', id: 'SearchLeads', entry: 'search-leads.ts', memorySize: 512, timeout: 100 },
  // Pages through the run's leads (5,000 a Data API call) and builds its manifest in memory: about 100 bytes a lead.
  { placeholder: 'ListRunLeadsFunctionArn', id: 'ListRunLeads', entry: 'list-run-leads.ts', memorySize: 1024, timeout: 280 },
  { placeholder: 'FetchSiteFunctionArn', id: 'FetchSite', entry: 'fetch-site.ts', memorySize: 1024, timeout: 280 },
  { placeholder: 'CleanPagesFunctionArn', id: 'CleanPages', entry: 'clean-pages.ts', memorySize: 2048, timeout: 280 },
  { placeholder: 'ResearchLeadFunctionArn', id: 'ResearchLead', entry: 'research-lead.ts', memorySize: 1024, timeout: 570 },
  { placeholder: 'CommitResearchFunctionArn', id: 'CommitResearch', entry: 'commit-research.ts', memorySize: 512, timeout: 100 },
  { placeholder: 'DraftOutreachFunctionArn', id: 'DraftOutreach', entry: 'draft-outreach.ts', memorySize: 512, timeout: 170 },
  { placeholder: 'RecordFailureFunctionArn', id: 'RecordFailure', entry: 'record-failure.ts', memorySize: 256, timeout: 50 },
  // Batch mode (a run started with groqBatch): one Groq batch a round of the run's deferred requests.
  { placeholder: 'SubmitLlmBatchFunctionArn', id: 'SubmitLlmBatch', entry: 'submit-llm-batch.ts', memorySize: 1024, timeout: 280 },
  { placeholder: 'PollLlmBatchFunctionArn', id: 'PollLlmBatch', entry: 'poll-llm-batch.ts', memorySize: 256, timeout: 50 },
  { placeholder: 'ImportLlmBatchFunctionArn', id: 'ImportLlmBatch', entry: 'import-llm-batch.ts', memorySize: 1024, timeout: 570 },
  { placeholder: 'FinishRunFunctionArn', id: 'FinishRun', entry: 'finish-run.ts', memorySize: 512, timeout: 50 },
  // statemachine/watch.asl.json (its state machine and schedule: cdk/constructs/watch.ts)
  { placeholder: 'StartWatchFunctionArn', id: 'StartWatch', entry: 'start-watch.ts', memorySize: 512, timeout: 100 },
  { placeholder: 'RecheckCompanyFunctionArn', id: 'RecheckCompany', entry: 'recheck-company.ts', memorySize: 256, timeout: 50 },
  // statemachine/sending.asl.json (its state machine and schedule: cdk/constructs/sending.ts)
  { placeholder: 'ClaimDueFunctionArn', id: 'ClaimDue', entry: 'claim-due.ts', memorySize: 512, timeout: 50 },
  { placeholder: 'SendMessageFunctionArn', id: 'SendMessage', entry: 'send-message.ts', memorySize: 512, timeout: 100 },
  { placeholder: 'RecordSendFailureFunctionArn', id: 'RecordSendFailure', entry: 'record-send-failure.ts', memorySize: 256, timeout: 50 },
  { placeholder: 'FinishSendFunctionArn', id: 'FinishSend', entry: 'finish-send.ts', memorySize: 256, timeout: 50 },
  // statemachine/replies.asl.json (its state machine and trigger: cdk/constructs/replies-inbound.ts)
  { placeholder: 'ParseReplyFunctionArn', id: 'ParseReply', entry: 'parse-reply.ts', memorySize: 1024, timeout: 50 },
  { placeholder: 'ClassifyReplyFunctionArn', id: 'ClassifyReply', entry: 'classify-reply.ts', memorySize: 512, timeout: 100 },
  { placeholder: 'MatchThreadFunctionArn', id: 'MatchThread', entry: 'match-thread.ts', memorySize: 256, timeout: 50 },
  { placeholder: 'ActOnReplyFunctionArn', id: 'ActOnReply', entry: 'act-on-reply.ts', memorySize: 256, timeout: 50 },
  { placeholder: 'DraftResponseFunctionArn', id: 'DraftResponse', entry: 'draft-response.ts', memorySize: 512, timeout: 140 },
  { placeholder: 'RecordReplyFailureFunctionArn', id: 'RecordReplyFailure', entry: 'record-reply-failure.ts', memorySize: 256, timeout: 50 },
] as const satisfies readonly { placeholder: `${StepId}FunctionArn`; id: StepId; entry: string; memorySize: number; timeout: number }[];

// The two lists name the same steps and handlers, or a function would get another step's grants.
for (const id of STEP_IDS) {
  const step = STEPS.find((s) => s.id === id);
  if (!step) throw new Error(`step ${id} of STEP_PORTS has no function in the stateless stack`);
  if (step.entry !== `${STEP_PORTS[id].handler}.ts`) throw new Error(`step ${id}: handler ${step.entry} is not ${STEP_PORTS[id].handler}.ts of STEP_PORTS`);
}

/**
 * Files the core reads relative to its own modules at run time, copied beside every bundle:
 * the prompt templates (research, lambdas/core/research/prompts.ts; drafting,
 * lambdas/core/outreach/compose.ts; reply classification and responses, lambdas/core/replies/) and the
 * demo lead directory. In a bundle every module's
 * `import.meta.url` is the bundle's, so each `./prompts/<file>` lands in one `prompts/` folder;
 * a test checks that every prompt file under lambdas/core is listed here.
 */
export const RUNTIME_FILES: BundledFile[] = [
  { from: 'lambdas/core/research/prompts', to: 'prompts' },
  { from: 'lambdas/core/outreach/prompts/draft.v2.md', to: 'prompts/draft.v2.md' },
  { from: 'lambdas/core/replies/prompts/classify.v1.md', to: 'prompts/classify.v1.md' },
  { from: 'lambdas/core/replies/prompts/respond.v1.md', to: 'prompts/respond.v1.md' },
  { from: 'local/data/lead-directory.json', to: 'lead-directory.json' },
];

/** The stateless half of Prospector. */
export class StatelessStack extends Stack {
  readonly functions: Record<(typeof STEPS)[number]['id'], ProspectorFunction>;
  readonly stateMachine: sfn.StateMachine;
  readonly definitionSubstitutions: Record<string, string>;
  readonly schedule: scheduler.Schedule;
  /** statemachine/watch.asl.json and the schedule that starts it. */
  readonly watch: { stateMachine: sfn.StateMachine; definitionSubstitutions: Record<string, string>; schedule: scheduler.Schedule };
  readonly migration: SchemaMigration;
  readonly analytics: LakeAnalytics;
  readonly alarms: ProspectorAlarms;
  readonly replies: RepliesInbound;
  /** SES, the bounce and complaint handler, the one-click route; and the sending state machine. */
  readonly sending?: { mail: SendingMail; machine: SendingStateMachine };
  readonly webApp?: WebApp;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const lakeBucket = s3.Bucket.fromBucketAttributes(this, 'LakeBucket', {
      bucketArn: Fn.importValue(props.lakeExports.arn),
      bucketName: Fn.importValue(props.lakeExports.name),
    });

    this.migration = new SchemaMigration(this, 'SchemaMigration', { cluster: props.cluster, databaseName: props.databaseName, logRetention });

    const powertools = { POWERTOOLS_SERVICE_NAME: METRICS.service, POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace, POWERTOOLS_LOG_LEVEL: 'INFO' };
    const mail = props.sending
      ? new SendingMail(this, 'SendingMail', {
          domain: props.sending.domain,
          configurationSetName: props.sending.configurationSetName,
          messageIdDomain: props.sending.messageIdDomain,
          cluster: props.cluster,
          databaseName: props.databaseName,
          logRetention,
          baseEnvironment: powertools,
          files: RUNTIME_FILES,
        })
      : undefined;

    // Each function gets only the variables of its step's ports (lambdas/cloud/step-env.ts);
    // no value here is a secret (keys are read from Secrets Manager).
    const env: Record<keyof CloudEnv, string | undefined> = {
      DB_CLUSTER_ARN: props.cluster.clusterArn,
      DB_SECRET_ARN: props.cluster.secret!.secretArn,
      DB_NAME: props.databaseName,
      LAKE_BUCKET: lakeBucket.bucketName,
      GROQ_SECRET_ARN: props.groqSecret.secretArn,
      PROSPECTOR_WORKSPACE: props.workspace,
      LEAD_CONCURRENCY: String(props.leadConcurrency ?? 4),
      LEAD_BATCH_SIZE: String(props.leadBatchSize ?? defaultLeadBatchSize(props.leadChildExecutionType ?? 'EXPRESS')),
      FACTS_MODEL: props.factsModel ?? DEFAULT_MODELS.facts,
      SYNTHESIS_MODEL: props.synthesisModel ?? DEFAULT_MODELS.synthesis,
      DRAFT_MODEL: props.draftModel ?? props.synthesisModel ?? DEFAULT_MODELS.synthesis,
      PROMPT_TOKEN_BUDGET: String(props.promptTokenBudget ?? 4000),
      RUN_TOKEN_BUDGET: props.budgets?.runTokens?.toString(),
      RUN_COST_BUDGET_USD: props.budgets?.runCostUsd?.toString(),
      LEAD_COST_BUDGET_USD: props.budgets?.leadCostUsd?.toString(),
      LEAD_SEARCH_URL: props.leadSearch?.url,
      LEAD_SEARCH_SECRET_ARN: props.leadSearch?.secret.secretArn,
      MODEL_PRICES: props.modelPrices,
      ON_DAILY_LIMIT: props.onDailyLimit,
      SES_CONFIGURATION_SET: mail?.environment.SES_CONFIGURATION_SET,
      SES_MESSAGE_ID_DOMAIN: mail?.environment.SES_MESSAGE_ID_DOMAIN,
      UNSUBSCRIBE_SECRET_ARN: mail?.environment.UNSUBSCRIBE_SECRET_ARN,
      UNSUBSCRIBE_BASE_URL: mail?.environment.UNSUBSCRIBE_BASE_URL,
      // the web app's own (cdk/constructs/web-app.ts): no step reads them
      COGNITO_USER_POOL_ID: undefined, COGNITO_CLIENT_ID: undefined, COGNITO_DOMAIN_URL: undefined, WEB_BASE_URL: undefined, PROSPECTING_STATE_MACHINE_ARN: undefined,
    };
    const environmentOf = (id: StepId): Record<string, string> => {
      const environment: Record<string, string> = { ...powertools };
      for (const k of stepEnvKeys(id)) if (env[k] !== undefined) environment[k] = env[k];
      return environment;
    };

    const reserved = props.researchReservedConcurrency ?? 4;
    const functions = {} as Record<(typeof STEPS)[number]['id'], ProspectorFunction>;
    for (const step of STEPS) {
      const fn = new ProspectorFunction(this, step.id, {
        entry: `lambdas/handlers/${step.entry}`,
        description: `Prospector: ${step.id} step`,
        memorySize: step.memorySize,
        timeout: Duration.seconds(step.timeout),
        environment: environmentOf(step.id),
        logRetention,
        files: RUNTIME_FILES,
        ...(step.id === 'ResearchLead' && reserved > 0 ? { reservedConcurrentExecutions: reserved } : {}),
      });
      grantPorts(fn, STEP_PORTS[step.id].ports, { ...props, lakeBucket, mail });
      functions[step.id] = fn;
    }
    this.functions = functions;

    const stateMachineName = `${this.stackName}-prospecting`;
    // only the steps of this definition: the prospecting machine may not invoke the send step
    const prospectingText = readFileSync(ASL_FILE, 'utf8');
    const prospectingSteps = STEPS.filter((s) => prospectingText.includes(`\${${s.placeholder}}`));
    this.definitionSubstitutions = {
      ...Object.fromEntries(prospectingSteps.map((s) => [s.placeholder, functions[s.id].functionArn])),
      LeadMapMode: 'DISTRIBUTED',
      // Express children: billed per request and per 64 MB-second instead of per transition. A
      // child past 5 minutes stops with its batch half done; FinishRun then fails the leads it
      // left unfinished (with that reason) so a redrive runs them again, and every step is
      // idempotent for a child that Express runs twice (at-least-once).
      LeadChildExecutionType: props.leadChildExecutionType ?? 'EXPRESS',
      // The lead Map's ItemReader and ResultWriter name the lake bucket.
      LakeBucketName: lakeBucket.bucketName,
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
    for (const step of prospectingSteps) functions[step.id].grantInvoke(this.stateMachine);
    this.#grantDistributedMap(this.stateMachine, stateMachineName, this.definitionSubstitutions);
    this.#grantLeadManifests(this.stateMachine, lakeBucket, props.lakeExports.arn);

    // The watch machine: the same per-lead steps over researched companies due a re-check.
    const watchName = `${this.stackName}-watch`;
    const watchText = readFileSync(WATCH_ASL_FILE, 'utf8');
    const watchSteps = STEPS.filter((s) => watchText.includes(`\${${s.placeholder}}`));
    const watchSubstitutions = {
      ...Object.fromEntries(watchSteps.map((s) => [s.placeholder, functions[s.id].functionArn])),
      LeadMapMode: 'DISTRIBUTED',
      LakeBucketName: lakeBucket.bucketName,
    };
    const watchLogs = new logs.LogGroup(this, 'WatchExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${watchName}`,
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const watchMachine = new sfn.StateMachine(this, 'Watch', {
      stateMachineName: watchName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(watchText),
      definitionSubstitutions: watchSubstitutions,
      logs: { destination: watchLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    for (const step of watchSteps) functions[step.id].grantInvoke(watchMachine);
    this.#grantDistributedMap(watchMachine, watchName, watchSubstitutions);
    this.#grantLeadManifests(watchMachine, lakeBucket, props.lakeExports.arn);
    this.watch = {
      stateMachine: watchMachine,
      definitionSubstitutions: watchSubstitutions,
      schedule: new scheduler.Schedule(this, 'WatchSchedule', {
        description: 'Starts a Prospector watch (re-checks researched companies whose interval has passed)',
        schedule: scheduler.ScheduleExpression.expression(props.watchSchedule ?? 'rate(6 hours)'),
        target: new targets.StepFunctionsStartExecution(watchMachine, {
          input: scheduler.ScheduleTargetInput.fromObject(props.workspace ? { workspace: props.workspace } : {}),
        }),
      }),
    };

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Starts a Prospector run',
      schedule: scheduler.ScheduleExpression.expression(props.schedule ?? 'rate(1 day)'),
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject(props.groqBatch ? { trigger: 'schedule', groqBatch: true } : { trigger: 'schedule' }),
      }),
    });

    this.replies = new RepliesInbound(this, 'Replies', {
      functions,
      lakeBucket,
      stateMachineName: `${this.stackName}-replies`,
      logRetention,
      ...(props.mailboxDomain ? { mailboxDomain: props.mailboxDomain } : {}),
    });
    if (mail) {
      const machine = new SendingStateMachine(this, 'Sending', {
        functions,
        schedule: props.sending?.schedule,
        workspace: props.workspace,
        batchLimit: props.sending?.batchLimit,
        logRetention,
      });
      this.sending = { mail, machine };
      new CfnOutput(this, 'SendingStateMachineArn', { value: machine.stateMachine.stateMachineArn });
    }

    if (props.webApp) {
      const grantLakeRead = (fn: ProspectorFunction, areas: readonly LakeArea[]) => grantLake(fn, lakeBucket, { read: areas }, props.lakeExports.arn);
      this.webApp = new WebApp(this, 'WebApp', { ...props.webApp, cluster: props.cluster, databaseName: props.databaseName, lakeBucketName: lakeBucket.bucketName, stateMachine: this.stateMachine, grantLakeRead, logRetention, baseEnvironment: powertools, files: RUNTIME_FILES });
    }

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
      ...(this.sending ? { sending: { stateMachine: this.sending.machine.stateMachine } } : {}),
    });

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'WatchStateMachineArn', { value: this.watch.stateMachine.stateMachineArn });
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
  #grantDistributedMap(machine: sfn.StateMachine, stateMachineName: string, substitutions: Record<string, string>): void {
    const stack = Stack.of(this);
    const self = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const children = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachineName}/*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [self] }));
    machine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution'], resources: [children] }),
    );
    const policy = machine.role.node.tryFindChild('DefaultPolicy');
    if (!policy) throw new Error('the state machine role has no default policy to acknowledge findings on');
    // cdk-nag prints unresolved pseudo parameters as <AWS::Name>, resolved ones as their value.
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:${stateMachineName}/*]`,
      reason: 'Distributed Map child executions of this state machine: their ids are generated per map run, so only a wildcard below this state machine\'s own name can name them.',
    });
    acknowledgeStateMachineRole(
      machine,
      STEPS.filter((st) => substitutions[st.placeholder] !== undefined).map((st) => ({ step: st.id, fn: this.functions[st.id] })),
    );
  }

  /**
   * The lead Map's ItemReader reads the run's manifest (s3:GetObject on the manifest area) and
   * its ResultWriter writes each map run's results below its prefix with multipart uploads
   * (s3:PutObject, s3:GetObject, s3:ListMultipartUploadParts, s3:AbortMultipartUpload: the
   * ResultWriter IAM policy in docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html,
   * which aws-cdk-lib's ResultWriterV2.providePolicyStatements also grants). Nothing else of the lake.
   */
  #grantLeadManifests(machine: sfn.StateMachine, lakeBucket: s3.IBucket, lakeArnExport: string): void {
    machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [lakeBucket.arnForObjects(lakeAreas.leadManifests)] }));
    machine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [lakeBucket.arnForObjects(lakeAreas.leadMapResults)],
      }),
    );
    const policy = machine.role.node.tryFindChild('DefaultPolicy');
    if (!policy) throw new Error('the state machine role has no default policy to acknowledge findings on');
    for (const area of ['leadManifests', 'leadMapResults'] as const) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${lakeArnExport}/${lakeAreas[area]}]`,
        reason: `The lead Map's ${area === 'leadManifests' ? 'ItemReader reads run manifests' : 'ResultWriter writes map-run results'} (${lakeAreas[area]}): keys are named per run and per map run, so only the area's pattern can name them.`,
      });
    }
  }
}

/**
 * Grants a function what its step's ports need and nothing else: the Data API (and the
 * database secret) for `sql`, the lake areas it reads and writes, the Groq secret for `llm`
 * and the provider's secret for `leadSearch` when used (a port's name needs no grant). A new
 * port (mail) is granted here from its declaration, so it reaches only the steps declaring it.
 */
function grantPorts(
  fn: ProspectorFunction,
  ports: StepPorts,
  props: Pick<StatelessStackProps, 'cluster' | 'groqSecret' | 'leadSearch' | 'lakeExports'> & { lakeBucket: s3.IBucket; mail: SendingMail | undefined },
): void {
  if (ports.sql) props.cluster.grantDataApiAccess(fn);
  if (ports.mailer) props.mail?.grantSend(fn);
  if (ports.lake) grantLake(fn, props.lakeBucket, ports.lake, props.lakeExports.arn);
  if (ports.llm === 'use' || ports.llmBatch) props.groqSecret.grantRead(fn);
  if (ports.leadSearch === 'use') props.leadSearch?.secret.grantRead(fn);
}

/**
 * The lake is append-only from the pipeline's side: GetObject on the areas a step reads,
 * PutObject on those it writes, never delete. A reader also gets ListBucket on the bucket: S3
 * answers a missing key with 404 only to a caller that may list the bucket, 403 otherwise
 * (docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html, "Permissions"), and
 * `Lake.exists`/`get` must tell "not there yet" from "refused". Whether a ListBucket narrowed
 * by an `s3:prefix` condition also earns the 404 is not documented, so it is not narrowed;
 * listing shows key names (domains, hashes, run ids), never contents.
 */
function grantLake(fn: ProspectorFunction, bucket: s3.IBucket, lake: NonNullable<StepPorts['lake']>, lakeArnExport: string): void {
  const read = lake.read ?? [];
  const write = lake.write ?? [];
  if (read.length > 0) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: read.map((a) => bucket.arnForObjects(lakeAreas[a])) }));
  }
  if (write.length > 0) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: write.map((a) => bucket.arnForObjects(lakeAreas[a])) }));
  }
  const policy = fn.role?.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  for (const area of new Set([...read, ...write])) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${lakeArnExport}/${lakeAreas[area]}]`,
      reason: `The lake's ${area} area (${lakeAreas[area]}): keys are derived at run time (domains, hashes, run and lead ids), so only their area's pattern can name them.`,
    });
  }
}
