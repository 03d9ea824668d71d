import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroqLlm, parseGroqDuration, parseRetryAfter, retryAfterSecondsFrom } from '#adapters/groq-llm.ts';
import { LlmRequestRejected, LlmUnavailableError, RateLimitedError } from '#core/errors.ts';
import { researchLead } from '#core/research/engine.ts';
import { JSON_SCHEMAS } from '#core/research/schemas.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { depsFor, leadInput } from './fixtures.ts';

const API_KEY = 'gsk_unitTESTkey9876543210zyxwvu';

describe('Groq durations and retry hints', () => {
  it.each([
    ['2s', 2],
    ['1m30s', 90],
    ['850ms', 0.85],
    ['2m59.56s', 179.56],
    ['7.66s', 7.66],
    ['1h2m3s', 3723],
    ['7', 7],
    ['0.5', 0.5],
  ])('parses %s', (text, seconds) => {
    expect(parseGroqDuration(text)).toBeCloseTo(seconds, 6);
  });

  it.each(['', 'soon', '2x', 's', '1m 30s'])('rejects %j', (text) => {
    expect(parseGroqDuration(text)).toBeUndefined();
  });

  it('reads retry-after as seconds, a duration or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2);
    expect(parseRetryAfter('1m30s')).toBe(90);
    const now = Date.parse('2025-05-01T12:00:00Z');
    expect(parseRetryAfter('Thu, 01 May 2025 12:00:42 GMT', now)).toBe(42);
  });

  it('prefers retry-after, then the exhausted limit reset, then the message', () => {
    expect(retryAfterSecondsFrom(new Headers({ 'retry-after': '2', 'x-ratelimit-reset-tokens': '1m' }))).toBe(2);
    expect(retryAfterSecondsFrom(new Headers({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '1m30s', 'x-ratelimit-reset-requests': '2s' }))).toBe(90);
    expect(retryAfterSecondsFrom(new Headers({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '850ms' }))).toBe(1);
    expect(retryAfterSecondsFrom(new Headers({ 'x-ratelimit-reset-tokens': '7.66s', 'x-ratelimit-reset-requests': '2s' }))).toBe(8);
    expect(retryAfterSecondsFrom(new Headers(), 'Please try again in 1m2.5s. Visit ...')).toBe(63);
    expect(retryAfterSecondsFrom(undefined)).toBe(30);
  });
});

describe('strict-mode JSON Schemas', () => {
  it('require every property and forbid extra ones on every object', () => {
    const check = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(check);
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (o.type === 'object') {
        expect(o.additionalProperties).toBe(false);
        expect(o.required).toEqual(Object.keys(o.properties as object));
      }
      for (const key of ['minLength', 'maxLength', 'minimum', 'maximum', '$schema']) expect(o).not.toHaveProperty(key);
      Object.values(o).forEach(check);
    };
    check(JSON_SCHEMAS.facts.schema);
    check(JSON_SCHEMAS.synthesis.schema);
  });
});

