/**
 * Groq's Batch API through the real groq-sdk against the loopback fake Groq: the batch adapter
 * sends the synchronous adapter's exact request bodies as a JSONL file, follows the batch
 * through its statuses, and reads back the same answers a synchronous call gets, per custom id;
 * failed lines, failed and expired batches come back as named errors.
 */
import Groq, { toFile } from 'groq-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroqBatch } from '#adapters/groq-batch.ts';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { LlmRequestRejected } from '#core/errors.ts';
import { isTerminal, type BatchLine, type BatchState } from '#core/llm/batch.ts';
import type { Llm, LlmRequest, LlmResponse } from '#core/ports.ts';
import { researchLead } from '#core/research/engine.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { depsFor, leadInput } from '../research/fixtures.ts';

const API_KEY = 'gsk_batchTESTkey0123456789abcdef';

/** The requests (and sync answers) the research engine makes for one lead. */
async function researchRequests(fake: FakeGroq): Promise<{ request: LlmRequest; response: LlmResponse }[]> {
  const sync = new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL });
  const seen: { request: LlmRequest; response: LlmResponse }[] = [];
  const recording: Llm = {
    provider: 'groq',
    complete: async (request) => {
      const response = await sync.complete(request);
      seen.push({ request, response });
      return response;
    },
  };
  const result = await researchLead(leadInput(), depsFor(recording), { factsModel: 'openai/gpt-oss-20b', synthesisModel: 'openai/gpt-oss-120b' });
  expect(result.status).toBe('researched');
  return seen;
}

async function untilDone(batch: GroqBatch, state: BatchState): Promise<{ final: BatchState; seen: string[] }> {
  const seen = [state.status];
  while (!isTerminal(state.status)) {
    state = await batch.status(state.id);
    seen.push(state.status);
  }
  return { final: state, seen };
}

describe('the Groq batch adapter', () => {
  let fake: FakeGroq;
  beforeEach(async () => {
    fake = await startFakeGroq({ apiKey: API_KEY });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('sends the synchronous bodies as JSONL and gets the same answers back by custom id', async () => {
    const sync = await researchRequests(fake);
    const syncBodies = fake.calls.map((c) => c.body);
    const batch = new GroqBatch({ apiKey: API_KEY, baseURL: fake.baseURL });
    const lines: BatchLine[] = sync.map((s, i) => ({ customId: `lead-1:${i}`, request: s.request }));
    const submitted = await batch.submit(lines, { runId: 'r1' });
    expect(submitted.status).toBe('validating');

    const { final, seen } = await untilDone(batch, submitted);
    expect(seen).toEqual(['validating', 'in_progress', 'finalizing', 'completed']);
    expect(final.requestCounts).toEqual({ total: lines.length, completed: lines.length, failed: 0 });

    // the lines ran with the very bodies the synchronous adapter sent (response_format, reasoning_effort…)
    const batchCalls = fake.calls.filter((c) => c.batchId === final.id);
    expect(batchCalls.map((c) => c.body)).toEqual(syncBodies);
    expect(syncBodies[0]).toMatchObject({ reasoning_effort: 'low', response_format: { type: 'json_schema' } });

    const results = await batch.results(final, new Map(lines.map((l) => [l.customId, l.request])));
    expect(results.map((r) => r.customId).sort()).toEqual(lines.map((l) => l.customId).sort());
    for (const [i, s] of sync.entries()) {
      const r = results.find((x) => x.customId === `lead-1:${i}`)!;
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.response.content).toBe(s.response.content);
        expect(r.response.promptTokens).toBe(s.response.promptTokens);
        expect(r.response.completionTokens).toBe(s.response.completionTokens);
      }
    }
    expect(fake.batchApi.submitted).toHaveLength(1);
  });

  it('maps a failed line to a named error and keeps the others', async () => {
    const [first] = await researchRequests(fake);
    const batch = new GroqBatch({ apiKey: API_KEY, baseURL: fake.baseURL });
    fake.setScript([{ when: (c) => c.batchId !== undefined && c.user.includes('BAD-LINE'), fault: { kind: 'status', status: 400, message: 'json_validate_failed', code: 'json_validate_failed' } }]);
    const lines: BatchLine[] = [
      { customId: 'ok', request: first.request },
      { customId: 'bad', request: { ...first.request, user: `${first.request.user}\nBAD-LINE` } },
    ];
    const { final } = await untilDone(batch, await batch.submit(lines));
    expect(final.status).toBe('completed');
    expect(final.requestCounts).toEqual({ total: 2, completed: 1, failed: 1 });
    expect(final.errorFileId).toBeTruthy();
    const results = await batch.results(final, new Map(lines.map((l) => [l.customId, l.request])));
    expect(results.find((r) => r.customId === 'ok')?.ok).toBe(true);
    expect(results.find((r) => r.customId === 'bad')).toMatchObject({ ok: false, error: { name: 'LlmRequestRejected', status: 400, message: 'json_validate_failed' } });
  });

  it('reports a batch that failed validation with its errors, and an expired batch with its unrun lines', async () => {
    const [first] = await researchRequests(fake);
    const batch = new GroqBatch({ apiKey: API_KEY, baseURL: fake.baseURL });
    const decommissioned = await untilDone(batch, await batch.submit([{ customId: 'a', request: { ...first.request, model: 'llama-3.1-8b-instant' } }]));
    expect(decommissioned.final.status).toBe('failed');
    expect(decommissioned.final.errors.join('\n')).toMatch(/line 1: model_not_found/);

    await fake.close();
    fake = await startFakeGroq({ apiKey: API_KEY, batch: { fate: () => ({ expire: true, ranBeforeExpiry: 1 }) } });
    const late = new GroqBatch({ apiKey: API_KEY, baseURL: fake.baseURL });
    const lines: BatchLine[] = [{ customId: 'ran', request: first.request }, { customId: 'late', request: first.request }];
    const { final } = await untilDone(late, await late.submit(lines));
    expect(final.status).toBe('expired');
    const results = await late.results(final, new Map(lines.map((l) => [l.customId, l.request])));
    expect(results.find((r) => r.customId === 'ran')?.ok).toBe(true);
    expect(results.find((r) => r.customId === 'late')).toMatchObject({ ok: false, error: { name: 'LlmBatchExpired' } });
  });
});

