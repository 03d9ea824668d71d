/**
 * Replies in the cloud: SES receiving writes each inbound mail to the lake under `inbound/`, S3
 * tells EventBridge the object was created, and an EventBridge rule starts the replies state
 * machine (statemachine/replies.asl.json, the definition `prospector replies import` runs
 * locally) with the object's key as its input.
 *
 * - SES: a receipt rule set whose one rule takes mail for the mailbox domain (the rule's
 *   recipient is the domain, so every mailbox at it) and stores it with an S3 action under
 *   `inbound/` (docs.aws.amazon.com/ses/latest/dg/receiving-email-action-s3.html). SES may write
 *   there because the lake bucket's policy allows `ses.amazonaws.com` to put objects under
 *   `inbound/` for this account only (aws:SourceAccount, aws:SourceArn; see LakeBucket). A rule
 *   set receives mail only while it is the active one, which CloudFormation cannot set: after
 *   the first deploy, `aws ses set-active-receipt-rule-set --rule-set-name <ReceiptRuleSetName>`.
 * - EventBridge: the lake bucket sends its events to EventBridge (LakeBucket); the rule matches
 *   `Object Created` for that bucket and keys with the prefix `inbound/`
 *   (docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html) and passes
 *   `{"key": <detail.object.key>}`. The Parse step finds the workspace from the mailbox the mail
 *   was addressed to. The steps' own writes go under `replies/`, so they never start it again.
 * - The state machine invokes only its own five functions, logs every event without execution
 *   data and traces with X-Ray, as the prospecting machine does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { invokeVersionsFinding, REPO_ROOT } from './prospector-function.ts';

/** The replies state machine's definition; its `${XxxFunctionArn}` placeholders name the steps. */
export const REPLIES_ASL_FILE = path.join(REPO_ROOT, 'statemachine', 'replies.asl.json');
/** Where SES writes inbound mail, and the prefix whose new objects start the machine. */
export const INBOUND_PREFIX = 'inbound/';

export interface RepliesInboundProps {
  /** The function of every Task of the definition, by step id (`ParseReply` for `${ParseReplyFunctionArn}`). */
  functions: Record<string, lambda.Function>;
  lakeBucket: s3.IBucket;
  stateMachineName: string;
  logRetention: logs.RetentionDays;
  /**
   * The domain the reps' mailboxes receive replies at (context `mailboxDomain`). Unset: no SES
   * receipt rule; anything else that writes under `inbound/` still starts the machine.
   */
  mailboxDomain?: string;
}

/** SES receiving into the lake, and the replies state machine it starts. */
export class RepliesInbound extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
  readonly ruleSet: ses.ReceiptRuleSet | undefined;

  constructor(scope: Construct, id: string, props: RepliesInboundProps) {
    super(scope, id);
    const text = readFileSync(REPLIES_ASL_FILE, 'utf8');
    const steps = [...new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)FunctionArn\}/g)].map((m) => m[1]))];
    const definitionSubstitutions = Object.fromEntries(
      steps.map((step) => {
        const fn = props.functions[step];
        if (!fn) throw new Error(`statemachine/replies.asl.json names \${${step}FunctionArn}, and no function was given for ${step}`);
        return [`${step}FunctionArn`, fn.functionArn];
      }),
    );

    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Replies', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(text),
      definitionSubstitutions,
      // Payloads carry lake keys and ids; a reply's words stay out of the logs all the same.
      logs: { destination: executionLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    for (const step of steps) props.functions[step].grantInvoke(this.stateMachine);
    this.#acknowledgeRolePolicy(steps.map((s) => props.functions[s]));

    this.rule = new events.Rule(this, 'InboundMailCreated', {
      description: 'Starts the replies state machine for each inbound mail written to the lake',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.lakeBucket.bucketName] }, object: { key: [{ prefix: INBOUND_PREFIX }] } },
      },
      targets: [
        new targets.SfnStateMachine(this.stateMachine, {
          input: events.RuleTargetInput.fromObject({ key: events.EventField.fromPath('$.detail.object.key') }),
        }),
      ],
    });

    if (props.mailboxDomain) {
      this.ruleSet = new ses.ReceiptRuleSet(this, 'ReceiptRules', {
        rules: [
          {
            recipients: [props.mailboxDomain],
            scanEnabled: true,
            actions: [new StoreInLake(props.lakeBucket, INBOUND_PREFIX)],
          },
        ],
      });
    }
  }

  /**
   * The state machine's role holds two kinds of wildcard: X-Ray and log delivery (no
   * resource-level permissions), and `grantInvoke`'s `:*` on each of its own functions.
   */
  #acknowledgeRolePolicy(functions: lambda.Function[]): void {
    const policy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (!policy) throw new Error('the replies state machine role has no default policy to acknowledge findings on');
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs log delivery (CreateLogDelivery, PutResourcePolicy, Describe*) have no resource-level permissions; Step Functions needs them for tracing and execution logging.',
    });
    for (const fn of functions) {
      Validations.of(policy).acknowledge({
        id: invokeVersionsFinding(fn),
        reason: `grantInvoke on ${fn.node.id} also covers its versions and aliases (\`:*\`); it names this one function of the replies machine.`,
      });
    }
  }
}

/**
 * The SES S3 action, writing under `prefix` of the lake. Written out rather than
 * `aws-ses-actions.S3`, which would add its own statement (an `aws:Referer` condition) to the
 * bucket's policy: the lake lives in the stateful stack, whose policy already grants SES exactly
 * `inbound/*` for this account.
 */
class StoreInLake implements ses.IReceiptRuleAction {
  constructor(
    private readonly bucket: s3.IBucket,
    private readonly prefix: string,
  ) {}

  bind(): ses.ReceiptRuleActionConfig {
    return { s3Action: { bucketName: this.bucket.bucketName, objectKeyPrefix: this.prefix } };
  }
}
