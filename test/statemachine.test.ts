import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, test } from 'vitest';
import { inLakeArea, lakeKeys } from '#core/lake-keys.ts';
import { ASL_PATH, handlerFileFor, localDefinition, placeholders, stateMachineFor, taskBindings } from '#local/state-machine.ts';
import { RESUME_WINDOW_SECONDS, guaranteedRetryWaitSeconds, leadProcessor, retrierFor, taskStates, terminalStates, type AslMachine } from '#test/helpers/asl.ts';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (def: unknown) => Promise<{ isValid: boolean; errors: unknown[] }>;
const aslText = readFileSync(ASL_PATH, 'utf8');

describe('statemachine/prospecting.asl.json', () => {
  test('passes asl-validator as the local runner fills it', async () => {
    // asl-validator mutates its input: give it a copy.
    const result = await aslValidator(structuredClone(localDefinition()));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  test('passes asl-validator with a Distributed lead Map as the cloud fills it', async () => {
    const cloud = aslText.replace(/\$\{(\w+)\}/g, (_m, n: string) =>
      n === 'LeadMapMode' ? 'DISTRIBUTED' : n === 'LeadChildExecutionType' ? 'EXPRESS' : n === 'LakeBucketName' ? 'prospector-lake' : `arn:aws:lambda:eu-west-1:123456789012:function:prospector-${handlerFileFor(n)}`,
    );
    const result = await aslValidator(JSON.parse(cloud));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  test('every Task is bound to a handler module that exists and exports makeHandler and handler', async () => {
    const bindings = taskBindings();
    expect(bindings.map((b) => b.state)).toEqual(
      expect.arrayContaining(['StartRun', 'SearchLeads', 'ListRunLeads', 'FetchSite', 'CleanPages', 'ResearchLead', 'CommitResearch', 'RecordFailure', 'FinishRun']),
    );
    for (const { file } of bindings) {
      const path = join(import.meta.dirname, '..', 'lambdas', 'handlers', `${file}.ts`);
      expect(existsSync(path), path).toBe(true);
      const mod = await import(path);
      expect(typeof mod.makeHandler).toBe('function');
      expect(typeof mod.handler).toBe('function');
    }
  });

  test('uses JSONPath only and names the rate-limit error the research step throws', () => {
    const def = JSON.parse(aslText);
    expect(def.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(aslText).not.toMatch(/\{%/);
    const research = leadProcessor(def).States.ResearchLead;
    expect(research.Catch[0].ErrorEquals).toEqual(['RateLimited']);
    expect(leadProcessor(def).States.WaitForRateLimit.SecondsPath).toBe('$.waitSeconds');
    expect(placeholders(aslText)).toContain('LeadMapMode');
  });

  test('every Task retries DatabaseUnavailable without jitter for longer than an Aurora resume', () => {
    const def = JSON.parse(aslText) as AslMachine;
    const tasks = taskStates(def);
    expect(tasks.length).toBeGreaterThanOrEqual(11);
    for (const { name, state } of tasks) {
      const retrier = retrierFor(state, 'DatabaseUnavailable');
      // a States.ALL retrier would also match, but with a budget meant for other errors
      expect(retrier?.ErrorEquals, name).toEqual(['DatabaseUnavailable']);
      expect(guaranteedRetryWaitSeconds(retrier!), name).toBeGreaterThanOrEqual(RESUME_WINDOW_SECONDS);
    }
  });

  test('StartRun, ListRunLeads and FinishRun catch every error: the run is closed, or was never opened', () => {
    const def = JSON.parse(aslText) as AslMachine;
    const catchAll = (state: string) => def.States[state].Catch?.find((c: { ErrorEquals: string[] }) => c.ErrorEquals.includes('States.ALL'));
    expect(catchAll('ListRunLeads')).toMatchObject({ ResultPath: '$.error', Next: 'RunFailed' });
    expect(catchAll('FinishRun')).toMatchObject({ ResultPath: '$.error', Next: 'RunFailed' });
    // StartRun writes the run last: when it fails there is no run, so the execution just fails with its error
    expect(catchAll('StartRun')).toMatchObject({ ResultPath: '$.error', Next: 'StartFailed' });
    expect(def.States.StartFailed).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
    expect(def.States.RunFailed).toMatchObject({ Type: 'Task', Resource: '${FinishRunFunctionArn}', Next: 'Failed' });
  });

  test('the lead Map\'s children return nothing, and their results go to the lake, not into the execution', () => {
    const def = JSON.parse(aslText) as AslMachine;
    expect(def.States.ProcessLeads.ResultWriter).toEqual({ Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: '${LakeBucketName}', Prefix: lakeKeys.leadMapResultsPrefix } });
    // the prefix is inside the lake area the state machine role may write
    expect(inLakeArea(`${lakeKeys.leadMapResultsPrefix}/map-run/SUCCEEDED_0.json`, 'leadMapResults')).toBe(true);
    // a child (one batch) ends with its inner Map, which returns {}; so does each lead
    expect(terminalStates(def.States.ProcessLeads.ItemProcessor)).toEqual([['ProcessBatch', expect.objectContaining({ OutputPath: null, ResultPath: null })]]);
    const ends = terminalStates(leadProcessor(def));
    expect(ends.map(([name]) => name)).toEqual(['LeadDone']);
    for (const [name, state] of ends) expect(state, name).toHaveProperty('OutputPath', null);
  });

  test('a definition is checked once a process: a valid one runs again unchecked, an invalid one is refused every time', async () => {
    const pass = localDefinition(JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: { n: 1 }, End: true } } }));
    for (let i = 0; i < 3; i++) expect(await stateMachineFor(structuredClone(pass)).run({}).result).toEqual({ n: 1 });
    // A Next that names no state, and a Task whose Resource is no ARN (checkArn).
    const dangling = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Next: 'Nowhere' } } });
    const badArn = JSON.stringify({ StartAt: 'T', States: { T: { Type: 'Task', Resource: 'not-an-arn', End: true } } });
    for (const text of [dangling, badArn]) {
      for (let i = 0; i < 2; i++) expect(() => stateMachineFor(localDefinition(text)), text).toThrow(/State machine definition is invalid/);
    }
  });

  test('draws States.MathRandom as AWS does, end exclusive: (0, 1) is always 0, (0, 3) gives 0 to 2', async () => {
    const draws = async (call: string) => {
      const machine = new StateMachine(localDefinition(JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'r.$': call }, End: true } } })));
      const out = new Set<number>();
      for (let i = 0; i < 60; i++) out.add(((await machine.run({}).result) as { r: number }).r);
      return [...out].sort();
    };
    expect(await draws('States.MathRandom(0, 1)')).toEqual([0]);
    expect((await draws('States.MathRandom(0, 3)')).every((n) => n >= 0 && n <= 2)).toBe(true);
  });
});

