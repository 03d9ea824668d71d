/**
 * The one-click unsubscribe route as plain request → response, served locally by node:http
 * (local/unsubscribe-server.ts) and in the cloud by a Lambda function URL
 * (lambdas/handlers/unsubscribe.ts): the same answers in both places.
 *
 * - `POST /unsubscribe/<token>` with `List-Unsubscribe=One-Click` in the form body is RFC 8058's
 *   one-click request (https://www.rfc-editor.org/rfc/rfc8058#section-3.2): the opt-out is
 *   recorded at once and the answer is 200.
 * - `GET /unsubscribe/<token>` changes nothing (RFC 8058 §3: link scanners and previews fetch
 *   links): it checks the token and shows a page whose button sends that same POST.
 *
 * A bad or forged token gets 400 and a plain sentence; nothing about the address or the
 * workspace is echoed back.
 */
import { InvalidUnsubscribeTokenError } from '../errors.ts';
import type { Log, Sql } from '../ports.ts';
import { unsubscribeOneClick, verifyUnsubscribeToken } from './unsubscribe.ts';

/** Bodies larger than this are refused unread (a one-click form is a few bytes). */
export const MAX_UNSUBSCRIBE_BODY_BYTES = 64 * 1024;

export interface UnsubscribeRequest {
  method: string;
  /** The URL's path, still percent-encoded. */
  path: string;
  contentType: string;
  /** The body as text; `undefined` when it was larger than MAX_UNSUBSCRIBE_BODY_BYTES. */
  body: string | undefined;
}

export interface UnsubscribeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface UnsubscribeRouteDeps {
  sql: Sql;
  secret: Buffer;
  log: Log;
  now?: () => Date;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An HTML page; `title` is escaped, `html` is trusted markup built here. */
export function unsubscribePage(status: number, title: string, html: string): UnsubscribeResponse {
  const t = escapeHtml(title);
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${t}</title></head><body><main><h1>${t}</h1>${html}</main></body></html>`,
  };
}

/** What a request that failed unexpectedly gets (nothing recorded, try again). */
export const UNSUBSCRIBE_FAILED = () => unsubscribePage(500, 'Something went wrong', '<p>Your request was not recorded. Please try the link again in a minute.</p>');

/** Whether a form body (urlencoded or multipart) carries RFC 8058's `List-Unsubscribe=One-Click`. */
function isOneClick(contentType: string, body: string): boolean {
  if (contentType.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body).get('List-Unsubscribe') === 'One-Click';
  if (contentType.startsWith('multipart/form-data')) return /name="List-Unsubscribe"\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n/.test(body);
  return false;
}

/** Answers one request to the route; see the module comment. */
export async function handleUnsubscribeRequest(deps: UnsubscribeRouteDeps, req: UnsubscribeRequest): Promise<UnsubscribeResponse> {
  const m = /^\/unsubscribe\/([^/]+)$/.exec(req.path);
  if (!m) return unsubscribePage(404, 'Not found', '<p>There is nothing here.</p>');
  let token: string;
  try {
    token = decodeURIComponent(m[1]);
  } catch {
    return unsubscribePage(400, 'This link is not valid', '<p>Open it again from the email.</p>');
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    try {
      verifyUnsubscribeToken(deps.secret, token);
    } catch (error) {
      if (error instanceof InvalidUnsubscribeTokenError) return unsubscribePage(400, 'This link is not valid', '<p>It may have been cut off: open it again from the email.</p>');
      throw error;
    }
    return unsubscribePage(
      200,
      'Unsubscribe?',
      `<p>You will get no more emails from this sender.</p><form method="post" action="/unsubscribe/${encodeURIComponent(token)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
    );
  }
  if (req.method !== 'POST') return { status: 405, headers: { allow: 'GET, HEAD, POST' }, body: '' };
  if (req.body === undefined) return unsubscribePage(413, 'Request too large', '<p>Nothing was recorded.</p>');
  if (!isOneClick(req.contentType, req.body)) {
    return unsubscribePage(400, 'Not a one-click request', '<p>Expected the form field List-Unsubscribe=One-Click (RFC 8058). Nothing was recorded.</p>');
  }
  try {
    const result = await unsubscribeOneClick(deps.sql, deps.secret, token, (deps.now ?? (() => new Date()))());
    deps.log.info('opt-out recorded', { workspaceId: result.workspaceId, newlySuppressed: result.newlySuppressed, stoppedSequences: result.stoppedSequenceIds.length });
  } catch (error) {
    if (error instanceof InvalidUnsubscribeTokenError) return unsubscribePage(400, 'This link is not valid', '<p>Nothing was recorded. Open the link again from the email.</p>');
    throw error;
  }
  return unsubscribePage(200, 'You are unsubscribed', '<p>You will get no more emails from this sender.</p>');
}
