/**
 * A fake Groq chat-completions server on 127.0.0.1 for tests and `prospector eval --suite
 * drafts|replies` (which is why it lives under local/, not test/): answers research prompts with
 * the offline heuristic, reply classifications with the offline reply heuristic's label
 * (`reply-answer.ts`), and drafting prompts with a careful model's sequence (so answers are
 * realistic and deterministic), reports usage and rate-limit headers like Groq, and injects
 * scripted faults. groq-sdk calls
 * `${baseURL}/openai/v1/chat/completions`, so `baseURL` is the bare origin.
 *
 * Faithful to Groq where tests depend on it (sources: console.groq.com/docs/rate-limits,
 * /docs/errors, /docs/models, /docs/deprecations, /docs/reasoning, and error bodies quoted in
 * public issue threads, cited where used):
 * - serves only the models Groq serves today (the model table's non-decommissioned entries,
 *   or `models`): a shut-down model gets 400 `model_decommissioned`, an unknown one 404
 *   `model_not_found`; `GET /openai/v1/models` lists them in Groq's list shape;
 * - counts prompt + requested `max_completion_tokens` against tokens per minute before running
 *   a request: 413 when one request alone exceeds the limit (always, at the model table's
 *   free-tier TPM unless `tokensPerMinute` says otherwise), 429 when the minute's window is full
 *   (only with `tokensPerMinute` set, so most tests need not wait);
 * - per-day limits (`requestsPerDay`, `tokensPerDay`) answer 429 in Groq's wording
 *   ("on requests per day (RPD)") with the long wait Groq asks for;
 * - every response carries x-request-id and the six x-ratelimit-* headers (requests per day,
 *   tokens per minute), 429s also retry-after;
 * - reasoning models report hidden reasoning in `usage.completion_tokens_details.reasoning_tokens`,
 *   counted in `completion_tokens` and in `max_completion_tokens`: an answer that does not fit
 *   is cut off with `finish_reason: "length"`.
 * - the Batch API (files and batches, `fake-groq-batch.ts`), whose lines run through the same
 *   chat-completions code without the per-minute and per-day limits.
 * Kinder than Groq, knowingly: no requests-per-minute limit, per-day counters do not refill with
 * time (`resetDay()` stands for the day passing), and tokens are estimated at 4 characters each.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { LlmRequest } from '#core/ports.ts';
import { answerPrompt, inferPass, parsePageBlocks } from '#core/research/heuristic-answer.ts';
import { answerDraft, answerDraftRepair, isDraftPrompt } from './draft-answer.ts';
import { answerClassify, answerClassifyRepair, answerRespond, answerRespondRepair, isClassifyPrompt, isRespondPrompt, withInventedClaim } from './reply-answer.ts';
import { MODELS, servedModels } from '#core/research/models.ts';
import { FakeBatchApi, type FakeBatchOptions, type RunLine } from './fake-groq-batch.ts';
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
  /** a reasoning model thinks this many tokens (they count in max_completion_tokens) */
  | { kind: 'reasoning'; tokens: number }
  /** status 200 and the headers, half the body, then nothing: the body stalls */
  | { kind: 'stall-body' }
  /** a facts answer with one extra fact (placed first) whose quote is not on the page */
  | { kind: 'hallucinated-quote'; quote?: string }
  /** a reply-response answer with one extra sentence (numbers, customers) no passage has, cited anyway */
  | { kind: 'invented-claim'; claim?: string }
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
  /** pass inferred from the prompt's data blocks: facts, synthesis, repair, draft, respond, classify or unknown */
  pass: string;
  model: string;
  system: string;
  user: string;
  responseFormat: unknown;
  maxTokens: number | null;
  authorization: string | null;
  /** the request body as sent */
  body: Record<string, unknown>;
  /** the batch this request ran in (a line of a batch file), or undefined for a synchronous call */
  batchId?: string;
  status?: number;
  fault?: string;
  content?: string;
  promptTokens?: number;
  completionTokens?: number;
  reasoningTokens?: number;
  finishReason?: string;
}

