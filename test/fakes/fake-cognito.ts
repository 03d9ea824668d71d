/**
 * A loopback stand-in for a Cognito user pool's managed login, as far as the web app's
 * authorization-code flow with PKCE uses it:
 *
 * - `/oauth2/authorize` (https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html):
 *   imitated by `authorize(url, user)`, which checks `client_id`, `redirect_uri`, `response_type=code`
 *   and the S256 `code_challenge` as Cognito does, and returns the callback URL with `code` and
 *   `state`, as the browser would be redirected after the user signed in;
 * - `POST /oauth2/token` (.../token-endpoint.html): `grant_type=authorization_code` with
 *   `client_id`, `code`, `redirect_uri` and `code_verifier` (a public client: no secret); a code is
 *   single-use and bound to its client, redirect URI and challenge; errors are 400
 *   `{"error":"invalid_grant"}` (or `invalid_request`, `invalid_client`, `unsupported_grant_type`);
 * - ID tokens (.../amazon-cognito-user-pools-using-the-id-token.html): RS256 JWTs with `kid`, and
 *   claims `sub`, `aud` (the client id), `email`, `email_verified`, `iss`
 *   (`https://cognito-idp.<region>.amazonaws.com/<pool id>`), `token_use: "id"`, `auth_time`, `iat`, `exp`;
 * - the pool's signing keys at `/<pool id>/.well-known/jwks.json`
 *   (.../amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html).
 *
 * `jwksFetcher` is an aws-jwt-verify fetcher that answers Cognito's real JWKS URI from here.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fetcher } from 'aws-jwt-verify/https';

export interface FakeCognitoUser {
  email: string;
  emailVerified?: boolean;
  sub?: string;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  user: FakeCognitoUser;
  /** what to sign instead of the pool's own claims (a token for another client, an expired one) */
  tamper?: Record<string, unknown>;
}

export interface FakeCognito {
  url: string;
  userPoolId: string;
  clientId: string;
  issuer: string;
  /** Signs the user in at the "hosted UI" for this authorize URL; returns the callback URL. */
  authorize(authorizeUrl: string, user: FakeCognitoUser, tamper?: Record<string, unknown>): string;
  /** Token requests received (form fields). */
  tokenRequests: Record<string, string>[];
  jwksFetcher: Fetcher;
  close(): Promise<void>;
}

const b64url = (v: Buffer | string) => Buffer.from(v).toString('base64url');

function signJwt(privateKey: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ kid, alg: 'RS256' }));
  const body = b64url(JSON.stringify(claims));
  return `${head}.${body}.${b64url(sign('sha256', Buffer.from(`${head}.${body}`), privateKey))}`;
}

/** Starts the fake on 127.0.0.1 for one user pool and one public app client. */
export async function startFakeCognito(options: { region?: string; clientId?: string } = {}): Promise<FakeCognito> {
  const region = options.region ?? 'us-east-1';
  const userPoolId = `${region}_FakePool1`;
  const clientId = options.clientId ?? 'fakeclient0123456789abcdef';
  const issuer = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = b64url(randomBytes(12));
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
  const codes = new Map<string, IssuedCode>();
  const tokenRequests: Record<string, string>[] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === `/${userPoolId}/.well-known/jwks.json`) return send(200, jwks);
    if (req.method !== 'POST' || url.pathname !== '/oauth2/token') return send(404, { error: 'not_found' });
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) return send(400, { error: 'invalid_request' });
      const form = Object.fromEntries(new URLSearchParams(raw));
      tokenRequests.push(form);
      if (form.grant_type !== 'authorization_code') return send(400, { error: 'unsupported_grant_type' });
      if (form.client_id !== clientId) return send(400, { error: 'invalid_client' });
      const issued = codes.get(form.code ?? '');
      codes.delete(form.code ?? '');
      const challenge = createHash('sha256').update(form.code_verifier ?? '', 'ascii').digest('base64url');
      if (!issued || issued.clientId !== form.client_id || issued.redirectUri !== form.redirect_uri || issued.challenge !== challenge) {
        return send(400, { error: 'invalid_grant' });
      }
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        sub: issued.user.sub ?? `sub-${issued.user.email}`,
        aud: clientId,
        email: issued.user.email,
        email_verified: issued.user.emailVerified ?? true,
        iss: issuer,
        'cognito:username': issued.user.email,
        token_use: 'id',
        auth_time: now,
        iat: now,
        exp: now + 3600,
        ...issued.tamper,
      };
      send(200, { id_token: signJwt(privateKey, kid, claims), access_token: signJwt(privateKey, kid, { ...claims, token_use: 'access' }), token_type: 'Bearer', expires_in: 3600 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    userPoolId,
    clientId,
    issuer,
    tokenRequests,
    authorize(authorizeUrl, user, tamper) {
      const u = new URL(authorizeUrl);
      const p = u.searchParams;
      if (`${u.origin}${u.pathname}` !== `${url}/oauth2/authorize`) throw new Error(`not this pool's authorize endpoint: ${authorizeUrl}`);
      if (p.get('response_type') !== 'code' || p.get('client_id') !== clientId || p.get('code_challenge_method') !== 'S256' || !p.get('code_challenge') || !p.get('redirect_uri')) {
        throw new Error(`authorize request refused (Cognito would show an error page): ${authorizeUrl}`);
      }
      if (!p.get('scope')?.split(' ').includes('openid')) throw new Error('an ID token needs the openid scope');
      const code = randomBytes(18).toString('hex');
      codes.set(code, { clientId, redirectUri: p.get('redirect_uri')!, challenge: p.get('code_challenge')!, user, ...(tamper ? { tamper } : {}) });
      const back = new URL(p.get('redirect_uri')!);
      back.search = new URLSearchParams({ code, ...(p.get('state') ? { state: p.get('state')! } : {}) }).toString();
      return back.href;
    },
    jwksFetcher: {
      async fetch(uri: string) {
        // Only this pool's real JWKS URI is answered, from the loopback server.
        if (uri !== `${issuer}/.well-known/jwks.json`) throw new Error(`unexpected JWKS URI ${uri}`);
        const res = await fetch(`${url}/${userPoolId}/.well-known/jwks.json`);
        return res.arrayBuffer();
      },
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
