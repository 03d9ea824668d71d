/**
 * Lambda function URL handler for the one-click unsubscribe route (payload format 2.0,
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads): the request
 * becomes the route core's plain request, so the cloud answers exactly as the local server
 * (lambdas/core/sending/unsubscribe-route.ts). The function URL has no IAM auth (a mail client
 * must reach it); the signed token is what authorises an opt-out.
 */
import { z } from 'zod';
import { describeError } from '#core/errors.ts';
import { handleUnsubscribeRequest, MAX_UNSUBSCRIBE_BODY_BYTES, UNSUBSCRIBE_FAILED, unsubscribePage, type UnsubscribeResponse } from '#core/sending/unsubscribe-route.ts';
import type { EdgeDeps } from '../cloud/composition.ts';
import { edgeHandler } from './runtime.ts';

const FunctionUrlEvent = z.object({
  rawPath: z.string(),
  requestContext: z.object({ http: z.object({ method: z.string() }).loose() }).loose(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});

/** The function URL's response (payload format 2.0). */
export interface FunctionUrlResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const toUrlResponse = (r: UnsubscribeResponse): FunctionUrlResponse => ({ statusCode: r.status, headers: r.headers, body: r.body });

export const makeHandler =
  (deps: EdgeDeps) =>
  async (raw: unknown): Promise<FunctionUrlResponse> => {
    const parsed = FunctionUrlEvent.safeParse(raw);
    if (!parsed.success) return toUrlResponse(unsubscribePage(400, 'Bad request', '<p>Nothing was recorded.</p>'));
    const event = parsed.data;
    if (!deps.unsubscribeSecret) throw new Error('the unsubscribe function has no signing key (UNSUBSCRIBE_SECRET_ARN)');
    // Function URLs lower-case header names.
    const contentType = event.headers?.['content-type'] ?? '';
    const bytes = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    const body = bytes.length > MAX_UNSUBSCRIBE_BODY_BYTES ? undefined : bytes.toString('utf8');
    try {
      return toUrlResponse(
        await handleUnsubscribeRequest(
          { sql: deps.sql, secret: deps.unsubscribeSecret, log: deps.log, now: () => deps.clock.now() },
          { method: event.requestContext.http.method.toUpperCase(), path: event.rawPath, contentType, body },
        ),
      );
    } catch (error) {
      deps.log.error('unsubscribe request failed', describeError(error));
      return toUrlResponse(UNSUBSCRIBE_FAILED());
    }
  };

export const handler = edgeHandler(makeHandler, 'Unsubscribe');
