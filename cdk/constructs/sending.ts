/**
 * Sending in the cloud, in two constructs the stateless stack creates around its step functions:
 *
 * - `SendingMail` (before the step functions, whose environment and grants it provides): the SES
 *   domain identity with Easy DKIM, the configuration set whose event destination publishes
 *   bounces and complaints to EventBridge, the rule and function that record them
 *   (lambdas/handlers/ses-events.ts), the one-click unsubscribe route as a Lambda function URL
 *   (lambdas/handlers/unsubscribe.ts), and the generated key that signs and verifies its tokens.
 *   `grantSend` is the only way a function gets to send mail; the stack calls it for the steps
 *   that declare the `mailer` port (SendMessage) and for nothing else.
 * - `SendingStateMachine` (after them): statemachine/sending.asl.json, the same definition the
 *   local runner executes, and the EventBridge Scheduler schedule that starts it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { CloudEnv } from '../../lambdas/cloud/composition.ts';
import { EDGE_FUNCTIONS, edgeEnvKeys, type CloudEnvKey, type EdgeFunctionId } from '../../lambdas/cloud/step-env.ts';
import { ProspectorFunction, REPO_ROOT, invokeVersionsFinding, type BundledFile } from './prospector-function.ts';

/** The sending state machine's definition; its `${Placeholders}` are filled by `definitionSubstitutions`. */
export const SENDING_ASL_FILE = path.join(REPO_ROOT, 'statemachine', 'sending.asl.json');

/** The SES event detail types the handler records (EventBridge detail-type of SES events). */
export const SES_EVENT_DETAIL_TYPES = ['Email Bounced', 'Email Complaint Received'];

/** The variables the send step's mailer port needs (lambdas/cloud/step-env.ts MAILER). */
export type MailEnvironment = Required<Pick<CloudEnv, 'SES_CONFIGURATION_SET' | 'UNSUBSCRIBE_SECRET_ARN' | 'UNSUBSCRIBE_BASE_URL'>> & Pick<CloudEnv, 'SES_MESSAGE_ID_DOMAIN'>;

export interface SendingMailProps {
  /** The domain mail is sent from (an SES domain identity; its DKIM records are stack outputs). */
  domain: string;
  /** The SES configuration set's name; default `prospector-sending`. */
  configurationSetName?: string;
  /** See SES_MESSAGE_ID_DOMAIN; default the adapter's (`email.amazonses.com`, us-east-1). */
  messageIdDomain?: string;
  cluster: rds.DatabaseCluster;
  databaseName: string;
  logRetention: logs.RetentionDays;
  /** Powertools settings every function gets. */
  baseEnvironment: Record<string, string>;
  /**
   * Files the shared modules read beside the bundle at load time (the stack's RUNTIME_FILES):
   * the composition root imports the research adapters, whose prompts load with the module.
   */
  files: BundledFile[];
}

/** SES identity, configuration set, bounce and complaint recording, the one-click route and its key. */
export class SendingMail extends Construct {
  readonly identity: ses.EmailIdentity;
  readonly configurationSet: ses.ConfigurationSet;
  readonly configurationSetArn: string;
  readonly eventDestination: ses.ConfigurationSetEventDestination;
  readonly eventRule: events.Rule;
  /** Events the handler failed on after its retries, kept for a person (14 days). */
  readonly eventDeadLetters: sqs.Queue;
  readonly unsubscribeKey: secretsmanager.Secret;
  readonly functions: Record<Exclude<EdgeFunctionId, 'Web'>, ProspectorFunction>;
  readonly unsubscribeUrl: lambda.FunctionUrl;
  /** The mailer port's variables, for the functions of the steps that declare it. */
  readonly environment: MailEnvironment;

