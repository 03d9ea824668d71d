/**
 * Ports: the interfaces the core depends on. Each runtime (Lambda, local CLI) has one
 * composition root that picks an adapter for each port.
 */

/** A JSON value as it crosses a port boundary. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * A named SQL parameter. Plain values map to text/number/boolean/null; objects and arrays are
 * sent as JSON (type hint JSON on the Data API); Date as a timestamp. SQL text names parameters
 * `:name` and casts where the type matters (`:id::uuid`, `:doc::jsonb`), so the same SQL runs on
 * PGlite and through the RDS Data API.
 */
export type SqlValue = string | number | boolean | null | Date | Json[] | { [key: string]: Json };
export type SqlParams = Record<string, SqlValue | undefined>;

/**
 * Rows come back JSON-shaped whatever the adapter: json/jsonb columns parsed, timestamps as
 * ISO-8601 strings, int8/numeric as numbers, uuid as strings.
 */
export type SqlRow = Record<string, Json>;

export interface SqlResult<R extends object = SqlRow> {
  rows: R[];
  /** Rows affected (INSERT/UPDATE/DELETE) or returned. */
  rowCount: number;
}

/** The database port: PGlite locally, the RDS Data API in the cloud. */
export interface Sql {
  /** Run one statement with named `:params`. */
  query<R extends object = SqlRow>(text: string, params?: SqlParams): Promise<SqlResult<R>>;
  /** Run `fn` in one transaction: commit if it resolves, roll back if it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** Release connections. Idempotent. */
  close(): Promise<void>;
}

/** The data lake port: a folder locally, an S3 bucket in the cloud. Keys as in DESIGN.md. */
export interface Lake {
  put(key: string, body: Uint8Array | string, options?: { contentType?: string }): Promise<void>;
  /** The object's bytes, or undefined when the key does not exist. */
  get(key: string): Promise<Buffer | undefined>;
  exists(key: string): Promise<boolean>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Where the lake lives, for messages: a folder path or s3://bucket. */
  readonly location: string;
}

/** One lead as a search provider returns it (untrusted). */
export interface LeadCandidate {
  company_name: string;
  company_website: string;
  lead_email: string;
  lead_name: string;
  /** The lead's job title, when the provider has it: it picks the persona a sequence is written for. */
  title?: string | null;
}

/** `search_leads(keywords)`: the lead provider port. */
export interface LeadSearch {
  readonly name: string;
  searchLeads(keywords: string[]): Promise<LeadCandidate[]>;
}

/** A chat-completion request as the research passes make it. */
export interface LlmRequest {
  /** Which research pass is asking (recorded with the call). */
  pass: string;
  model: string;
  promptVersion: string;
  system: string;
  user: string;
  /** JSON schema the answer must follow; `strict` where the model supports it. */
  schema: { name: string; schema: Record<string, unknown>; strict: boolean };
  maxTokens: number;
  temperature?: number;
  /**
   * How hard a reasoning model thinks before answering (Groq's `reasoning_effort`; sent only to
   * reasoning models). Its reasoning tokens come out of `maxTokens`.
   */
  reasoningEffort?: 'low' | 'medium' | 'high';
}

export interface LlmResponse {
  content: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  /** Provider request id (Groq's `x-request-id`), when there is one. */
  requestId?: string;
  /** `stop`, or `length` when the answer was cut off at `maxTokens`; undefined when not reported. */
  finishReason?: string;
  /** Hidden reasoning tokens (included in `completionTokens`), when the provider reports them. */
  reasoningTokens?: number;
  /** Answered through a provider batch (Groq's Batch API): billed at the batch price. */
  paidInBatch?: boolean;
}

/** The LLM port: Groq, or the offline heuristic researcher (clearly labeled). */
export interface Llm {
  /** `groq` or `offline-heuristic`; stored with every call and every research record. */
  readonly provider: string;
  complete(request: LlmRequest): Promise<LlmResponse>;
}