export interface FakeGroqOptions {
  /** delay before every answer */
  latencyMs?: number;
  /**
   * Tokens-per-minute limit of every model: prompt + requested max_completion_tokens must fit
   * in what the sliding minute has left (429 otherwise) and in the limit itself (413
   * otherwise). Unset: 413 at the model table's TPM, no per-minute 429s.
   */
  tokensPerMinute?: number;
  /** requests per day per model; 429 "on requests per day (RPD)" once used up. Unset: none. */
  requestsPerDay?: number;
  /** tokens (prompt + completion) per day per model; 429 "on tokens per day (TPD)". Unset: none. */
  tokensPerDay?: number;
  /** model ids served (default: the model table's models Groq still serves) */
  models?: string[];
  /** reasoning tokens a reasoning model spends on each answer (default 120, what low effort takes here) */
  reasoningTokens?: number;
  /** when set, requests without `Authorization: Bearer <apiKey>` get 401 */
  apiKey?: string;
  script?: FaultScript;
  /** the Batch API's limits and what happens to each batch (fake-groq-batch.ts) */
  batch?: FakeBatchOptions;
}

export interface FakeGroq {
  baseURL: string;
  calls: RecordedCall[];
  /** requests to GET /openai/v1/models */
  modelListRequests: number;
  /** the Batch API's files and batches, and every batch submitted with its lines' custom ids */
  batchApi: FakeBatchApi;
  setScript(script: FaultScript): void;
  /** the day passes: per-day counters start again */
  resetDay(): void;
  close(): Promise<void>;
}

const HALLUCINATED_QUOTE = 'Trusted by 500 of the Fortune 500 since 1899';
// A 413/429 body as Groq words it (quoted in continuedev/continue#10218 and #10920).
const ORG = 'org_fake0000000000000000000000';
const UPGRADE = 'Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing';
const DAY_SECONDS = 86_400;

