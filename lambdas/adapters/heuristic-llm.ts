/**
 * The offline researcher: answers research prompts without any model or network, by keyword
 * and cue matching over the page text in the prompt (see `heuristic-answer.ts`). Deterministic
 * and free. Its provider name, `offline-heuristic`, is stored with every call and every research
 * record it produces, so its output is never mistaken for a language model's.
 */
import type { Llm, LlmRequest, LlmResponse } from '#core/ports.ts';
import { answerPrompt } from '#core/research/heuristic-answer.ts';
import { HEURISTIC_MODEL } from '#core/research/models.ts';
import { estimateTokens } from '#core/research/text.ts';

/** The `Llm` port answered offline by deterministic keyword heuristics. */
export class HeuristicLlm implements Llm {
  readonly provider = 'offline-heuristic';
  readonly model = HEURISTIC_MODEL;

  /** Answers the prompt; token counts are estimates (~4 characters a token). */
  async complete(request: LlmRequest): Promise<LlmResponse> {
    const started = performance.now();
    const content = answerPrompt(request);
    return {
      content,
      model: this.model,
      promptTokens: estimateTokens(request.system) + estimateTokens(request.user),
      completionTokens: estimateTokens(content),
      latencyMs: Math.round(performance.now() - started),
    };
  }
}
