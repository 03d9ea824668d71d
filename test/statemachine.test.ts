import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ASL_PATH, handlerFileFor, localDefinition, placeholders, taskBindings } from '#local/state-machine.ts';

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
      n === 'LeadMapMode' ? 'DISTRIBUTED' : `arn:aws:lambda:eu-west-1:123456789012:function:prospector-${handlerFileFor(n)}`,
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
    const research = def.States.ProcessLeads.ItemProcessor.States.ResearchLead;
    expect(research.Catch[0].ErrorEquals).toEqual(['RateLimited']);
    expect(def.States.ProcessLeads.ItemProcessor.States.WaitForRateLimit.SecondsPath).toBe('$.waitSeconds');
    expect(placeholders(aslText)).toContain('LeadMapMode');
  });
});
