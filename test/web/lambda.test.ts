/**
 * The web app's Lambda handler in-process, fed API Gateway HTTP API events (payload format 2.0,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html),
 * over PGlite and a folder lake, signing in through a loopback Cognito (test/fakes/fake-cognito.ts):
 * the authorization-code flow with PKCE, the ID token verified by aws-jwt-verify, the Cognito
 * email mapped to its app_user and workspace; Secure cookies and HSTS; CSRF unchanged.
 */
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeCognito, type FakeCognito } from '#test/fakes/fake-cognito.ts';
import { webFixture, type WebFixture } from '#test/helpers/web.ts';
import { buildEdgeDeps, loadCloudEnv } from '../../lambdas/cloud/composition.ts';
import { makeHandler } from '../../lambdas/handlers/web.ts';

const APP_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com';

interface V2Result {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

let f: WebFixture;
let cognito: FakeCognito;
let handler: (event: unknown) => Promise<V2Result>;
const logged: { message: string }[] = [];

beforeAll(async () => {
  [f, cognito] = await Promise.all([webFixture(), startFakeCognito()]);
  const log = { info() {}, debug() {}, warn: (message: string) => logged.push({ message }), error: (message: string) => logged.push({ message }) };
  const serve = makeHandler(
    {
      sql: f.db,
      lake: f.lake,
      log: log as never,
      clock: { now: () => new Date() },
      cognito: { domainUrl: cognito.url, userPoolId: cognito.userPoolId, clientId: cognito.clientId, appUrl: APP_URL },
    },
    { jwksCache: new SimpleJwksCache({ fetcher: cognito.jwksFetcher }) },
  );
  handler = serve as unknown as (event: unknown) => Promise<V2Result>;
});
afterAll(async () => {
  await Promise.all([f?.close(), cognito?.close()]);
});

/** An HTTP API payload 2.0 event, as API Gateway sends it to the `$default` route. */
function httpApiEvent(method: string, target: string, options: { cookies?: string[]; form?: Record<string, string>; headers?: Record<string, string>; base64?: boolean } = {}) {
  const url = new URL(target, APP_URL);
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(options.cookies?.length ? { cookies: options.cookies } : {}),
    headers: {
      host: url.host,
      'user-agent': 'vitest',
      'x-forwarded-proto': 'https',
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...options.headers,
    },
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: url.host,
      domainPrefix: 'abc123',
      http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'vitest' },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: '$default',
      stage: '$default',
      time: '02/Dec/2026:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
    // API Gateway may deliver a body base64-encoded (isBase64Encoded), which the adapter decodes.
    ...(body ? { body: options.base64 ? Buffer.from(body).toString('base64') : body, isBase64Encoded: Boolean(options.base64) } : { isBase64Encoded: false }),
  };
}

/** The `name=value` of a Set-Cookie the handler returned, and the whole line. */
function cookieOf(result: V2Result, name: string): { pair: string; line: string } | undefined {
  const line = (result.cookies ?? []).find((c) => c.startsWith(`${name}=`));
  return line ? { pair: line.split(';')[0], line } : undefined;
}

/** Runs the whole sign-in: /login → Cognito → /auth/callback; returns the callback's result. */
async function signIn(email: string, tamper?: Record<string, unknown>, emailVerified = true) {
  const login = await handler(httpApiEvent('GET', '/login'));
  const attempt = cookieOf(login, 'prospector_sign_in')!;
  const callback = cognito.authorize(login.headers.location, { email, emailVerified }, tamper);
  return handler(httpApiEvent('GET', callback, { cookies: [attempt.pair] }));
}

describe('unauthenticated requests', () => {
  test('a page redirects to /login, which sends the browser to Cognito with state and a PKCE challenge', async () => {
    const page = await handler(httpApiEvent('GET', '/review'));
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/login');

    const login = await handler(httpApiEvent('GET', '/login'));
    expect(login.statusCode).toBe(302);
    const to = new URL(login.headers.location);
    expect(`${to.origin}${to.pathname}`).toBe(`${cognito.url}/oauth2/authorize`);
    expect(to.searchParams.get('client_id')).toBe(cognito.clientId);
    expect(to.searchParams.get('redirect_uri')).toBe(`${APP_URL}/auth/callback`);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const attempt = cookieOf(login, 'prospector_sign_in')!;
    expect(attempt.line).toMatch(/HttpOnly/);
    expect(attempt.line).toMatch(/Secure/);
    expect(attempt.line).toMatch(/Path=\/auth\/callback/);
    expect(attempt.pair.split('=')[1].split('.')[0]).toBe(to.searchParams.get('state'));
  });

  test('the JSON API answers 401, with HSTS like every response in the cloud', async () => {
    const api = await handler(httpApiEvent('GET', '/api/runs'));
    expect(api.statusCode).toBe(401);
    expect(JSON.parse(api.body).error).toMatch(/not signed in/);
    expect(api.headers['strict-transport-security']).toMatch(/max-age=31536000/);
  });
});

