import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { LlmOutputError, LlmTruncated } from '#core/errors.ts';
import { defineAnswer, LlmCalls, parseJsonAnswer, type AskRequest } from '#core/llm/calls.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { depsFor } from '#test/research/fixtures.ts';

const API_KEY = 'gsk_testSECRETkey0123456789abcdefXYZ';

// A pass that is not research: the module must serve any schema and any pass name.
const Reply = z.object({ intent: z.enum(['interested', 'not_now', 'unsubscribe']), reason: z.string().min(1) });
const REPLY = defineAnswer({ pass: 'classify', schema: Reply, jsonSchemaName: 'reply_intent', format: '{"intent": "interested|not_now|unsubscribe", "reason": "..."}' });
const TEMPLATE = { id: 'classify.v1' };

function ask(overrides: Partial<AskRequest<z.infer<typeof Reply>>> = {}): AskRequest<z.infer<typeof Reply>> {
  return {
    answer: REPLY,
    model: 'openai/gpt-oss-20b',
    template: TEMPLATE,
    prompt: { system: 'Classify the reply.', user: 'Reply: "Sounds good, call me Tuesday."' },
    promptVersion: 'classify.v1',
    maxTokens: 300,
    context: { replyId: 'r1' },
    ...overrides,
  };
}

describe('LlmCalls: the budgeted, validated, repair-once, archived call for any pass', () => {
  let fake: FakeGroq;
  beforeEach(async () => {
    fake = await startFakeGroq({ apiKey: API_KEY });
  });
  afterEach(async () => {
    await fake.close();
  });

  function ledger(budget = 4000) {
    const deps = depsFor(new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL, timeoutMs: 30_000 }));
    const calls = new LlmCalls({
      llm: deps.llm,
      archive: deps.archive,
      promptTokenBudget: budget,
      subject: { domain: 'northwind-supply.example', companyName: 'Northwind Supply' },
      reasoningTokens: 500,
      reasoningEffort: 'low',
      now: deps.now,
      newId: deps.newId,
    });
    return { calls, archived: deps.archived };
  }

  it('returns the validated answer with a record and an archived exchange naming the pass', async () => {
    fake.setScript([{ at: 0, fault: { kind: 'rewrite', rewrite: () => '{"intent":"interested","reason":"asks for a call"}' } }]);
    const { calls, archived } = ledger();
    const result = await calls.ask(ask());
    expect(result).toEqual({ kind: 'ok', value: { intent: 'interested', reason: 'asks for a call' } });
    expect(fake.calls[0].responseFormat).toMatchObject({ type: 'json_schema', json_schema: { name: 'reply_intent', strict: true } });
    expect(fake.calls[0].maxTokens).toBe(800);
    expect(calls.records.map((r) => [r.pass, r.outcome, r.promptVersion])).toEqual([['classify', 'ok', 'classify.v1']]);
    expect(calls.used).toBe(calls.records[0].promptTokens);
    expect(archived[0].record).toMatchObject({ kind: 'llm-exchange', pass: 'classify', template: 'classify.v1', context: { replyId: 'r1' }, outcome: 'ok', lead: { domain: 'northwind-supply.example' } });
    expect(calls.records[0].lakeKey).toBe(archived[0].key);
  });

  it('repairs an invalid answer once with a prompt that names the pass and the error', async () => {
    fake.setScript([
      { at: 0, fault: { kind: 'rewrite', rewrite: () => '{"intent":"maybe","reason":"unclear"}' } },
      { at: 1, fault: { kind: 'rewrite', rewrite: () => '{"intent":"not_now","reason":"unclear"}' } },
    ]);
    const { calls } = ledger();
    const result = await calls.ask(ask());
    expect(result).toEqual({ kind: 'ok', value: { intent: 'not_now', reason: 'unclear' } });
    expect(fake.calls[1].user).toContain('The classify answer below is invalid: the JSON does not match the required shape: intent:');
    expect(fake.calls[1].user).toContain('<<<PREVIOUS ANSWER pass="classify">>>');
    expect(calls.records.map((r) => [r.pass, r.outcome])).toEqual([
      ['classify', 'invalid'],
      ['classify.repair', 'repaired'],
    ]);
  });

  it('fails by name when the repair is still invalid, and skips when the budget cannot cover the prompt', async () => {
    fake.setScript([{ when: () => true, fault: { kind: 'rewrite', rewrite: () => 'no JSON here' } }]);
    const { calls } = ledger();
    const error = await calls.ask(ask()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmOutputError);
    expect((error as Error).message).toMatch(/^classify pass: answer still invalid after one repair attempt: the answer is not valid JSON/);
    expect(calls.records).toHaveLength(2);

    const tiny = ledger(10);
    expect(await tiny.calls.ask(ask())).toEqual({ kind: 'skipped' });
    expect(fake.calls).toHaveLength(2);
  });

  it('raises LlmTruncated on finish_reason length and records the spent call without a repair', async () => {
    fake.setScript([{ at: 0, fault: { kind: 'truncated' } }]);
    const { calls } = ledger();
    const error = await calls.ask(ask()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmTruncated);
    expect((error as Error).message).toContain('classify pass: the answer of openai/gpt-oss-20b was cut off at max_completion_tokens=800');
    expect(fake.calls).toHaveLength(1);
    expect(calls.records.map((r) => r.outcome)).toEqual(['invalid']);
  });

  it('tolerates a code fence and applies the spec normaliser before validating', () => {
    const spec = { schema: Reply, normalise: (j: unknown) => ({ ...(j as object), intent: String((j as { intent: string }).intent).toLowerCase() }) };
    expect(parseJsonAnswer(spec, '```json\n{"intent":"UNSUBSCRIBE","reason":"stop"}\n```')).toEqual({ ok: true, value: { intent: 'unsubscribe', reason: 'stop' } });
    expect(parseJsonAnswer(spec, '')).toEqual({ ok: false, error: 'the answer was empty' });
  });
});
