/**
 * The SSRF-guarded fetcher behind the `Web` port. Every URL it is given comes, directly or via a
 * redirect, from an untrusted lead provider, so each connection is checked before it is made:
 * scheme, port, every resolved address, and the address actually dialled is the one checked.
 */
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import {
  BadResponseError,
  BlockedUrlError,
  FetchStoppedError,
  FetchTimeoutError,
  NotHtmlError,
  TooLargeError,
  TooManyRedirectsError,
  UnreachableError,
  ValidationError,
  WebError,
} from '#core/errors.ts';
import { classifyAddress, parseHostLiteral } from '#core/net/address.ts';
import { type AllowEntry, formatHostPort, isAllowListed, parseHostPort } from '#core/net/allow-list.ts';
import { pickDecoder } from '#core/net/charset.ts';
import type { Clock, Log, Web, WebFetchOptions, WebResponse, WebValidators } from '#core/ports.ts';

export const DEFAULT_USER_AGENT = 'ProspectorBot/0.1 (+https://github.com/prospector-oss/prospector; research bot)';
export const DEFAULT_ACCEPT = ['text/html', 'application/xhtml+xml'];

export interface GuardedWebOptions {
  userAgent: string;
  /** Exact address + port pairs that bypass the address classifier (local servers only). */
  allow: AllowEntry[];
  /**
   * curl `--connect-to` style: `host` or `*.suffix` -> `ip:port`; Host header and SNI are kept.
   * A target written `http://ip:port` is spoken to in plain HTTP even for https URLs, like a
   * local TLS-terminating proxy: the sample web on loopback serves its `https://*.example`
   * sites that way. The target must still be on the allow-list.
   */
  connectTo: Record<string, string>;
  resolve: (host: string) => Promise<string[]>;
  /** No DNS at all: only connectTo hosts and allow-listed address literals are reachable. */
  offline: boolean;
  maxRedirects: number;
  connectTimeoutMs: number;
  /** Headers plus body, across all redirect hops (time queued for a host slot not counted). */
  totalTimeoutMs: number;
  /** Bytes on the wire (after transfer decoding, before content decoding). */
  maxBytes: number;
  /** Bytes after gzip/deflate/br decoding. */
  maxDecodedBytes: number;
  /** Minimum spacing between request starts to one host. */
  hostDelayMs: number;
  /**
   * The monotonic time and the sleep that host pacing runs on; performance.now and setTimeout
   * unless a test drives pacing on virtual time.
   */
  pacingTimer: PacingTimer;
  robotsTtlMs: number;
  /** robots.txt is truncated, not refused, past this (RFC 9309 asks for at least 500 KiB). */
  robotsMaxBytes: number;
  clock: Clock;
  logger: Log;
}

