/**
 * The synthesized stacks, with real local bundling (esbuild) and cdk-nag: specific resources and
 * properties, the bundles' contents, and the bundled migration handler run against the loopback
 * Data API. One synthesis (one esbuild run bundles every handler) serves every assertion.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleLikeCdk } from '../helpers/bundle.ts';
import { removeSynthOutputs, synthApp } from '../helpers/cdk.ts';
import { ASL_FILE, METRICS, type StatelessStack } from '../../cdk/stateless-stack.ts';
import { SECRET_PLACEHOLDER, type StatefulStack } from '../../cdk/stateful-stack.ts';
import { NAMED_QUERIES, QUERIES_DIR } from '../../cdk/constructs/lake-analytics.ts';
import { REPO_ROOT } from '../../cdk/constructs/prospector-function.ts';
import { handlerModules } from '../../cdk/constructs/handler-bundles.ts';
import { METRICS_NAMESPACE, SERVICE_NAME, isPlaceholderSecret, loadCloudEnv } from '../../lambdas/cloud/composition.ts';
import type { StepId } from '#core/pipeline/step-ports.ts';
import { loadMigrations } from '#core/db/migrate.ts';
import { schemaChecksum, schemaVersion } from '#handlers/migrate.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';
import { RESUME_WINDOW_SECONDS, guaranteedRetryWaitSeconds, retrierFor, taskStates, terminalStates } from '#test/helpers/asl.ts';

const run = promisify(execFile);
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

let outdir: string;
let stateful: StatefulStack;
let stateless: StatelessStack;
let statefulTemplate: Template;
let statelessTemplate: Template;

/** The asset folder holding a function's bundle (named by the hash in its S3 key). */
function bundleDir(logicalId: string): string {
  const fn = (statelessTemplate.toJSON().Resources as Resources)[logicalId];
  const key = fn.Properties.Code.S3Key as string;
  return path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
}

/** A function's environment as Lambda would see it: CloudFormation references replaced by ARNs and names of the right shape. */
function deployedEnv(variables: Record<string, unknown>): Record<string, string> {
  const stand: Record<string, string> = {
    DB_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:prospector-db',
    DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
    GROQ_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:groq-AbCdEf',
    LEAD_SEARCH_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:leads-AbCdEf',
    LAKE_BUCKET: 'prospector-lake-123',
  };
  return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : (stand[k] ?? 'x')]));
}

const logicalId = (stack: StatelessStack | StatefulStack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);

beforeAll(() => {
  // Bundled as a deploy bundles (esbuild), into a temporary assembly whose node_modules is the
  // repository's (bundles leave @aws-sdk/* to the Lambda runtime). Throws if cdk-nag reports
  // anything not acknowledged.
  const built = synthApp({}, { bundle: true, outdir: true });
  ({ stateful, stateless, statefulTemplate, statelessTemplate } = built);
  outdir = built.outdir!;
}, 240_000);

afterAll(() => removeSynthOutputs());

describe('stateful stack', () => {
  it('runs Aurora PostgreSQL 16 Serverless v2 with the Data API, encrypted, protected, backed up', () => {
    statefulTemplate.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: Match.stringLikeRegexp('^16\\.'),
      EnableHttpEndpoint: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 600 },
      StorageEncrypted: true,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
      DatabaseName: 'prospector',
    });
    statefulTemplate.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' });
  });

  it('keeps the database in isolated subnets of a VPC with no way in or out', () => {
    statefulTemplate.resourceCountIs('AWS::EC2::Subnet', 2);
    statefulTemplate.resourceCountIs('AWS::EC2::NatGateway', 0);
    statefulTemplate.resourceCountIs('AWS::EC2::InternetGateway', 0);
    statefulTemplate.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 's3', TrafficType: 'ALL' });
    const groups = statefulTemplate.findResources('AWS::EC2::SecurityGroup');
    for (const g of Object.values(groups)) expect(g.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it('makes the lake bucket private, encrypted, versioned, SSL-only, logged, with lifecycle rules', () => {
    statefulTemplate.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'lake/' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'raw/',
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
            ],
          }),
          Match.objectLike({ Prefix: 'llm/', ExpirationInDays: 90 }),
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ]),
      },
    });
    const lakeId = logicalId(stateful, stateful.lake.bucket);
    statefulTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: lakeId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Principal: { AWS: '*' } }),
        ]),
      },
    });
  });

  it('makes the access-log bucket private, encrypted and SSL-only too', () => {
    const logsId = logicalId(stateful, stateful.lake.accessLogs);
    const bucket = statefulTemplate.toJSON().Resources[logsId];
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    statefulTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('creates the Groq secret holding a placeholder the Lambdas recognise', () => {
    statefulTemplate.hasResourceProperties('AWS::SecretsManager::Secret', { SecretString: SECRET_PLACEHOLDER });
    expect(isPlaceholderSecret(SECRET_PLACEHOLDER)).toBe(true);
  });
});

