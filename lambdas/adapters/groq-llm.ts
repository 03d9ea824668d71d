/**
 * The `Llm` port on Groq's chat completions API (through `groq-sdk`). Maps provider failures to
 * the errors the state machine acts on: a per-minute 429 -> `RateLimited` (with how long to
 * wait), a per-day 429 -> `DailyLimitReached` (or `RateLimited` with the long wait, as configured),
 * 413 -> `LlmRequestTooLarge`, 5xx, timeouts, stalled bodies and connection failures ->
 * `LlmUnavailable`, other refused requests -> `LlmRequestRejected`.
 * SDK retries default to 0: the state machine owns retries, and two retry layers multiply.
 * The API key is passed in (never read from the environment here) and is scrubbed from every
 * message this adapter produces.
 */
import Groq, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'groq-sdk';
import type { Llm, LlmRequest, LlmResponse } from '#core/ports.ts';
import { DailyLimitReached, LlmRequestRejected, LlmRequestTooLarge, LlmUnavailableError, RateLimitedError } from '#core/errors.ts';
import { isReasoningModel, supportsStrictJsonSchema } from '#core/research/models.ts';
import { estimateTokens } from '#core/research/text.ts';

/** The slice of the Groq client this adapter uses (a test can pass its own). */
export type GroqClient = Pick<Groq, 'chat'>;

export interface GroqLlmOptions {
  apiKey: string;
  /** default https://api.groq.com (the SDK appends /openai/v1/...) */
  baseURL?: string;
  /** per-request timeout, default 30000 */
  timeoutMs?: number;
  /** SDK-level retries, default 0; keep at 0 or 1 */
  maxRetries?: number;
  /** a preconfigured client; `apiKey` is then only used for scrubbing messages */
  client?: GroqClient;
  /**
   * What a per-day limit (RPD/TPD) does: `skip` (default) throws `DailyLimitReached`, and later
   * calls for that model fail the same way without a request until the limit resets; `wait`
   * throws `RateLimited` with the reset as the wait.
   */
  onDailyLimit?: 'skip' | 'wait';
  /** how long after `timeoutMs` a response whose body stalls is abandoned, default 5000 */
  bodyGraceMs?: number;
}

/** Rate-limit state from the last response (or 429) Groq sent, for metrics. */
export interface GroqRateLimitSnapshot {
  observedAt: string;
  status: number;
  requestId: string | null;
  /** x-ratelimit-limit-requests (requests per day on Groq) */
  limitRequests: number | null;
  remainingRequests: number | null;
  /** x-ratelimit-reset-requests, in seconds */
  resetRequestsSeconds: number | null;
  /** x-ratelimit-limit-tokens (tokens per minute) */
  limitTokens: number | null;
  remainingTokens: number | null;
  /** x-ratelimit-reset-tokens, in seconds */
  resetTokensSeconds: number | null;
  /** retry-after, in seconds (429 only) */
  retryAfterSeconds: number | null;
}

const DEFAULT_BASE_URL = 'https://api.groq.com';
// When the provider gives no hint at all, wait this long before asking again.
const FALLBACK_RETRY_AFTER_SECONDS = 30;

/**
 * Seconds in a Groq duration: `2s`, `1m30s`, `850ms`, `2m59.56s`, `1h2m`, or a bare number of
 * seconds. Undefined when the value is not a duration.
 */
export function parseGroqDuration(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const m of v.matchAll(re)) {
    if (m.index !== consumed) return undefined;
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n / 1000 : m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : n;
    consumed += m[0].length;
  }
  return consumed === v.length && consumed > 0 ? total : undefined;
}

/** `retry-after` as seconds: a number, a Groq duration or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  const asDuration = parseGroqDuration(value);
  if (asDuration !== undefined) return asDuration;
  if (!value) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

/**
 * How long to wait after a 429, in whole seconds (at least 1): `retry-after`, else the reset of
 * whichever limit is exhausted (`x-ratelimit-reset-tokens`/`-requests`), else "try again in
 * ..." in the message, else a fixed fallback.
 */