describe('signing in through Cognito', () => {
  test('a verified Cognito email opens a Secure session in its own workspace; pages render its data only', async () => {
    const callback = await signIn(f.tallyhand.email.toUpperCase());
    expect(callback.statusCode).toBe(303);
    expect(callback.headers.location).toBe('/review');
    const session = cookieOf(callback, 'prospector_session')!;
    expect(session.line).toMatch(/HttpOnly/);
    expect(session.line).toMatch(/Secure/);
    expect(session.line).toMatch(/SameSite=Lax/);
    // The token exchange carried the PKCE verifier, not a client secret.
    expect(cognito.tokenRequests.at(-1)).toMatchObject({ grant_type: 'authorization_code', client_id: cognito.clientId, redirect_uri: `${APP_URL}/auth/callback` });
    expect(cognito.tokenRequests.at(-1)!.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const review = await handler(httpApiEvent('GET', '/review', { cookies: [session.pair] }));
    expect(review.statusCode).toBe(200);
    expect(review.headers['content-type']).toMatch(/text\/html/);
    expect(review.body).toContain(f.tallyhand.email);
    expect(review.body).toContain('Dana Ruiz');
    expect(review.body).not.toContain('Rita Secret');
    expect(review.headers['strict-transport-security']).toMatch(/includeSubDomains/);
    expect(review.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);

    // The stored page text a fact cites comes from the lake through the same handler.
    const lead = await handler(httpApiEvent('GET', `/leads/${f.leads.northwind.leadId}/facts/f1/text`, { cookies: [session.pair] }));
    expect(lead.statusCode).toBe(200);
    expect(lead.body).toContain('cross-dock');

    const rivalLead = await handler(httpApiEvent('GET', `/leads/${f.leads.rivalLead.leadId}`, { cookies: [session.pair] }));
    expect(rivalLead.statusCode).toBe(404);
  });

  test('the other workspace\'s user sees their own rows', async () => {
    const session = cookieOf(await signIn(f.rival.email), 'prospector_session')!;
    const review = await handler(httpApiEvent('GET', '/review', { cookies: [session.pair] }));
    expect(review.statusCode).toBe(200);
    expect(review.body).toContain('Rita Secret');
    expect(review.body).not.toContain('Dana Ruiz');
  });

  test('CSRF is unchanged: a POST without the token is refused, with it the action runs; static files are bundled', async () => {
    const session = cookieOf(await signIn(f.tallyhand.email), 'prospector_session')!;
    const refused = await handler(httpApiEvent('POST', `/review/${f.sequences.granite.sequenceId}/reject`, { cookies: [session.pair], form: { reason: 'no' } }));
    expect(refused.statusCode).toBe(403);
    const page = await handler(httpApiEvent('GET', '/review', { cookies: [session.pair] }));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
    const done = await handler(httpApiEvent('POST', `/review/${f.sequences.granite.sequenceId}/reject`, { cookies: [session.pair], form: { reason: 'wrong segment', _csrf: csrf } }));
    expect(done.statusCode).toBe(303);
    const row = await f.db.query<{ status: string }>(`SELECT status FROM sequence WHERE id = :id::uuid`, { id: f.sequences.granite.sequenceId });
    expect(row.rows[0].status).toBe('rejected');

    const css = await handler(httpApiEvent('GET', '/static/app.css', { cookies: [session.pair] }));
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
  });

  test('signing out ends the app session and sends the browser to Cognito\'s logout', async () => {
    const session = cookieOf(await signIn(f.tallyhand.email), 'prospector_session')!;
    const page = await handler(httpApiEvent('GET', '/review', { cookies: [session.pair] }));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
    const out = await handler(httpApiEvent('POST', '/logout', { cookies: [session.pair], form: { _csrf: csrf }, base64: true }));
    expect(out.statusCode).toBe(303);
    const to = new URL(out.headers.location);
    expect(`${to.origin}${to.pathname}`).toBe(`${cognito.url}/logout`);
    expect(to.searchParams.get('logout_uri')).toBe(`${APP_URL}/`);
    const after = await handler(httpApiEvent('GET', '/review', { cookies: [session.pair] }));
    expect(after.statusCode).toBe(302);
  });
});

describe('refused sign-ins open no session', () => {
  const noSession = (r: V2Result) => expect(cookieOf(r, 'prospector_session')).toBeUndefined();

  test('an email that is no app_user: 403 naming it', async () => {
    const r = await signIn('stranger@elsewhere.example');
    expect(r.statusCode).toBe(403);
    expect(r.body).toContain('stranger@elsewhere.example is not a user of any workspace');
    noSession(r);
  });

  test('an unverified email: 401', async () => {
    const r = await signIn(f.tallyhand.email, undefined, false);
    expect(r.statusCode).toBe(401);
    expect(r.body).toMatch(/no verified email/);
    noSession(r);
  });

  test('an ID token for another app client, or expired: 401, the token did not verify', async () => {
    for (const tamper of [{ aud: 'someotherclient' }, { exp: Math.floor(Date.now() / 1000) - 600 }, { iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' }]) {
      const r = await signIn(f.tallyhand.email, tamper);
      expect(r.statusCode).toBe(401);
      expect(r.body).toMatch(/ID token did not verify/);
      noSession(r);
    }
  });

  test('a callback whose state is not this browser\'s (login CSRF), or without the attempt cookie: 401', async () => {
    const mine = await handler(httpApiEvent('GET', '/login'));
    const theirs = await handler(httpApiEvent('GET', '/login'));
    const callback = cognito.authorize(theirs.headers.location, { email: f.tallyhand.email });
    const crossed = await handler(httpApiEvent('GET', callback, { cookies: [cookieOf(mine, 'prospector_sign_in')!.pair] }));
    expect(crossed.statusCode).toBe(401);
    expect(crossed.body).toMatch(/state mismatch/);
    noSession(crossed);
    const bare = await handler(httpApiEvent('GET', callback));
    expect(bare.statusCode).toBe(401);
    noSession(bare);
  });

  test('a code used twice: the second exchange is refused by Cognito (invalid_grant)', async () => {
    const login = await handler(httpApiEvent('GET', '/login'));
    const attempt = cookieOf(login, 'prospector_sign_in')!;
    const callback = cognito.authorize(login.headers.location, { email: f.tallyhand.email });
    expect((await handler(httpApiEvent('GET', callback, { cookies: [attempt.pair] }))).statusCode).toBe(303);
    const replay = await handler(httpApiEvent('GET', callback, { cookies: [attempt.pair] }));
    expect(replay.statusCode).toBe(401);
    expect(replay.body).toContain('invalid_grant');
    noSession(replay);
  });
});

describe('the web function\'s environment', () => {
  test('every missing or bad variable is named; the lake it builds reads stored page text only', async () => {
    expect(() => loadCloudEnv({}, 'Web')).toThrow(/Lambda environment of Web is invalid[\s\S]*COGNITO_USER_POOL_ID: is not set[\s\S]*WEB_BASE_URL: is not set/);
    const env = {
      DB_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:prospector',
      DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
      DB_NAME: 'prospector',
      LAKE_BUCKET: 'prospector-lake-123',
      COGNITO_USER_POOL_ID: 'us-east-1_AbC123',
      COGNITO_CLIENT_ID: 'abc123client',
      COGNITO_DOMAIN_URL: 'https://tallyhand-reps.auth.us-east-1.amazoncognito.com',
      WEB_BASE_URL: APP_URL,
      PROSPECTING_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:Prospecting',
    };
    expect(() => loadCloudEnv({ ...env, WEB_BASE_URL: 'http://plain.example', COGNITO_USER_POOL_ID: 'pool' }, 'Web')).toThrow(/COGNITO_USER_POOL_ID: must be a Cognito user pool id[\s\S]*WEB_BASE_URL: must be an https URL/);
    expect(() => loadCloudEnv({ ...env, PROSPECTING_STATE_MACHINE_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:x' }, 'Web')).toThrow(/PROSPECTING_STATE_MACHINE_ARN: must be a Step Functions state machine ARN/);
    const deps = await buildEdgeDeps('Web', { env });
    expect(deps.startRedrive).toBeTypeOf('function');
    expect(deps.cognito).toEqual({ userPoolId: 'us-east-1_AbC123', clientId: 'abc123client', domainUrl: env.COGNITO_DOMAIN_URL, appUrl: APP_URL });
    await expect(deps.lake!.get('raw/html/domain=x.example/abc.html.gz')).rejects.toThrow(/Web may not read lake key raw\/html/);
  });
});
