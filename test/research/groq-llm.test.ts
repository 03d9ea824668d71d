import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dailyLimitOf, GroqLlm, parseGroqDuration, parseRetryAfter, retryAfterSecondsFrom } from '#adapters/groq-llm.ts';
import { DailyLimitReached, LlmRequestRejected, LlmUnavailableError, RateLimitedError } from '#core/errors.ts';
import type { LlmRequest } from '#core/ports.ts';
import { servedModels } from '#core/research/models.ts';
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

  it('sends strict json_schema (and low reasoning effort) only to models that support them', async () => {
    // a served model the table does not know: no strict mode, no reasoning assumed
    const plain = await startFakeGroq({ apiKey: API_KEY, models: [...servedModels(), 'example/json-object-model'] });
    await fake.close();
    fake = plain;
    const result = await researchLead(leadInput(), depsFor(new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL })), {
      factsModel: 'openai/gpt-oss-20b',
      synthesisModel: 'example/json-object-model',
    });
    expect(result.status).toBe('researched');
    const [facts, synthesis] = fake.calls;
    expect(facts.responseFormat).toEqual({ type: 'json_schema', json_schema: { name: 'research_facts', schema: JSON_SCHEMAS.facts.schema, strict: true } });
    expect(facts.body).toMatchObject({ reasoning_effort: 'low', include_reasoning: false, temperature: 0, max_completion_tokens: 3000 });
    // strict mode carries the schema: no format description in the prompt
    expect(facts.user).not.toContain('Answer format');
    expect(synthesis.responseFormat).toEqual({ type: 'json_object' });
    expect(synthesis.body).not.toHaveProperty('reasoning_effort');
    expect(synthesis.body).toMatchObject({ max_completion_tokens: 1500 });
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
    // Limits are per model: both passes on one model here. Learn each call's size, then allow
    // the larger alone: prompt + max_completion_tokens (Groq reserves the whole allowance before
    // running), so each call fits a fresh minute but the second cannot follow the first.
    const oneModel = { factsModel: 'openai/gpt-oss-20b', synthesisModel: 'openai/gpt-oss-20b' };
    const probe = await startFakeGroq();
    await researchLead(leadInput(), depsFor(new GroqLlm({ apiKey: API_KEY, baseURL: probe.baseURL })), oneModel);
    const tokensPerMinute = Math.max(...probe.calls.map((c) => c.promptTokens! + c.maxTokens!));
    await probe.close();
    const fake = await startFakeGroq({ latencyMs: 50, tokensPerMinute });
    try {
      const llm = new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL });
      const deps = depsFor(llm);
      const error = await researchLead(leadInput(), deps, oneModel).catch((e: unknown) => e);
      expect((deps.archived[0].record.response as { latencyMs: number }).latencyMs).toBeGreaterThanOrEqual(45);
      // the facts call fits the minute; the synthesis call does not
      expect(fake.calls.map((c) => c.status)).toEqual([200, 429]);
      expect(error).toBeInstanceOf(RateLimitedError);
      // the window frees a minute after the facts call: 60 s less the time between the two calls
      // (a fraction of a second; a wide margin, as a loaded machine can stretch it)
      expect((error as RateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(50);
      expect((error as RateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(60);
      expect(llm.lastRateLimit).toMatchObject({ status: 429, limitTokens: tokensPerMinute, limitRequests: 1000 });
      expect(JSON.parse((error as Error).message).detail).toMatch(/on tokens per minute \(TPM\): Limit \d+, Used \d+, Requested \d+\. Please try again in \d+s/);
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

/** A facts request as the engine sends it, for calling the adapter directly. */
function request(model = 'openai/gpt-oss-20b'): LlmRequest {
  return {
    pass: 'facts',
    model,
    promptVersion: 'test',
    system: 'Answer in JSON.',
    user: '<<<PAGE id="p1" url="https://x.example/" kind="home">>>\nX sells things.\n<<<END PAGE>>>',
    schema: { ...JSON_SCHEMAS.facts, strict: true },
    maxTokens: 1000,
    reasoningEffort: 'low',
  };
}

describe('Groq as it is today, through the fake', () => {
  let fake: FakeGroq;
  afterEach(async () => {
    await fake?.close();
  });

  it('refuses a shut-down model with model_decommissioned and an unknown one with model_not_found', async () => {
    fake = await startFakeGroq({ apiKey: API_KEY });
    const llm = new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL });
    const gone = await llm.complete({ ...request('llama-3.1-8b-instant'), schema: { ...JSON_SCHEMAS.facts, strict: false } }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(LlmRequestRejected);
    expect((gone as LlmRequestRejected).status).toBe(400);
    expect((gone as Error).message).toMatch(/HTTP 400: The model `llama-3\.1-8b-instant` has been decommissioned and is no longer supported/);
    expect((gone as Error).cause).toMatchObject({ code: 'model_decommissioned', type: 'invalid_request_error' });
    const unknown = await llm.complete(request('openai/gpt-oss-9000')).catch((e: unknown) => e);
    expect((unknown as LlmRequestRejected).status).toBe(404);
    expect((unknown as Error).cause).toMatchObject({ code: 'model_not_found' });
  });

  it('reports reasoning tokens and the finish reason, and sends every rate-limit header Groq sends', async () => {
    fake = await startFakeGroq({ apiKey: API_KEY, reasoningTokens: 200 });
    const llm = new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL });
    const response = await llm.complete(request());
    expect(response).toMatchObject({ finishReason: 'stop', reasoningTokens: 200 });
    expect(response.completionTokens).toBeGreaterThan(200);
    const raw = await fetch(`${fake.baseURL}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-oss-20b', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 100 }),
    });
    for (const h of ['x-request-id', 'x-ratelimit-limit-requests', 'x-ratelimit-limit-tokens', 'x-ratelimit-remaining-requests', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens']) {
      expect(raw.headers.get(h), h).not.toBeNull();
    }
    expect(raw.headers.get('x-ratelimit-remaining-requests')).toBe('998');
    expect(parseGroqDuration(raw.headers.get('x-ratelimit-reset-requests'))).toBeCloseTo(2 * 86.4, 1);
  });

  it('maps a body that stalls mid-way to LlmUnavailable, never a TypeError', async () => {
    fake = await startFakeGroq({ apiKey: API_KEY, script: [{ at: 0, fault: { kind: 'stall-body' } }] });
    // The headers come at once and then the body stalls. The header timeout must still hold on a
    // loaded machine (at 200 ms the fake's headers can come later, and the error is then
    // "no answer within 200 ms"), so it is seconds; the stall is abandoned at timeout + grace.
    const llm = new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL, timeoutMs: 3000, bodyGraceMs: 200 });
    const error = await llm.complete(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmUnavailableError);
    expect((error as Error).message).toMatch(/^Groq openai\/gpt-oss-20b \(facts\): the response stalled and was abandoned after 3200 ms$/);
    expect(fake.calls[0].status).toBe(200);
  });

  it('tells a per-day 429 from a per-minute one, and stops asking for that model until it resets', async () => {
    fake = await startFakeGroq({ apiKey: API_KEY, requestsPerDay: 1 });
    const llm = new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL });
    await llm.complete(request());
    const daily = await llm.complete(request()).catch((e: unknown) => e);
    expect(daily).toBeInstanceOf(DailyLimitReached);
    expect(daily).toMatchObject({ name: 'DailyLimitReached', limit: 'requests', model: 'openai/gpt-oss-20b', resetSeconds: 86_400 });
    expect((daily as Error).message).toMatch(/^Groq's requests-per-day limit for openai\/gpt-oss-20b is spent; it resets in about 24\.0 h\. .*redrive.*on requests per day \(RPD\): Limit 1, Used 1, Requested 1/);
    // no more requests for that model: each would only collect another 429
    const again = await llm.complete(request()).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(DailyLimitReached);
    expect(fake.calls.map((c) => c.status)).toEqual([200, 429]);
    // the other model has its own daily allowance
    await expect(llm.complete(request('openai/gpt-oss-120b'))).resolves.toMatchObject({ finishReason: 'stop' });

    // configured to wait: the long wait goes to the state machine as RateLimited
    const waiting = new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL, onDailyLimit: 'wait' });
    const waited = await waiting.complete(request()).catch((e: unknown) => e);
    expect(waited).toBeInstanceOf(RateLimitedError);
    expect((waited as RateLimitedError).retryAfterSeconds).toBe(86_400);
  });

  it('reads which limit a 429 is about from its message or headers', () => {
    const tpd = 'Rate limit reached for model `m` in organization `o` service tier `on_demand` on tokens per day (TPD): Limit 100000, Used 97050, Requested 3619. Please try again in 9m38.016s.';
    expect(dailyLimitOf(new Headers(), tpd)).toBe('tokens');
    expect(dailyLimitOf(new Headers(), 'on requests per day (RPD): Limit 1000')).toBe('requests');
    expect(dailyLimitOf(new Headers({ 'x-ratelimit-remaining-requests': '0' }), '')).toBe('requests');
    expect(dailyLimitOf(new Headers({ 'x-ratelimit-remaining-requests': '12' }), 'on tokens per minute (TPM): Limit 8000')).toBeUndefined();
    expect(retryAfterSecondsFrom(new Headers(), tpd)).toBe(579);
  });
});
