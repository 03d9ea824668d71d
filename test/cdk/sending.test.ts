/**
 * Sending in the synthesized stateless stack (cdk/constructs/sending.ts): the sending state
 * machine from statemachine/sending.asl.json and its schedule, SES identity and configuration set
 * from context, bounce and complaint events into their handler, the reputation alarms, the
 * one-click function URL and its key, and who may send mail. Synthesized without bundling (fast)
 * and with cdk-nag on: synthesis throws on an unacknowledged finding, and the report is empty.
 * The two functions outside the state machines are then bundled as the CDK bundles them (esbuild,
 * ESM, the files the stack copies beside them) and run in a child process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type ProspectorFunction } from '../../cdk/constructs/prospector-function.ts';
import { bundleLikeCdk } from '../helpers/bundle.ts';
import { keepSendingSecondsFor, SENDING_ASL_FILE } from '../../cdk/constructs/sending.ts';
import { actionsOf, buildApp, removeSynthOutputs, resourcesOf, statementsOfRole, synthApp, type PolicyStatement, type TemplateResource } from '../helpers/cdk.ts';
import type { StatelessStack } from '../../cdk/stateless-stack.ts';
import { STEP_IDS, type StepId } from '#core/pipeline/step-ports.ts';

const CONTEXT = {
  sendingDomain: 'mail.tallyhand.example',
  sesConfigurationSet: 'tallyhand-outreach',
  sendSchedule: 'rate(10 minutes)',
  workspace: 'tallyhand',
};

let outdir: string | undefined;
let stateless: StatelessStack;
let template: Template;
let resources: Record<string, TemplateResource>;

beforeAll(() => {
  ({ outdir, stateless, statelessTemplate: template, statelessResources: resources } = synthApp(CONTEXT, { outdir: true }));
}, 120_000);
afterAll(() => removeSynthOutputs());

const idOf = (construct: { node: { defaultChild?: unknown } }) => stateless.getLogicalId(construct.node.defaultChild as never);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

const roleOfFunction = (fnId: string): string => resources[fnId].Properties.Role['Fn::GetAtt'][0];
const stepFunctionId = (step: StepId) => idOf(stateless.functions[step]);

describe('the sending state machine', () => {
  it('runs statemachine/sending.asl.json as the local runner does, its placeholders filled with the four sending functions only', () => {
    const machine = stateless.sending!.machine;
    const props = resources[idOf(machine.stateMachine)].Properties;

    expect(props.DefinitionString).toBe(readFileSync(SENDING_ASL_FILE, 'utf8'));
    expect(props.DefinitionSubstitutions).toEqual({
      ClaimDueFunctionArn: { 'Fn::GetAtt': [stepFunctionId('ClaimDue'), 'Arn'] },
      SendMessageFunctionArn: { 'Fn::GetAtt': [stepFunctionId('SendMessage'), 'Arn'] },
      RecordSendFailureFunctionArn: { 'Fn::GetAtt': [stepFunctionId('RecordSendFailure'), 'Arn'] },
      FinishSendFunctionArn: { 'Fn::GetAtt': [stepFunctionId('FinishSend'), 'Arn'] },
    });
    expect(props.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(props.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('may invoke the sending functions and nothing else; the prospecting machine may not invoke them', () => {
    const invokedBy = (machineId: string) =>
      statementsOfRole(resources, resources[machineId].Properties.RoleArn['Fn::GetAtt'][0])
        .filter((s) => actionsOf(s).includes('lambda:InvokeFunction'))
        .flatMap(resourcesOf)
        .map((r) => JSON.stringify(r));
    const fnRef = (step: StepId) => JSON.stringify({ 'Fn::GetAtt': [stepFunctionId(step), 'Arn'] });
    const sending = invokedBy(idOf(stateless.sending!.machine.stateMachine));
    const prospecting = invokedBy(idOf(stateless.stateMachine));
    const sendingSteps: StepId[] = ['ClaimDue', 'SendMessage', 'RecordSendFailure', 'FinishSend'];

    for (const step of STEP_IDS) {
      expect(sending.includes(fnRef(step)), step).toBe(sendingSteps.includes(step));
      if (sendingSteps.includes(step)) expect(prospecting.includes(fnRef(step)), step).toBe(false);
    }
  });

  it('is started by EventBridge Scheduler at the context\'s rate, for the context\'s workspace, keeps sending until a minute before the next tick, never with a `now`', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(10 minutes)',
      Target: Match.objectLike({ Arn: { Ref: idOf(stateless.sending!.machine.stateMachine) } }),
    });
    const schedule = resources[idOf(stateless.sending!.machine.schedule)].Properties;
    expect(JSON.parse(schedule.Target.Input)).toEqual({ workspace: 'tallyhand', keepSendingSeconds: 540 });
    expect([keepSendingSecondsFor('rate(5 minutes)'), keepSendingSecondsFor('rate(1 hour)'), keepSendingSecondsFor('cron(0/5 8-11 ? * TUE-THU *)')]).toEqual([240, 3540, 240]);
  });

  it('defaults to every 5 minutes, and without sendingDomain nothing about sending is deployed', () => {
    // These two read no validation report: aws-cdk-lib's CloudFormation validation (warnings only) is off.
    const withDefaults = synthApp({ sendingDomain: 'mail.tallyhand.example' }, { cloudFormationValidation: false });
    const t = withDefaults.statelessTemplate;
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(5 minutes)', Target: Match.objectLike({ Arn: { Ref: idOf(withDefaults.stateless.sending!.machine.stateMachine) } }) });
    t.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'prospector-sending' });

    const without = synthApp({}, { cloudFormationValidation: false }).statelessTemplate;
    // prospecting, replies and watch only
    const machines = Object.values(without.findResources('AWS::StepFunctions::StateMachine')).map((r) => JSON.stringify(r.Properties.StateMachineName));
    expect(machines).toHaveLength(3);
    expect(machines.join(' ')).not.toMatch(/sending/);
    for (const type of ['AWS::SES::EmailIdentity', 'AWS::SES::ConfigurationSet', 'AWS::Lambda::Url']) without.resourceCountIs(type, 0);
    // no rule listens for SES's bounce and complaint events
    expect(JSON.stringify(without.findResources('AWS::Events::Rule'))).not.toMatch(/aws\.ses/);
  }, 60_000);

  it('refuses a sendingDomain that is not a domain name', () => {
    expect(() => buildApp({ sendingDomain: 'https://mail.example.com/' })).toThrow(/context sendingDomain must be a domain name/);
  });
});

describe('SES', () => {
  it('verifies the context\'s domain with Easy DKIM (2048-bit) and attaches the context\'s configuration set', () => {
    const mail = stateless.sending!.mail;
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'mail.tallyhand.example',
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: idOf(mail.configurationSet) } },
    });
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      Name: 'tallyhand-outreach',
      ReputationOptions: { ReputationMetricsEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).filter((k) => k.startsWith('SesDkimRecord'))).toHaveLength(3);
  });

  it('publishes bounces and complaints to the default event bus, and a rule sends them to the handler (retries, dead letters)', () => {
    const mail = stateless.sending!.mail;
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: idOf(mail.configurationSet) },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint'],
        EventBridgeDestination: { EventBusArn: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':event-bus/default'])] }) },
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': ['Email Bounced', 'Email Complaint Received'],
        detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: idOf(mail.configurationSet) }] } } },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [idOf(mail.functions.SesEvents), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [idOf(mail.eventDeadLetters), 'Arn'] } },
        }),
      ],
    });
    const handler = resources[idOf(mail.functions.SesEvents)].Properties;
    expect(handler.Handler).toBe('index.handler');
    expect(Object.keys(handler.Environment.Variables).filter((k) => !/^(NODE_OPTIONS|POWERTOOLS_)/.test(k)).sort()).toEqual(['DB_CLUSTER_ARN', 'DB_NAME', 'DB_SECRET_ARN']);
  });

  it('alarms on the account\'s bounce rate at 5% and complaint rate at 0.1% (SES\'s review levels) to the alarm topic', () => {
    const topic = { Ref: idOf(stateless.alarms.topic) };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.BounceRate',
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.ComplaintRate',
      Threshold: 0.001,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: idOf(stateless.sending!.machine.stateMachine) } }],
      AlarmActions: [topic],
    });
  });
});

describe('who may send mail', () => {
  it('only SendMessage\'s role holds ses:SendEmail/SendRawEmail, on the identity and the configuration set only; the fetcher holds no SES action', () => {
    const mail = stateless.sending!.mail;
    const sendingRoles = ofType('AWS::IAM::Policy')
      .filter(([, r]) => (r.Properties.PolicyDocument.Statement as PolicyStatement[]).some((s) => actionsOf(s).some((a) => a.startsWith('ses:'))))
      .flatMap(([, r]) => (r.Properties.Roles as { Ref: string }[]).map((x) => x.Ref));
    expect(sendingRoles).toEqual([roleOfFunction(stepFunctionId('SendMessage'))]);

    const ses = statementsOfRole(resources, roleOfFunction(stepFunctionId('SendMessage'))).filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
    expect(ses).toHaveLength(1);
    expect(actionsOf(ses[0]).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    const named = resourcesOf(ses[0]).map((r) => JSON.stringify(r));
    expect(named).toHaveLength(2);
    expect(named[0]).toContain(idOf(mail.identity));
    expect(named[1]).toContain(':configuration-set/');
    expect(named[1]).toContain(idOf(mail.configurationSet));

    const fetcher = statementsOfRole(resources, roleOfFunction(stepFunctionId('FetchSite')));
    expect(fetcher.flatMap(actionsOf).filter((a) => a.startsWith('ses:'))).toEqual([]);
    expect(Object.keys(resources[stepFunctionId('FetchSite')].Properties.Environment.Variables).filter((k) => /SES|UNSUBSCRIBE/.test(k))).toEqual([]);
  });

  it('gives SendMessage the mailer variables: the configuration set, the key, and the function URL as the links\' base', () => {
    const mail = stateless.sending!.mail;
    const env = resources[stepFunctionId('SendMessage')].Properties.Environment.Variables;
    expect(env).toMatchObject({
      SES_CONFIGURATION_SET: { Ref: idOf(mail.configurationSet) },
      UNSUBSCRIBE_SECRET_ARN: { Ref: idOf(mail.unsubscribeKey) },
      UNSUBSCRIBE_BASE_URL: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [idOf(mail.unsubscribeUrl), 'FunctionUrl'] }, 'unsubscribe']] },
    });
  });
});

describe('the one-click unsubscribe route', () => {
  it('is a function URL without IAM auth (mail clients post anonymously; the signed token authorises)', () => {
    const mail = stateless.sending!.mail;
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [idOf(mail.functions.Unsubscribe), 'Arn'] } });
  });

  it('has a generated signing key that only the signer (SendMessage) and the verifier (the route) may read', () => {
    const mail = stateless.sending!.mail;
    const key = resources[idOf(mail.unsubscribeKey)].Properties;
    expect(key.GenerateSecretString).toMatchObject({ PasswordLength: 64, ExcludePunctuation: true });
    expect(key.SecretString).toBeUndefined();

    const keyRef = JSON.stringify({ Ref: idOf(mail.unsubscribeKey) });
    const readers = ofType('AWS::IAM::Policy')
      .filter(([, r]) => (r.Properties.PolicyDocument.Statement as PolicyStatement[]).some((s) => actionsOf(s).includes('secretsmanager:GetSecretValue') && resourcesOf(s).some((x) => JSON.stringify(x) === keyRef)))
      .flatMap(([, r]) => (r.Properties.Roles as { Ref: string }[]).map((x) => x.Ref))
      .sort();
    expect(readers).toEqual([roleOfFunction(stepFunctionId('SendMessage')), roleOfFunction(idOf(mail.functions.Unsubscribe))].sort());
  });
});

describe('cdk-nag', () => {
  it('leaves no unacknowledged finding with sending deployed', () => {
    const report = JSON.parse(readFileSync(path.join(outdir!, 'validation-report.json'), 'utf8')) as { pluginReports: { violations?: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });
});

describe('the bundles of the functions outside the state machines', () => {
  const run = promisify(execFile);
  const KEY = 'generatedBySecretsManager0123456789abcdefghijklmnopqrstuvwxyzABCDEF';
  let secrets: Server;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'prospector-edge-bundles-'));
    // Bundles leave @aws-sdk/* to the Lambda runtime; here the repository's copy stands in for it.
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    // Secrets Manager's GetSecretValue (JSON 1.1 protocol), for the key the route reads at cold start.
    secrets = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf', Name: 'k', SecretString: KEY, VersionId: 'v1' }));
      });
    });
    await new Promise<void>((resolve) => secrets.listen(0, '127.0.0.1', () => resolve()));
  });
  afterAll(async () => {
    await new Promise((resolve) => secrets?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Bundles a function as ProspectorFunction does, copies its files beside it, and calls its handler with `event`. */
  async function invokeBundled(fn: ProspectorFunction, event: unknown): Promise<unknown> {
    const out = path.join(dir, path.basename(fn.bundle.entry, '.ts'));
    await bundleLikeCdk(fn, out);
    const script = `import(${JSON.stringify(pathToFileURL(path.join(out, 'index.mjs')).href)}).then((m) => m.handler(${JSON.stringify(event)})).then((r) => process.stdout.write(JSON.stringify({ ok: r })), (e) => process.stdout.write(JSON.stringify({ error: String(e) })))`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: out,
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secrets.address() as AddressInfo).port}`,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        DB_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:prospector',
        DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
        DB_NAME: 'prospector',
        UNSUBSCRIBE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf',
      },
    });
    return JSON.parse(stdout);
  }

  it('the route loads, reads its key from Secrets Manager and turns a forged link away without touching the database', async () => {
    const got = await invokeBundled(stateless.sending!.mail.functions.Unsubscribe, {
      rawPath: '/unsubscribe/v1.e30.AAAA',
      requestContext: { http: { method: 'POST' } },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
      isBase64Encoded: false,
    });
    expect(got).toMatchObject({ ok: { statusCode: 400, body: expect.stringContaining('This link is not valid') } });
  }, 60_000);

  it('the SES event handler loads and names what is wrong with an event of another shape', async () => {
    const got = await invokeBundled(stateless.sending!.mail.functions.SesEvents, { source: 'aws.ses', 'detail-type': 'Email Opened', detail: {} });
    expect(got).toMatchObject({ error: expect.stringMatching(/ValidationError: SES event is invalid:[\s\S]*detail-type/) });
  }, 60_000);
});
