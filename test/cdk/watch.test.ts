/**
 * The watch machine in the synthesized stateless stack: statemachine/watch.asl.json as the local
 * runner reads it, its placeholders filled with exactly the functions it invokes (the drafting
 * step among them: a fresh signal may trigger outreach), the role allowed to invoke those and
 * nothing of the sending or reply steps, an EventBridge Scheduler schedule that
 * starts it, and no unacknowledged cdk-nag finding. The definition also passes asl-validator as
 * the cloud and the local runner fill it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, removeSynthOutputs, statementsOfRole, synthApp, type TemplateResource } from '../helpers/cdk.ts';
import { WATCH_ASL_FILE, type StatelessStack } from '../../cdk/stateless-stack.ts';
import { handlerFileFor, localDefinition, placeholders } from '#local/state-machine.ts';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (def: unknown) => Promise<{ isValid: boolean; errors: unknown[] }>;
const aslText = readFileSync(WATCH_ASL_FILE, 'utf8');

let outdir: string | undefined;
let stateless: StatelessStack;
let template: Template;
let resources: Record<string, TemplateResource>;

beforeAll(() => {
  ({ outdir, stateless, statelessTemplate: template, statelessResources: resources } = synthApp({ workspace: 'tallyhand', watchSchedule: 'rate(12 hours)' }, { outdir: true }));
}, 120_000);
afterAll(() => removeSynthOutputs());

const idOf = (construct: { node: { defaultChild?: unknown } }) => stateless.getLogicalId(construct.node.defaultChild as never);
const WATCH_STEPS = ['StartWatch', 'ListRunLeads', 'FetchSite', 'CleanPages', 'RecheckCompany', 'ResearchLead', 'CommitResearch', 'DraftOutreach', 'RecordFailure', 'FinishRun'] as const;

describe('statemachine/watch.asl.json', () => {
  it('passes asl-validator as the local runner fills it and as the cloud fills it', async () => {
    const local = await aslValidator(structuredClone(localDefinition(aslText)));
    expect(local.errors).toEqual([]);
    const cloud = aslText.replace(/\$\{(\w+)\}/g, (_m, n: string) =>
      n === 'LeadMapMode' ? 'DISTRIBUTED' : n === 'LakeBucketName' ? 'prospector-lake' : `arn:aws:lambda:eu-west-1:123456789012:function:prospector-${handlerFileFor(n)}`,
    );
    const result = await aslValidator(JSON.parse(cloud));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });
});

describe('the watch state machine', () => {
  it('is the same definition the local runner runs, every placeholder substituted with the step functions it names', () => {
    const props = resources[idOf(stateless.watch.stateMachine)].Properties;
    expect(props.DefinitionString).toBe(aslText);
    const expected: Record<string, unknown> = { LeadMapMode: 'DISTRIBUTED', LakeBucketName: expect.anything() };
    for (const step of WATCH_STEPS) expected[`${step}FunctionArn`] = { 'Fn::GetAtt': [idOf(stateless.functions[step]), 'Arn'] };
    expect(props.DefinitionSubstitutions).toEqual(expected);
    expect(placeholders(aslText).sort()).toEqual(Object.keys(expected).sort());
  });

  it('may invoke its own steps only (drafting, for a triggering signal): no sending, reply or search function', () => {
    const role = resources[idOf(stateless.watch.stateMachine)].Properties.RoleArn['Fn::GetAtt'][0];
    const statements = statementsOfRole(resources, role);
    const invoked = JSON.stringify(statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction')));
    for (const step of WATCH_STEPS) expect(invoked, step).toContain(idOf(stateless.functions[step]));
    for (const step of ['SendMessage', 'ClaimDue', 'DraftResponse', 'ClassifyReply', 'SearchLeads', 'StartRun'] as const) {
      expect(invoked, step).not.toContain(`"${idOf(stateless.functions[step])}"`);
    }
    // a wildcard only where the service has no resource-level permissions (log delivery, X-Ray)
    for (const s of statements.filter((x) => x.Resource === '*')) {
      for (const a of actionsOf(s)) expect(a).toMatch(/^(logs|xray):/);
    }
  });

  it('is started by an EventBridge Scheduler schedule at the configured rate with the workspace', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(12 hours)',
      Target: Match.objectLike({
        Arn: { Ref: idOf(stateless.watch.stateMachine) },
        Input: JSON.stringify({ workspace: 'tallyhand' }),
      }),
    });
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    const report = JSON.parse(readFileSync(path.join(outdir!, 'validation-report.json'), 'utf8')) as { pluginReports: { violations?: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });
});
