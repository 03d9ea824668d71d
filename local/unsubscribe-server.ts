/**
 * The one-click unsubscribe route, served locally on 127.0.0.1 with node:http; what it answers
 * is lambdas/core/sending/unsubscribe-route.ts, the same core the cloud's Lambda function URL
 * serves (lambdas/handlers/unsubscribe.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describeError } from '#core/errors.ts';
import type { Log, Sql } from '#core/ports.ts';
import { unsubscribeSecret } from '#core/sending/unsubscribe.ts';
import { handleUnsubscribeRequest, MAX_UNSUBSCRIBE_BODY_BYTES, UNSUBSCRIBE_FAILED, type UnsubscribeResponse } from '#core/sending/unsubscribe-route.ts';

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

function send(res: ServerResponse, answer: UnsubscribeResponse): void {
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_UNSUBSCRIBE_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the route on 127.0.0.1 (port 0: any free port). */
export async function startUnsubscribeServer(options: { sql: Sql; secret: Buffer; port?: number; log?: Log }): Promise<UnsubscribeServer> {
  const log = options.log ?? quiet;
  const server = createServer((req, res) => {
    void handle(req, res).catch((error) => {
      log.error('unsubscribe request failed', describeError(error));
      if (!res.headersSent) send(res, UNSUBSCRIBE_FAILED());
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const body = method === 'POST' ? await readBody(req) : '';
    send(res, await handleUnsubscribeRequest({ sql: options.sql, secret: options.secret, log }, { method, path: url.pathname, contentType: String(req.headers['content-type'] ?? ''), body }));
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
