/**
 * The sample web: a loopback HTTP server that serves the bundled fictional company sites by
 * virtual host, plus a few hosts that misbehave on purpose. The fetcher reaches it by connecting
 * `*.example` hosts to this server's address while keeping the original Host header.
 */
import { readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Hosts with no site folder that the server answers in a deliberately broken way. */
export const SPECIAL_HOSTS = {
  /** every request gets 503 Service Unavailable */
  down: 'down-forever.example',
  /** every response is held back for `slowMs` */
  slow: 'slow-freight.example',
  /** every request redirects to the same URL */
  loop: 'redirect-loop.example',
  /** a parked domain: 200 with an almost empty "for sale" page */
  parked: 'parked-domain.example',
} as const;

const DEFAULT_ROOT = join(import.meta.dirname, 'sites');
const DEFAULT_V2_ROOT = join(import.meta.dirname, 'sites-v2');
const DEFAULT_SLOW_MS = 20_000;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.pdf': 'application/pdf',
};

const COMPRESSIBLE = /^(text\/|application\/(xml|json)|image\/svg)/;

export interface SampleWebOptions {
  /** default 0: an ephemeral port */
  port?: number;
  /** default 127.0.0.1; only loopback addresses make sense */
  host?: string;
  /** delay of every response from slow-freight.example, default 20 s */
  slowMs?: number;
  /** folder holding one folder per domain, default the bundled `sites/` */
  root?: string;
  /**
   * 2 serves the second version (versions.ts): files under `v2Root/<domain>/` replace the
   * site's, and the pages its `.removed.json` lists answer 404. Default 1.
   */
  version?: 1 | 2;
  /** the second version's overlay, default the bundled `sites-v2/` */
  v2Root?: string;
}

export interface SampleWeb {
  port: number;
  host: string;
  /** e.g. http://127.0.0.1:43121 */
  origin: string;
  /** site folders plus the special hosts */
  domains: string[];
  close(): Promise<void>;
}

/** Domains the sample web answers for: every site folder plus the special hosts, sorted. */
export function sampleWebDomains(root: string = DEFAULT_ROOT): string[] {
  const sites = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name);
  return [...new Set([...sites, ...Object.values(SPECIAL_HOSTS)])].sort();
}

/** The lower-cased host name of a Host header, without port or trailing dot. */
export function hostName(header: string | undefined): string {
  if (!header) return '';
  let h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end > 0 ? h.slice(1, end) : h;
  } else {
    h = h.replace(/:\d*$/, '');
  }
  return h.replace(/\.$/, '');
}

/** The site folder for a host (`www.` falls back to the bare domain), or undefined. */
export function siteDir(root: string, host: string): string | undefined {
  // The Host header becomes a path segment, so only plain DNS names are accepted.
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(host)) return undefined;
  for (const name of host.startsWith('www.') ? [host, host.slice(4)] : [host]) {
    const dir = join(root, name);
    if (isDir(dir)) return dir;
  }
  return undefined;
}

/**
 * The file a URL path maps to inside a site folder: `/` -> index.html; `/x`, `/x.html` and `/x/`
 * -> x.html (or x/index.html); other extensions as is. Undefined when nothing matches or the path
 * tries to leave the folder.
 */
export function resolveSiteFile(dir: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..' || s.startsWith('.') || s.includes('\\') || s.includes('\0'))) return undefined;
  const rel = segments.join('/');
  const candidates: string[] = [];
  if (rel === '') candidates.push('index.html');
  else if (decoded.endsWith('/')) candidates.push(`${rel}.html`, `${rel}/index.html`);
  else if (extname(rel) !== '') candidates.push(rel);
  else candidates.push(`${rel}.html`, `${rel}/index.html`);
  const base = resolve(dir);
  for (const candidate of candidates) {
    const file = resolve(base, candidate);
    if (!file.startsWith(base + sep)) continue;
    if (isFile(file)) return file;
  }
  return undefined;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * Conditional GET as RFC 9110 §13 asks of a real server: If-None-Match is evaluated with the weak
 * comparison (§13.1.2, `*` matches any current representation) and, when present, If-Modified-Since
 * is ignored (§13.1.3); otherwise a Last-Modified no later than the date given means unchanged.
 * True when the answer is 304 Not Modified (§15.4.5).
 */
export function notModified(headers: IncomingMessage['headers'], etag: string, lastModified: Date): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) {
    const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
    const tags = (Array.isArray(inm) ? inm.join(',') : inm).split(',').map((t) => t.trim()).filter((t) => t !== '');
    return tags.some((t) => t === '*' || opaque(t) === opaque(etag));
  }
  const ims = headers['if-modified-since'];
  if (typeof ims !== 'string') return false;
  const since = Date.parse(ims);
  // An invalid date is ignored (§13.1.3); HTTP dates have whole seconds.
  return Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

