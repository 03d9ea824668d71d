/**
 * A fake Groq chat-completions server on 127.0.0.1 for tests: answers research prompts with the
 * offline heuristic (so answers are realistic and deterministic), reports usage and rate-limit
 * headers like Groq, optionally enforces a tokens-per-minute limit, and injects scripted faults.
 * groq-sdk calls `${baseURL}/openai/v1/chat/completions`, so `baseURL` is the bare origin.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { LlmRequest } from '#core/ports.ts';
import { answerPrompt, inferPass, parsePageBlocks } from '#core/research/heuristic-answer.ts';
import { estimateTokens } from '#core/research/text.ts';

/** One fault the server can answer with instead of a normal completion. */
export type Fault =
  /** HTTP 429; `retryAfter` goes into `retry-after` (omit it to test the reset headers) */
  | { kind: '429'; retryAfter?: string | number; resetTokens?: string; resetRequests?: string }
  | { kind: '500' }
  /** accepts the request and never answers */
  | { kind: 'timeout' }
  /** a completion whose content is not JSON (prose in front, last brace missing) */
  | { kind: 'invalid-json' }
  /** valid JSON in the wrong shape (the answer wrapped in another object) */
  | { kind: 'schema-break' }
  /** content cut mid-JSON with finish_reason "length" */
  | { kind: 'truncated' }
  /** a facts answer with one extra fact (placed first) whose quote is not on the page */
  | { kind: 'hallucinated-quote'; quote?: string }
  /** any HTTP status with a Groq-shaped error body (`extra` adds fields such as `failed_generation`) */
  | { kind: 'status'; status: number; message?: string; code?: string; headers?: Record<string, string>; extra?: Record<string, unknown> }
  /** rewrite the normal answer's content */
  | { kind: 'rewrite'; rewrite: (content: string, call: RecordedCall) => string };

/**
 * When a fault applies: by call index (0-based, counted from when the script was set, every
 * request counted) or by predicate.
 */
export interface FaultRule {
  at?: number | number[];
  when?: (call: RecordedCall) => boolean;
  /** how many times a `when` rule fires (default: every time it matches) */
  times?: number;
  fault: Fault;
}

export type FaultScript = FaultRule[];

/** A request the server received and what it answered. */
export interface RecordedCall {
  index: number;
  receivedAt: number;
  /** research pass inferred from the prompt's data blocks */
  pass: string;
  model: string;
  system: string;
  user: string;
  responseFormat: unknown;
  maxTokens: number | null;
  authorization: string | null;
  /** the request body as sent */
  body: Record<string, unknown>;
  status?: number;
  fault?: string;
  content?: string;
  promptTokens?: number;
  completionTokens?: number;
}

export interface FakeGroqOptions {
  /** delay before every answer */
  latencyMs?: number;
  /** sliding one-minute token limit (prompt + completion); 429 with retry-after when exceeded */
  tokensPerMinute?: number;
  /** when set, requests without `Authorization: Bearer <apiKey>` get 401 */
  apiKey?: string;
  script?: FaultScript;
}

export interface FakeGroq {
  baseURL: string;
  calls: RecordedCall[];
  setScript(script: FaultScript): void;
  close(): Promise<void>;
}

const HALLUCINATED_QUOTE = 'Trusted by 500 of the Fortune 500 since 1899';
const STRICT_MODELS = /^openai\/gpt-oss-/;

