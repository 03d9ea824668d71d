/**
 * Replies in the cloud (cdk/constructs/replies-inbound.ts), as synthesized with cdk-nag on
 * (synthesis throws on an unacknowledged finding) and without bundling (fast): SES receiving for
 * the mailbox domain into the lake's inbound/, the lake's events on EventBridge, the rule that
 * starts the replies state machine with the object's key, and that machine invoking only its
 * own steps. Without a mailbox domain there is no receipt rule and SES gets no grant. The
 * validation report is not read here, so aws-cdk-lib's built-in CloudFormation validation
 * (warnings only) is off.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthApp } from '../helpers/cdk.ts';
import type { StatefulStack } from '../../cdk/stateful-stack.ts';
import type { StatelessStack } from '../../cdk/stateless-stack.ts';
import { taskBindings } from '#local/state-machine.ts';
import { REPLIES_ASL_PATH } from '#local/replies.ts';
import { readFileSync } from 'node:fs';
import { stepOfHandler, type StepId } from '#core/pipeline/step-ports.ts';

const DOMAIN = 'replies.tallyhand.example';
const LAKE_ARN = { 'Fn::ImportValue': 'ProspectorStateful-LakeBucketArn' };
const LAKE_NAME = { 'Fn::ImportValue': 'ProspectorStateful-LakeBucketName' };
const REPLY_STEPS = taskBindings(readFileSync(REPLIES_ASL_PATH, 'utf8')).map((b) => stepOfHandler(b.file));

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

const synth = (context: Record<string, unknown>) => synthApp(context, { cloudFormationValidation: false });

const idOf = (stack: StatelessStack | StatefulStack, construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnElement);

describe('replies inbound, with a mailbox domain', () => {
  let stateful: StatefulStack;
  let stateless: StatelessStack;
  let statefulTemplate: Template;
  let statelessTemplate: Template;

  beforeAll(() => {
    ({ stateful, stateless, statefulTemplate, statelessTemplate } = synth({ mailboxDomain: DOMAIN }));
  }, 120_000);

  it('receives mail for the mailbox domain with SES and stores it under the lake\'s inbound/', () => {
    statelessTemplate.resourceCountIs('AWS::SES::ReceiptRuleSet', 1);
    statelessTemplate.hasResourceProperties('AWS::SES::ReceiptRule', {
      RuleSetName: { Ref: idOf(stateless, stateless.replies.ruleSet!) },
      Rule: {
        Enabled: true,
        Recipients: [DOMAIN],
        ScanEnabled: true,
        Actions: [{ S3Action: { BucketName: LAKE_NAME, ObjectKeyPrefix: 'inbound/' } }],
      },
    });
  });

  it('lets only SES of this account put objects, under inbound/ only, in the lake', () => {
    const lakeId = idOf(stateful, stateful.lake.bucket);
    statefulTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: lakeId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowSesReceivingIntoInbound',
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [lakeId, 'Arn'] }, '/inbound/*']] },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':receipt-rule-set/*']] } },
            },
          },
        ]),
      },
    });
  });

  it('sends the lake\'s object events to EventBridge without a custom-resource function', () => {
    statefulTemplate.hasResourceProperties('AWS::S3::Bucket', { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } });
    statefulTemplate.resourceCountIs('Custom::S3BucketNotifications', 0);
    statefulTemplate.resourceCountIs('AWS::Lambda::Function', 0);
  });

  it('starts the replies state machine for each object created under inbound/, with its key as the input', () => {
    const smId = idOf(stateless, stateless.replies.stateMachine);
    statelessTemplate.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [LAKE_NAME] }, object: { key: [{ prefix: 'inbound/' }] } },
      },
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { Ref: smId },
          InputTransformer: { InputPathsMap: { 'detail-object-key': '$.detail.object.key' }, InputTemplate: '{"key":<detail-object-key>}' },
          RoleArn: Match.anyValue(),
        }),
      ],
    });
    // the rule's role may start this state machine and nothing else
    const roles = statelessTemplate.toJSON().Resources as Resources;
    const starters = Object.values(roles).filter(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.PolicyDocument).includes('states:StartExecution') && JSON.stringify(r.Properties.PolicyDocument).includes(smId),
    );
    expect(starters).toHaveLength(1);
    expect(starters[0].Properties.PolicyDocument.Statement).toEqual([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: smId } }]);
  });

  it('is the replies ASL file with a substitution for each of its steps, logged without execution data and traced', () => {
    const sm = (statelessTemplate.toJSON().Resources as Resources)[idOf(stateless, stateless.replies.stateMachine)];
    expect(REPLY_STEPS).toEqual(['ParseReply', 'ClassifyReply', 'MatchThread', 'ActOnReply', 'DraftResponse', 'RecordReplyFailure']);
    expect(sm.Properties.DefinitionSubstitutions).toEqual(
      Object.fromEntries(REPLY_STEPS.map((s) => [`${s}FunctionArn`, { 'Fn::GetAtt': [idOf(stateless, stateless.functions[s]), 'Arn'] }])),
    );
    expect(JSON.parse(sm.Properties.DefinitionString).StartAt).toBe('ParseReply');
    expect(sm.Properties.StateMachineName).toBe('ProspectorStateless-replies');
    expect(sm.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(sm.Properties.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('may invoke its own six steps and no other function', () => {
    const resources = statelessTemplate.toJSON().Resources as Resources;
    const sm = resources[idOf(stateless, stateless.replies.stateMachine)];
    const roleId = sm.Properties.RoleArn['Fn::GetAtt'][0] as string;
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === roleId))
      .flatMap((r) => r.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const invoked = new Set(
      statements
        .filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'))
        .flatMap((s) => [s.Resource].flat() as { 'Fn::GetAtt'?: [string, string] }[])
        .map((r) => r['Fn::GetAtt']?.[0])
        .filter(Boolean),
    );
    const idsOf = (steps: StepId[]) => new Set(steps.map((s) => idOf(stateless, stateless.functions[s])));
    expect(invoked).toEqual(idsOf(REPLY_STEPS));
    // and the prospecting machine may not invoke the replies steps
    const prospectingRole = (resources[idOf(stateless, stateless.stateMachine)].Properties.RoleArn['Fn::GetAtt'] as string[])[0];
    const prospectingInvokes = JSON.stringify(
      Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === prospectingRole)),
    );
    for (const id of idsOf(REPLY_STEPS)) expect(prospectingInvokes, id).not.toContain(`"${id}"`);
  });

  it('gives the replies functions the lake areas of their steps only (Parse reads inbound/, only Classify and DraftResponse have Groq)', () => {
    const resources = statelessTemplate.toJSON().Resources as Resources;
    const env = (s: StepId) => resources[idOf(stateless, stateless.functions[s])].Properties.Environment.Variables as Record<string, unknown>;
    expect(REPLY_STEPS.filter((s) => 'GROQ_SECRET_ARN' in env(s))).toEqual(['ClassifyReply', 'DraftResponse']);
    expect(REPLY_STEPS.filter((s) => 'DB_CLUSTER_ARN' in env(s))).toEqual(['ParseReply', 'MatchThread', 'ActOnReply', 'DraftResponse', 'RecordReplyFailure']);
    expect(JSON.stringify(resources)).toContain(JSON.stringify({ 'Fn::Join': ['', [LAKE_ARN, '/inbound/*']] }));
  });
});

describe('replies inbound, without a mailbox domain', () => {
  it('has the state machine and its rule, but no receipt rule and no grant to SES', () => {
    const { statefulTemplate, statelessTemplate } = synth({});
    statelessTemplate.resourceCountIs('AWS::SES::ReceiptRuleSet', 0);
    statelessTemplate.resourceCountIs('AWS::SES::ReceiptRule', 0);
    statelessTemplate.resourceCountIs('AWS::StepFunctions::StateMachine', 3); // prospecting, replies, watch
    statelessTemplate.resourceCountIs('AWS::Events::Rule', 1);
    expect(JSON.stringify(statefulTemplate.toJSON())).not.toContain('ses.amazonaws.com');
  });
});