describe('stateless stack: functions', () => {
  it('runs every function on ARM with the newest Node.js runtime and its own log group with a retention', () => {
    const functions = statelessTemplate.findResources('AWS::Lambda::Function') as Resources;
    // ten prospecting steps and three of batch mode, two watch steps, four sending steps, six replies steps, the migration and the log-retention helper
    expect(Object.keys(functions).length).toBe(27);
    for (const [id, fn] of Object.entries(functions)) {
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties.Runtime, id).toBe('nodejs24.x');
      const group = fn.Properties.LoggingConfig?.LogGroup?.Ref as string;
      expect(group, id).toBeDefined();
      expect(statelessTemplate.toJSON().Resources[group].Properties.RetentionInDays, id).toBe(30);
    }
  });

  it('bundles ESM with source maps on, each step\'s variables, and no secret in any environment', () => {
    for (const [step, fn] of Object.entries(stateless.functions)) {
      const id = logicalId(stateless, fn);
      const props = (statelessTemplate.toJSON().Resources as Resources)[id].Properties;
      expect(props.Handler).toBe('index.handler');
      expect(props.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      // Exactly what the step's composition root requires (test/cdk/grants.test.ts pins which).
      expect(() => loadCloudEnv(deployedEnv(props.Environment.Variables), step as StepId), step).not.toThrow();
      expect(Object.keys(props.Environment.Variables).some((k) => /API_KEY|PASSWORD/.test(k))).toBe(false);
      const dir = bundleDir(id);
      expect(existsSync(path.join(dir, 'index.mjs'))).toBe(true);
      expect(existsSync(path.join(dir, 'index.mjs.map'))).toBe(true);
    }
  });

  it('gives each function its own handler\'s bundle, the same as esbuild gives for that handler alone', async () => {
    const all = [...Object.values(stateless.functions), stateless.migration.function];
    const entries = all.map((fn) => fn.bundle.entry);
    expect(new Set(entries).size).toBe(entries.length);
    // every handler module is one the shared build found (it builds every one that exports `handler`)
    const modules = handlerModules(path.join(REPO_ROOT, 'lambdas/handlers'));
    for (const entry of entries) expect(modules.get(path.basename(entry, '.ts')), entry).toBe(path.join(REPO_ROOT, entry));
    expect(modules.has('runtime')).toBe(false);
    // two functions' bundles against a build of their handler alone
    const alone = mkdtempSync(path.join(tmpdir(), 'prospector-bundle-alone-'));
    try {
      for (const fn of [stateless.functions.StartRun, stateless.migration.function]) {
        const out = path.join(alone, path.basename(fn.bundle.entry, '.ts'));
        const file = await bundleLikeCdk(fn, out);
        const synthesized = readFileSync(path.join(bundleDir(logicalId(stateless, fn)), 'index.mjs'));
        expect(synthesized.equals(readFileSync(file)), fn.bundle.entry).toBe(true);
        expect(synthesized.toString('utf8')).toContain(fn.bundle.entry === 'lambdas/handlers/migrate.ts' ? 'schema_migration' : 'StartRun');
      }
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
  });

  it('reserves concurrency for ResearchLead only, to protect the Groq rate limit', () => {
    statelessTemplate.hasResourceProperties('AWS::Lambda::Function', { Description: 'Prospector: ResearchLead step', ReservedConcurrentExecutions: 4 });
    const reserved = Object.values(statelessTemplate.findResources('AWS::Lambda::Function') as Resources).filter((f) => f.Properties.ReservedConcurrentExecutions !== undefined);
    expect(reserved).toHaveLength(1);
  });

  it('gives roles no AWS managed policy', () => {
    for (const role of Object.values(statelessTemplate.findResources('AWS::IAM::Role') as Resources)) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('ships the prompts and the demo directory beside every pipeline bundle, and sql/ beside the migration', async () => {
    // every prompt file of the core (research, drafting, ...), whichever module reads it
    const core = path.join(REPO_ROOT, 'lambdas/core');
    const prompts = readdirSync(core)
      .filter((d) => existsSync(path.join(core, d, 'prompts')))
      .flatMap((d) => readdirSync(path.join(core, d, 'prompts')))
      .sort();
    expect(prompts).toContain('draft.v2.md');
    for (const fn of Object.values(stateless.functions)) {
      const dir = bundleDir(logicalId(stateless, fn));
      expect(readdirSync(path.join(dir, 'prompts')).sort()).toEqual(prompts);
      expect(existsSync(path.join(dir, 'lead-directory.json'))).toBe(true);
    }
    const sqlDir = path.join(bundleDir(logicalId(stateless, stateless.migration.function)), 'sql');
    const bundled = await loadMigrations(sqlDir);
    expect(schemaChecksum(bundled)).toBe(schemaChecksum(await loadMigrations()));
  });
});

describe('stateless stack: state machine', () => {
  const asl = readFileSync(ASL_FILE, 'utf8');
  const placeholders = [...new Set([...asl.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]))];

  const stateNames = (states: Record<string, any>): string[] =>
    Object.entries(states).flatMap(([name, s]) => [name, ...(s.ItemProcessor ? stateNames(s.ItemProcessor.States) : [])]);

  /** The definition as Step Functions will see it: substitutions applied (ARNs stubbed). */
  function deployedDefinition(): { text: string; substitutions: Record<string, unknown> } {
    const sm = (statelessTemplate.findResources('AWS::StepFunctions::StateMachine') as Resources)[logicalId(stateless, stateless.stateMachine)];
    const substitutions = sm.Properties.DefinitionSubstitutions as Record<string, unknown>;
    const text = (sm.Properties.DefinitionString as string).replace(/\$\{(\w+)\}/g, (whole, name: string) => {
      const v = substitutions[name];
      if (v === undefined) return whole;
      if (typeof v === 'object' && v !== null && 'Fn::ImportValue' in v) return 'prospector-lake-123';
      return typeof v === 'string' ? v : `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
    });
    return { text, substitutions };
  }

  it('is the ASL file, with a substitution for every placeholder and no unused one', () => {
    const { substitutions } = deployedDefinition();
    expect(Object.keys(substitutions).sort()).toEqual([...placeholders].sort());
    for (const [name, value] of Object.entries(substitutions)) {
      if (name === 'LeadMapMode') expect(value).toBe('DISTRIBUTED');
      else if (name === 'LeadChildExecutionType') expect(value).toBe('EXPRESS');
      else if (name === 'LakeBucketName') expect(value).toEqual({ 'Fn::ImportValue': stateful.lakeExports.name });
      else expect(value, name).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    }
  });

  it('names every state of the file, leaves no ${...} behind, and runs the lead Map distributed', () => {
    const { text } = deployedDefinition();
    expect(text).not.toMatch(/\$\{/);
    const definition = JSON.parse(text);
    const expected = stateNames(JSON.parse(asl).States);
    expect(stateNames(definition.States).sort()).toEqual(expected.sort());
    expect(expected).toEqual(expect.arrayContaining(['StartRun', 'SearchEachIcp', 'ProcessLeads', 'FetchSite', 'CleanPages', 'ResearchLead', 'CommitResearch', 'RecordFailure', 'FinishRun']));
    expect(definition.States.ProcessLeads.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' });
    expect(text).toContain('"Mode": "DISTRIBUTED"');
  });

  it('reads the lead Map\'s items from the run\'s JSONL manifest in the lake, in batches, and writes its results to the lake', () => {
    const map = JSON.parse(deployedDefinition().text).States.ProcessLeads;
    expect(map.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSONL' },
      Parameters: { Bucket: 'prospector-lake-123', 'Key.$': '$.leads.manifestKey' },
    });
    expect(map.ItemsPath).toBeUndefined();
    expect(map.ItemBatcher).toEqual({ MaxItemsPerBatchPath: '$.leads.batchSize' });
    expect(map.ResultWriter).toEqual({ Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'prospector-lake-123', Prefix: 'results/lead-map' } });
    // a child is one batch: its inner Map takes the batch's Items one lead at a time
    expect(map.ItemProcessor.States.ProcessBatch).toMatchObject({ Type: 'Map', ItemsPath: '$.Items', MaxConcurrency: 1, ItemProcessor: { StartAt: 'FetchSite' } });
    // StartRun hands the batch size to the Map; the stack sets it on StartRun only
    const startRun = Object.values(statelessTemplate.findResources('AWS::Lambda::Function') as Resources).find((r) => r.Properties.Description === 'Prospector: StartRun step')!;
    // Express children (the default) take 5 leads, half their 5-minute cap at ~30 s a lead
    expect(startRun.Properties.Environment.Variables.LEAD_BATCH_SIZE).toBe('5');
  });

  it('may read lead manifests and write map-run results in the lake, and nothing else of it', () => {
    const lakeArn = { 'Fn::ImportValue': stateful.lakeExports.arn };
    const onObjects = (area: string) => ({ 'Fn::Join': ['', [lakeArn, `/${area}`]] });
    const statements = Object.values(statelessTemplate.findResources('AWS::IAM::Policy') as Resources)
      .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => /^ProspectingRole/.test(r.Ref)))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const s3Statements = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    expect(s3Statements).toEqual([
      expect.objectContaining({ Action: 's3:GetObject', Resource: onObjects('manifests/*') }),
      expect.objectContaining({ Action: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'], Resource: onObjects('results/lead-map/*') }),
    ]);
  });

  it('logs every event without execution data, and traces with X-Ray', () => {
    statelessTemplate.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }] },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('may start, describe, stop and redrive its own child executions (Distributed Map), and invoke each step', () => {
    const name = `${stateless.stackName}-prospecting`;
    statelessTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'states:StartExecution', Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(`:stateMachine:${name}$`)])] } }),
          Match.objectLike({
            Action: ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution'],
            Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(`:execution:${name}/\\*$`)])] },
          }),
        ]),
      },
    });
    const invoked = (id: StepId) => {
      try {
        statelessTemplate.hasResourceProperties('AWS::IAM::Policy', {
          Roles: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^ProspectingRole') }]),
          PolicyDocument: {
            Statement: Match.arrayWith([Match.objectLike({ Action: 'lambda:InvokeFunction', Resource: Match.arrayWith([{ 'Fn::GetAtt': [logicalId(stateless, stateless.functions[id]), 'Arn'] }]) })]),
          },
        });
        return true;
      } catch {
        return false;
      }
    };
    // the prospecting machine may not invoke the sending steps (least of all the one that sends mail)
    for (const id of ['ClaimDue', 'SendMessage', 'RecordSendFailure', 'FinishSend'] as const) expect(invoked(id), id).toBe(false);
    for (const [id, fn] of Object.entries(stateless.functions)) {
      if (['ClaimDue', 'SendMessage', 'RecordSendFailure', 'FinishSend'].includes(id)) continue;
      statelessTemplate.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Action: 'lambda:InvokeFunction', Resource: Match.arrayWith([{ 'Fn::GetAtt': [logicalId(stateless, fn), 'Arn'] }]) })]),
        },
      });
    }
  });

  it('is started by EventBridge Scheduler every day with {"trigger":"schedule"}', () => {
    statelessTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Target: { Arn: { Ref: logicalId(stateless, stateless.stateMachine) }, Input: '{"trigger":"schedule"}', RoleArn: Match.anyValue() },
    });
  });

  it('deploys a lead Map whose children return no output, or that writes its results elsewhere', () => {
    const map = JSON.parse(deployedDefinition().text).States.ProcessLeads;
    // Without a ResultWriter a Distributed Map gathers every child's output into its result
    // (ResultPath: null does not prevent it); past 256 KiB the execution fails, uncatchably.
    if (map.ResultWriter) return;
    for (const [name, state] of terminalStates(map.ItemProcessor)) expect(state, name).toHaveProperty('OutputPath', null);
  });

  it('retries DatabaseUnavailable on every Task for longer than an Aurora resume, each within its Lambda\'s limits', () => {
    const { text, substitutions } = deployedDefinition();
    const resources = statelessTemplate.toJSON().Resources as Resources;
    const tasks = taskStates(JSON.parse(text));
    expect(tasks.length).toBeGreaterThanOrEqual(11);
    for (const { name, state } of tasks) {
      const retrier = retrierFor(state, 'DatabaseUnavailable');
      expect(retrier?.ErrorEquals, name).toEqual(['DatabaseUnavailable']);
      expect(guaranteedRetryWaitSeconds(retrier!), name).toBeGreaterThanOrEqual(RESUME_WINDOW_SECONDS);
      const placeholder = /function:(\w+)$/.exec(state.Resource)![1];
      const fn = resources[(substitutions[placeholder] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]];
      // the function stops before the state gives up on it, so a timeout is the function's own error
      expect(fn.Properties.Timeout, name).toBeLessThan(state.TimeoutSeconds);
      // and has room for the Data API adapter's own waits for a resuming cluster (2 + 4 + 8 + 16 s)
      expect(fn.Properties.Timeout, name).toBeGreaterThan(30);
    }
  });
});

describe('stateless stack: schema, analytics, alarms', () => {
  it('migrates through a custom resource keyed on the latest version and the files\' checksum', async () => {
    const migrations = await loadMigrations();
    statelessTemplate.hasResource('Custom::ProspectorSchema', {
      Properties: { Version: schemaVersion(migrations), Checksum: schemaChecksum(migrations), ServiceToken: Match.anyValue() },
    });
  });

  it('declares the research table over research/ JSONL with dt partition projection', () => {
    statelessTemplate.hasResourceProperties('AWS::Glue::Table', {
      TableInput: {
        Name: 'research',
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [{ Name: 'dt', Type: 'string' }],
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': 'NOW-3YEARS,NOW',
          'storage.location.template': { 'Fn::Join': ['', ['s3://', Match.anyValue(), '/research/dt=${dt}/']] },
        }),
        StorageDescriptor: Match.objectLike({
          SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
          Columns: Match.arrayWith([
            { Name: 'fit_score', Type: 'int' },
            { Name: 'cost_usd', Type: 'double' },
            { Name: 'facts', Type: 'array<struct<id:string,category:string,claim:string,quote:string,source_url:string,verified:boolean>>' },
            { Name: 'researched_at', Type: 'string' },
          ]),
        }),
      },
    });
  });

  it('matches the research table to the records CommitResearch writes', async () => {
    const { LAKE_RECORD_COLUMNS } = await import('#core/pipeline/lake-record.ts');
    const table = Object.values(statelessTemplate.findResources('AWS::Glue::Table') as Resources).find((t) => t.Properties.TableInput.Name === 'research')!;
    const columns = (table.Properties.TableInput.StorageDescriptor.Columns as { Name: string }[]).map((c) => c.Name);
    expect(columns).toEqual([...LAKE_RECORD_COLUMNS]);
  });

  it('declares the signals table over intent/signals/ JSONL, matching the lines change detection writes', async () => {
    const { SIGNAL_LAKE_COLUMNS } = await import('#core/intent/company-changes.ts');
    statelessTemplate.hasResourceProperties('AWS::Glue::Table', {
      TableInput: {
        Name: 'signals',
        PartitionKeys: [{ Name: 'dt', Type: 'string' }],
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'storage.location.template': { 'Fn::Join': ['', ['s3://', Match.anyValue(), '/intent/signals/dt=${dt}/']] },
        }),
      },
    });
    const table = Object.values(statelessTemplate.findResources('AWS::Glue::Table') as Resources).find((t) => t.Properties.TableInput.Name === 'signals')!;
    const columns = (table.Properties.TableInput.StorageDescriptor.Columns as { Name: string }[]).map((c) => c.Name);
    expect(columns).toEqual([...SIGNAL_LAKE_COLUMNS]);
    const research = Object.values(statelessTemplate.findResources('AWS::Glue::Table') as Resources).find((t) => t.Properties.TableInput.Name === 'research')!;
    expect(research.Properties.TableInput.StorageDescriptor.Columns).toContainEqual({ Name: 'intent_score', Type: 'int' });
  });

  it('enforces the Athena workgroup\'s encrypted result location under athena-results/', () => {
    statelessTemplate.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', Match.anyValue(), '/athena-results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
  });

  it('saves the seven named queries from cdk/queries/', () => {
    statelessTemplate.resourceCountIs('AWS::Athena::NamedQuery', 7);
    expect(NAMED_QUERIES.map((q) => q.name).sort()).toEqual([
      'best-fit-leads-this-week', 'facts-for-company', 'failed-leads-by-reason', 'hiring-for-personas', 'leads-by-icp',
      'new-signals-since-last-run', 'pricing-changed-this-week',
    ]);
    for (const { name } of NAMED_QUERIES) {
      statelessTemplate.hasResourceProperties('AWS::Athena::NamedQuery', {
        Name: name,
        Database: 'prospector',
        QueryString: readFileSync(path.join(QUERIES_DIR, `${name}.sql`), 'utf8').trim(),
      });
    }
    const facts = readFileSync(path.join(QUERIES_DIR, 'facts-for-company.sql'), 'utf8');
    expect(facts).toMatch(/domain = \?/);
  });

  it('alarms on failed executions and on more than 20% failed leads, to one SNS topic', () => {
    // The alarm reads the metrics the Lambda composition root emits: same namespace and service.
    expect(METRICS).toEqual({ namespace: METRICS_NAMESPACE, service: SERVICE_NAME });
    const topic = { Ref: logicalId(stateless, stateless.alarms.topic) };
    statelessTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
    });
    statelessTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 0.2,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [topic],
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(processed > 0, failed / processed, 0)' }),
        Match.objectLike({ Id: 'failed', MetricStat: Match.objectLike({ Metric: { Namespace: 'Prospector', MetricName: 'LeadsFailed', Dimensions: [{ Name: 'service', Value: 'prospector' }] } }) }),
        Match.objectLike({ Id: 'processed', MetricStat: Match.objectLike({ Metric: { Namespace: 'Prospector', MetricName: 'LeadsProcessed', Dimensions: [{ Name: 'service', Value: 'prospector' }] } }) }),
      ]),
    });
  });
});

describe('cdk-nag', () => {
  it('leaves no unacknowledged finding in the validation report', () => {
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations?: unknown[] }[] };
    const violations = report.pluginReports.flatMap((r) => r.violations ?? []);
    expect(violations).toEqual([]);
  });
});

describe('the bundled migration handler', () => {
  let fake: FakeDataApi;
  beforeAll(async () => {
    fake = await FakeDataApi.start();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('migrates a database through the Data API exactly as deployed (bundle, copied sql/, checksum)', async () => {
    const dir = bundleDir(logicalId(stateless, stateless.migration.function));
    const resource = Object.values(statelessTemplate.findResources('Custom::ProspectorSchema') as Resources)[0];
    const event = { RequestType: 'Create', ResourceProperties: { ...resource.Properties, ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:x' } };
    const script = `import(${JSON.stringify(pathToFileURL(path.join(dir, 'index.mjs')).href)}).then((m) => m.handler(${JSON.stringify(event)})).then((r) => process.stdout.write(JSON.stringify(r)))`;

    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        // The SDK's service-specific endpoint variable points the bundle's RDSDataClient at the fake.
        AWS_ENDPOINT_URL_RDS_DATA: fake.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        DB_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:prospector',
        DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
        DB_NAME: 'prospector',
      },
    });

    const result = JSON.parse(stdout) as { PhysicalResourceId: string; Data: { Applied: string } };
    expect(result.PhysicalResourceId).toBe(resource.Properties.Version);
    expect(result.Data.Applied.split(',')).toEqual((await loadMigrations()).map((m) => m.file));
    const tables = await fake.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('workspace', 'research')`);
    expect(tables.rows[0].n).toBe(2);
  }, 60_000);
});
