/**
 * The `LlmBatch` port on Groq's Batch API (console.groq.com/docs/batch) through groq-sdk's
 * `files` and `batches` resources: the requests go up as one JSONL file (`purpose: "batch"`),
 * each line `{custom_id, method: "POST", url: "/v1/chat/completions", body}` with exactly the
 * body the synchronous adapter sends (`chatCompletionBody`: model, messages, response_format,
 * reasoning_effort…), a batch is created over it with a completion window (`24h` to `7d`), its
 * status is read until it is finished, and the output and error files are read back and matched
 * to the requests by `custom_id`. The API key is passed in, never read from the environment.
 */
import Groq, { APIError, toFile } from 'groq-sdk';
import { LlmRequestRejected, LlmUnavailableError } from '#core/errors.ts';
import type { BatchLine, BatchLineResult, BatchState, BatchStatus, LlmBatch } from '#core/llm/batch.ts';
import type { LlmRequest } from '#core/ports.ts';
import { chatCompletionBody, llmResponseOf, type ChatCompletionLike } from './groq-llm.ts';

/** The slice of the Groq client this adapter uses. */
export type GroqBatchClient = Pick<Groq, 'files' | 'batches'>;

export interface GroqBatchOptions {
  apiKey: string;
  /** default https://api.groq.com */
  baseURL?: string;
  /** `24h` (default) to `7d` (groq-sdk 1.6.0: "Durations from `24h` to `7d` are supported") */
  completionWindow?: string;
  timeoutMs?: number;
  client?: GroqBatchClient;
}

/** One line of an output or error file (OpenAI's shape, which Groq's follows). */
interface OutputLine {
  custom_id: string;
  response?: { status_code: number; request_id?: string; body?: unknown } | null;
  error?: { code?: string; message?: string } | null;
}

const scrub = (text: string, key: string) => (key ? text.split(key).join('gsk_***') : text);

/** The error name a failed line gets: the sync adapter's names where the status says the same thing. */
function lineError(status: number | undefined, code: string | undefined, message: string): { name: string; message: string; status?: number } {
  if (code === 'batch_expired') return { name: 'LlmBatchExpired', message };
  if (status === 413) return { name: 'LlmRequestTooLarge', message, status };
  if (status === 429) return { name: 'RateLimited', message, status };
  if (status !== undefined && status >= 500) return { name: 'LlmUnavailable', message, status };
  return { name: 'LlmRequestRejected', message, ...(status !== undefined ? { status } : {}) };
}

export class GroqBatch implements LlmBatch {
  readonly provider = 'groq';
  private readonly client: GroqBatchClient;
  private readonly apiKey: string;
  private readonly completionWindow: string;

  constructor(options: GroqBatchOptions) {
    this.apiKey = options.apiKey;
    this.completionWindow = options.completionWindow ?? '24h';
    this.client =
      options.client ??
      new Groq({ apiKey: options.apiKey, baseURL: options.baseURL ?? 'https://api.groq.com', timeout: options.timeoutMs ?? 120_000, maxRetries: 2 });
  }

  /** The JSONL file of a batch: one line a request, the synchronous body in each. */
  static jsonl(lines: BatchLine[]): string {
    return lines.map((l) => JSON.stringify({ custom_id: l.customId, method: 'POST', url: '/v1/chat/completions', body: chatCompletionBody(l.request) })).join('\n') + '\n';
  }

  async submit(lines: BatchLine[], metadata?: Record<string, string>): Promise<BatchState> {
    return this.call(async () => {
      const file = await this.client.files.create({ file: await toFile(Buffer.from(GroqBatch.jsonl(lines)), 'prospector-batch.jsonl'), purpose: 'batch' });
      if (!file.id) throw new LlmRequestRejected(200, 'Groq accepted the batch file but returned no file id');
      const batch = await this.client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: this.completionWindow, ...(metadata ? { metadata } : {}) });
      return stateOf(batch);
    });
  }

  async status(batchId: string): Promise<BatchState> {
    return this.call(async () => stateOf(await this.client.batches.retrieve(batchId)));
  }

  async findByMetadata(key: string, value: string): Promise<BatchState | undefined> {
    // groq-sdk 1.6.0's `batches.list()` takes no filter or cursor and returns `{object: "list",
    // data}`; whether Groq pages the list or how far back it goes is not documented in what was read
    const list = await this.call(async () => this.client.batches.list());
    const found = (list.data ?? []).filter((b) => (b.metadata as Record<string, unknown> | null | undefined)?.[key] === value).sort((a, b) => (b.created_at ?? 0) - (a.created_at ?? 0));
    return found[0] ? stateOf(found[0]) : undefined;
  }

  async results(state: BatchState, requests: Map<string, LlmRequest>): Promise<BatchLineResult[]> {
    const lines = await this.call(async () => [...(await this.readFile(state.outputFileId)), ...(await this.readFile(state.errorFileId))]);
    const out: BatchLineResult[] = [];
    for (const line of lines) {
      const request = requests.get(line.custom_id);
      if (!request) continue; // not ours (never happens with our own files)
      const status = line.response?.status_code;
      if (status === 200 && line.response?.body) {
        out.push({ customId: line.custom_id, ok: true, response: llmResponseOf(line.response.body as ChatCompletionLike, request, 0, line.response.request_id) });
        continue;
      }
      const body = line.response?.body as { error?: { message?: string; code?: string } } | undefined;
      const message = scrub(line.error?.message ?? body?.error?.message ?? `batch request ${line.custom_id} failed with HTTP ${status ?? 'none'}`, this.apiKey);
      out.push({ customId: line.custom_id, ok: false, error: lineError(status, line.error?.code ?? body?.error?.code, message) });
    }
    return out;
  }

  private async readFile(fileId: string | undefined): Promise<OutputLine[]> {
    if (!fileId) return [];
    const res = await this.client.files.content(fileId);
    const text = await res.text();
    return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as OutputLine);
  }

  /** Provider errors as the port's: a refused request is `LlmRequestRejected`, with the key scrubbed. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof APIError && error.status !== undefined && error.status < 500 && error.status !== 429) {
        throw new LlmRequestRejected(error.status, scrub(`Groq refused the batch request: ${error.message}`, this.apiKey));
      }
      // 5xx, 429 (the batch endpoints' own limits) and connection failures: worth asking again later
      throw new LlmUnavailableError(scrub(`Groq's batch API did not answer: ${error instanceof Error ? error.message : String(error)}`, this.apiKey));
    }
  }
}

function stateOf(b: { id: string; status: string; request_counts?: { total: number; completed: number; failed: number }; output_file_id?: string; error_file_id?: string; errors?: { data?: { code?: string; message?: string; line?: number | null }[] } }): BatchState {
  return {
    id: b.id,
    status: b.status as BatchStatus,
    requestCounts: b.request_counts ?? { total: 0, completed: 0, failed: 0 },
    ...(b.output_file_id ? { outputFileId: b.output_file_id } : {}),
    ...(b.error_file_id ? { errorFileId: b.error_file_id } : {}),
    errors: (b.errors?.data ?? []).map((e) => `${e.line ? `line ${e.line}: ` : ''}${e.code ? `${e.code}: ` : ''}${e.message ?? ''}`),
  };
}
