import type { LlmRequest } from './ports.ts';
/**
 * Errors are API: Step Functions `Retry`/`Catch` match on `name`, and a lead failure records
 * `name` and `message`. Every subclass sets `name` and passes `cause`.
 */
export class ProspectorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProspectorError';
  }
}

/** Input that fails validation; `issues` lists each field path and what is wrong. */
export class ValidationError extends ProspectorError {
  readonly issues: { path: string; message: string }[];
  constructor(what: string, issues: { path: string; message: string }[]) {
    super(`${what} is invalid:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

export class NotFoundError extends ProspectorError {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}

/** A lead that cannot be researched as given (bad email, bad website, unsupported scheme). */
export class InvalidLeadError extends ProspectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidLead';
  }
}

/** Base of everything the web fetcher refuses or fails at. */
export class WebError extends ProspectorError {
  readonly url: string;
  constructor(url: string, message: string, options?: { cause?: unknown }) {
    super(`${url}: ${message}`, options);
    this.name = 'WebError';
    this.url = url;
  }
}

/** The URL's scheme, host or resolved address is not allowed (SSRF guard). */
export class BlockedUrlError extends WebError {
  constructor(url: string, message: string) {
    super(url, message);
    this.name = 'BlockedUrl';
  }
}

export class FetchTimeoutError extends WebError {
  constructor(url: string, message: string) {
    super(url, message);
    this.name = 'FetchTimeout';
  }
}

export class TooLargeError extends WebError {
  constructor(url: string, message: string) {
    super(url, message);
    this.name = 'TooLarge';
  }
}

export class TooManyRedirectsError extends WebError {
  constructor(url: string, message: string) {
    super(url, message);
    this.name = 'TooManyRedirects';
  }
}

/** DNS failure, refused connection, reset: the site could not be reached. */
export class UnreachableError extends WebError {
  constructor(url: string, message: string, options?: { cause?: unknown }) {
    super(url, message, options);
    this.name = 'Unreachable';
  }
}

/** The server answered, but not with something we can use (HTTP error status, not HTML). */
export class BadResponseError extends WebError {
  readonly status: number;
  constructor(url: string, status: number, message: string) {
    super(url, message);
    this.name = 'BadResponse';
    this.status = status;
  }
}

/**
 * A fetch given up because the caller stopped (Ctrl-C on a local run), not because of the site:
 * deliberately not a `WebError`, so no step records it as the page's or the lead's failure. A
 * page recorded as failed would stay so for the run (`page_snapshot` keeps a run's first outcome
 * for a URL), and the redrive that finishes the run must fetch it again.
 */
export class FetchStoppedError extends ProspectorError {
  readonly url: string;
  constructor(url: string, options?: { cause?: unknown }) {
    super(`${url}: stopped before the site answered (the run is stopping)`, options);
    this.name = 'FetchStopped';
    this.url = url;
  }
}

/** The lead's site yielded no usable page at all. */
export class NoContentError extends ProspectorError {
  constructor(message: string) {
    super(message);
    this.name = 'NoContent';
  }
}

/**
 * The LLM provider throttled us. `message` is JSON `{"retryAfterSeconds":n,...}` so the state
 * machine can read the wait: after a Lambda failure `Cause` is the envelope `{errorType, errorMessage,
 * trace}` as JSON, so the state machine parses `Cause`, then its `errorMessage`.
 */
export class RateLimitedError extends ProspectorError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, detail: string, options?: { cause?: unknown }) {
    // Whole seconds, at least 1: a Wait state's SecondsPath takes a positive integer.
    const seconds = Math.max(1, Math.ceil(Number.isFinite(retryAfterSeconds) ? retryAfterSeconds : 1));
    super(JSON.stringify({ retryAfterSeconds: seconds, detail }), options);
    this.name = 'RateLimited';
    this.retryAfterSeconds = seconds;
  }
}

/** 5xx, timeout or connection failure talking to the LLM: retried by the state machine. */
export class LlmUnavailableError extends ProspectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LlmUnavailable';
  }
}

/** The LLM answered, but not with valid output even after one repair attempt. */
export class LlmOutputError extends ProspectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LlmOutputInvalid';
  }
}

/** A token or dollar budget is spent: remaining leads are skipped, not researched. */
export class BudgetExceededError extends ProspectorError {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetExceeded';
  }
}

/**
 * Base of the database adapters' errors (the Data API adapter's live in its module); `statement`
 * is the head of the SQL text. Lives here because the state machine routes one of them by name.
 */
export class DatabaseError extends ProspectorError {
  readonly statement: string;
  constructor(statement: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseError';
    this.statement = statement;
  }
}

/** The cluster is paused, resuming or otherwise unreachable: retry later (the state machine does). */
export class DatabaseUnavailableError extends DatabaseError {
  constructor(statement: string, message: string, options?: { cause?: unknown }) {
    super(statement, `${statement}: the database is unavailable (${message})`, options);
    this.name = 'DatabaseUnavailable';
  }
}

/** The lead-search provider is down, slow or throttling: worth retrying (the state machine does). */
export class SearchUnavailableError extends ProspectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SearchUnavailable';
  }
}

/** A short, log-safe description of any thrown value. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name || 'Error', message: error.message };
  return { name: 'Error', message: String(error) };
}

/** The server answered with something other than the accepted content types, or binary labelled as HTML. */
export class NotHtmlError extends BadResponseError {
  readonly contentType: string;
  constructor(url: string, status: number, contentType: string, message: string) {
    super(url, status, message);
    this.name = 'NotHtml';
    this.contentType = contentType;
  }
}

/**
 * The LLM provider refused the request itself (HTTP 400/401/403 and other 4xx that are not
 * throttling): a bad key, a bad model name or a malformed request. Retrying the same request
 * cannot help, so the state machine should not. The message never carries the API key.
 */
export class LlmRequestRejected extends ProspectorError {
  readonly status: number;
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LlmRequestRejected';
    this.status = status;
  }
}

/**
 * The model's answer was cut off at `max_completion_tokens` (`finish_reason: "length"`, still
 * HTTP 200). On reasoning models hidden reasoning counts in that limit too. A repair call would
 * be cut the same way, so none is made; the state machine does not retry it either.
 */
export class LlmTruncated extends ProspectorError {
  readonly maxTokens: number;
  readonly reasoningTokens: number | null;
  constructor(message: string, details: { maxTokens: number; reasoningTokens: number | null }) {
    super(message);
    this.name = 'LlmTruncated';
    this.maxTokens = details.maxTokens;
    this.reasoningTokens = details.reasoningTokens;
  }
}

/**
 * One request alone asks for more tokens (prompt + `max_completion_tokens`) than the model's
 * tokens-per-minute limit: Groq answers 413 and waiting cannot help. The engine sizes requests
 * so this does not happen with the model table's limits; not retried.
 */
export class LlmRequestTooLarge extends ProspectorError {
  readonly status = 413;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LlmRequestTooLarge';
  }
}

/**
 * A per-day limit (requests or tokens per day) of the provider is spent. Waiting would take
 * hours, so the lead is set aside as failed with this reason (a redrive picks it up once the
 * limit resets) instead of being retried; `PROSPECTOR_ON_DAILY_LIMIT=wait` waits instead.
 */
export class DailyLimitReached extends ProspectorError {
  readonly model: string;
  readonly limit: 'requests' | 'tokens';
  readonly resetSeconds: number;
  constructor(model: string, limit: 'requests' | 'tokens', resetSeconds: number, detail: string, options?: { cause?: unknown }) {
    super(
      `Groq's ${limit}-per-day limit for ${model} is spent; it resets in about ${formatWait(resetSeconds)}. ` +
        `The lead was not researched: redrive the run after the reset. ${detail}`,
      options,
    );
    this.name = 'DailyLimitReached';
    this.model = model;
    this.limit = limit;
    this.resetSeconds = resetSeconds;
  }
}

