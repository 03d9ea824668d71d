/**
 * Batch mode in rounds (core/llm/batch-rounds.ts) with the real groq-sdk against the loopback
 * fake Groq and a folder lake: leads researched through Groq's Batch API come out exactly as
 * the same leads researched with synchronous calls; no request is submitted twice; a failed or
 * expired batch fails its leads with a clear reason, and running them again submits only what
 * is still missing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderLake } from '#adapters/folder-lake.ts';
import { GroqBatch } from '#adapters/groq-batch.ts';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { runInBatchRounds, type BatchJob } from '#core/llm/batch-rounds.ts';
import type { Llm } from '#core/ports.ts';
import { researchLead } from '#core/research/engine.ts';
import type { ResearchResult } from '#core/research/records.ts';
import { startFakeGroq, type FakeGroq, type FakeGroqOptions } from '#test/fakes/fake-groq.ts';
import { depsFor, leadInput } from '../research/fixtures.ts';

const API_KEY = 'gsk_roundsTESTkey0123456789abcdef';
const MODELS = { factsModel: 'openai/gpt-oss-20b', synthesisModel: 'openai/gpt-oss-120b' };
const LEADS = [
  leadInput(),
  leadInput({ lead: { email: 'sam@northwind-supply.example', name: 'Sam Okafor', companyName: 'Northwind Supply', domain: 'northwind-supply.example' } }),
  leadInput({ pages: leadInput().pages.slice(0, 2) }),
];

/** What a rep sees of a research result (ids, tokens and timings aside). */
const seen = (r: ResearchResult) => ({ status: r.status, fitScore: r.fitScore, summary: r.summary, findings: r.findings, facts: r.facts });

describe('research in Groq batch rounds', () => {
  let fake: FakeGroq;
  let dir: string;
  let lake: FolderLake;
  const start = async (options: FakeGroqOptions = {}) => {
    await fake?.close();
    fake = await startFakeGroq({ apiKey: API_KEY, ...options });
  };
  const jobs = (prefix: string): BatchJob<ResearchResult>[] =>
    LEADS.map((input, i) => ({ id: `lead-${i}`, cachePrefix: `runs/${prefix}/llm-cache/lead-${i}/0/`, run: (llm: Llm) => researchLead(input, depsFor(llm), MODELS) }));
  const rounds = (prefix: string) =>
    runInBatchRounds(jobs(prefix), { batch: new GroqBatch({ apiKey: API_KEY, baseURL: fake.baseURL }), lake, provider: 'groq', sleep: async () => undefined });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batch-rounds-'));
    lake = new FolderLake(dir);
    await start();
  });
  afterEach(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('researches the same leads with the same results as synchronous calls, each request submitted once', async () => {
    const sync = await Promise.all(LEADS.map((input) => researchLead(input, depsFor(new GroqLlm({ apiKey: API_KEY, baseURL: fake.baseURL })), MODELS)));
    const syncCalls = fake.calls.length;

    const { outcomes, rounds: n, batches } = await rounds('r1');
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    outcomes.forEach((o, i) => {
      if (!o.ok) return;
      expect(seen(o.value)).toEqual(seen(sync[i]));
      // the same tokens, recorded once, at half the price
      expect([o.value.promptTokens, o.value.completionTokens]).toEqual([sync[i].promptTokens, sync[i].completionTokens]);
      // (each call's cost is rounded to a millionth of a dollar)
      expect(o.value.costUsd).toBeCloseTo(sync[i].costUsd / 2, 5);
    });
    expect(sync.every((r) => r.status === 'researched')).toBe(true);

    // facts, then synthesis: two batches, and a third round in which every lead finishes from the cache
    expect(batches.map((b) => b.status)).toEqual(['completed', 'completed']);
    expect(n).toBe(3);
    const ids = fake.batchApi.submitted.flatMap((b) => b.customIds);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(syncCalls);
    // the batch ran the very requests the synchronous calls made, and nothing outside a batch
    expect(fake.calls.slice(syncCalls).every((c) => c.batchId)).toBe(true);
    expect(fake.calls.slice(syncCalls).map((c) => c.body).sort(byJson)).toEqual(fake.calls.slice(0, syncCalls).map((c) => c.body).sort(byJson));
  });

  it('an answer that fails validation is repaired in the next round, validated like a synchronous answer', async () => {
    fake.setScript([{ when: (c) => c.batchId !== undefined && c.pass === 'facts', times: 1, fault: { kind: 'invalid-json' } }]);
    const { outcomes, batches } = await rounds('r2');
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(fake.calls.some((c) => c.pass === 'repair' && c.batchId)).toBe(true);
    expect(batches.length).toBe(3);
  });

  it('a failed batch fails its leads with the reason; a redrive submits only what is missing', async () => {
    await start({ batch: { fate: ({ index }) => (index === 1 ? 'fail' : 'complete') } });
    const first = await rounds('r3');
    expect(first.outcomes.every((o) => !o.ok)).toBe(true);
    for (const o of first.outcomes) {
      if (o.ok) continue;
      expect(o.error.name).toBe('LlmBatchFailed');
      expect(o.error.message).toMatch(/Groq batch batch_\w+ failed: invalid_file: .*; redrive the run/);
    }
    const factsIds = fake.batchApi.submitted[0].customIds;

    // the redrive: the facts answers are cached, so only synthesis goes out
    const again = await rounds('r3');
    expect(again.outcomes.every((o) => o.ok)).toBe(true);
    const redriven = fake.batchApi.submitted.slice(2).flatMap((b) => b.customIds);
    expect(redriven.filter((id) => factsIds.includes(id))).toEqual([]);
    expect(fake.batchApi.submitted[2].customIds).toEqual(fake.batchApi.submitted[1].customIds);
  });

  it('an expired batch fails the leads it did not answer; those it answered go on', async () => {
    await start({ batch: { fate: ({ index }) => (index === 0 ? { expire: true, ranBeforeExpiry: 2 } : 'complete') } });
    const { outcomes, batches } = await rounds('r4');
    expect(batches[0].status).toBe('expired');
    expect(outcomes.filter((o) => o.ok)).toHaveLength(2);
    const late = outcomes.find((o) => !o.ok);
    expect(late && !late.ok && late.error).toMatchObject({ name: 'LlmBatchFailed', message: expect.stringMatching(/expired before the completion window|redrive the run/) });
  });
});

function byJson(a: unknown, b: unknown): number {
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}
