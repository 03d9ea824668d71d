/**
 * `search_leads(keywords)` over a lead provider's HTTP API: POST `{ "keywords": [...] }` with
 * an API key header, answer a JSON array of `{company_name, company_website, lead_email,
 * lead_name}`. The answer is untrusted: bounded in time and bytes, validated with zod (extra
 * fields dropped), and the core validates each lead again before using it.
 *
 * Errors are API (the state machine retries `SearchUnavailable`, and records anything else):
 * - `SearchUnavailable`: timeouts, connection failures, 408/429 and 5xx answers;
 * - `SearchRejected`: any other non-2xx answer (a bad API key is a 401 here), a redirect, an
 *   answer over the size cap, or one that is not the expected JSON.
 * Messages never carry the API key, and carry at most a short excerpt of a provider's body.
 */
import { z } from 'zod';
import { ProspectorError, SearchUnavailableError } from '#core/errors.ts';
import type { LeadCandidate, LeadSearch } from '#core/ports.ts';

// Routed by name in the state machine, so it lives in core/errors.ts with the other routed names.
export { SearchUnavailableError };

/** The provider refused the request or answered something unusable: retrying will not help. */
export class SearchRejectedError extends ProspectorError {
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SearchRejected';
    this.status = status;
  }
}

export interface HttpLeadSearchOptions {
  /** The provider's search endpoint. */
  url: string;
  apiKey: string;
  /** Header carrying the key; default `x-api-key`. */
  apiKeyHeader: string;
  /** Whole request, body included; default 20 s. */
  timeoutMs: number;
  /** Response body cap; default 5 MiB. */
  maxBytes: number;
  fetch: typeof globalThis.fetch;
}

const LeadAnswer = z.array(
  z.object({
    company_name: z.string(),
    company_website: z.string(),
    lead_email: z.string(),
    lead_name: z.string(),
  }),
);

const EXCERPT = 200;
const excerpt = (text: string): string => (text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text).replace(/\s+/g, ' ');

/** A `LeadSearch` over a provider's HTTP API. */
export class HttpLeadSearch implements LeadSearch {
  readonly name: string;
  readonly #opts: HttpLeadSearchOptions;

  constructor(options: Partial<HttpLeadSearchOptions> & { url: string; apiKey: string }) {
    this.#opts = {
      apiKeyHeader: 'x-api-key',
      timeoutMs: 20_000,
      maxBytes: 5 * 1024 * 1024,
      fetch: globalThis.fetch,
      ...options,
    };
    const url = new URL(this.#opts.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`lead search URL must be http(s): ${url.protocol}`);
    // Recorded as the run's lead source: the host says which provider without leaking a path token.
    this.name = `http:${url.host}`;
  }

  /** Asks the provider for leads matching the keywords. */
  async searchLeads(keywords: string[]): Promise<LeadCandidate[]> {
    const { url, apiKey, apiKeyHeader, timeoutMs, maxBytes, fetch } = this.#opts;
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', [apiKeyHeader]: apiKey },
        body: JSON.stringify({ keywords }),
        // A redirect would carry the key header to wherever it points.
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      throw this.#transportError(error, signal);
    }

    if ((response.status >= 300 && response.status < 400) || response.type === 'opaqueredirect') {
      await response.body?.cancel();
      throw new SearchRejectedError(`lead search answered a redirect (${response.status}); redirects are not followed`, response.status);
    }
    let text: string;
    try {
      text = await readCapped(response, maxBytes);
    } catch (error) {
      if (error instanceof SearchRejectedError) throw error;
      throw this.#transportError(error, signal);
    }
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      throw new SearchUnavailableError(`lead search answered ${response.status}: ${excerpt(text)}`);
    }
    if (!response.ok) {
      const hint = response.status === 401 || response.status === 403 ? ' (check the API key in the lead search secret)' : '';
      throw new SearchRejectedError(`lead search answered ${response.status}${hint}: ${excerpt(text)}`, response.status);
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SearchRejectedError(`lead search answered something that is not JSON: ${excerpt(text)}`, response.status);
    }
    const parsed = LeadAnswer.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new SearchRejectedError(`lead search answer is not a list of leads: ${issues.join('; ')}`, response.status);
    }
    return parsed.data;
  }

  #transportError(error: unknown, signal: AbortSignal): SearchUnavailableError {
    if (signal.aborted) {
      return new SearchUnavailableError(`lead search did not answer within ${this.#opts.timeoutMs} ms`, { cause: error });
    }
    const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
    const why = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    return new SearchUnavailableError(`lead search is unreachable: ${why}`, { cause: error });
  }
}

/** Reads the body as UTF-8, failing as soon as it passes `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new SearchRejectedError(`lead search answer is ${declared} bytes, over the ${maxBytes}-byte cap`, response.status);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new SearchRejectedError(`lead search answer is over the ${maxBytes}-byte cap`, response.status);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