function formatWait(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/**
 * A status change its aggregate does not allow (e.g. a run lead from `failed` to `cleaned`):
 * a bug in a step, which fails the lead like any other error; names what moved, from and to.
 */
export class IllegalTransitionError extends ProspectorError {
  readonly from: string;
  readonly to: string;
  constructor(what: string, from: string, to: string, hint = '') {
    super(`${what} cannot move from ${from} to ${to}${hint ? `: ${hint}` : ''}`);
    this.name = 'IllegalTransition';
    this.from = from;
    this.to = to;
  }
}

/**
 * Base of what a `Mailer` throws. `provider` says which adapter; `code` is the SMTP reply code
 * or the provider's error name; `response` is the server's own words, kept as the reason a
 * message failed (never credentials: adapters build it from the reply, not from their config).
 */
export class MailError extends ProspectorError {
  readonly provider: string;
  readonly code: string | number | undefined;
  readonly response: string | undefined;
  constructor(provider: string, message: string, details: { code?: string | number; response?: string; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    this.name = 'MailError';
    this.provider = provider;
    this.code = details.code;
    this.response = details.response;
  }
}

/**
 * The provider did not take the message, and trying again later may work: SMTP 4xx, SES
 * throttling or a daily quota, a refused or dropped connection or a timeout before the message
 * was handed over. Nothing was delivered, so a retry with backoff cannot send it twice.
 */
export class MailTemporaryError extends MailError {
  constructor(provider: string, message: string, details: { code?: string | number; response?: string; cause?: unknown } = {}) {
    super(provider, message, details);
    this.name = 'MailTemporary';
  }
}

/**
 * The provider refused this message for good (SMTP 5xx, SES `MessageRejected`): retrying the
 * same message cannot help; `response` is the server's reply, to record as the reason.
 */
export class MailPermanentError extends MailError {
  constructor(provider: string, message: string, details: { code?: string | number; response?: string; cause?: unknown } = {}) {
    super(provider, message, details);
    this.name = 'MailRejected';
  }
}

/**
 * The whole message was handed over, then the connection dropped or timed out before the
 * provider answered: it may or may not have been accepted. The sender records `uncertain` and
 * never resends it automatically; a person decides.
 */
export class MailUncertainError extends MailError {
  constructor(provider: string, message: string, details: { code?: string | number; response?: string; cause?: unknown } = {}) {
    super(provider, message, details);
    this.name = 'MailUncertain';
  }
}

/**
 * The mailbox or account cannot send at all (bad SMTP credentials, SES sending paused or the
 * account suspended, an unverified sending domain, a missing configuration set): not the
 * message's fault, so no message should be failed for it; the batch stops and a person fixes
 * the set-up. Nothing was delivered.
 */
export class MailerBlockedError extends MailError {
  constructor(provider: string, message: string, details: { code?: string | number; response?: string; cause?: unknown } = {}) {
    super(provider, message, details);
    this.name = 'MailerBlocked';
  }
}

/** Something sending needs is not set up (the seller's postal address, the unsubscribe secret or URL). */
export class SendingNotConfiguredError extends ProspectorError {
  constructor(message: string) {
    super(message);
    this.name = 'SendingNotConfigured';
  }
}

/** An unsubscribe token that is malformed or whose signature does not match: nothing is recorded. */
export class InvalidUnsubscribeTokenError extends ProspectorError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidUnsubscribeToken';
  }
}

/**
 * A provider batch (Groq's Batch API) ended without answering a request: the batch failed
 * validation, expired before its completion window closed, or was cancelled. The leads waiting
 * on it are failed with this reason; a redrive researches them again.
 */
export class LlmBatchFailed extends ProspectorError {
  readonly batchId: string;
  readonly status: string;
  constructor(batchId: string, status: string, message: string) {
    super(message);
    this.name = 'LlmBatchFailed';
    this.batchId = batchId;
    this.status = status;
  }
}

/**
 * Batch mode: the answer to this request is not in the attempt cache, and is not bought now;
 * the request goes into the next provider batch and the lead waits (core/llm/batch-rounds.ts).
 * Not a failure: never recorded as one.
 */
export class LlmAnswerDeferred extends ProspectorError {
  readonly request: LlmRequest;
  constructor(request: LlmRequest) {
    super(`the ${request.pass} answer (${request.model}) waits for the next batch`);
    this.name = 'LlmAnswerDeferred';
    this.request = request;
  }
}