export function retryAfterSecondsFrom(headers: Headers | undefined, message = ''): number {
  const get = (name: string) => headers?.get(name) ?? null;
  let seconds = parseRetryAfter(get('retry-after'));
  if (seconds === undefined) {
    const tokens = parseGroqDuration(get('x-ratelimit-reset-tokens'));
    const requests = parseGroqDuration(get('x-ratelimit-reset-requests'));
    const tokensOut = get('x-ratelimit-remaining-tokens') === '0';
    const requestsOut = get('x-ratelimit-remaining-requests') === '0';
    if (tokensOut && tokens !== undefined) seconds = tokens;
    else if (requestsOut && requests !== undefined) seconds = requests;
    else if (tokens !== undefined || requests !== undefined) seconds = Math.max(tokens ?? 0, requests ?? 0);
  }
  if (seconds === undefined) {
    const m = /try again in ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)/i.exec(message);
    seconds = parseGroqDuration(m?.[1]);
  }
  return Math.max(1, Math.ceil(seconds ?? FALLBACK_RETRY_AFTER_SECONDS));
}

/**
 * Which per-day limit a 429 reports, if any. Groq's message names it ("... on tokens per day
 * (TPD): Limit 100000, Used 97050, Requested 3619. Please try again in 9m38.016s."; "requests
 * per day (RPD)"), and `x-ratelimit-remaining-requests` always counts requests per day
 * (console.groq.com/docs/rate-limits, "Rate Limit Headers"), so 0 there is the daily limit too.
 */
export function dailyLimitOf(headers: Headers | undefined, message: string): 'requests' | 'tokens' | undefined {
  if (/tokens per day|\(TPD\)/i.test(message)) return 'tokens';
  if (/requests per day|\(RPD\)/i.test(message)) return 'requests';
  if (headers?.get('x-ratelimit-remaining-requests') === '0') return 'requests';
  return undefined;
}

