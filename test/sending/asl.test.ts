/**
 * statemachine/sending.asl.json: valid ASL as the local runner and the cloud fill it, every Task
 * bound to a handler module and a step of STEPS, and the mailer declared by the send step only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { STEP_IDS, STEPS, stepOfHandler } from '#core/pipeline/step-ports.ts';
import { SENDING_ASL_PATH } from '#local/sending.ts';
import { handlerFileFor, localDefinition, placeholders, taskBindings } from '#local/state-machine.ts';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (def: unknown) => Promise<{ isValid: boolean; errors: unknown[] }>;
const aslText = readFileSync(SENDING_ASL_PATH, 'utf8');

describe('statemachine/sending.asl.json', () => {
  test('passes asl-validator as the local runner and the cloud fill it', async () => {
    const local = await aslValidator(structuredClone(localDefinition(aslText)));
    expect(local.errors).toEqual([]);
    const cloud = aslText.replace(/\$\{(\w+)\}/g, (_m, n: string) => `arn:aws:lambda:eu-west-1:123456789012:function:prospector-${handlerFileFor(n)}`);
    const result = await aslValidator(JSON.parse(cloud));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  test('every Task has its handler module and its step, and only the send step may send mail', () => {
    const bindings = taskBindings(aslText);
    expect(bindings.map((b) => b.state).sort()).toEqual(['ClaimDue', 'FinishSend', 'RecordSendFailure', 'SendMessage']);
    for (const { file } of bindings) {
      expect(existsSync(join(import.meta.dirname, '..', '..', 'lambdas', 'handlers', `${file}.ts`)), file).toBe(true);
      expect(STEP_IDS).toContain(stepOfHandler(file));
    }
    expect(placeholders(aslText).every((p) => p.endsWith('FunctionArn'))).toBe(true);
    expect(STEP_IDS.filter((id) => (STEPS[id].ports as { mailer?: true }).mailer)).toEqual(['SendMessage']);
  });
});