/** Starts the fake server on an ephemeral loopback port. */
export async function startFakeGroq(options: FakeGroqOptions = {}): Promise<FakeGroq> {
  const calls: RecordedCall[] = [];
  let script: FaultScript = options.script ?? [];
  let scriptStart = 0;
  const fired = new Map<FaultRule, number>();
  const window: { at: number; tokens: number }[] = [];
  const sockets = new Set<Socket>();
  let requestCounter = 0;

  const pickFault = (call: RecordedCall): Fault | undefined => {
    for (const rule of script) {
      const i = call.index - scriptStart;
      const atHit = rule.at === undefined ? false : Array.isArray(rule.at) ? rule.at.includes(i) : rule.at === i;
      const whenHit = rule.when ? rule.when(call) : false;
      if (!atHit && !whenHit) continue;
      const n = fired.get(rule) ?? 0;
      if (rule.times !== undefined && n >= rule.times) continue;
      fired.set(rule, n + 1);
      return rule.fault;
    }
    return undefined;
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: 'internal_error' } });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/openai/v1/chat/completions') {
      sendJson(res, 404, { error: { message: `Unknown request URL: ${req.method} ${req.url}`, type: 'invalid_request_error', code: 'unknown_url' } });
      return;
    }
    const raw = JSON.parse(await readBody(req)) as Record<string, unknown>;
    const body = raw as {
      model: string;
      messages: { role: string; content: string }[];
      response_format?: { type: string; json_schema?: { name?: string; schema?: Record<string, unknown>; strict?: boolean } };
      max_completion_tokens?: number;
      max_tokens?: number;
    };
    const system = body.messages.find((m) => m.role === 'system')?.content ?? '';
    const user = body.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
    const call: RecordedCall = {
      index: calls.length,
      receivedAt: Date.now(),
      pass: inferPass(user),
      model: body.model,
      system,
      user,
      responseFormat: body.response_format ?? null,
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? null,
      authorization: req.headers.authorization ?? null,
      body: raw,
    };
    calls.push(call);
    const requestId = `req_fake_${String(++requestCounter).padStart(4, '0')}`;
    const promptTokens = estimateTokens(system) + estimateTokens(user);

    if (options.latencyMs) await sleep(options.latencyMs);

    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return fail(res, call, 401, { message: 'Invalid API Key', type: 'invalid_request_error', code: 'invalid_api_key' }, requestId);
    }
    if (body.response_format?.type === 'json_schema' && body.response_format.json_schema?.strict && !STRICT_MODELS.test(body.model)) {
      return fail(res, call, 400, { message: `model \`${body.model}\` does not support strict json_schema`, type: 'invalid_request_error' }, requestId);
    }

    const fault = pickFault(call);
    call.fault = fault?.kind;
    if (fault?.kind === 'timeout') return; // never answer; close() destroys the socket
    if (fault?.kind === '429') {
      const headers: Record<string, string> = { 'x-ratelimit-remaining-tokens': '0' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      if (fault.resetTokens) headers['x-ratelimit-reset-tokens'] = fault.resetTokens;
      if (fault.resetRequests) headers['x-ratelimit-reset-requests'] = fault.resetRequests;
      return fail(res, call, 429, { message: `Rate limit reached for model \`${body.model}\` on tokens per minute (TPM). Please try again in ${fault.retryAfter ?? 7}s.`, type: 'tokens', code: 'rate_limit_exceeded' }, requestId, headers);
    }
    if (fault?.kind === '500') return fail(res, call, 500, { message: 'Internal Server Error', type: 'internal_server_error' }, requestId);
    if (fault?.kind === 'status') {
      return fail(res, call, fault.status, { message: fault.message ?? `HTTP ${fault.status}`, type: 'invalid_request_error', code: fault.code, ...fault.extra }, requestId, fault.headers);
    }

    // tokens-per-minute limiter over a sliding minute, counting prompt + completion
    const now = Date.now();
    while (window.length && now - window[0].at >= 60_000) window.shift();
    if (options.tokensPerMinute !== undefined) {
      const used = window.reduce((s, w) => s + w.tokens, 0);
      if (used + promptTokens > options.tokensPerMinute) {
        let freed = 0;
        let waitMs = 60_000;
        for (const w of window) {
          freed += w.tokens;
          if (used - freed + promptTokens <= options.tokensPerMinute) {
            waitMs = w.at + 60_000 - now;
            break;
          }
        }
        const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
        return fail(
          res,
          call,
          429,
          { message: `Rate limit reached on tokens per minute (TPM): Limit ${options.tokensPerMinute}, Used ${used}, Requested ${promptTokens}. Please try again in ${retryAfter}s.`, type: 'tokens', code: 'rate_limit_exceeded' },
          requestId,
          { 'retry-after': String(retryAfter), 'x-ratelimit-remaining-tokens': String(Math.max(0, options.tokensPerMinute - used)), 'x-ratelimit-reset-tokens': `${(waitMs / 1000).toFixed(2)}s` },
        );
      }
    }

    const request: LlmRequest = {
      pass: call.pass,
      model: body.model,
      promptVersion: '',
      system,
      user,
      schema: { name: body.response_format?.json_schema?.name ?? 'json_object', schema: body.response_format?.json_schema?.schema ?? {}, strict: !!body.response_format?.json_schema?.strict },
      maxTokens: call.maxTokens ?? 1024,
    };
    let content = answerPrompt(request);
    let finishReason = 'stop';
    switch (fault?.kind) {
      case 'invalid-json':
        content = `Here is the JSON you asked for:\n${content.slice(0, -1)}`;
        break;
      case 'schema-break':
        content = JSON.stringify({ result: JSON.parse(content) as unknown, note: 'wrapped' });
        break;
      case 'truncated':
        content = content.slice(0, Math.max(1, Math.floor(content.length / 2)));
        finishReason = 'length';
        break;
      case 'hallucinated-quote':
        content = withHallucinatedFact(content, user, fault.quote ?? HALLUCINATED_QUOTE);
        break;
      case 'rewrite':
        content = fault.rewrite(content, call);
        break;
    }
    const completionTokens = estimateTokens(content);
    window.push({ at: now, tokens: promptTokens + completionTokens });
    call.status = 200;
    call.content = content;
    call.promptTokens = promptTokens;
    call.completionTokens = completionTokens;
    const limit = options.tokensPerMinute ?? 6000;
    const usedNow = window.reduce((s, w) => s + w.tokens, 0);
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-request-id': requestId,
      'x-ratelimit-limit-requests': '14400',
      'x-ratelimit-remaining-requests': String(14400 - calls.length),
      'x-ratelimit-reset-requests': '6s',
      'x-ratelimit-limit-tokens': String(limit),
      'x-ratelimit-remaining-tokens': String(Math.max(0, limit - usedNow)),
      'x-ratelimit-reset-tokens': '1m30s',
    });
    res.end(
      JSON.stringify({
        id: `chatcmpl-${requestId}`,
        object: 'chat.completion',
        created: Math.floor(now / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: finishReason }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens, queue_time: 0.001, prompt_time: 0.002, completion_time: 0.003, total_time: 0.006 },
        system_fingerprint: 'fp_fake',
        x_groq: { id: requestId },
      }),
    );
  }

  function fail(res: ServerResponse, call: RecordedCall, status: number, error: Record<string, unknown>, requestId: string, headers: Record<string, string> = {}): void {
    call.status = status;
    sendJson(res, status, { error }, { 'x-request-id': requestId, ...headers });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    calls,
    setScript(s: FaultScript) {
      script = s;
      scriptStart = calls.length;
      fired.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function withHallucinatedFact(content: string, user: string, quote: string): string {
  try {
    const parsed = JSON.parse(content) as { facts?: unknown[] };
    if (!Array.isArray(parsed.facts)) return content;
    const pageId = parsePageBlocks(user)[0]?.id ?? 'p1';
    parsed.facts.unshift({ category: 'customer', claim: 'Serves most of the Fortune 500.', quote, pageId });
    return JSON.stringify(parsed);
  } catch {
    return content;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