/** A fetched HTTP response, bounded by the fetcher's caps. */
export interface WebResponse {
  /** The URL asked for. */
  requestedUrl: string;
  /** The URL after redirects. */
  url: string;
  status: number;
  headers: Record<string, string>;
  contentType: string;
  /** Body bytes after content-encoding is removed (capped). */
  body: Buffer;
  /** Charset used to decode `text` (from headers or meta). */
  charset: string;
  /** Body decoded to a string. */
  text: string;
  redirects: string[];
  fetchedAt: string;
  elapsedMs: number;
  /** 304 to a conditional request: the copy the validators came from is current; body is empty. */
  notModified?: boolean;
}

/** Validators of a copy fetched before (RFC 9110 §8.8): sent back as If-None-Match / If-Modified-Since. */
export interface WebValidators {
  etag?: string | null;
  lastModified?: string | null;
}

export interface WebFetchOptions {
  /** Accept only these content types (prefix match), default text/html. */
  accept?: string[];
  maxBytes?: number;
  timeoutMs?: number;
  /** Make the request conditional; a 304 then resolves with `notModified: true` instead of failing. */
  validators?: WebValidators;
  /** Gives the fetch up at once when aborted: the connection is closed and the call rejects with `FetchStoppedError`. */
  signal?: AbortSignal;
}

/** The web port: an SSRF-guarded fetcher. Throws a `WebError` subclass on failure. */
export interface Web {
  fetch(url: string, options?: WebFetchOptions): Promise<WebResponse>;
  /**
   * Whether robots.txt of the URL's site allows our user agent to fetch it (cached per site).
   * Rejects with the fetch error (a timeout, an unreachable host) when robots.txt does not answer,
   * and with `FetchStoppedError` when `signal` is aborted first (nothing is cached then).
   */
  allowedByRobots(url: string, options?: { signal?: AbortSignal }): Promise<boolean>;
}

/** A structured logger (Powertools Logger in Lambda, the same JSON shape locally). */
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface Clock {
  now(): Date;
  /**
   * Set on a simulated clock (a local `prospector send --now`): the moment it started at. The
   * cloud's clock is never simulated, so an execution input asking for another moment is refused there.
   */
  readonly simulatedFrom?: Date;
}

/** A mailbox address with an optional display name. */
export interface MailAddress {
  name?: string;
  address: string;
}

/**
 * One fully composed outgoing email (sending/compose-mail.ts builds it). The caller fixes the
 * Message-ID before sending, so the database holds it before the provider is called.
 */
export interface OutgoingMail {
  from: MailAddress;
  to: MailAddress;
  replyTo?: MailAddress;
  subject: string;
  /** The plain-text part (always present). */
  text: string;
  /** An optional HTML alternative. */
  html?: string;
  /** `<local@domain>`, as it goes in the header. */
  messageId: string;
  /** Threading: the Message-ID this answers, and the thread's Message-IDs oldest first. */
  inReplyTo?: string;
  references?: string[];
  /** Further headers (List-Unsubscribe, List-Unsubscribe-Post, ...), already valid header values. */
  headers: Record<string, string>;
  /** The Date header; the sender's clock, so tests and replays are stable. */
  date: Date;
  /** Name/value tags a provider can attach for its event stream (SES message tags). */
  tags?: Record<string, string>;
}

/** What the provider said when it took a message. */
export interface MailReceipt {
  provider: string;
  /** The provider's id for the message (SES MessageId, the SMTP server's queue id), when given. */
  providerMessageId: string | null;
  /** Recipients the provider accepted. */
  accepted: string[];
  /** The server's final reply, e.g. `250 2.0.0 Ok: queued as ABC`. */
  response: string;
  /**
   * The Message-ID the recipient sees. Usually the caller's; SES replaces it with its own
   * (`<MessageId@email.amazonses.com>`), and follow-ups must thread on the one that arrived.
   */
  deliveredMessageId: string;
}

/**
 * The mail port: SMTP (any server: a company mailbox, SES SMTP, the local sink) or SES v2.
 * Throws `MailTemporaryError`, `MailPermanentError`, `MailUncertainError` or `MailerBlockedError`
 * (core/errors.ts) and never retries by itself: a retry decision needs the database's record.
 */
export interface Mailer {
  /** `smtp` or `ses`; stored with every send attempt. */
  readonly provider: string;
  send(mail: OutgoingMail): Promise<MailReceipt>;
  /** Release connections. Idempotent. */
  close(): Promise<void>;
}
