/**
 * The one-click unsubscribe route, served locally on 127.0.0.1 with node:http (in the cloud the
 * same core sits behind a Lambda function URL).
 *
 * - `POST /unsubscribe/<token>` with `List-Unsubscribe=One-Click` in the form body is RFC 8058's
 *   one-click request: the opt-out is recorded at once and the answer is 200.
 * - `GET /unsubscribe/<token>` changes nothing (RFC 8058 §3: link scanners and previews fetch
 *   links): it checks the token and shows a page whose button sends that same POST.
 *
 * A bad or forged token gets 400 and a plain sentence; nothing about the address or the
 * workspace is echoed back.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describeError, InvalidUnsubscribeTokenError } from '#core/errors.ts';
import type { Log, Sql } from '#core/ports.ts';
import { unsubscribeOneClick, unsubscribeSecret, verifyUnsubscribeToken } from '#core/sending/unsubscribe.ts';

const MAX_BODY_BYTES = 64 * 1024;
const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The unsubscribe secret: `PROSPECTOR_UNSUBSCRIBE_SECRET` when set, else a random one kept in
 * `<home>/secrets/unsubscribe.key` (created on first use, readable by its owner only), so links in
 * mail already sent keep working across restarts.
 */
export async function loadUnsubscribeSecret(options: { env?: NodeJS.ProcessEnv; home: string }): Promise<Buffer> {
  const fromEnv = (options.env ?? process.env).PROSPECTOR_UNSUBSCRIBE_SECRET;
  if (fromEnv) return unsubscribeSecret(fromEnv);
  const dir = join(options.home, 'secrets');
  const file = join(dir, 'unsubscribe.key');
  try {
    return unsubscribeSecret((await readFile(file, 'utf8')).trim(), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  // `wx`: if two processes race, one creates the file and the other reads the winner's.
  try {
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return unsubscribeSecret((await readFile(file, 'utf8')).trim(), file);
}

export interface UnsubscribeServer {
  /** The base the one-click URLs go under, e.g. `http://127.0.0.1:40123/unsubscribe`. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

function page(res: ServerResponse, status: number, title: string, body: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
  res.end(html);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether a form body (urlencoded or multipart) carries RFC 8058's `List-Unsubscribe=One-Click`. */
function isOneClick(contentType: string, body: string): boolean {
  if (contentType.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body).get('List-Unsubscribe') === 'One-Click';
  if (contentType.startsWith('multipart/form-data')) return /name="List-Unsubscribe"\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n/.test(body);
  return false;
}

/** Starts the route on 127.0.0.1 (port 0: any free port). */
export async function startUnsubscribeServer(options: { sql: Sql; secret: Buffer; port?: number; log?: Log }): Promise<UnsubscribeServer> {
  const log = options.log ?? quiet;
  const server = createServer((req, res) => {
    void handle(req, res).catch((error) => {
      log.error('unsubscribe request failed', describeError(error));
      if (!res.headersSent) page(res, 500, 'Something went wrong', '<p>Your request was not recorded. Please try the link again in a minute.</p>');
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/unsubscribe\/([^/]+)$/.exec(url.pathname);
    if (!m) return page(res, 404, 'Not found', '<p>There is nothing here.</p>');
    let token: string;
    try {
      token = decodeURIComponent(m[1]);
    } catch {
      return page(res, 400, 'This link is not valid', '<p>Open it again from the email.</p>');
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      try {
        verifyUnsubscribeToken(options.secret, token);
      } catch (error) {
        if (error instanceof InvalidUnsubscribeTokenError) return page(res, 400, 'This link is not valid', '<p>It may have been cut off: open it again from the email.</p>');
        throw error;
      }
      return page(
        res,
        200,
        'Unsubscribe?',
        `<p>You will get no more emails from this sender.</p><form method="post" action="/unsubscribe/${encodeURIComponent(token)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
      );
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, HEAD, POST' });
      return void res.end();
    }
    const body = await readBody(req);
    if (body === undefined) return page(res, 413, 'Request too large', '<p>Nothing was recorded.</p>');
    if (!isOneClick(String(req.headers['content-type'] ?? ''), body)) {
      return page(res, 400, 'Not a one-click request', '<p>Expected the form field List-Unsubscribe=One-Click (RFC 8058). Nothing was recorded.</p>');
    }
    try {
      const result = await unsubscribeOneClick(options.sql, options.secret, token);
      log.info('opt-out recorded', { workspaceId: result.workspaceId, newlySuppressed: result.newlySuppressed, stoppedSequences: result.stoppedSequenceIds.length });
    } catch (error) {
      if (error instanceof InvalidUnsubscribeTokenError) return page(res, 400, 'This link is not valid', '<p>Nothing was recorded. Open the link again from the email.</p>');
      throw error;
    }
    return page(res, 200, 'You are unsubscribed', '<p>You will get no more emails from this sender.</p>');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/unsubscribe`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
