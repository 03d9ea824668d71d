// Every server here listens on loopback, every GuardedWeb gets a fake resolver, and a spy on
// socket connects fails the test if anything dials a non-loopback address.
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { GuardedWeb, type GuardedWebOptions, type PacingTimer, parseRobotsTxt, pickDecoder, robotsAllows } from '#adapters/guarded-web.ts';
import {
  BadResponseError,
  BlockedUrlError,
  FetchStoppedError,
  FetchTimeoutError,
  NotHtmlError,
  TooLargeError,
  TooManyRedirectsError,
  UnreachableError,
  WebError,
} from '#core/errors.ts';
import type { Log } from '#core/ports.ts';
import { installTripwire, type Dial, type Tripwire } from '#test/helpers/tripwire.mjs';

interface TestServer {
  port: number;
  base: string;
  connections: number;
  requests: { path: string; host: string | undefined; userAgent: string | undefined; at: number }[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(handler: Handler, host = '127.0.0.1'): Promise<TestServer> {
  const server = http.createServer((req, res) => {
    state.requests.push({ path: req.url ?? '', host: req.headers.host, userAgent: req.headers['user-agent'], at: performance.now() });
    handler(req, res);
  });
  const state: TestServer = {
    port: 0,
    base: '',
    connections: 0,
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  state.port = (server.address() as net.AddressInfo).port;
  state.base = host.includes(':') ? `http://[${host}]:${state.port}` : `http://${host}:${state.port}`;
  return state;
}

function html(res: http.ServerResponse, body: string | Buffer, contentType = 'text/html; charset=utf-8', status = 200) {
  res.writeHead(status, { 'Content-Type': contentType });
  res.end(body);
}

// --- The loopback-only tripwire --------------------------------------------------------------

// Every test runs with the tripwire (test/helpers/tripwire.mjs): a dial to anything but a
// loopback literal throws before a packet leaves, and `dialled` lists the test's dials.
let tripwire: Tripwire | undefined;
let dialled: Dial[] = [];

beforeEach(() => {
  tripwire = installTripwire();
  dialled = tripwire.dials;
});

afterEach(() => {
  const done = tripwire;
  tripwire = undefined;
  done?.restore();
  expect(done?.refused ?? [], 'dials outside loopback').toEqual([]);
});

// --- Fixtures ----------------------------------------------------------------------------------

let main: TestServer;
let other: TestServer;
let other6: TestServer | undefined;

const bigBody = { sent: 0, closedEarly: false, closed: Promise.resolve() };
let robotsHits = 0;

beforeAll(async () => {
  main = await serve((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    switch (url.pathname) {
      case '/':
        return html(res, '<!doctype html><title>Home</title><p>hello</p>');
      case '/go':
        res.writeHead(302, { Location: url.searchParams.get('to') ?? '/' });
        return res.end('redirecting: SECRET-BODY');
      case '/rel/a':
        res.writeHead(301, { Location: 'b?x=1' });
        return res.end();
      case '/rel/b':
        return html(res, 'landed');
      case '/loop/a':
        res.writeHead(307, { Location: '/loop/b' });
        return res.end();
      case '/loop/b':
        res.writeHead(308, { Location: '/loop/a' });
        return res.end();
      case '/chain': {
        const n = Number(url.searchParams.get('n') ?? '0');
        res.writeHead(302, { Location: `/chain?n=${n + 1}` });
        return res.end();
      }
      case '/huge': {
        // 100 MB generated lazily, respecting backpressure, until the client hangs up.
        const total = 100 * 1024 * 1024;
        const chunk = Buffer.alloc(64 * 1024, 'a');
        bigBody.sent = 0;
        bigBody.closedEarly = false;
        bigBody.closed = new Promise<void>((resolve) => {
          res.on('close', () => {
            bigBody.closedEarly = bigBody.sent < total;
            resolve();
          });
        });
        res.writeHead(200, { 'Content-Type': 'text/html' });
        const pump = () => {
          while (bigBody.sent < total && !res.destroyed) {
            bigBody.sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          if (!res.destroyed) res.end();
        };
        return pump();
      }
      case '/declared-huge':
        res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': String(50_000_000) });
        return res.write('<p>');
      case '/bomb':
        res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Encoding': 'gzip' });
        return res.end(zlib.gzipSync(Buffer.alloc(10 * 1024 * 1024)));
      case '/gzip':
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Encoding': 'gzip' });
        return res.end(zlib.gzipSync('<p>zipped café</p>'));
      case '/deflate-raw':
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Encoding': 'deflate' });
        return res.end(zlib.deflateRawSync('<p>raw deflate</p>'));
      case '/deflate-zlib':
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Encoding': 'deflate' });
        return res.end(zlib.deflateSync('<p>zlib deflate</p>'));
      case '/br':
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Encoding': 'br' });
        return res.end(zlib.brotliCompressSync('<p>brotli</p>'));
      case '/zstd':
        res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Encoding': 'zstd' });
        return res.end('xx');
      case '/trickle': {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.write('<');
        const timer = setInterval(() => res.write('p'), 1000);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/binary':
        return html(res, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]), 'text/html');
      case '/cp1252':
        return html(res, Buffer.from([...Buffer.from('<p>caf'), 0xe9, ...Buffer.from('</p>')]), 'text/html; charset=windows-1252');
      case '/meta-charset':
        return html(res, Buffer.from([...Buffer.from('<meta charset="windows-1252"><p>na'), 0xef, ...Buffer.from('ve</p>')]), 'text/html');
      case '/meta-http-equiv':
        return html(
          res,
          Buffer.from([...Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=shift_jis"><p>'), 0x83, 0x65, ...Buffer.from('</p>')]),
          'text/html',
        );
      case '/bogus-charset':
        return html(res, '<p>caf\u00e9</p>', 'text/html; charset=x-no-such-thing');
      case '/empty':
        return html(res, '');
      case '/missing':
        return html(res, 'SECRET-BODY not found', 'text/html', 404);
      case '/oops':
        return html(res, 'SECRET-BODY', 'text/html', 500);
      case '/json':
        return html(res, '{"SECRET-BODY":true}', 'application/json');
      case '/xhtml':
        return html(res, '<html xmlns="http://www.w3.org/1999/xhtml"/>', 'application/xhtml+xml');
      case '/robots.txt':
        robotsHits++;
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return res.end(['User-agent: *', 'Disallow: /', '', 'User-agent: ProspectorBot', 'Disallow: /secret', 'Allow: /secret/ok$', ''].join('\n'));
      default:
        return html(res, `page ${url.pathname}`);
    }
  });
  other = await serve((_req, res) => html(res, 'other'));
  try {
    other6 = await serve((_req, res) => html(res, 'other6'), '::1');
  } catch {
    other6 = undefined; // no IPv6 loopback here: the [::1] case is skipped
  }
});

afterAll(async () => {
  await main?.close();
  await other?.close();
  await other6?.close();
});

const resolveTable: Record<string, string[]> = {};
const resolver = vi.fn(async (host: string): Promise<string[]> => {
  const found = resolveTable[host];
  if (!found) throw Object.assign(new Error(`no such host ${host}`), { code: 'ENOTFOUND' });
  return found;
});

beforeEach(() => {
  resolver.mockClear();
  for (const k of Object.keys(resolveTable)) delete resolveTable[k];
  resolveTable.localhost = ['127.0.0.1', '::1'];
});

function web(options: Partial<GuardedWebOptions> = {}): GuardedWeb {
  return new GuardedWeb({ allow: [{ address: '127.0.0.1', port: main.port }], resolve: resolver, hostDelayMs: 0, ...options });
}

async function failure(promise: Promise<unknown>): Promise<WebError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WebError);
    return error as WebError;
  }
  throw new Error('expected the fetch to fail');
}

// --- Tests ---------------------------------------------------------------------------------------

describe('GuardedWeb fetch', () => {
  it('fetches an allow-listed page', async () => {
    const res = await web().fetch(`${main.base}/`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<p>hello</p>');
    expect(res.contentType).toBe('text/html');
    expect(res.charset).toBe('utf-8');
    expect(res.url).toBe(`${main.base}/`);
    expect(res.requestedUrl).toBe(`${main.base}/`);
    expect(res.redirects).toEqual([]);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(Date.parse(res.fetchedAt)).not.toBeNaN();
    expect(main.requests.at(-1)?.userAgent).toMatch(/^ProspectorBot\/0\.1 /);
    expect(resolver).not.toHaveBeenCalled();
  });

  it('reaches an allow-listed address by name too, unless the name also resolves elsewhere', async () => {
    resolveTable.localhost = ['127.0.0.1'];
    const res = await web().fetch(`http://localhost:${main.port}/named`);
    expect(res.text).toBe('page /named');
    expect(main.requests.at(-1)?.host).toBe(`localhost:${main.port}`);
    // Every resolved address must pass: ::1 is not on the allow-list, so nothing is dialled.
    resolveTable.localhost = ['127.0.0.1', '::1'];
    const before = main.connections;
    const error = await failure(web().fetch(`http://localhost:${main.port}/named`));
    expect(error.message).toBe(`http://localhost:${main.port}/named: refused: resolves to ::1 (loopback)`);
    expect(main.connections).toBe(before);
  });

  it('maps hosts with connectTo, keeping the Host header, without DNS', async () => {
    const w = web({ connectTo: { '*.example': `127.0.0.1:${main.port}` }, offline: true });
    const res = await w.fetch('http://acme.example/about');
    expect(res.text).toBe('page /about');
    expect(res.url).toBe('http://acme.example/about');
    expect(main.requests.at(-1)?.host).toBe('acme.example');
    expect(resolver).not.toHaveBeenCalled();

    const offline = await failure(w.fetch('http://elsewhere.test/'));
    expect(offline).toBeInstanceOf(UnreachableError);
    expect(offline.message).toMatch(/offline: DNS disabled/);
    expect(resolver).not.toHaveBeenCalled();
  });

  it('still guards a connectTo target that is not allow-listed', async () => {
    const w = web({ connectTo: { 'acme.example': `127.0.0.1:${other.port}` } });
    const error = await failure(w.fetch('http://acme.example/'));
    expect(error).toBeInstanceOf(BlockedUrlError);
    expect(error.message).toMatch(/connectTo.*loopback/);
    expect(other.connections).toBe(0);
  });

  it('follows relative redirects and records them', async () => {
    const res = await web().fetch(`${main.base}/rel/a`);
    expect(res.text).toBe('landed');
    expect(res.url).toBe(`${main.base}/rel/b?x=1`);
    expect(res.redirects).toEqual([`${main.base}/rel/a`]);
  });

  describe('never reaches a loopback server that is not allow-listed', () => {
    const targets: [string, () => string | undefined][] = [
      ['by name', () => `http://localhost:${other.port}/`],
      ['by IPv4', () => `http://127.0.0.1:${other.port}/`],
      ['by IPv6', () => (other6 ? `http://[::1]:${other6.port}/` : undefined)],
      ['by IPv4-mapped IPv6', () => `http://[::ffff:127.0.0.1]:${other.port}/`],
      ['by hex', () => `http://0x7f000001:${other.port}/`],
      ['by decimal', () => `http://2130706433:${other.port}/`],
      ['by octal', () => `http://0177.0.0.1:${other.port}/`],
      ['by short form', () => `http://127.1:${other.port}/`],
      ['on the allowed address but port 80', () => `http://127.0.0.1/`],
    ];
    it.each(targets)('via redirect %s', async (_label, target) => {
      const to = target();
      if (to === undefined) return;
      const before = other.connections + (other6?.connections ?? 0);
      // Allow-list the other servers' ports on a different address, so the refusal has to come
      // from comparing the resolved address, not from the cheap port pre-check.
      const decoys = [other.port, other6?.port ?? other.port].map((port) => ({ address: '127.0.0.2', port }));
      const w = web({ allow: [{ address: '127.0.0.1', port: main.port }, ...decoys] });
      const error = await failure(w.fetch(`${main.base}/go?to=${encodeURIComponent(to)}`));
      expect(error).toBeInstanceOf(BlockedUrlError);
      expect(error.message).toMatch(/: refused: (resolves to|address) [0-9a-f.:]+ \((ipv4Mapped:)?loopback/);
      expect(error.message).toContain(`redirected from ${main.base}/go`);
      expect(error.message).not.toContain('SECRET-BODY');
      expect(other.connections + (other6?.connections ?? 0)).toBe(before);
    });

    it('when asked directly', async () => {
      const error = await failure(web().fetch(`http://127.0.0.1:${other.port}/`));
      expect(error.message).toBe(`http://127.0.0.1:${other.port}/: refused: port ${other.port} (only 80 and 443 outside the allow-list)`);
      const port80 = await failure(web().fetch('http://127.0.0.1/'));
      expect(port80.message).toBe(`http://127.0.0.1/: refused: address 127.0.0.1 (loopback; only 127.0.0.1:${main.port} is allow-listed)`);
      expect(other.connections).toBe(0);
      expect(dialled).toEqual([]);
    });
  });

  it('refuses a redirect to the metadata service without dialling it', async () => {
    const error = await failure(web().fetch(`${main.base}/go?to=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`));
    expect(error).toBeInstanceOf(BlockedUrlError);
    expect(error.message).toMatch(/^http:\/\/169\.254\.169\.254\/latest\/meta-data\/: refused: address 169\.254\.169\.254 \(linkLocal\)/);
    expect(resolver).not.toHaveBeenCalled();
    expect(dialled.map((d) => d.host)).not.toContain('169.254.169.254');
    expect(dialled).toEqual([{ host: '127.0.0.1', port: main.port }]);
  });

  it('refuses a name that resolves to the metadata service, or to any private address', async () => {
    resolveTable['metadata.test'] = ['169.254.169.254'];
    resolveTable['mixed.test'] = ['93.184.216.34', '10.0.0.5'];
    const a = await failure(web().fetch('http://metadata.test/latest/meta-data/'));
    expect(a.message).toBe('http://metadata.test/latest/meta-data/: refused: resolves to 169.254.169.254 (linkLocal)');
    const b = await failure(web().fetch('http://mixed.test/'));
    expect(b.message).toBe('http://mixed.test/: refused: resolves to 10.0.0.5 (private)');
    expect(resolver).toHaveBeenCalledTimes(2);
    expect(dialled).toEqual([]);
  });

  it.each(['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,<p>x', 'ftp://x.example/', 'gopher://x.example/', 'blob:http://x.example/1'])(
    'refuses %s before any I/O',
    async (url) => {
      const error = await failure(web().fetch(url));
      expect(error).toBeInstanceOf(BlockedUrlError);
      expect(error.message).toMatch(/scheme ".*:" is not allowed/);
      expect(resolver).not.toHaveBeenCalled();
      expect(dialled).toEqual([]);
    },
  );

  it('refuses credentials, odd ports and garbage before any I/O', async () => {
    resolveTable['x.example'] = ['93.184.216.34'];
    const creds = await failure(web().fetch('http://user:hunter2@x.example/'));
    expect(creds.message).toMatch(/credentials/);
    expect(creds.message).not.toContain('hunter2');
    const port = await failure(web().fetch('http://x.example:6379/'));
    expect(port.message).toBe('http://x.example:6379/: refused: port 6379 (only 80 and 443 outside the allow-list)');
    const garbage = await failure(web().fetch('not a url'));
    expect(garbage).toBeInstanceOf(BlockedUrlError);
    expect(resolver).not.toHaveBeenCalled();
    expect(dialled).toEqual([]);
  });

  it('refuses a redirect to a non-http scheme', async () => {
    const error = await failure(web().fetch(`${main.base}/go?to=${encodeURIComponent('file:///etc/passwd')}`));
    expect(error).toBeInstanceOf(BlockedUrlError);
    expect(error.message).toMatch(/scheme "file:"/);
  });

  it('names the chain of a redirect loop', async () => {
    const error = await failure(web().fetch(`${main.base}/loop/a`));
    expect(error).toBeInstanceOf(TooManyRedirectsError);
    expect(error.message).toBe(`${main.base}/loop/a: redirect loop: ${main.base}/loop/a -> ${main.base}/loop/b -> ${main.base}/loop/a`);
  });

  it('stops endless redirects after maxRedirects', async () => {
    const before = main.requests.length;
    const error = await failure(web({ maxRedirects: 5 }).fetch(`${main.base}/chain?n=0`));
    expect(error).toBeInstanceOf(TooManyRedirectsError);
    expect(error.message).toMatch(/more than 5 redirects: .*n=0 -> .*n=6$/);
    expect(main.requests.length - before).toBe(6);
  });

  it('stops a 100 MB body at the cap and hangs up', async () => {
    const error = await failure(web().fetch(`${main.base}/huge`));
    expect(error).toBeInstanceOf(TooLargeError);
    expect(error.message).toMatch(/over the 2000000-byte cap/);
    await bigBody.closed;
    expect(bigBody.closedEarly).toBe(true);
    expect(bigBody.sent).toBeLessThan(30 * 1024 * 1024);
  });

  it('refuses a declared Content-Length over the cap without reading', async () => {
    const error = await failure(web({ maxBytes: 1000 }).fetch(`${main.base}/declared-huge`));
    expect(error).toBeInstanceOf(TooLargeError);
    expect(error.message).toMatch(/declares 50000000 bytes/);
  });

  it('stops a gzip bomb at maxDecodedBytes', async () => {
    const before = process.memoryUsage().rss;
    const error = await failure(web().fetch(`${main.base}/bomb`));
    expect(error).toBeInstanceOf(TooLargeError);
    expect(error.message).toMatch(/decodes to more than 5000000 bytes/);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    const small = await failure(web({ maxDecodedBytes: 100_000 }).fetch(`${main.base}/bomb`));
    expect(small.message).toMatch(/decodes to more than 100000 bytes/);
  });

  it.each([
    ['/gzip', '<p>zipped café</p>'],
    ['/deflate-raw', '<p>raw deflate</p>'],
    ['/deflate-zlib', '<p>zlib deflate</p>'],
    ['/br', '<p>brotli</p>'],
  ])('decodes %s', async (path, text) => {
    expect((await web().fetch(`${main.base}${path}`)).text).toBe(text);
  });

  it('refuses an unknown content-encoding', async () => {
    const error = await failure(web().fetch(`${main.base}/zstd`));
    expect(error).toBeInstanceOf(BadResponseError);
    expect(error.message).toMatch(/unsupported content-encoding "zstd"/);
  });

  it('times out a server trickling a byte a second', async () => {
    const started = performance.now();
    const error = await failure(web({ totalTimeoutMs: 1500 }).fetch(`${main.base}/trickle`));
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(FetchTimeoutError);
    expect(error.message).toMatch(/timed out after 1500ms/);
    // never before the limit; the trickle never ends, so only the total timeout ends the fetch
    // (no upper wall-clock bound: on a loaded machine it failed a correct fetch)
    expect(elapsed).toBeGreaterThanOrEqual(1400);
  });

  it('times out a TLS handshake that never completes as a connect timeout', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const error = await failure(web({ allow: [{ address: '127.0.0.1', port }], connectTimeoutMs: 300 }).fetch(`https://127.0.0.1:${port}/`));
      expect(error).toBeInstanceOf(FetchTimeoutError);
      // the connect timeout's own message, not the total timeout's: the silent server would
      // otherwise hold the handshake until the total limit
      expect(error.message).toBe(`https://127.0.0.1:${port}/: connect to 127.0.0.1:${port} timed out after 300ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('per-call timeoutMs overrides the default', async () => {
    const error = await failure(web().fetch(`${main.base}/trickle`, { timeoutMs: 300 }));
    expect(error).toBeInstanceOf(FetchTimeoutError);
  });

  it('gives a fetch up when its signal is aborted, waiting for headers or mid-body: the connection is closed, no other address is tried', async () => {
    let closed = 0;
    const silent = await serve((req) => req.socket.once('close', () => closed++)); // never answers
    resolveTable['silent.example'] = ['127.0.0.1', '127.0.0.1'];
    try {
      // a limit the test never reaches: only the stop can end these fetches
      const w = web({ totalTimeoutMs: 600_000, allow: [{ address: '127.0.0.1', port: silent.port }, { address: '127.0.0.1', port: main.port }] });
      const stop = new AbortController();
      const waiting = w.fetch(`http://silent.example:${silent.port}/`, { signal: stop.signal });
      while (silent.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      stop.abort();
      const error = await waiting.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FetchStoppedError);
      // not a WebError: no step records it as the page's or the lead's failure
      expect(error).not.toBeInstanceOf(WebError);
      expect((error as Error).message).toBe(`http://silent.example:${silent.port}/: stopped before the site answered (the run is stopping)`);
      // the second address of the name is not dialled
      expect(silent.connections).toBe(1);
      while (closed === 0) await new Promise((resolve) => setTimeout(resolve, 10));

      // mid-body: a page trickling a byte a second
      const midway = new AbortController();
      const trickling = w.fetch(`${main.base}/trickle`, { signal: midway.signal });
      setTimeout(() => midway.abort(), 300);
      await expect(trickling).rejects.toBeInstanceOf(FetchStoppedError);

      // a signal aborted before the call asks nothing
      await expect(w.fetch(`${silent.base}/again`, { signal: stop.signal })).rejects.toBeInstanceOf(FetchStoppedError);
      expect(silent.requests.map((r) => r.path)).toEqual(['/']);
    } finally {
      await silent.close();
    }
  }, 30_000);

  it('refuses binary content labelled text/html', async () => {
    const error = await failure(web().fetch(`${main.base}/binary`));
    expect(error).toBeInstanceOf(NotHtmlError);
    expect(error.name).toBe('NotHtml');
    expect(error.message).toMatch(/binary content/);
  });

  it('decodes windows-1252 from the header', async () => {
    const res = await web().fetch(`${main.base}/cp1252`);
    expect(res.charset).toBe('windows-1252');
    expect(res.text).toBe('<p>café</p>');
  });

  it('sniffs <meta charset> and <meta http-equiv>', async () => {
    const a = await web().fetch(`${main.base}/meta-charset`);
    expect(a.charset).toBe('windows-1252');
    expect(a.text).toContain('naïve');
    const b = await web().fetch(`${main.base}/meta-http-equiv`);
    expect(b.charset).toBe('shift_jis');
    expect(b.text).toContain('<p>テ</p>');
  });

  it('falls back to utf-8 for an unknown charset label', async () => {
    const res = await web().fetch(`${main.base}/bogus-charset`);
    expect(res.charset).toBe('utf-8');
    expect(res.text).toBe('<p>café</p>');
  });

  it('returns an empty 200 as empty text', async () => {
    const res = await web().fetch(`${main.base}/empty`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.body.length).toBe(0);
  });

  it('turns 4xx and 5xx into BadResponse without the body', async () => {
    const notFound = await failure(web().fetch(`${main.base}/missing`));
    expect(notFound).toBeInstanceOf(BadResponseError);
    expect((notFound as BadResponseError).status).toBe(404);
    expect(notFound.message).toBe(`${main.base}/missing: HTTP 404`);
    const oops = await failure(web().fetch(`${main.base}/oops`));
    expect((oops as BadResponseError).status).toBe(500);
    expect(oops.message).not.toContain('SECRET-BODY');
  });

  it('refuses non-HTML content types as NotHtml', async () => {
    const error = await failure(web().fetch(`${main.base}/json`));
    expect(error).toBeInstanceOf(NotHtmlError);
    expect(error).toBeInstanceOf(BadResponseError);
    expect(error.name).toBe('NotHtml');
    expect(error.message).toMatch(/content type "application\/json" is not accepted/);
    expect(error.message).not.toContain('SECRET-BODY');
    expect((await web().fetch(`${main.base}/xhtml`)).contentType).toBe('application/xhtml+xml');
    expect((await web().fetch(`${main.base}/json`, { accept: ['application/json'] })).text).toContain('true');
  });

  it('reports a refused connection as Unreachable', async () => {
    const gone = await serve(() => {});
    const port = gone.port;
    await gone.close();
    const error = await failure(web({ allow: [{ address: '127.0.0.1', port }] }).fetch(`http://127.0.0.1:${port}/`));
    expect(error).toBeInstanceOf(UnreachableError);
    expect(error.message).toMatch(/refused/);
  });

  it('falls back to the next checked address when one does not answer', async () => {
    resolveTable['dual.test'] = ['127.0.0.2', '127.0.0.1'];
    const w = web({ allow: [{ address: '127.0.0.1', port: main.port }, { address: '127.0.0.2', port: main.port }] });
    const res = await w.fetch(`http://dual.test:${main.port}/dual`);
    expect(res.text).toBe('page /dual');
  });

  // Pacing runs on a virtual timer: the spacing is the fetcher's own bookkeeping, and the gap the
  // server sees between arrivals also holds connect jitter (a wall-clock check here failed a
  // correct fetcher by 0.2 ms on a loaded machine).
  function virtualTimer(): PacingTimer & { sleeps: { at: number; ms: number }[]; advance(ms: number): void } {
    let now = 1000;
    const sleeps: { at: number; ms: number }[] = [];
    return {
      sleeps,
      now: () => now,
      advance: (ms) => void (now += ms),
      sleep: async (ms) => {
        sleeps.push({ at: now, ms });
        now += ms;
      },
    };
  }

  it('spaces requests to one host by hostDelayMs, queued in arrival order', async () => {
    const timer = virtualTimer();
    const w = web({ hostDelayMs: 300, pacingTimer: timer });
    const before = main.requests.length;
    const pages = await Promise.all([1, 2, 3].map((n) => w.fetch(`${main.base}/space/${n}`)));
    expect(pages.map((p) => p.text)).toEqual(['page /space/1', 'page /space/2', 'page /space/3']);
    expect(main.requests.slice(before)).toHaveLength(3);
    // the first goes at once; the second waits out 300 ms from the first's start, the third 300 from the second's
    expect(timer.sleeps).toEqual([{ at: 1000, ms: 300 }, { at: 1300, ms: 300 }]);

    // a request once the spacing has passed goes without waiting; one 100 ms after waits the rest
    timer.advance(500);
    await w.fetch(`${main.base}/space/4`);
    timer.advance(100);
    await w.fetch(`${main.base}/space/5`);
    expect(timer.sleeps.slice(2)).toEqual([{ at: 2200, ms: 200 }]);
  });

  it('paces each host on its own: another host does not wait', async () => {
    const timer = virtualTimer();
    resolveTable.localhost = ['127.0.0.1'];
    const w = web({ hostDelayMs: 300, pacingTimer: timer });
    await Promise.all([w.fetch(`${main.base}/space/a`), w.fetch(`http://localhost:${main.port}/space/b`)]);
    expect(timer.sleeps).toEqual([]);
    await w.fetch(`http://localhost:${main.port}/space/c`);
    expect(timer.sleeps).toEqual([{ at: 1000, ms: 300 }]);
  });
});

describe('GuardedWeb robots.txt', () => {
  it('honours the ProspectorBot group and fetches robots.txt once per site', async () => {
    robotsHits = 0;
    const w = web();
    expect(await w.allowedByRobots(`${main.base}/secret/page`)).toBe(false);
    expect(await w.allowedByRobots(`${main.base}/public`)).toBe(true);
    expect(await w.allowedByRobots(`${main.base}/secret/ok`)).toBe(true);
    expect(robotsHits).toBe(1);
  });

  it('refetches after the TTL', async () => {
    robotsHits = 0;
    let now = 1_000_000;
    const w = web({ robotsTtlMs: 1000, clock: { now: () => new Date(now) } });
    await w.allowedByRobots(`${main.base}/a`);
    now += 500;
    await w.allowedByRobots(`${main.base}/b`);
    now += 1000;
    await w.allowedByRobots(`${main.base}/c`);
    expect(robotsHits).toBe(2);
  });

  it('fails with the fetch error when robots.txt times out or its host is unreachable, and asks again next time', async () => {
    let asked = 0;
    const silent = await serve((req, res) => {
      if (req.url === '/robots.txt') asked++; // and never answered
      else html(res, '<p>page</p>');
    });
    const gone = await serve(() => {});
    const gonePort = gone.port;
    await gone.close();
    try {
      const w = web({
        totalTimeoutMs: 300,
        allow: [
          { address: '127.0.0.1', port: silent.port },
          { address: '127.0.0.1', port: gonePort },
        ],
      });
      const timedOut = await failure(w.allowedByRobots(`${silent.base}/`));
      expect(timedOut).toBeInstanceOf(FetchTimeoutError);
      expect(timedOut.message).toContain(`${silent.base}/robots.txt`);
      // not cached as a refusal for the TTL: the next caller asks the site again
      await failure(w.allowedByRobots(`${silent.base}/about`));
      expect(asked).toBe(2);
      const refused = await failure(w.allowedByRobots(`http://127.0.0.1:${gonePort}/`));
      expect(refused).toBeInstanceOf(UnreachableError);
    } finally {
      await silent.close();
    }
  });

  it('a stopped robots.txt fetch is not cached, not even as "allow all": a caller that was not stopped asks again and its rules hold', async () => {
    let asked = 0;
    const site = await serve((req, res) => {
      if (req.url !== '/robots.txt') return html(res, '<p>page</p>');
      // the first ask is never answered; the next ones are
      if (++asked > 1) res.writeHead(200, { 'Content-Type': 'text/plain' }).end('User-agent: *\nDisallow: /private\n');
    });
    try {
      const w = web({ totalTimeoutMs: 600_000, allow: [{ address: '127.0.0.1', port: site.port }] });
      const stop = new AbortController();
      // the stopped caller starts the fetch; another caller waits on the same one
      const stopped = w.allowedByRobots(`${site.base}/private`, { signal: stop.signal });
      const other = w.allowedByRobots(`${site.base}/private`);
      while (asked === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      stop.abort();
      const error = await stopped.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FetchStoppedError);
      expect((error as Error).message).toBe(`${site.base}/robots.txt: stopped before the site answered (the run is stopping)`);
      await expect(other).resolves.toBe(false);
      await expect(w.allowedByRobots(`${site.base}/about`)).resolves.toBe(true);
      expect(asked).toBe(2);
    } finally {
      await site.close();
    }
  }, 30_000);

  it('allows all on 404, and on 5xx with a warning', async () => {
    const warn = vi.fn();
    const logger: Log = { debug() {}, info() {}, warn, error() {} };
    const missing = await serve((_req, res) => html(res, 'nope', 'text/plain', 404));
    const broken = await serve((_req, res) => html(res, 'nope', 'text/plain', 503));
    try {
      const w = web({
        logger,
        allow: [
          { address: '127.0.0.1', port: missing.port },
          { address: '127.0.0.1', port: broken.port },
        ],
      });
      expect(await w.allowedByRobots(`${missing.base}/x`)).toBe(true);
      expect(warn).not.toHaveBeenCalled();
      expect(await w.allowedByRobots(`${broken.base}/x`)).toBe(true);
      expect(warn).toHaveBeenCalledWith('robots.txt unavailable: allowing all', expect.objectContaining({ url: `${broken.base}/robots.txt` }));
    } finally {
      await missing.close();
      await broken.close();
    }
  });

  it('refuses non-http URLs', async () => {
    await expect(web().allowedByRobots('file:///etc/passwd')).rejects.toBeInstanceOf(BlockedUrlError);
  });
});

describe('robots.txt rules', () => {
  const text = [
    '# comment',
    'Disallow: /ignored-before-any-group',
    'User-agent: *',
    'Disallow: /',
    '',
    'User-agent: OtherBot',
    'User-agent: prospectorbot/2.0',
    'Disallow: /private',
    'Allow: /private/public',
    'Disallow: /*.pdf$',
    'Disallow: /search*q=',
    'Disallow:',
    'Sitemap: https://x.example/sitemap.xml',
    '',
    'User-agent: ProspectorBot',
    'Disallow: /also',
  ].join('\r\n');
  const rules = parseRobotsTxt(text, 'prospectorbot');

  it.each([
    ['/', true],
    ['/private', false],
    ['/private/x', false],
    ['/private/public/x', true],
    ['/docs/a.pdf', false],
    ['/docs/a.pdf?x=1', true],
    ['/search?q=1', false],
    ['/search/x?lang=en&q=1', false],
    ['/also/here', false],
    ['/robots.txt', true],
  ])('%s -> %s', (path, allowed) => {
    expect(robotsAllows(rules, path)).toBe(allowed);
  });

  it('falls back to the * group, and to allow-all with no group', () => {
    const star = parseRobotsTxt('User-agent: *\nDisallow: /x\n', 'prospectorbot');
    expect(robotsAllows(star, '/x/y')).toBe(false);
    expect(robotsAllows(star, '/y')).toBe(true);
    expect(parseRobotsTxt('User-agent: other\nDisallow: /\n', 'prospectorbot')).toEqual([]);
  });

  it('prefers Allow on an equal-length tie and compares percent-encoding', () => {
    const r = parseRobotsTxt('User-agent: *\nDisallow: /a\nAllow: /a\nDisallow: /café\n', 'prospectorbot');
    expect(robotsAllows(r, '/a')).toBe(true);
    expect(robotsAllows(r, new URL('http://x.example/café').pathname)).toBe(false);
  });

  it('matches hostile wildcard patterns in linear-ish time', () => {
    const r = parseRobotsTxt(`User-agent: *\nDisallow: /${'*a'.repeat(200)}b\n`, 'prospectorbot');
    const started = performance.now();
    expect(robotsAllows(r, `/${'a'.repeat(5000)}`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('pickDecoder', () => {
  it('lets a byte-order mark win over the header', () => {
    const { decoder } = pickDecoder('text/html; charset=windows-1252', Buffer.from([0xef, 0xbb, 0xbf, 0x41]));
    expect(decoder.encoding).toBe('utf-8');
  });

  it('maps iso-8859-1 to windows-1252 as browsers do', () => {
    expect(pickDecoder('text/html; charset=ISO-8859-1', Buffer.alloc(0)).decoder.encoding).toBe('windows-1252');
  });

  it('ignores a meta tag claiming utf-16', () => {
    expect(pickDecoder('text/html', Buffer.from('<meta charset="utf-16">')).decoder.encoding).toBe('utf-8');
  });
});