  constructor(scope: Construct, id: string, props: SendingMailProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: props.configurationSetName ?? 'prospector-sending',
      // Per-configuration-set bounce and complaint rates beside the account's.
      reputationMetrics: true,
      // SES itself also refuses addresses that bounced or complained (account suppression list).
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSetArn = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.identity = new ses.EmailIdentity(this, 'Identity', {
      identity: ses.Identity.domain(props.domain),
      configurationSet: this.configurationSet,
      dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
    });

    // The signing key of one-click links: rotating it would break the links in mail already sent.
    this.unsubscribeKey = new secretsmanager.Secret(this, 'UnsubscribeKey', {
      description: 'Prospector: the key that signs and verifies one-click unsubscribe tokens (generated).',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.unsubscribeKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The HMAC key of one-click unsubscribe links: every link in mail already sent is signed with it, so rotating it would turn those links into errors, which RFC 8058 and the bulk-sender rules forbid.',
    });

    const dbEnv: Partial<Record<CloudEnvKey, string>> = {
      DB_CLUSTER_ARN: props.cluster.clusterArn,
      DB_SECRET_ARN: props.cluster.secret!.secretArn,
      DB_NAME: props.databaseName,
      UNSUBSCRIBE_SECRET_ARN: this.unsubscribeKey.secretArn,
    };
    const edge = (fn: EdgeFunctionId, description: string) => {
      const environment = { ...props.baseEnvironment };
      for (const k of edgeEnvKeys(fn)) environment[k] = dbEnv[k]!;
      const f = new ProspectorFunction(this, fn, {
        entry: `lambdas/handlers/${EDGE_FUNCTIONS[fn].handler}.ts`,
        description: `Prospector: ${description}`,
        memorySize: 256,
        timeout: Duration.seconds(30),
        environment,
        logRetention: props.logRetention,
        files: props.files,
      });
      props.cluster.grantDataApiAccess(f);
      return f;
    };
    this.functions = {
      SesEvents: edge('SesEvents', 'records SES bounces and complaints (suppression, stopped sequences)'),
      Unsubscribe: edge('Unsubscribe', 'one-click unsubscribe route (function URL)'),
    };
    // Verifies tokens; only it and the send step (which signs) read the key.
    this.unsubscribeKey.grantRead(this.functions.Unsubscribe);

    // No IAM auth: a mail client posts the one-click request anonymously; the signed token is the authorisation.
    this.unsubscribeUrl = this.functions.Unsubscribe.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    this.eventDestination = new ses.ConfigurationSetEventDestination(this, 'BounceComplaintEvents', {
      configurationSet: this.configurationSet,
      // SES publishes to the account's default bus only.
      destination: ses.EventDestination.eventBus(events.EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
    this.eventDeadLetters = new sqs.Queue(this, 'EventDeadLetters', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.eventDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the SES event rule\'s target: what lands here waits for a person, it is not consumed again.',
    });
    this.eventRule = new events.Rule(this, 'BounceComplaintRule', {
      description: 'SES bounces and complaints of Prospector\'s configuration set, to the function that suppresses the address',
      eventPattern: {
        source: ['aws.ses'],
        detailType: SES_EVENT_DETAIL_TYPES,
        detail: { mail: { tags: { 'ses:configuration-set': [this.configurationSet.configurationSetName] } } },
      },
      targets: [
        new eventTargets.LambdaFunction(this.functions.SesEvents, { retryAttempts: 8, maxEventAge: Duration.hours(24), deadLetterQueue: this.eventDeadLetters }),
      ],
    });

    this.environment = {
      SES_CONFIGURATION_SET: this.configurationSet.configurationSetName,
      UNSUBSCRIBE_SECRET_ARN: this.unsubscribeKey.secretArn,
      // The function URL ends with `/`; links are `<url>unsubscribe/<token>`, the route's path.
      UNSUBSCRIBE_BASE_URL: `${this.unsubscribeUrl.url}unsubscribe`,
      ...(props.messageIdDomain ? { SES_MESSAGE_ID_DOMAIN: props.messageIdDomain } : {}),
    };

    new CfnOutput(stack, 'UnsubscribeUrl', { value: this.environment.UNSUBSCRIBE_BASE_URL, description: 'Base of the one-click unsubscribe links' });
    new CfnOutput(stack, 'SesConfigurationSet', { value: this.configurationSet.configurationSetName });
    this.identity.dkimRecords.forEach((r, i) => {
      new CfnOutput(stack, `SesDkimRecord${i + 1}`, { value: `${r.name} CNAME ${r.value}`, description: `DKIM record ${i + 1} of ${props.domain}: add it to the domain's DNS` });
    });
  }

  /**
   * Lets `fn` send mail: SendEmail/SendRawEmail on this identity and configuration set only
   * (SES authorises a send against both), and read the key that signs unsubscribe links.
   */
  grantSend(fn: lambda.IFunction): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ses:SendEmail', 'ses:SendRawEmail'], resources: [this.identity.emailIdentityArn, this.configurationSetArn] }),
    );
    this.unsubscribeKey.grantRead(fn);
  }
}

