/**
 * The `LlmBatch` port: chat-completion requests sent as one asynchronous batch (Groq's Batch
 * API, half the price of the same calls made one by one) and their answers fetched later by
 * each request's own id. The adapter is `lambdas/adapters/groq-batch.ts`.
 */
import type { LlmRequest, LlmResponse } from '../ports.ts';

/** One request of a batch; `customId` is unique in the batch and comes back with its answer. */
export interface BatchLine {
  customId: string;
  request: LlmRequest;
}

export type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** A batch as the provider reports it. */
export interface BatchState {
  id: string;
  status: BatchStatus;
  requestCounts: { total: number; completed: number; failed: number };
  outputFileId?: string;
  errorFileId?: string;
  /** file-level problems (a batch that failed validation), one line each */
  errors: string[];
}

/** A batch that will not change any more. */
export const isTerminal = (status: BatchStatus): boolean => ['completed', 'failed', 'expired', 'cancelled'].includes(status);

/** One request's outcome: the answer, or why there is none (an error name as the sync adapter's errors are named). */
export type BatchLineResult =
  | { customId: string; ok: true; response: LlmResponse }
  | { customId: string; ok: false; error: { name: string; message: string; status?: number } };

export interface LlmBatch {
  readonly provider: string;
  /** Uploads the lines as one batch and starts it; returns it as first reported. */
  submit(lines: BatchLine[], metadata?: Record<string, string>): Promise<BatchState>;
  /** The batch's current state. */
  status(batchId: string): Promise<BatchState>;
  /**
   * A batch created with `metadata[key] === value` (the newest, when several), or undefined: how
   * a submit that may have crashed after the provider accepted its batch finds that batch.
   */
  findByMetadata(key: string, value: string): Promise<BatchState | undefined>;
  /**
   * The outcome of every line of a finished batch (completed or expired: an expired batch has
   * answers for what ran), matched to its request by custom id. `requests` gives the request
   * of each custom id, so that tokens can be estimated where the provider reports none.
   */
  results(state: BatchState, requests: Map<string, LlmRequest>): Promise<BatchLineResult[]>;
}