function simplePage(title: string, message: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title><meta name="robots" content="noindex"></head>
<body><h1>${title}</h1><p>${message}</p></body>
</html>
`;
}

const PARKED_PAGE = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>parked-domain.example</title><meta name="robots" content="noindex, nofollow"></head>
<body><div style="text-align:center;margin-top:20%"><h1>This domain is for sale</h1><p>Inquire about parked-domain.example</p></div></body>
</html>
`;

const SLOW_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Slow Freight Lines | Regional Trucking</title><meta name="description" content="Regional truckload and LTL freight in the Midwest."></head>
<body><header><a href="/">Slow Freight Lines</a> <a href="/about">About</a></header>
<main><h1>Regional freight, delivered when promised.</h1><p>Slow Freight Lines runs 120 trucks out of Des Moines, Iowa.</p></main>
</body>
</html>
`;

/**
 * Site files compressed once, by their entity tag (a digest of the bytes, so equal tags mean equal
 * bodies): a run asks for the same heavy pages again and again (robots.txt, home pages, every lead
 * of a company), and gzip was most of a page's cost. Kept for the process rather than for one
 * server, so that the servers a process starts one after another (test suites, benchmark rounds)
 * compress each page once; at most 64 MiB, the oldest entries dropped first.
 */
const gzipped = new Map<string, Buffer>();
const GZIP_CACHE_BYTES = 64 * 1024 * 1024;
let gzippedBytes = 0;
function remember(tag: string, payload: Buffer): void {
  gzipped.set(tag, payload);
  gzippedBytes += payload.length;
  for (const [oldest, bytes] of gzipped) {
    if (gzippedBytes <= GZIP_CACHE_BYTES) break;
    gzipped.delete(oldest);
    gzippedBytes -= bytes.length;
  }
}

/** Starts the sample web on loopback and resolves once it is listening. */
export async function startSampleWeb(options: SampleWebOptions = {}): Promise<SampleWeb> {
  const root = resolve(options.root ?? DEFAULT_ROOT);
  const slowMs = options.slowMs ?? DEFAULT_SLOW_MS;
  const listenHost = options.host ?? '127.0.0.1';
  const pending = new Set<NodeJS.Timeout>();

  const send = (req: IncomingMessage, res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
    const contentType = headers['Content-Type'] ?? 'text/html; charset=utf-8';
    let payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const out: Record<string, string> = { 'Content-Type': contentType, Server: 'sample-web', ...headers };
    if (COMPRESSIBLE.test(contentType)) {
      out.Vary = 'Accept-Encoding';
      if (payload.length > 0 && acceptsGzip(req.headers['accept-encoding'])) {
        const tag = headers.ETag;
        const cached = tag ? gzipped.get(tag) : undefined;
        payload = cached ?? gzipSync(payload);
        if (tag && !cached) remember(tag, payload);
        out['Content-Encoding'] = 'gzip';
      }
    }
    out['Content-Length'] = String(payload.length);
    res.writeHead(status, out);
    res.end(req.method === 'HEAD' ? undefined : payload);
  };

  const v2Root = resolve(options.v2Root ?? DEFAULT_V2_ROOT);
  const serveSite = async (req: IncomingMessage, res: ServerResponse, dir: string, pathname: string) => {
    let file = resolveSiteFile(dir, pathname);
    if (options.version === 2) {
      const overlay = siteDir(v2Root, dir.slice(dir.lastIndexOf(sep) + 1));
      if (overlay) {
        const removed = await readFile(join(overlay, '.removed.json'), 'utf8').then((t) => JSON.parse(t) as string[], () => [] as string[]);
        const base = resolve(dir);
        if (file && removed.some((r) => resolve(base, r) === file)) file = undefined;
        else file = resolveSiteFile(overlay, pathname) ?? file;
      }
    }
    if (!file) {
      send(req, res, 404, simplePage('404 Not Found', 'The page you are looking for does not exist. Go back to the <a href="/">home page</a>.'));
      return;
    }
    const [body, info] = await Promise.all([readFile(file), stat(file)]);
    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    // A strong validator from the bytes served (RFC 9110 §8.8.3): equal tags mean equal bodies, and
    // the gzip representation gets its own tag (§8.8.3.3's example), as send() picks it.
    const asGzip = COMPRESSIBLE.test(type) && body.length > 0 && acceptsGzip(req.headers['accept-encoding']);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}${asGzip ? '-gzip' : ''}"`;
    const validators = { ETag: etag, 'Last-Modified': info.mtime.toUTCString(), 'Cache-Control': 'public, max-age=300' };
    if (notModified(req.headers, etag, info.mtime)) {
      // 304 carries the validators and no body (RFC 9110 §15.4.5).
      res.writeHead(304, { ...validators, Server: 'sample-web', ...(COMPRESSIBLE.test(type) ? { Vary: 'Accept-Encoding' } : {}) });
      res.end();
      return;
    }
    send(req, res, 200, body, { 'Content-Type': type, ...validators });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const host = hostName(req.headers.host);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://placeholder.invalid');
    } catch {
      send(req, res, 400, simplePage('400 Bad Request', 'Malformed request target.'));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, 405, simplePage('405 Method Not Allowed', 'Only GET and HEAD are supported.'), { Allow: 'GET, HEAD' });
      return;
    }
    switch (host) {
      case SPECIAL_HOSTS.down:
        send(req, res, 503, simplePage('503 Service Unavailable', 'The server is temporarily unable to service your request.'), { 'Retry-After': '3600', Connection: 'close' });
        return;
      case SPECIAL_HOSTS.loop:
        send(req, res, 302, simplePage('302 Found', 'Moved.'), { Location: `${url.pathname}${url.search}` });
        return;
      case SPECIAL_HOSTS.parked:
        if (url.pathname === '/robots.txt') send(req, res, 404, simplePage('404 Not Found', 'Not found.'));
        else send(req, res, 200, PARKED_PAGE);
        return;
      case SPECIAL_HOSTS.slow: {
        const timer = setTimeout(() => {
          pending.delete(timer);
          if (res.destroyed || res.writableEnded) return;
          if (url.pathname === '/robots.txt') send(req, res, 200, 'User-agent: *\nAllow: /\n', { 'Content-Type': 'text/plain; charset=utf-8' });
          else send(req, res, 200, SLOW_PAGE);
        }, slowMs);
        pending.add(timer);
        res.on('close', () => {
          clearTimeout(timer);
          pending.delete(timer);
        });
        return;
      }
    }
    const dir = siteDir(root, host);
    if (!dir) {
      send(req, res, 421, simplePage('421 Misdirected Request', `This server does not serve the host ${host ? host.replace(/[<>&"]/g, '') : '(none)'}.`));
      return;
    }
    await serveSite(req, res, dir, url.pathname);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(req, res, 500, simplePage('500 Internal Server Error', 'Something went wrong.'));
      else res.destroy();
    });
  });

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, listenHost, () => {
      server.off('error', fail);
      done();
    });
  });
  const address = server.address() as AddressInfo;
  const origin = address.family === 'IPv6' ? `http://[${address.address}]:${address.port}` : `http://${address.address}:${address.port}`;
  let closed: Promise<void> | undefined;
  return {
    port: address.port,
    host: address.address,
    origin,
    domains: sampleWebDomains(root),
    close() {
      closed ??= new Promise<void>((done) => {
        for (const timer of pending) clearTimeout(timer);
        pending.clear();
        server.close(() => done());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.SAMPLE_WEB_PORT ?? 8088);
  const web = await startSampleWeb({ port });
  console.log(`sample web on ${web.origin} serving ${web.domains.length} hosts; try: curl -H 'Host: brightpallet.example' ${web.origin}/about`);
  const stop = () => void web.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