/** Starts the fake server on an ephemeral loopback port. */
export async function startFakeGroq(options: FakeGroqOptions = {}): Promise<FakeGroq> {
  const calls: RecordedCall[] = [];
  let script: FaultScript = options.script ?? [];
  let scriptStart = 0;
  const fired = new Map<FaultRule, number>();
  const window: { at: number; model: string; tokens: number }[] = [];
  const day = new Map<string, { requests: number; tokens: number }>();
  const sockets = new Set<Socket>();
  const served = new Set(options.models ?? servedModels());
  let requestCounter = 0;
  let modelListRequests = 0;

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

  // A batch line runs as a synchronous request would, through this same server, marked so that
  // it skips latency and the per-minute and per-day limits (batches do not count against them).
  const runLine: RunLine = async (body, batchId) => {
    const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-groq-batch': batchId, ...(options.apiKey !== undefined ? { authorization: `Bearer ${options.apiKey}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: r.status, requestId: r.headers.get('x-request-id') ?? '', body: (await r.json()) as unknown };
  };
  const batchApi = new FakeBatchApi(runLine, () => served, options.batch);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url?.startsWith('/openai/v1/files') || req.url?.startsWith('/openai/v1/batches')) {
      if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        sendJson(res, 401, { error: { message: 'Invalid API Key', type: 'invalid_request_error', code: 'invalid_api_key' } });
        return;
      }
      if (await batchApi.handle(req, res, () => readRaw(req))) return;
    }
    if (req.method === 'GET' && req.url?.split('?')[0] === '/openai/v1/models') {
      modelListRequests++;
      if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        sendJson(res, 401, { error: { message: 'Invalid API Key', type: 'invalid_request_error', code: 'invalid_api_key' } });
        return;
      }
      // Groq's list shape: OpenAI's {object: "list", data: [{id, object: "model", created,
      // owned_by}]} plus Groq's active, context_window, public_apps, max_completion_tokens
      // (console.groq.com/docs/api-reference#models-list)
      sendJson(res, 200, {
        object: 'list',
        data: [...served].map((id) => ({
          id,
          object: 'model',
          created: 1_754_400_000,
          owned_by: id.startsWith('openai/') ? 'OpenAI' : 'Example',
          active: true,
          context_window: 131_072,
          public_apps: null,
          max_completion_tokens: MODELS[id]?.maxCompletionTokens ?? 32_768,
        })),
      });
      return;
    }
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
      reasoning_effort?: string;
    };
    const system = body.messages.find((m) => m.role === 'system')?.content ?? '';
    const user = body.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
    const call: RecordedCall = {
      index: calls.length,
      receivedAt: Date.now(),
      pass: isDraftPrompt(user) ? 'draft' : isRespondPrompt(user) ? 'respond' : isClassifyPrompt(user) ? 'classify' : inferPass(user),
      model: body.model,
      system,
      user,
      responseFormat: body.response_format ?? null,
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? null,
      authorization: req.headers.authorization ?? null,
      body: raw,
    };
    const batchId = typeof req.headers['x-fake-groq-batch'] === 'string' ? req.headers['x-fake-groq-batch'] : undefined;
    if (batchId) call.batchId = batchId;
    calls.push(call);
    const requestId = `req_fake_${String(++requestCounter).padStart(4, '0')}`;
    const promptTokens = estimateTokens(system) + estimateTokens(user);

    if (options.latencyMs && !batchId) await sleep(options.latencyMs);

    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return fail(res, call, 401, { message: 'Invalid API Key', type: 'invalid_request_error', code: 'invalid_api_key' }, requestId);
    }
    if (!served.has(body.model)) {
      // Groq's bodies, as quoted in valentinfrlch/ha-llmvision#332 (400) and lobehub/lobehub#3367 (404)
      if (MODELS[body.model]?.decommissioned) {
        return fail(
          res, call, 400,
          {
            message: `The model \`${body.model}\` has been decommissioned and is no longer supported. Please refer to https://console.groq.com/docs/deprecations for a recommendation on which model to use instead.`,
            type: 'invalid_request_error',
            code: 'model_decommissioned',
          },
          requestId,
        );
      }
      return fail(res, call, 404, { message: `The model \`${body.model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', code: 'model_not_found' }, requestId);
    }
    if (body.response_format?.type === 'json_schema' && body.response_format.json_schema?.strict && !MODELS[body.model]?.strictJsonSchema) {
      return fail(res, call, 400, { message: `model \`${body.model}\` does not support strict json_schema`, type: 'invalid_request_error' }, requestId);
    }
    const info = MODELS[body.model];
    const tpm = options.tokensPerMinute ?? info?.tpm ?? 6000;
    const rpd = options.requestsPerDay ?? info?.rpd ?? 14_400;
    // Groq reserves the whole completion allowance up front; what it reserves when the request
    // names none is not documented: the model's maximum is assumed.
    const requested = promptTokens + (call.maxTokens ?? info?.maxCompletionTokens ?? 8192);
    const today = batchId ? { requests: 0, tokens: 0 } : (day.get(body.model) ?? { requests: 0, tokens: 0 });
    if (!batchId) day.set(body.model, today);
    const now = Date.now();
    while (window.length && now - window[0].at >= 60_000) window.shift();
    const minuteUsed = () => window.filter((w) => w.model === body.model).reduce((s, w) => s + w.tokens, 0);
    const limitHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({
      'x-ratelimit-limit-requests': String(rpd),
      'x-ratelimit-remaining-requests': String(Math.max(0, rpd - today.requests)),
      'x-ratelimit-reset-requests': duration((today.requests * DAY_SECONDS) / rpd),
      'x-ratelimit-limit-tokens': String(tpm),
      'x-ratelimit-remaining-tokens': String(Math.max(0, tpm - minuteUsed())),
      'x-ratelimit-reset-tokens': duration((minuteUsed() * 60) / tpm),
      ...extra,
    });

    const fault = pickFault(call);
    call.fault = fault?.kind;
    if (fault?.kind === 'timeout') return; // never answer; close() destroys the socket
    if (fault?.kind === 'stall-body') {
      call.status = 200;
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId, ...limitHeaders() });
      res.write('{"id":"chatcmpl-stalled","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"{\\"facts\\": [');
      return; // the rest never comes; close() destroys the socket
    }
    if (fault?.kind === '429') {
      const headers: Record<string, string> = { ...limitHeaders(), 'x-ratelimit-remaining-tokens': '0' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      if (fault.resetTokens) headers['x-ratelimit-reset-tokens'] = fault.resetTokens;
      if (fault.resetRequests) headers['x-ratelimit-reset-requests'] = fault.resetRequests;
      return fail(res, call, 429, { message: `Rate limit reached for model \`${body.model}\` on tokens per minute (TPM). Please try again in ${fault.retryAfter ?? 7}s.`, type: 'tokens', code: 'rate_limit_exceeded' }, requestId, headers);
    }
    if (fault?.kind === '500') return fail(res, call, 500, { message: 'Internal Server Error', type: 'internal_server_error' }, requestId);
    if (fault?.kind === 'status') {
      return fail(res, call, fault.status, { message: fault.message ?? `HTTP ${fault.status}`, type: 'invalid_request_error', code: fault.code, ...fault.extra }, requestId, fault.headers);
    }

    // One request alone over the per-minute limit: 413, whatever the window holds
    // (wording from continuedev/continue#10218).
    if (requested > tpm && !batchId) {
      return fail(
        res, call, 413,
        {
          message: `Request too large for model \`${body.model}\` in organization \`${ORG}\` service tier \`on_demand\` on tokens per minute (TPM): Limit ${tpm}, Requested ${requested}, please reduce your message size and try again. ${UPGRADE}`,
          type: 'tokens',
          code: 'rate_limit_exceeded',
        },
        requestId,
        limitHeaders(),
      );
    }
    // Per-day limits, checked before the minute's (the day's wait is the longer one); the wait
    // asked for is how long the used-up bucket takes to refill one request (or the tokens)
    // at the day's rate, e.g. 1m26.4s at 1,000 requests a day (continuedev/continue#10920).
    if (!batchId && options.requestsPerDay !== undefined && today.requests + 1 > options.requestsPerDay) {
      const wait = DAY_SECONDS / options.requestsPerDay;
      return fail(
        res, call, 429,
        {
          message: `Rate limit reached for model \`${body.model}\` in organization \`${ORG}\` service tier \`on_demand\` on requests per day (RPD): Limit ${options.requestsPerDay}, Used ${today.requests}, Requested 1. Please try again in ${duration(wait)}. ${UPGRADE}`,
          type: 'requests',
          code: 'rate_limit_exceeded',
        },
        requestId,
        limitHeaders({ 'retry-after': String(Math.ceil(wait)), 'x-ratelimit-remaining-requests': '0' }),
      );
    }
    if (!batchId && options.tokensPerDay !== undefined && today.tokens + requested > options.tokensPerDay) {
      const wait = ((today.tokens + requested - options.tokensPerDay) * DAY_SECONDS) / options.tokensPerDay;
      return fail(
        res, call, 429,
        {
          message: `Rate limit reached for model \`${body.model}\` in organization \`${ORG}\` service tier \`on_demand\` on tokens per day (TPD): Limit ${options.tokensPerDay}, Used ${today.tokens}, Requested ${requested}. Please try again in ${duration(wait)}. ${UPGRADE}`,
          type: 'tokens',
          code: 'rate_limit_exceeded',
        },
        requestId,
        limitHeaders({ 'retry-after': String(Math.ceil(wait)) }),
      );
    }
    // the sliding minute, counting prompt + requested completion allowance before running
    if (options.tokensPerMinute !== undefined && !batchId) {
      const used = minuteUsed();
      if (used + requested > tpm) {
        let freed = 0;
        let waitMs = 60_000;
        for (const w of window.filter((x) => x.model === body.model)) {
          freed += w.tokens;
          if (used - freed + requested <= tpm) {
            waitMs = w.at + 60_000 - now;
            break;
          }
        }
        const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
        return fail(
          res,
          call,
          429,
          {
            message: `Rate limit reached for model \`${body.model}\` in organization \`${ORG}\` service tier \`on_demand\` on tokens per minute (TPM): Limit ${tpm}, Used ${used}, Requested ${requested}. Please try again in ${retryAfter}s. ${UPGRADE}`,
            type: 'tokens',
            code: 'rate_limit_exceeded',
          },
          requestId,
          limitHeaders({ 'retry-after': String(retryAfter), 'x-ratelimit-remaining-tokens': String(Math.max(0, tpm - used)), 'x-ratelimit-reset-tokens': duration(waitMs / 1000) }),
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
    // Drafting prompts get a careful model's sequence (local/fakes/draft-answer.ts); their
    // repairs the previous answer salvaged; everything else the offline researcher's answer.
    const draftRepair = call.pass === 'repair' ? (answerDraftRepair(user) ?? answerClassifyRepair(user) ?? answerRespondRepair(user)) : undefined;
    let content =
      call.pass === 'draft'
        ? JSON.stringify(answerDraft(user))
        : call.pass === 'respond'
          ? JSON.stringify(answerRespond(user))
          : call.pass === 'classify'
            ? JSON.stringify(answerClassify(user))
            : draftRepair
              ? JSON.stringify(draftRepair)
              : answerPrompt(request);
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
      case 'invented-claim':
        content = withInventedClaim(content, user, fault.claim);
        break;
      case 'rewrite':
        content = fault.rewrite(content, call);
        break;
    }
    // Reasoning comes first and out of the same allowance: whatever does not fit is cut off.
    const reasoningTokens = info?.reasoning ? (fault?.kind === 'reasoning' ? fault.tokens : (options.reasoningTokens ?? 120)) : 0;
    const allowance = call.maxTokens ?? info?.maxCompletionTokens ?? 8192;
    let answerTokens = estimateTokens(content);
    if (reasoningTokens + answerTokens > allowance) {
      const room = Math.max(0, allowance - reasoningTokens);
      content = content.slice(0, room * 4);
      answerTokens = estimateTokens(content);
      finishReason = 'length';
    }
    const completionTokens = Math.min(allowance, reasoningTokens + answerTokens);
    if (!batchId) window.push({ at: now, model: body.model, tokens: promptTokens + completionTokens });
    today.requests += 1;
    today.tokens += promptTokens + completionTokens;
    call.status = 200;
    call.content = content;
    call.promptTokens = promptTokens;
    call.completionTokens = completionTokens;
    call.reasoningTokens = reasoningTokens;
    call.finishReason = finishReason;
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId, ...limitHeaders() });
    res.end(
      JSON.stringify({
        id: `chatcmpl-${requestId}`,
        object: 'chat.completion',
        created: Math.floor(now / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: finishReason }],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
          ...(info?.reasoning ? { completion_tokens_details: { reasoning_tokens: reasoningTokens } } : {}),
          queue_time: 0.001,
          prompt_time: 0.002,
          completion_time: 0.003,
          total_time: 0.006,
        },
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
    batchApi,
    get modelListRequests() {
      return modelListRequests;
    },
    setScript(s: FaultScript) {
      script = s;
      scriptStart = calls.length;
      fired.clear();
    },
    resetDay() {
      day.clear();
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

function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Seconds as Groq writes durations: `7.66s`, `2m59.56s`, `1h2m3.4s`. */
function duration(seconds: number): string {
  let rest = Math.max(0, seconds);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  const s = `${Number(rest.toFixed(2))}s`;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