describe('GroqLlm against the fake server', () => {
  let fake: FakeGroq;
  beforeEach(async () => {
    fake = await startFakeGroq({ apiKey: API_KEY });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('sends strict json_schema (and low reasoning effort) only to gpt-oss models', async () => {
    const result = await researchLead(leadInput(), depsFor(new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL })), {
      factsModel: 'openai/gpt-oss-20b',
      synthesisModel: 'llama-3.3-70b-versatile',
    });
    expect(result.status).toBe('researched');
    const [facts, synthesis] = fake.calls;
    expect(facts.responseFormat).toEqual({ type: 'json_schema', json_schema: { name: 'research_facts', schema: JSON_SCHEMAS.facts.schema, strict: true } });
    expect(facts.body).toMatchObject({ reasoning_effort: 'low', temperature: 0, max_completion_tokens: 1500 });
    // strict mode carries the schema: no format description in the prompt
    expect(facts.user).not.toContain('Answer format');
    expect(synthesis.responseFormat).toEqual({ type: 'json_object' });
    expect(synthesis.body).not.toHaveProperty('reasoning_effort');
    expect(synthesis.user).toContain('Answer format');
    // gpt-oss-20b at 0.075/0.30 per 1M tokens
    const call = result.llmCalls[0];
    expect(call.costUsd).toBeCloseTo((call.promptTokens * 0.075 + call.completionTokens * 0.3) / 1e6, 6);
  });

  it('maps a 429 with only x-ratelimit-reset-tokens to RateLimitedError with that wait', async () => {
    fake.setScript([{ at: 0, fault: { kind: '429', resetTokens: '1m30s' } }]);
    const error = await researchLead(leadInput(), depsFor(new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterSeconds).toBe(90);
  });

  it("hands Groq's json_validate_failed generation to the engine's repair", async () => {
    const failedGeneration = '{"facts":[{"category":"firmographic","claim":"About 450 staff.","quote":"Northwind Supply employs 450 people across six warehouses.","pageId":"p2"},{"category":';
    fake.setScript([
      {
        at: 0,
        fault: {
          kind: 'status',
          status: 400,
          code: 'json_validate_failed',
          message: "Failed to generate JSON. Please adjust your prompt. See 'failed_generation' for more details.",
          extra: { failed_generation: failedGeneration },
        },
      },
    ]);
    const input = leadInput();
    const result = await researchLead(input, depsFor(new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL })));
    expect(result.llmCalls.map((c) => [c.pass, c.outcome])).toEqual([
      ['facts', 'invalid'],
      ['facts.repair', 'repaired'],
      ['synthesis', 'ok'],
    ]);
    expect(result.facts.map((f) => f.quote)).toEqual(['Northwind Supply employs 450 people across six warehouses.']);
    expect(input.pages[1].text).toContain(result.facts[0].quote);
  });

  it('maps other 4xx to LlmRequestRejected and 503/498 to LlmUnavailableError', async () => {
    const llm = new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL });
    fake.setScript([{ at: 0, fault: { kind: 'status', status: 404, message: 'The model `nope` does not exist' } }]);
    const notFound = await researchLead(leadInput(), depsFor(llm)).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(LlmRequestRejected);
    expect((notFound as LlmRequestRejected).status).toBe(404);
    for (const status of [503, 498]) {
      fake.setScript([{ at: 0, fault: { kind: 'status', status } }]);
      const err = await researchLead(leadInput(), depsFor(llm)).catch((e: unknown) => e);
      expect(err, String(status)).toBeInstanceOf(LlmUnavailableError);
    }
  });

  it('lets the SDK retry a 500 once when maxRetries is 1', async () => {
    fake.setScript([{ at: 0, fault: { kind: '500' } }]);
    const result = await researchLead(leadInput(), depsFor(new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL, maxRetries: 1 })));
    expect(result.status).toBe('researched');
    expect(fake.calls.map((c) => c.status)).toEqual([500, 200, 200]);
  });
});

describe('fake Groq limits', () => {
  it('answers after latencyMs and throttles past its tokens-per-minute limit with retry-after', async () => {
    const fake = await startFakeGroq({ latencyMs: 50, tokensPerMinute: 1800 });
    try {
      const llm = new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL });
      const deps = depsFor(llm);
      const error = await researchLead(leadInput(), deps).catch((e: unknown) => e);
      expect((deps.archived[0].record.response as { latencyMs: number }).latencyMs).toBeGreaterThanOrEqual(45);
      // the facts call fits the minute; the synthesis call does not
      expect(fake.calls.map((c) => c.status)).toEqual([200, 429]);
      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(59);
      expect((error as RateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(60);
      expect(llm.lastRateLimit).toMatchObject({ status: 429, limitTokens: null });
      expect(JSON.parse((error as Error).message).detail).toMatch(/tokens per minute/);
    } finally {
      await fake.close();
    }
  });
});

describe('GroqLlm connection failures', () => {
  it('maps a refused connection to LlmUnavailableError', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const llm = new GroqLlm({ apiKey: API_KEY, baseURL: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
    const error = await researchLead(leadInput(), depsFor(llm)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmUnavailableError);
    expect((error as Error).message).toMatch(/connection failed/);
    expect((error as Error).message).not.toContain(API_KEY);
  });
});