describe('the fake Batch API refuses what Groq documents it refuses', () => {
  let fake: FakeGroq;
  let client: Groq;
  beforeEach(async () => {
    fake = await startFakeGroq({ apiKey: API_KEY, batch: { maxLines: 2, maxFileBytes: 4096 } });
    client = new Groq({ apiKey: API_KEY, baseURL: fake.baseURL, maxRetries: 0 });
  });
  afterEach(async () => {
    await fake.close();
  });

  const line = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'openai/gpt-oss-20b', messages: [{ role: 'user', content: 'hi' }] } });

  it('a completion window outside 24h..7d, another endpoint, an unknown file: 400 in the error envelope', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(`${line('a')}\n`), 'a.jsonl'), purpose: 'batch' });
    for (const [params, param] of [
      [{ completion_window: '1h', endpoint: '/v1/chat/completions', input_file_id: file.id! }, 'completion_window'],
      [{ completion_window: '8d', endpoint: '/v1/chat/completions', input_file_id: file.id! }, 'completion_window'],
      [{ completion_window: '24h', endpoint: '/v1/embeddings', input_file_id: file.id! }, 'endpoint'],
      [{ completion_window: '7d', endpoint: '/v1/chat/completions', input_file_id: 'file_missing' }, 'input_file_id'],
    ] as const) {
      const error = await client.batches.create(params as never).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 400, error: { error: { type: 'invalid_request_error', param } } });
    }
    expect((await client.batches.create({ completion_window: '7d', endpoint: '/v1/chat/completions', input_file_id: file.id! })).status).toBe('validating');
  });

  it('a file over the size limit is refused at upload; over the line limit or with a duplicate custom id the batch fails', async () => {
    const big = await client.files.create({ file: await toFile(Buffer.alloc(5000, 'x'), 'big.jsonl'), purpose: 'batch' }).catch((e: unknown) => e);
    expect(big).toMatchObject({ status: 400 });
    const batch = new GroqBatch({ apiKey: API_KEY, baseURL: fake.baseURL, client });
    for (const [content, code] of [
      [`${line('a')}\n${line('b')}\n${line('c')}\n`, 'too_many_requests'],
      [`${line('a')}\n${line('a')}\n`, 'duplicate_custom_id'],
    ] as const) {
      const file = await client.files.create({ file: await toFile(Buffer.from(content), 'x.jsonl'), purpose: 'batch' });
      const created = await client.batches.create({ completion_window: '24h', endpoint: '/v1/chat/completions', input_file_id: file.id! });
      const { final } = await untilDone(batch, { id: created.id, status: created.status, requestCounts: { total: 0, completed: 0, failed: 0 }, errors: [] });
      expect(final.status).toBe('failed');
      expect(final.errors.join('\n')).toContain(code);
    }
  });

  it('a wrong key is refused as LlmRequestRejected without the key in the message', async () => {
    const batch = new GroqBatch({ apiKey: 'gsk_wrongKEY000000000000000000', baseURL: fake.baseURL });
    const error = await batch.submit([{ customId: 'a', request: { pass: 'facts', model: 'openai/gpt-oss-20b', promptVersion: 't', system: 's', user: 'u', schema: { name: 'x', schema: {}, strict: false }, maxTokens: 100 } }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmRequestRejected);
    expect((error as Error).message).not.toContain('gsk_wrongKEY');
  });
});