export interface SendingStateMachineProps {
  /** The functions of the definition's steps, by the step id of their `${<StepId>FunctionArn}` placeholder. */
  functions: Record<string, lambda.IFunction>;
  /** EventBridge Scheduler expression; default `rate(5 minutes)`. */
  schedule?: string;
  /** Workspace slug the schedule sends for; default the only workspace. */
  workspace?: string;
  /** Messages one execution may claim; default the definition's (25). */
  batchLimit?: number;
  logRetention: logs.RetentionDays;
}

/**
 * How long one execution started by `schedule` keeps sending: its interval less a minute, so
 * executions barely overlap (a claim never takes what another holds, so an overlap is safe, only
 * wasteful). A cron expression or an unparsable one gets 240 s.
 */
export function keepSendingSecondsFor(schedule: string): number {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule.trim());
  if (!m) return 240;
  const unit = m[2].startsWith('minute') ? 60 : m[2].startsWith('hour') ? 3600 : 86_400;
  return Math.max(0, Math.min(86_400, Number(m[1]) * unit - 60));
}

/** The sending state machine and its schedule. */
export class SendingStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly definitionSubstitutions: Record<string, string>;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: SendingStateMachineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const name = `${stack.stackName}-sending`;
    const text = readFileSync(SENDING_ASL_FILE, 'utf8');
    const placeholders = [...new Set([...text.matchAll(/\$\{([A-Za-z]+)FunctionArn\}/g)].map((m) => m[1]))];
    const invoked = placeholders.map((step) => {
      const fn = props.functions[step];
      if (!fn) throw new Error(`statemachine/sending.asl.json invokes \${${step}FunctionArn}, but the stack has no ${step} function`);
      return { step, fn };
    });
    this.definitionSubstitutions = Object.fromEntries(invoked.map(({ step, fn }) => [`${step}FunctionArn`, fn.functionArn]));

    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      // The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy from growing per log group.
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(text),
      definitionSubstitutions: this.definitionSubstitutions,
      // Payloads carry message ids and recipient addresses: keep them out of the logs.
      logs: { destination: executionLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    for (const { fn } of invoked) fn.grantInvoke(this.stateMachine);
    acknowledgeStateMachineRole(this.stateMachine, invoked);

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Starts Prospector\'s sending state machine (claims and sends what is due)',
      schedule: scheduler.ScheduleExpression.expression(props.schedule ?? 'rate(5 minutes)'),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        // A missed tick is not worth sending late: the next one is minutes away.
        retryAttempts: 2,
        maxEventAge: Duration.minutes(5),
        // No `now`: the cloud sends on the real clock (ClaimDue refuses an input that sets one).
        // keepSendingSeconds: each execution keeps claiming (waiting out each mailbox's spacing)
        // until a minute before the next tick, so one mailbox can reach its daily cap inside a
        // three-hour window; one round per tick would send at most one mail per mailbox per tick.
        input: scheduler.ScheduleTargetInput.fromObject({
          ...(props.workspace ? { workspace: props.workspace } : {}),
          ...(props.batchLimit ? { limit: props.batchLimit } : {}),
          keepSendingSeconds: keepSendingSecondsFor(props.schedule ?? 'rate(5 minutes)'),
        }),
      }),
    });
  }
}

/**
 * Acknowledges the cdk-nag findings every state machine role here carries: X-Ray and log
 * delivery have no resource-level permissions, and `grantInvoke` also names each invoked
 * function's versions (`:*`).
 */
export function acknowledgeStateMachineRole(stateMachine: sfn.StateMachine, invoked: readonly { step: string; fn: lambda.IFunction }[]): void {
  const policy = stateMachine.role.node.tryFindChild('DefaultPolicy');
  if (!policy) throw new Error('the state machine role has no default policy to acknowledge findings on');
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs log delivery (CreateLogDelivery, PutResourcePolicy, Describe*) have no resource-level permissions; Step Functions needs them for tracing and execution logging.',
  });
  for (const { step, fn } of invoked) {
    Validations.of(policy).acknowledge({
      id: invokeVersionsFinding(fn as ProspectorFunction),
      reason: `grantInvoke on ${step} also covers its versions and aliases (\`:*\`), so publishing a version (e.g. for provisioned concurrency) does not break the state machine; it names this one function.`,
    });
  }
}
