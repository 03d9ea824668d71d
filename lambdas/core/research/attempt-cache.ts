/**
 * Answers already paid for in an earlier attempt of the same lead's research are reused, not
 * bought again. When Groq throttles the synthesis call, the state machine waits and runs
 * ResearchLead again from the start; without this, every facts prompt of that lead would be
 * sent (and billed) a second time. A reused answer reports zero tokens: it cost nothing now.
 * The cache is scoped to one lead, one run and one failure count, so a redrive after a
 * recorded failure asks the model afresh instead of replaying the answer that failed.
 * In batch mode the batch importer writes the answers here, marked `paidInBatch`.
 */
import { createHash } from 'node:crypto';
import type { Lake, Llm, LlmRequest, LlmResponse } from '../ports.ts';

/** The lake key under which an attempt's answer to `request` is kept (the batch importer writes there too). */
export function attemptCacheKey(prefix: string, request: LlmRequest): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([request.model, request.system, request.user, request.schema, request.maxTokens, request.temperature ?? null, request.reasoningEffort ?? null]))
    .digest('hex');
  return `${prefix}${hash}.json`;
}

export class AttemptCacheLlm implements Llm {
  constructor(
    private readonly inner: Llm,
    private readonly lake: Lake,
    /** Lake prefix of this lead's attempt, e.g. `runs/<run>/llm-cache/<lead>/<failures>/`. */
    private readonly prefix: string,
  ) {}

  get provider(): string {
    return this.inner.provider;
  }

  async complete(request: LlmRequest): Promise<LlmResponse> {
    const key = attemptCacheKey(this.prefix, request);
    const hit = await this.lake.get(key);
    if (hit) {
      const earlier = JSON.parse(hit.toString('utf8')) as LlmResponse;
      // An answer a batch bought (core/llm/batch-rounds.ts) was never recorded by an attempt:
      // the attempt that uses it records its tokens, at the batch price.
      if (earlier.paidInBatch) return { ...earlier, latencyMs: 0 };
      return {
        ...earlier,
        promptTokens: 0,
        completionTokens: 0,
        ...(earlier.reasoningTokens !== undefined ? { reasoningTokens: 0 } : {}),
        latencyMs: 0,
        requestId: earlier.requestId ? `reused:${earlier.requestId}` : undefined,
      };
    }
    const response = await this.inner.complete(request);
    await this.lake.put(key, JSON.stringify(response), { contentType: 'application/json' });
    return response;
  }
}
