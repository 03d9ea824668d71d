/**
 * Synthesis variants without bundling (fast): settings from CDK context, cdk-nag catching what
 * is not acknowledged, and the deployed definition through asl-validator. Each configuration is
 * synthesized once (test/helpers/cdk.ts). No validation report is read here, so aws-cdk-lib's
 * built-in CloudFormation validation (warnings only, seconds to load) is off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Stack, App, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, removeSynthOutputs, synthApp } from '../helpers/cdk.ts';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (definition: unknown) => Promise<{ isValid: boolean; errors: unknown[] }>;

const NO_CFN_VALIDATION = { cloudFormationValidation: false } as const;
/** An app whose NodejsFunctions are not bundled (CDK's own switch), so synthesis takes a second or two. */
const unbundled = (context: Record<string, unknown> = {}) => buildApp(context, NO_CFN_VALIDATION);
/** The same, synthesized (cdk-nag throws on an unacknowledged finding): once per configuration in this file. */
const synthesized = (context: Record<string, unknown> = {}) => synthApp(context, NO_CFN_VALIDATION);
afterAll(() => removeSynthOutputs());

describe('context settings', () => {
  it('wires a lead provider, its secret, a schedule, a workspace and an alarm email; nag still passes without deletion protection', () => {
    const { statefulTemplate, statelessTemplate } = synthesized({
      leadSearchUrl: 'https://leads.example/v1/search_leads',
      schedule: 'cron(0 6 ? * MON-FRI *)',
      groqBatch: 'true',
      workspace: 'tallyhand',
      deletionProtection: 'false',
      researchReservedConcurrency: '0',
      alarmEmail: 'ops@seller.example',
      runCostBudgetUsd: '1.5',
    });

    statefulTemplate.hasResourceProperties('AWS::RDS::DBCluster', { DeletionProtection: false });
    statefulTemplate.resourceCountIs('AWS::SecretsManager::Secret', 3);
    statelessTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Prospector: SearchLeads step',
      Environment: { Variables: Match.objectLike({ LEAD_SEARCH_URL: 'https://leads.example/v1/search_leads', LEAD_SEARCH_SECRET_ARN: Match.anyValue() }) },
    });
    statelessTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Prospector: StartRun step',
      Environment: { Variables: Match.objectLike({ PROSPECTOR_WORKSPACE: 'tallyhand' }) },
    });
    statelessTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Prospector: ResearchLead step',
      Environment: { Variables: Match.objectLike({ RUN_COST_BUDGET_USD: '1.5' }) },
    });
    // the scheduled run in batch mode: StartRun reads groqBatch from the execution input
    statelessTemplate.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 6 ? * MON-FRI *)', Target: Match.objectLike({ Input: '{"trigger":"schedule","groqBatch":true}' }) });
    statelessTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@seller.example' });
    for (const fn of Object.values(statelessTemplate.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  }, 60_000);

  it('refuses a setting that is not a number', () => {
    expect(() => unbundled({ leadConcurrency: 'lots' })).toThrow(/leadConcurrency must be a number/);
  });

  it('runs the lead Map\'s children as Standard executions of 10 leads when asked, Express ones of 5 otherwise, and names the choices for a typo', () => {
    for (const [context, type, batch] of [[{}, 'EXPRESS', '5'], [{ leadChildExecutionType: 'standard' }, 'STANDARD', '10'], [{ leadChildExecutionType: 'STANDARD', leadBatchSize: '3' }, 'STANDARD', '3']] as const) {
      const template = synthesized(context).statelessTemplate;
      const prospecting = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).find((sm) => 'LeadChildExecutionType' in sm.Properties.DefinitionSubstitutions)!;
      expect(prospecting.Properties.DefinitionSubstitutions.LeadChildExecutionType, JSON.stringify(context)).toBe(type);
      expect(prospecting.Properties.DefinitionString).toContain('"ExecutionType": "${LeadChildExecutionType}"');
      template.hasResourceProperties('AWS::Lambda::Function', { Description: 'Prospector: StartRun step', Environment: { Variables: Match.objectLike({ LEAD_BATCH_SIZE: batch }) } });
    }
    expect(() => unbundled({ leadChildExecutionType: 'fast' })).toThrow(/context leadChildExecutionType must be one of EXPRESS, STANDARD, got "fast"/);
  }, 180_000);
});

describe('cdk-nag', () => {
  it('fails synthesis on a finding nobody acknowledged', () => {
    // An outdir of its own: without one, App writes to a cdk.out* folder in the temporary directory and leaves it.
    const outdir = mkdtempSync(path.join(tmpdir(), 'prospector-cdk-careless-'));
    try {
      const app = new App({ builtinCloudFormationValidation: false, outdir });
      const stack = new Stack(app, 'Careless');
      new s3.Bucket(stack, 'Open', { enforceSSL: false });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

      expect(() => app.synth()).toThrow(/AwsSolutions-S(1|10)/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('cdk-nag acknowledgements', () => {
  it('each answers a finding that really occurs (none is stale)', () => {
    // Record the acknowledgements instead of applying them, so every finding surfaces.
    // A plain patch, put back below, rather than a vitest spy: the suite shares its worker.
    const acknowledged: string[] = [];
    const acknowledge = Validations.prototype.acknowledge;
    Validations.prototype.acknowledge = function (...rules: Parameters<typeof acknowledge>) {
      acknowledged.push(...rules.map((r) => r.id));
    };
    let report = '';
    try {
      // Every optional part on, so every conditional acknowledgement is made.
      const { app } = unbundled({ deletionProtection: 'false', leadSearchUrl: 'https://leads.example/v1' });
      app.synth();
    } catch (error) {
      report = (error as Error).message;
    } finally {
      Validations.prototype.acknowledge = acknowledge;
    }

    const findings = new Set([...report.matchAll(/Acknowledge with 'AwsSolutions::([^']+)'/g)].map((m) => m[1]));
    const ours = new Set(acknowledged.filter((id) => id.startsWith('AwsSolutions-')));
    expect(findings.size).toBeGreaterThan(0);
    expect([...ours].filter((id) => !findings.has(id))).toEqual([]);
    expect([...findings].filter((id) => !ours.has(id))).toEqual([]);
  }, 60_000);
});

describe('the deployed state machine definition', () => {
  it('passes asl-validator with the stack\'s substitutions, for each state machine (prospecting, replies, watch)', async () => {
    // the default configuration, as synthesized for the lead Map's children above
    const machines = Object.values(synthesized().statelessTemplate.findResources('AWS::StepFunctions::StateMachine'));
    expect(machines).toHaveLength(3);
    for (const sm of machines) {
      const substitutions = sm.Properties.DefinitionSubstitutions as Record<string, unknown>;
      const text = (sm.Properties.DefinitionString as string).replace(/\$\{(\w+)\}/g, (_m, name: string) => {
        const value = substitutions[name];
        expect(value, name).toBeDefined();
        return typeof value === 'string' ? value : `arn:aws:lambda:us-east-1:123456789012:function:prospector-${name}`;
      });

      // asl-validator mutates its input: it gets its own parse.
      const result = await aslValidator(JSON.parse(text));

      expect(result.errors).toEqual([]);
      expect(result.isValid).toBe(true);
    }
  }, 60_000);
});
