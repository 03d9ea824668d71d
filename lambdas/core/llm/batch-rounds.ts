/**
 * Batch mode, in rounds: every job (a lead's research, or its drafting) runs against its attempt
 * cache with an LLM that answers only from the cache; a request whose answer is not there is
 * deferred (`LlmAnswerDeferred`) and the job waits. The round's deferred requests go to the
 * provider as one batch (`LlmBatch`); once it is finished, each answer is written into the
 * cache of the job that asked, under the key a synchronous attempt would have used, and the
 * waiting jobs run again. Research takes about two rounds (facts, then synthesis), one more
 * for a repair. An imported answer is validated exactly as a synchronous one: the engine reads
 * it from the cache and checks it the same way (a bad one asks for a repair, next round).
 * Imported answers are marked `paidInBatch`: the round that uses them records their tokens,
 * costed at the batch price; a round that ends deferred records nothing.
 *
 * No request is submitted twice: a request is only deferred when its answer is not cached, and
 * one that was submitted and came back failed fails its job. A failed, cancelled or expired
 * batch fails the jobs waiting on it with the batch's reason; what it did answer stays cached,
 * so running those jobs again (a redrive) submits only what is still missing.
 *
 * This is the loop the state machine's batch states run across Lambda invocations (not wired
 * yet: see the README); here it runs in one process, for tests and a local run.
 */
import { createHash } from 'node:crypto';
import { describeError, LlmAnswerDeferred } from '../errors.ts';
import type { Lake, Llm, LlmRequest, LlmResponse } from '../ports.ts';
import { AttemptCacheLlm, attemptCacheKey } from '../research/attempt-cache.ts';
import { isTerminal, type BatchLine, type BatchState, type LlmBatch } from './batch.ts';

/** One lead's work: runs with the LLM it is given, its answers cached under `cachePrefix`. */
export interface BatchJob<T> {
  id: string;
  cachePrefix: string;
  run(llm: Llm): Promise<T>;
}

export type JobOutcome<T> = { id: string; ok: true; value: T; rounds: number } | { id: string; ok: false; error: { name: string; message: string }; rounds: number };

export interface BatchRoundsOptions {
  batch: LlmBatch;
  lake: Lake;
  /** the provider name the jobs' LLM reports (what the engine records with each call) */
  provider: string;
  /** between status reads (default 10 minutes, what the state machine's Wait state uses) */
  pollIntervalMs?: number;
  /** rounds before the jobs still waiting are failed (default 6) */
  maxRounds?: number;
  sleep?: (ms: number) => Promise<void>;
  metadata?: Record<string, string>;
}

/** An LLM that only defers: behind the attempt cache, it is asked only for what is not cached. */
class DeferringLlm implements Llm {
  constructor(readonly provider: string) {}
  async complete(request: LlmRequest): Promise<LlmResponse> {
    throw new LlmAnswerDeferred(request);
  }
}

/** The custom id of a deferred request: the job (lead) and a hash of its cache key. */
export const customIdOf = (jobId: string, cacheKey: string) => `${jobId}:${createHash('sha256').update(cacheKey).digest('hex').slice(0, 24)}`;

/** Runs the jobs in batch rounds until none waits; returns each job's outcome and what the batches answered. */
export async function runInBatchRounds<T>(jobs: BatchJob<T>[], options: BatchRoundsOptions): Promise<{ outcomes: JobOutcome<T>[]; rounds: number; batches: BatchState[] }> {
  const { batch, lake } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxRounds = options.maxRounds ?? 6;
  const outcomes = new Map<string, JobOutcome<T>>();
  const submitted = new Set<string>();
  const batches: BatchState[] = [];
  let waiting = jobs;
  let round = 0;

  while (waiting.length > 0) {
    round++;
    const pending = new Map<string, { job: BatchJob<T>; cacheKey: string; request: LlmRequest }>();
    const next: BatchJob<T>[] = [];
    for (const job of waiting) {
      try {
        const value = await job.run(new AttemptCacheLlm(new DeferringLlm(options.provider), lake, job.cachePrefix));
        outcomes.set(job.id, { id: job.id, ok: true, value, rounds: round });
      } catch (error) {
        if (!(error instanceof LlmAnswerDeferred)) {
          const { name, message } = describeError(error);
          outcomes.set(job.id, { id: job.id, ok: false, error: { name, message }, rounds: round });
          continue;
        }
        const cacheKey = attemptCacheKey(job.cachePrefix, error.request);
        const customId = customIdOf(job.id, cacheKey);
        if (submitted.has(customId)) {
          // submitted before and still not answered (cannot happen unless the cache lost it): never again
          outcomes.set(job.id, { id: job.id, ok: false, error: { name: 'LlmBatchFailed', message: `the batch answer to its ${error.request.pass} request is missing` }, rounds: round });
          continue;
        }
        pending.set(customId, { job, cacheKey, request: error.request });
        next.push(job);
      }
    }
    if (next.length === 0) break;
    if (round > maxRounds) {
      for (const job of next) outcomes.set(job.id, { id: job.id, ok: false, error: { name: 'LlmBatchFailed', message: `still waiting for answers after ${maxRounds} batch rounds` }, rounds: round });
      break;
    }

    const lines: BatchLine[] = [...pending].map(([customId, p]) => ({ customId, request: p.request }));
    for (const l of lines) submitted.add(l.customId);
    let state = await batch.submit(lines, { ...options.metadata, round: String(round) });
    while (!isTerminal(state.status)) {
      await sleep(options.pollIntervalMs ?? 600_000);
      state = await batch.status(state.id);
    }
    batches.push(state);
    const failJob = (job: BatchJob<T>, name: string, message: string) => outcomes.set(job.id, { id: job.id, ok: false, error: { name, message }, rounds: round });

    if (state.status === 'failed' || state.status === 'cancelled') {
      const why = state.errors.length ? `: ${state.errors.slice(0, 3).join('; ')}` : '';
      for (const job of next) failJob(job, 'LlmBatchFailed', `Groq batch ${state.id} ${state.status}${why}; redrive the run to submit its requests again`);
      break;
    }
    const results = await batch.results(state, new Map(lines.map((l) => [l.customId, l.request])));
    const answered = new Set<string>();
    for (const r of results) {
      const p = pending.get(r.customId);
      if (!p) continue;
      answered.add(r.customId);
      if (r.ok) {
        const imported: LlmResponse = { ...r.response, paidInBatch: true };
        await lake.put(p.cacheKey, JSON.stringify(imported), { contentType: 'application/json' });
      } else {
        failJob(p.job, r.error.name === 'LlmBatchExpired' ? 'LlmBatchFailed' : r.error.name, `Groq batch ${state.id}: ${r.error.message}${r.error.name === 'LlmBatchExpired' ? '; redrive the run to submit it again' : ''}`);
      }
    }
    for (const [customId, p] of pending) {
      if (!answered.has(customId) && !outcomes.has(p.job.id)) failJob(p.job, 'LlmBatchFailed', `Groq batch ${state.id} (${state.status}) returned no answer to its ${p.request.pass} request; redrive the run to submit it again`);
    }
    waiting = next.filter((job) => !outcomes.has(job.id));
  }
  return { outcomes: jobs.map((j) => outcomes.get(j.id)!).filter(Boolean), rounds: round, batches };
}