function numberHeader(headers: Headers, name: string): number | null {
  const v = headers.get(name);
  if (v === null || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** The rate-limit headers of a response as numbers. */
export function rateLimitSnapshot(headers: Headers, status: number, observedAt: Date): GroqRateLimitSnapshot {
  return {
    observedAt: observedAt.toISOString(),
    status,
    requestId: headers.get('x-request-id'),
    limitRequests: numberHeader(headers, 'x-ratelimit-limit-requests'),
    remainingRequests: numberHeader(headers, 'x-ratelimit-remaining-requests'),
    resetRequestsSeconds: parseGroqDuration(headers.get('x-ratelimit-reset-requests')) ?? null,
    limitTokens: numberHeader(headers, 'x-ratelimit-limit-tokens'),
    remainingTokens: numberHeader(headers, 'x-ratelimit-remaining-tokens'),
    resetTokensSeconds: parseGroqDuration(headers.get('x-ratelimit-reset-tokens')) ?? null,
    retryAfterSeconds: parseRetryAfter(headers.get('retry-after')) ?? null,
  };
}

interface GroqErrorBody {
  message?: string;
  type?: string;
  code?: string;
  failed_generation?: string;
}

function errorBody(err: APIError): GroqErrorBody {
  const body = err.error as { error?: GroqErrorBody } | GroqErrorBody | undefined;
  if (body && typeof body === 'object' && 'error' in body && body.error && typeof body.error === 'object') return body.error;
  return (body as GroqErrorBody | undefined) ?? {};
}

/**
 * The chat-completion body this adapter sends for a request; the batch adapter
 * (groq-batch.ts) puts the same body in each line of a batch file.
 */
export function chatCompletionBody(request: LlmRequest) {
  const strict = request.schema.strict && supportsStrictJsonSchema(request.model);
  return {
    model: request.model,
    messages: [
      { role: 'system' as const, content: request.system },
      { role: 'user' as const, content: request.user },
    ],
    max_completion_tokens: request.maxTokens,
    temperature: request.temperature ?? 0,
    response_format: strict
      ? { type: 'json_schema' as const, json_schema: { name: request.schema.name, schema: request.schema.schema, strict: true } }
      : { type: 'json_object' as const },
    // Reasoning counts as completion tokens and comes out of max_completion_tokens
    // (console.groq.com/docs/reasoning); the engine picks the effort and sizes the limit.
    // The reasoning text itself is not wanted: only the JSON answer is.
    ...(isReasoningModel(request.model) ? { reasoning_effort: request.reasoningEffort ?? ('low' as const), include_reasoning: false } : {}),
    stream: false as const,
  };
}

/** The slice of a chat completion this adapter reads. */
export interface ChatCompletionLike {
  model?: string;
  choices: { message?: { content?: string | null } | null; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; completion_tokens_details?: { reasoning_tokens?: number } | null } | null;
  x_groq?: { id?: string } | null;
}

/** A chat completion as the `Llm` port's response. */
export function llmResponseOf(data: ChatCompletionLike, request: LlmRequest, latencyMs: number, requestId?: string): LlmResponse {
  const content = data.choices[0]?.message?.content ?? '';
  const reasoningTokens = data.usage?.completion_tokens_details?.reasoning_tokens;
  return {
    content,
    model: data.model || request.model,
    promptTokens: data.usage?.prompt_tokens ?? estimateTokens(request.system) + estimateTokens(request.user),
    completionTokens: data.usage?.completion_tokens ?? estimateTokens(content),
    latencyMs,
    requestId: requestId ?? data.x_groq?.id ?? undefined,
    finishReason: data.choices[0]?.finish_reason ?? undefined,
    ...(typeof reasoningTokens === 'number' ? { reasoningTokens } : {}),
  };
}

/** Groq chat completions as the research engine's `Llm` port. */
export class GroqLlm implements Llm {
  readonly provider = 'groq';
  private readonly client: GroqClient;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly bodyGraceMs: number;
  private readonly onDailyLimit: 'skip' | 'wait';
  private lastSeen: GroqRateLimitSnapshot | null = null;
  /** models whose per-day limit is spent, until when (epoch ms) */
  private readonly dailySpent = new Map<string, { until: number; limit: 'requests' | 'tokens'; detail: string }>();

  constructor(options: GroqLlmOptions) {
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.bodyGraceMs = options.bodyGraceMs ?? 5_000;
    this.onDailyLimit = options.onDailyLimit ?? 'skip';
    this.client =
      options.client ??
      new Groq({
        apiKey: options.apiKey,
        // passed explicitly so the SDK never falls back to GROQ_BASE_URL from the environment
        baseURL: options.baseURL ?? DEFAULT_BASE_URL,
        timeout: this.timeoutMs,
        maxRetries: options.maxRetries ?? 0,
      });
  }

  /** Rate-limit headers of the last response or 429 seen, or null before the first call. */
  get lastRateLimit(): GroqRateLimitSnapshot | null {
    return this.lastSeen;
  }

  /** One chat completion: JSON out, usage, latency and request id back; failures mapped. */
  async complete(request: LlmRequest): Promise<LlmResponse> {
    const spent = this.dailySpent.get(request.model);
    if (spent && Date.now() < spent.until) {
      // the day's allowance is gone: asking again would only collect another 429
      throw new DailyLimitReached(request.model, spent.limit, (spent.until - Date.now()) / 1000, spent.detail);
    }
    const started = performance.now();
    // a hard deadline as well: the SDK's timeout stops waiting for headers, not for a stalled body
    const deadline = AbortSignal.timeout(this.timeoutMs + this.bodyGraceMs);
    try {
      const { data, response } = await this.client.chat.completions.create(chatCompletionBody(request), { signal: deadline }).withResponse();
      const latencyMs = Math.round(performance.now() - started);
      this.lastSeen = rateLimitSnapshot(response.headers, response.status, new Date());
      return llmResponseOf(data, request, latencyMs, response.headers.get('x-request-id') ?? undefined);
    } catch (error) {
      const latencyMs = Math.round(performance.now() - started);
      const recovered = this.recoverFailedGeneration(error, request, latencyMs);
      if (recovered) return recovered;
      throw this.mapError(error, request);
    }
  }

  /**
   * Groq answers JSON mode output that fails its own JSON check with 400 `json_validate_failed`
   * and the text in `failed_generation`. That is a bad answer, not a bad request: hand the text
   * back so the engine's one repair attempt can fix it.
   */
  private recoverFailedGeneration(error: unknown, request: LlmRequest, latencyMs: number): LlmResponse | undefined {
    if (!(error instanceof APIError) || error.status !== 400) return undefined;
    const body = errorBody(error);
    if (body.code !== 'json_validate_failed' || typeof body.failed_generation !== 'string') return undefined;
    if (error.headers) this.lastSeen = rateLimitSnapshot(error.headers, 400, new Date());
    return {
      content: body.failed_generation,
      model: request.model,
      // Groq reports no usage on this error; estimate so the budget still counts the call
      promptTokens: estimateTokens(request.system) + estimateTokens(request.user),
      completionTokens: estimateTokens(body.failed_generation),
      latencyMs,
      requestId: error.headers?.get('x-request-id') ?? undefined,
    };
  }

  private mapError(error: unknown, request: LlmRequest): Error {
    const where = `Groq ${request.model} (${request.pass})`;
    if (error instanceof APIConnectionTimeoutError || error instanceof APIUserAbortError) {
      return new LlmUnavailableError(`${where}: no answer within ${this.timeoutMs} ms`, { cause: { kind: 'timeout' } });
    }
    if (error instanceof APIConnectionError) {
      const cause = error.cause instanceof Error ? `: ${this.scrub(error.cause.message)}` : '';
      return new LlmUnavailableError(`${where}: connection failed${cause}`, { cause: { kind: 'connection' } });
    }
    if (error instanceof APIError) {
      const status = error.status ?? 0;
      const headers = error.headers;
      if (headers) this.lastSeen = rateLimitSnapshot(headers, status, new Date());
      const body = errorBody(error);
      const requestId = headers?.get('x-request-id') ?? null;
      const detail = this.scrub(`${body.message ?? error.message}`).slice(0, 400);
      const cause = { status, code: body.code ?? null, type: body.type ?? null, requestId };
      if (status === 429) {
        const seconds = retryAfterSecondsFrom(headers, body.message ?? '');
        const daily = dailyLimitOf(headers, body.message ?? '');
        if (daily && this.onDailyLimit === 'skip') {
          this.dailySpent.set(request.model, { until: Date.now() + seconds * 1000, limit: daily, detail: `(${detail})` });
          return new DailyLimitReached(request.model, daily, seconds, `(${detail})`, { cause });
        }
        return new RateLimitedError(seconds, `${where}: ${detail}`, { cause });
      }
      if (status === 413) {
        // Groq counts prompt + max_completion_tokens against the tokens-per-minute limit before
        // running; one request over it alone is refused with 413 (console.groq.com/docs/errors)
        return new LlmRequestTooLarge(
          `${where}: HTTP 413: one request (prompt + max_completion_tokens ${request.maxTokens}) exceeds the model's tokens-per-minute limit: ${detail}`,
          { cause },
        );
      }
      // 408/409 are Groq-side timeouts and conflicts, 498 is flex-tier capacity: all transient
      if (status >= 500 || status === 408 || status === 409 || status === 498) {
        return new LlmUnavailableError(`${where}: HTTP ${status}: ${detail}`, { cause });
      }
      return new LlmRequestRejected(status, `${where}: HTTP ${status}: ${detail}`, { cause });
    }
    if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
      // the deadline fired while the body was still arriving (the SDK's own timeout only covers
      // the headers): a stalled answer, worth another attempt
      return new LlmUnavailableError(`${where}: the response stalled and was abandoned after ${this.timeoutMs + this.bodyGraceMs} ms`, {
        cause: { kind: 'stalled' },
      });
    }
    if (error instanceof Error) {
      // Not from the SDK (a bug or a custom client). Wrapped, never mutated: a foreign error's
      // `message` may be read-only (DOMException), and assigning to it would throw a TypeError
      // in place of the real failure. Keeps the name, drops anything secret.
      const wrapped = new Error(`${where}: ${this.scrub(error.message)}`);
      wrapped.name = error.name || 'Error';
      return wrapped;
    }
    return new LlmUnavailableError(`${where}: ${this.scrub(String(error))}`);
  }

  /** Removes the API key (and anything shaped like a Groq key) from text. */
  private scrub(text: string): string {
    let out = text;
    if (this.apiKey) out = out.split(this.apiKey).join('[redacted]');
    return out.replace(/gsk_[A-Za-z0-9]{8,}/g, 'gsk_[redacted]').replace(/Bearer\s+\S+/gi, 'Bearer [redacted]');
  }
}