export interface PacingTimer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Outside the allow-list only the web's default ports: other ports on public hosts are where
// mail, database and admin services listen, and a URL from a third party has no business there.
const DEFAULT_PORTS = new Set([80, 443]);
const MAX_CONTENT_ENCODINGS = 2;
const URL_IN_MESSAGE_MAX = 200;
const TLS_ERROR = /^(ERR_TLS_|ERR_SSL_|ERR_OSSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/;
const ROBOTS_CACHE_MAX = 5000;

const noopLogger: Log = { debug() {}, info() {}, warn() {}, error() {} };

async function systemResolve(host: string): Promise<string[]> {
  const found = await dns.lookup(host, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

/** Options that are not part of the public `fetch` call but vary between pages and robots.txt. */
interface FetchPlan {
  /** Content-type prefixes to accept; null accepts anything. */
  accept: string[] | null;
  maxBytes: number;
  totalTimeoutMs: number;
  /** Cut the body at the cap instead of failing (robots.txt). */
  truncate: boolean;
  /** Refuse bodies with NUL bytes up front (HTML pages). */
  checkBinary: boolean;
  /** Conditional request headers; only then is a 304 an answer rather than a bad response. */
  validators?: WebValidators;
  /** The caller's stop: the connection is closed and the fetch rejects with FetchStoppedError. */
  signal?: AbortSignal;
}

interface HopTarget {
  addresses: string[];
  port: number;
  /** How the addresses were found, for messages. */
  via: 'literal' | 'dns' | 'connectTo';
  /** Speak plain HTTP to the target whatever the URL's scheme (connectTo `http://` targets). */
  plaintext?: boolean;
}

type HopResult =
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'done'; status: number; headers: Record<string, string>; contentType: string; body: Buffer };

/** A connect-phase failure: another checked address of the same host may still work. */
class ConnectFailure extends Error {
  constructor(readonly error: WebError) {
    super(error.message);
  }
}

function shortUrl(url: string): string {
  return url.length > URL_IN_MESSAGE_MAX ? `${url.slice(0, URL_IN_MESSAGE_MAX)}...` : url;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `work`, or FetchStoppedError for `url` as soon as `signal` is aborted (`work` goes on unheeded). */
function orStopped<T>(work: Promise<T>, signal: AbortSignal | undefined, url: string): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new FetchStoppedError(url));
  }
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(new FetchStoppedError(url));
    signal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

/** The SSRF-guarded `Web` adapter over node:http/node:https. */
export class GuardedWeb implements Web {
  private readonly opts: GuardedWebOptions;
  private readonly allow: AllowEntry[];
  private readonly connectTo: { pattern: string; address: string; port: number; plaintext: boolean }[];
  private readonly robotsAgent: string;
  private readonly robotsCache = new Map<string, { expires: number; rules: Promise<RobotsRule[]> }>();
  private readonly hostQueue = new Map<string, Promise<void>>();
  private readonly hostLastStart = new Map<string, number>();

  constructor(options: Partial<GuardedWebOptions> = {}) {
    this.opts = {
      userAgent: DEFAULT_USER_AGENT,
      allow: [],
      connectTo: {},
      resolve: systemResolve,
      offline: false,
      maxRedirects: 5,
      connectTimeoutMs: 5000,
      totalTimeoutMs: 15_000,
      maxBytes: 2_000_000,
      maxDecodedBytes: 5_000_000,
      hostDelayMs: 250,
      pacingTimer: { now: () => performance.now(), sleep },
      robotsTtlMs: 24 * 60 * 60 * 1000,
      robotsMaxBytes: 512 * 1024,
      clock: { now: () => new Date() },
      logger: noopLogger,
      ...stripUndefined(options),
    };
    const issues: { path: string; message: string }[] = [];
    this.allow = [];
    this.opts.allow.forEach((entry, i) => {
      const address = parseHostLiteral(entry.address);
      if (address === null) issues.push({ path: `allow[${i}]`, message: `"${entry.address}" is not an IP address` });
      else this.allow.push({ address, port: entry.port });
    });
    this.connectTo = [];
    for (const [pattern, target] of Object.entries(this.opts.connectTo)) {
      try {
        const plaintext = target.startsWith('http://');
        const { host, port } = parseHostPort(plaintext ? target.slice('http://'.length).replace(/\/$/, '') : target);
        const address = parseHostLiteral(host);
        if (address === null) throw new Error(`"${host}" is not an IP address`);
        this.connectTo.push({ pattern: pattern.toLowerCase().replace(/\.$/, ''), address, port, plaintext });
      } catch (error) {
        issues.push({ path: `connectTo["${pattern}"]`, message: (error as Error).message });
      }
    }
    if (issues.length > 0) throw new ValidationError('GuardedWeb options', issues);
    // Exact names before wildcards, longer suffixes before shorter ones.
    this.connectTo.sort((a, b) => Number(a.pattern.startsWith('*.')) - Number(b.pattern.startsWith('*.')) || b.pattern.length - a.pattern.length);
    this.robotsAgent = (this.opts.userAgent.split(/[/\s]/)[0] || 'ProspectorBot').toLowerCase();
  }

  /** Fetch one page through the guard, following redirects; throws a WebError subclass. */
  async fetch(url: string, options: WebFetchOptions = {}): Promise<WebResponse> {
    return this.fetchGuarded(url, {
      accept: options.accept ?? DEFAULT_ACCEPT,
      maxBytes: options.maxBytes ?? this.opts.maxBytes,
      totalTimeoutMs: options.timeoutMs ?? this.opts.totalTimeoutMs,
      truncate: false,
      checkBinary: true,
      validators: options.validators,
      signal: options.signal,
    });
  }

  /**
   * Whether the site's robots.txt lets our user agent fetch `url` (fetched once per origin). The
   * fetch is shared by the callers that ask meanwhile: a caller's `signal` stops its own wait at
   * once (and the fetch itself, when that caller started it); a caller that was not stopped asks
   * again when the shared fetch was.
   */
  async allowedByRobots(url: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const target = this.checkUrl(url);
    const origin = target.origin;
    const robotsUrl = shortUrl(`${origin}/robots.txt`);
    if (options.signal?.aborted) throw new FetchStoppedError(robotsUrl);
    const now = this.opts.clock.now().getTime();
    let entry = this.robotsCache.get(origin);
    if (!entry || entry.expires <= now) {
      if (this.robotsCache.size >= ROBOTS_CACHE_MAX) this.robotsCache.delete(this.robotsCache.keys().next().value!);
      const created = { expires: now + this.opts.robotsTtlMs, rules: this.loadRobots(origin, options.signal) };
      // A site that did not answer is asked again by the next caller, not refused for the TTL.
      created.rules.catch(() => {
        if (this.robotsCache.get(origin) === created) this.robotsCache.delete(origin);
      });
      this.robotsCache.set(origin, created);
      entry = created;
    }
    let rules: RobotsRule[];
    try {
      rules = await orStopped(entry.rules, options.signal, robotsUrl);
    } catch (error) {
      if (error instanceof FetchStoppedError && !options.signal?.aborted) return this.allowedByRobots(url, options);
      throw error;
    }
    return robotsAllows(rules, target.pathname + target.search);
  }

  /**
   * The site's robots.txt rules. 4xx reads as "no restrictions" (RFC 9309 2.3.1.3). A 5xx is
   * allowed with a warning where the RFC says assume disallow: the page fetch that follows is
   * guarded and answers for itself. A robots.txt that times out or cannot be reached throws
   * that error (the RFC's "unreachable": assume complete disallow): a site that does not answer
   * for its robots.txt is not asked for its pages, which saves the caller a second timeout.
   */
  private async loadRobots(origin: string, signal: AbortSignal | undefined): Promise<RobotsRule[]> {
    const robotsUrl = `${origin}/robots.txt`;
    try {
      const response = await this.fetchGuarded(robotsUrl, {
        accept: null,
        maxBytes: this.opts.robotsMaxBytes,
        totalTimeoutMs: this.opts.totalTimeoutMs,
        truncate: true,
        checkBinary: false,
        signal,
      });
      return parseRobotsTxt(response.text, this.robotsAgent);
    } catch (error) {
      // A stopped fetch learnt nothing about the site: not "no robots.txt, allow all".
      if (error instanceof FetchTimeoutError || error instanceof UnreachableError || error instanceof FetchStoppedError) throw error;
      if (error instanceof BadResponseError && error.status >= 400 && error.status < 500) {
        this.opts.logger.debug('robots.txt absent: allowing all', { url: robotsUrl, status: error.status });
      } else {
        this.opts.logger.warn('robots.txt unavailable: allowing all', {
          url: robotsUrl,
          error: error instanceof Error ? error.name : 'Error',
          message: error instanceof Error ? error.message : String(error),
        });
      }
      return [];
    }
  }

  /** Scheme, credentials and URL syntax: refused before any I/O. */
  private checkUrl(raw: string, redirectedFrom?: string): URL {
    const shown = shortUrl(raw);
    const suffix = redirectedFrom ? ` (redirected from ${shortUrl(redirectedFrom)})` : '';
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new BlockedUrlError(shown, `not a valid absolute URL${suffix}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new BlockedUrlError(shown, `scheme "${url.protocol}" is not allowed, only http: and https:${suffix}`);
    }
    if (url.username !== '' || url.password !== '') {
      throw new BlockedUrlError(shortUrl(redactCredentials(url)), `credentials in the URL are not allowed${suffix}`);
    }
    url.hash = '';
    return url;
  }

  private async fetchGuarded(rawUrl: string, plan: FetchPlan): Promise<WebResponse> {
    const started = performance.now();
    const fetchedAt = this.opts.clock.now().toISOString();
    const requested = this.checkUrl(rawUrl);
    let deadline = started + plan.totalTimeoutMs;
    let current = requested;
    const chain = [current.href];
    for (;;) {
      const from = chain.length > 1 ? requested.href : undefined;
      if (plan.signal?.aborted) throw new FetchStoppedError(shortUrl(current.href));
      // A stop while queued behind the host's pacing ends the wait; the queue moves on without it.
      deadline += await orStopped(this.pace(current.hostname), plan.signal, shortUrl(current.href));
      const result = await this.hop(current, plan, deadline, from);
      if (result.kind === 'done') {
        return this.buildResponse(requested, current, chain.slice(0, -1), result, plan, fetchedAt, started);
      }
      let next: URL;
      try {
        next = this.checkUrl(new URL(result.location, current).href, requested.href);
      } catch (error) {
        if (error instanceof WebError) throw error;
        throw new BadResponseError(shortUrl(current.href), result.status, 'redirect with an unusable Location header');
      }
      if (chain.includes(next.href)) {
        throw new TooManyRedirectsError(shortUrl(requested.href), `redirect loop: ${[...chain, next.href].map(shortUrl).join(' -> ')}`);
      }
      if (chain.length > this.opts.maxRedirects) {
        throw new TooManyRedirectsError(
          shortUrl(requested.href),
          `more than ${this.opts.maxRedirects} redirects: ${[...chain, next.href].map(shortUrl).join(' -> ')}`,
        );
      }
      chain.push(next.href);
      current = next;
    }
  }

  /**
   * Wait for this host's turn; returns the time spent waiting. A per-host promise chain makes
   * concurrent callers queue, each starting at least hostDelayMs after the previous one.
   */
  private async pace(hostname: string): Promise<number> {
    const delay = this.opts.hostDelayMs;
    const timer = this.opts.pacingTimer;
    if (delay <= 0) return 0;
    const host = hostname.replace(/\.$/, '');
    const t0 = timer.now();
    const previous = this.hostQueue.get(host) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.hostQueue.set(host, mine);
    await previous;
    const last = this.hostLastStart.get(host);
    const wait = last === undefined ? 0 : last + delay - timer.now();
    if (wait > 0) await timer.sleep(Math.ceil(wait));
    this.hostLastStart.set(host, timer.now());
    release();
    if (this.hostQueue.get(host) === mine) this.hostQueue.delete(host);
    if (this.hostLastStart.size > 10_000) {
      const stale = timer.now() - delay;
      for (const [h, at] of this.hostLastStart) if (at < stale) this.hostLastStart.delete(h);
    }
    return timer.now() - t0;
  }

  /** Resolve and check the host, then make one request to a checked address. */
  private async hop(url: URL, plan: FetchPlan, deadline: number, redirectedFrom?: string): Promise<HopResult> {
    const target = await this.guard(url, plan, deadline, redirectedFrom);
    let lastFailure: WebError | undefined;
    for (const address of target.addresses) {
      try {
        return await this.request(url, address, target.port, plan, deadline, target.plaintext === true);
      } catch (error) {
        if (!(error instanceof ConnectFailure)) throw error;
        lastFailure = error.error;
        this.opts.logger.debug('web.connect failed', { url: url.href, address, message: error.message });
      }
    }
    throw lastFailure ?? new UnreachableError(shortUrl(url.href), 'no address to connect to');
  }

  /** The SSRF guard proper: every address the host maps to must pass, or nothing is dialled. */
  private async guard(url: URL, plan: FetchPlan, deadline: number, redirectedFrom?: string): Promise<HopTarget> {
    const shown = shortUrl(url.href);
    const suffix = redirectedFrom ? ` (redirected from ${shortUrl(redirectedFrom)})` : '';
    const hostname = url.hostname.toLowerCase().replace(/\.$/, '');
    const urlPort = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const mapped = this.connectTo.find((c) => c.pattern === hostname || (c.pattern.startsWith('*.') && hostname.endsWith(c.pattern.slice(1))));
    const literal = parseHostLiteral(url.hostname);
    let target: HopTarget;
    if (mapped) {
      target = { addresses: [mapped.address], port: mapped.port, via: 'connectTo', plaintext: mapped.plaintext };
    } else {
      // Cheap refusal before any DNS: no allow-list entry could make this port acceptable.
      if (!DEFAULT_PORTS.has(urlPort) && !this.allow.some((e) => e.port === urlPort)) {
        throw new BlockedUrlError(shown, `refused: port ${urlPort} (only 80 and 443 outside the allow-list)${suffix}`);
      }
      if (literal !== null) {
        if (this.opts.offline && !isAllowListed(this.allow, literal, urlPort)) {
          throw new UnreachableError(shown, `offline: network disabled (${formatHostPort(literal, urlPort)} is not allow-listed)${suffix}`);
        }
        target = { addresses: [literal], port: urlPort, via: 'literal' };
      } else {
        if (this.opts.offline) throw new UnreachableError(shown, `offline: DNS disabled${suffix}`);
        target = { addresses: await this.lookup(url, hostname, deadline, plan.signal), port: urlPort, via: 'dns' };
      }
    }
    for (const address of target.addresses) {
      if (isAllowListed(this.allow, address, target.port)) continue;
      const where = target.via === 'connectTo' ? `connects to ${formatHostPort(address, target.port)} via connectTo` : target.via === 'dns' ? `resolves to ${address}` : `address ${address}`;
      const cls = classifyAddress(address);
      if (!cls.allowed) {
        const listed = this.allow.filter((e) => e.address === address).map((e) => formatHostPort(e.address, e.port));
        const hint = listed.length > 0 ? `; only ${listed.join(', ')} is allow-listed` : '';
        throw new BlockedUrlError(shown, `refused: ${where} (${cls.range}${hint})${suffix}`);
      }
      if (!DEFAULT_PORTS.has(target.port)) {
        throw new BlockedUrlError(shown, `refused: ${where}, port ${target.port} (only 80 and 443 outside the allow-list)${suffix}`);
      }
    }
    return target;
  }

  private async lookup(url: URL, hostname: string, deadline: number, signal: AbortSignal | undefined): Promise<string[]> {
    const shown = shortUrl(url.href);
    const remaining = deadline - performance.now();
    if (remaining <= 0) throw new FetchTimeoutError(shown, `timed out before DNS lookup of ${hostname}`);
    let timer: NodeJS.Timeout | undefined;
    let found: string[];
    try {
      found = await Promise.race([
        orStopped(this.opts.resolve(hostname), signal, shown),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new FetchTimeoutError(shown, `DNS lookup of ${hostname} timed out`)), remaining);
        }),
      ]);
    } catch (error) {
      if (error instanceof WebError || error instanceof FetchStoppedError) throw error;
      const code = (error as NodeJS.ErrnoException)?.code ?? (error as Error)?.message ?? String(error);
      throw new UnreachableError(shown, `DNS lookup of ${hostname} failed (${code})`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    const addresses: string[] = [];
    for (const raw of found) {
      const address = parseHostLiteral(raw);
      // A resolver answer that is not an address is refused like any other bad address.
      if (address === null) throw new BlockedUrlError(shown, `refused: resolves to "${String(raw).slice(0, 60)}", not an IP address`);
      if (!addresses.includes(address)) addresses.push(address);
    }
    if (addresses.length === 0) throw new UnreachableError(shown, `DNS lookup of ${hostname} returned no address`);
    return addresses;
  }

  /** One HTTP exchange with a checked address; reads and decodes the body within the caps. */
  private request(url: URL, address: string, port: number, plan: FetchPlan, deadline: number, plaintext = false): Promise<HopResult> {
    const shown = shortUrl(url.href);
    const isHttps = url.protocol === 'https:' && !plaintext;
    const family = address.includes(':') ? 6 : 4;
    // The socket is opened to the checked IP itself; should anything still ask for a lookup,
    // it gets that same IP, so a second DNS answer (rebinding) never reaches the socket.
    const pinned: LookupFunction = (_host, options, callback) => {
      const cb = callback as (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void;
      if ((options as { all?: boolean }).all) cb(null, [{ address, family }]);
      else cb(null, address, family);
    };
    const requestOptions: https.RequestOptions = {
      host: address,
      port,
      family,
      lookup: pinned,
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      agent: false,
      headers: {
        Host: url.host,
        'User-Agent': this.opts.userAgent,
        Accept: plan.accept ? plan.accept.join(', ') : '*/*',
        'Accept-Encoding': 'gzip, deflate, br',
        Connection: 'close',
        ...conditionalHeaders(plan.validators),
      },
    };
    // SNI and certificate checks use the URL's name, not the IP we dial.
    if (isHttps && parseHostLiteral(url.hostname) === null) requestOptions.servername = url.hostname.replace(/\.$/, '');
    this.opts.logger.debug('web.connect', { url: url.href, address, port });

    return new Promise<HopResult>((resolve, reject) => {
      let settled = false;
      let connected = false;
      const timers: NodeJS.Timeout[] = [];
      let decoders: Transform[] = [];
      const req = (isHttps ? https : http).request(requestOptions);

      // Destroying the request destroys the socket: whatever the server still sends is never read.
      const cleanup = () => {
        for (const t of timers) clearTimeout(t);
        plan.signal?.removeEventListener('abort', stopped);
        req.destroy();
        for (const d of decoders) d.destroy();
      };
      // The caller stopped: not a connect failure (no other address is tried), not the site's fault.
      const stopped = () => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(new FetchStoppedError(shown));
      };
      const fail = (error: WebError) => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(connected ? error : new ConnectFailure(error));
      };
      const failAfterConnect = (error: WebError) => {
        connected = true;
        fail(error);
      };
      const finish = (result: HopResult) => {
        if (settled) return;
        settled = true;
        cleanup();
        resolve(result);
      };

      if (plan.signal?.aborted) {
        stopped();
        return;
      }
      plan.signal?.addEventListener('abort', stopped, { once: true });
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        failAfterConnect(new FetchTimeoutError(shown, `timed out after ${plan.totalTimeoutMs}ms`));
        return;
      }
      timers.push(
        setTimeout(() => failAfterConnect(new FetchTimeoutError(shown, `timed out after ${plan.totalTimeoutMs}ms (headers and body)`)), remaining),
      );
      const connectTimer = setTimeout(
        () => fail(new FetchTimeoutError(shown, `connect to ${formatHostPort(address, port)} timed out after ${this.opts.connectTimeoutMs}ms`)),
        Math.min(this.opts.connectTimeoutMs, remaining),
      );
      timers.push(connectTimer);
      req.once('socket', (socket) => {
        socket.once(isHttps ? 'secureConnect' : 'connect', () => {
          connected = true;
          clearTimeout(connectTimer);
        });
      });

      req.on('error', (error: NodeJS.ErrnoException) => {
        const code = error.code ?? 'ERR';
        const where = formatHostPort(address, port);
        if (code.startsWith('HPE_')) failAfterConnect(new BadResponseError(shown, 0, `malformed HTTP response (${code})`));
        else if (code === 'ECONNREFUSED') fail(new UnreachableError(shown, `connection to ${where} refused`, { cause: error }));
        else if (TLS_ERROR.test(code)) fail(new UnreachableError(shown, `TLS with ${where} failed (${code})`, { cause: error }));
        else if (!connected) fail(new UnreachableError(shown, `cannot connect to ${where} (${code})`, { cause: error }));
        else fail(new UnreachableError(shown, `connection to ${where} failed (${code})`, { cause: error }));
      });

      req.on('response', (res) => {
        connected = true;
        const status = res.statusCode ?? 0;
        if (REDIRECT_STATUSES.has(status)) {
          const location = res.headers.location;
          if (!location) failAfterConnect(new BadResponseError(shown, status, `HTTP ${status} redirect without a Location header`));
          else finish({ kind: 'redirect', status, location });
          return;
        }
        if (status === 304 && plan.validators && Object.keys(conditionalHeaders(plan.validators)).length > 0) {
          // Not Modified has no body (RFC 9110 §15.4.5); the caller keeps the copy it validated.
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = headerValue(value);
          finish({ kind: 'done', status, headers, contentType: '', body: Buffer.alloc(0) });
          return;
        }
        if (status < 200 || status > 299) {
          // The body is never read: error pages are not evidence and must not reach messages.
          failAfterConnect(new BadResponseError(shown, status, `HTTP ${status}`));
          return;
        }
        const contentTypeHeader = headerValue(res.headers['content-type']);
        const mime = contentTypeHeader.split(';')[0].trim().toLowerCase();
        if (plan.accept && mime !== '' && !plan.accept.some((a) => mime.startsWith(a.toLowerCase()))) {
          failAfterConnect(new NotHtmlError(shown, status, mime, `content type "${mime.slice(0, 100)}" is not accepted (want ${plan.accept.join(', ')})`));
          return;
        }
        const declared = Number(headerValue(res.headers['content-length']) || NaN);
        if (!plan.truncate && Number.isFinite(declared) && declared > plan.maxBytes) {
          failAfterConnect(new TooLargeError(shown, `declares ${declared} bytes, over the ${plan.maxBytes}-byte cap`));
          return;
        }
        const encoding = headerValue(res.headers['content-encoding']);
        try {
          decoders = contentDecoders(encoding);
        } catch (error) {
          failAfterConnect(new BadResponseError(shown, status, (error as Error).message));
          return;
        }

        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = headerValue(value);
        const chunks: Buffer[] = [];
        let rawBytes = 0;
        let decodedBytes = 0;
        // Set once no more wire bytes are wanted: the body ended, or was cut at the cap.
        let inputDone = false;
        const done = () => finish({ kind: 'done', status, headers, contentType: mime, body: Buffer.concat(chunks) });

        const onDecoded = (chunk: Buffer) => {
          if (settled) return;
          const room = this.opts.maxDecodedBytes - decodedBytes;
          decodedBytes += chunk.length;
          if (decodedBytes <= this.opts.maxDecodedBytes) {
            chunks.push(chunk);
          } else if (plan.truncate) {
            chunks.push(chunk.subarray(0, room));
            done();
          } else {
            // Destroying the decoder here stops zlib mid-chunk, so a bomb never inflates further.
            failAfterConnect(new TooLargeError(shown, `body decodes to more than ${this.opts.maxDecodedBytes} bytes`));
          }
        };

        const head = decoders[0];
        const tail = decoders[decoders.length - 1];
        decoders.forEach((decoder, i) => {
          decoder.on('error', (error: NodeJS.ErrnoException) =>
            failAfterConnect(new BadResponseError(shown, status, `cannot decode the ${encoding} body (${error.code ?? 'corrupt data'})`)),
          );
          if (i + 1 < decoders.length) decoder.pipe(decoders[i + 1]);
        });
        tail?.on('data', onDecoded);
        tail?.on('end', done);
        const endInput = (last?: Buffer) => {
          inputDone = true;
          if (head) head.end(last);
          else {
            if (last) onDecoded(last);
            done();
          }
        };

        res.on('data', (chunk: Buffer) => {
          if (settled || inputDone) return;
          const room = plan.maxBytes - rawBytes;
          rawBytes += chunk.length;
          if (rawBytes <= plan.maxBytes) {
            if (head) head.write(chunk);
            else onDecoded(chunk);
          } else if (plan.truncate) {
            endInput(chunk.subarray(0, room));
          } else {
            failAfterConnect(new TooLargeError(shown, `body is over the ${plan.maxBytes}-byte cap`));
          }
        });
        res.on('end', () => {
          if (!settled && !inputDone) endInput();
        });
        // 'close' without 'end' (and no cap reached): the server hung up mid-body.
        res.on('close', () => {
          if (!settled && !inputDone) failAfterConnect(new UnreachableError(shown, 'connection closed before the body was complete'));
        });
      });

      req.end();
    });
  }

  private buildResponse(
    requested: URL,
    final: URL,
    redirects: string[],
    result: Extract<HopResult, { kind: 'done' }>,
    plan: FetchPlan,
    fetchedAt: string,
    started: number,
  ): WebResponse {
    const shown = shortUrl(final.href);
    if (result.status === 304) {
      return {
        requestedUrl: requested.href, url: final.href, status: 304, headers: result.headers, contentType: '', body: result.body,
        charset: 'utf-8', text: '', redirects, fetchedAt, elapsedMs: Math.round(performance.now() - started), notModified: true,
      };
    }
    const { decoder, utf16 } = pickDecoder(result.headers['content-type'] ?? '', result.body);
    // NUL bytes never occur in real HTML text encodings (UTF-16 aside): it is an image, an
    // archive or an executable with a misleading label.
    if (plan.checkBinary && !utf16 && result.body.subarray(0, 1024).includes(0)) {
      throw new NotHtmlError(shown, result.status, result.contentType, `binary content labelled "${result.contentType || '(no content type)'}"`);
    }
    return {
      requestedUrl: requested.href,
      url: final.href,
      status: result.status,
      headers: result.headers,
      contentType: result.contentType,
      body: result.body,
      charset: decoder.encoding,
      text: decoder.decode(result.body),
      redirects,
      fetchedAt,
      elapsedMs: Math.round(performance.now() - started),
    };
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** If-None-Match and If-Modified-Since from stored validators (RFC 9110 §13.1.2, §13.1.3); header-safe values only. */
function conditionalHeaders(validators: WebValidators | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const safe = (v: string | null | undefined) => (typeof v === 'string' && v.length > 0 && v.length <= 512 && /^[\x20-\x7e]+$/.test(v) ? v : undefined);
  const etag = safe(validators?.etag);
  const lastModified = safe(validators?.lastModified);
  if (etag) out['If-None-Match'] = etag;
  if (lastModified) out['If-Modified-Since'] = lastModified;
  return out;
}

function redactCredentials(url: URL): string {
  const copy = new URL(url.href);
  copy.username = copy.username ? 'REDACTED' : '';
  copy.password = '';
  return copy.href;
}

function headerValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : value;
}


/**
 * Raw deflate or zlib-wrapped deflate: servers send both under `deflate`, so the first two bytes
 * decide, as browsers do.
 */
class AnyInflate extends Transform {
  private inner: zlib.Inflate | zlib.InflateRaw | undefined;
  private head = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.inner) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 2) return callback();
      const [cmf, flg] = [this.head[0], this.head[1]];
      const wrapped = (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0;
      const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
      this.inner = wrapped ? zlib.createInflate(opts) : zlib.createInflateRaw(opts);
      this.inner.on('data', (d: Buffer) => this.push(d));
      this.inner.on('error', (e) => this.destroy(e));
      chunk = this.head;
    }
    this.inner.write(chunk, () => callback());
  }

  override _flush(callback: TransformCallback): void {
    if (!this.inner) return callback();
    this.inner.once('end', () => callback());
    this.inner.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner?.destroy();
    callback(error);
  }
}

/** Decoders for a Content-Encoding header, in the order to apply them (last encoding first). */
function contentDecoders(header: string): Transform[] {
  const codings = header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length > MAX_CONTENT_ENCODINGS) throw new Error(`too many content encodings (${codings.length})`);
  // Z_SYNC_FLUSH tolerates a truncated stream the way browsers do instead of failing the page.
  const lenient = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  return codings.reverse().map((coding) => {
    switch (coding) {
      case 'gzip':
      case 'x-gzip':
        return zlib.createGunzip(lenient);
      case 'deflate':
        return new AnyInflate();
      case 'br':
        return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
      default:
        throw new Error(`unsupported content-encoding "${coding.slice(0, 40)}"`);
    }
  });
}

export { pickDecoder } from '#core/net/charset.ts';

// ---------------------------------------------------------------------------------------------
// robots.txt (RFC 9309)

/** One Allow/Disallow line of the group that applies to us; `pattern` is percent-normalised. */
export interface RobotsRule {
  allow: boolean;
  pattern: string;
}

/** Percent-encode what a URL path would encode, and upper-case existing escapes, so both sides compare equal. */
function normalizeRobotsPath(path: string): string {
  let out = '';
  for (const ch of path) {
    const code = ch.codePointAt(0)!;
    if (code <= 0x20 || code >= 0x7f) {
      for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    } else {
      out += ch;
    }
  }
  return out.replace(/%[0-9a-f]{2}/gi, (m) => m.toUpperCase());
}

// Per RFC 9309: groups naming our product token win over `*`, and several matching groups merge.
/** The Allow/Disallow rules of the robots.txt group that applies to `agent` (a product token). */
export function parseRobotsTxt(text: string, agent: string): RobotsRule[] {
  const token = agent.toLowerCase();
  const groups: { agents: string[]; rules: RobotsRule[] }[] = [];
  let current: { agents: string[]; rules: RobotsRule[] } | undefined;
  let inAgentRun = false;
  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    const line = rawLine.replace(/#.*/, '').trim();
    const match = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
    if (!match) continue;
    const key = match[1].toLowerCase();
    const value = match[2].trim();
    if (key === 'user-agent') {
      if (!current || !inAgentRun) {
        current = { agents: [], rules: [] };
        groups.push(current);
      }
      current.agents.push(value.toLowerCase());
      inAgentRun = true;
    } else if (key === 'allow' || key === 'disallow') {
      inAgentRun = false;
      // Rules before any User-agent line belong to no group; an empty Disallow allows all.
      if (!current || value === '') continue;
      current.rules.push({ allow: key === 'allow', pattern: normalizeRobotsPath(value) });
    }
  }
  const names = (g: { agents: string[] }) => g.agents.map((a) => a.split(/[/\s]/)[0]);
  const mine = groups.filter((g) => names(g).includes(token));
  const chosen = mine.length > 0 ? mine : groups.filter((g) => g.agents.includes('*'));
  return chosen.flatMap((g) => g.rules);
}

/**
 * Match a robots pattern against a path: `*` is any run of characters, a final `$` anchors the
 * end, otherwise it is a prefix match. Iterative (no regex) so a hostile robots.txt full of
 * wildcards cannot make matching exponential.
 */
function robotsMatch(pattern: string, path: string): boolean {
  const anchored = pattern.endsWith('$');
  const p = anchored ? pattern.slice(0, -1) : `${pattern}*`;
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < path.length) {
    if (pi < p.length && p[pi] !== '*' && p[pi] === path[si]) {
      pi++;
      si++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** Whether `pathAndQuery` is allowed: the longest matching rule wins, Allow on a tie. */
export function robotsAllows(rules: readonly RobotsRule[], pathAndQuery: string): boolean {
  const path = normalizeRobotsPath(pathAndQuery || '/');
  if (path === '/robots.txt') return true;
  let best: RobotsRule | undefined;
  for (const rule of rules) {
    if (!robotsMatch(rule.pattern, path)) continue;
    if (!best || rule.pattern.length > best.pattern.length || (rule.pattern.length === best.pattern.length && rule.allow && !best.allow)) {
      best = rule;
    }
  }
  return best ? best.allow : true;
}
