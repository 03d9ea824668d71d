/**
 * Sign-in through Amazon Cognito for the web app in the cloud: the OAuth 2.0 authorization-code
 * flow with PKCE against the user pool's managed login (hosted UI), done by the app itself.
 *
 * Why the app runs the flow (and not an API Gateway JWT authorizer): a browser navigating
 * server-rendered pages sends cookies, never an `Authorization: Bearer` header, and an
 * authorizer answers a bare 401 where a page must redirect to sign-in. So the app keeps its
 * own session (web_session, the same as `prospector ui`'s) and Cognito only proves who opened
 * it: `/login` redirects to `/oauth2/authorize`, `/auth/callback` exchanges the code at
 * `/oauth2/token` (server to server; a public client, so no client secret to keep: PKCE binds
 * the code to the browser that started the flow), verifies the ID token's signature, issuer,
 * audience, `token_use` and expiry with aws-jwt-verify, and opens a session for the app_user
 * with the token's verified email. CSRF, headers and workspace isolation are unchanged.
 *
 * Endpoints: https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html,
 * .../token-endpoint.html, .../logout-endpoint.html; PKCE: RFC 7636.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import { z } from 'zod';
import { ProspectorError } from '#core/errors.ts';

/** A sign-in that did not prove who the browser is; the message is safe to show. */
export class SignInError extends ProspectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SignInError';
  }
}

export interface CognitoConfig {
  /** The user pool's managed-login domain, e.g. `https://prospector-123.auth.us-east-1.amazoncognito.com`. */
  domainUrl: string;
  userPoolId: string;
  clientId: string;
  /** The app's own base URL; `<appUrl>/auth/callback` is the app client's callback URL. */
  appUrl: string;
}

export interface CognitoSignInOptions {
  /** For the token endpoint (tests point it at a loopback fake). */
  fetch?: typeof fetch;
  /** Where the user pool's signing keys come from (default: fetched from Cognito over HTTPS and cached). */
  jwksCache?: JwksCache;
  /** Token endpoint timeout. */
  timeoutMs?: number;
}

export const CALLBACK_PATH = '/auth/callback';

const TokenResponse = z.object({ id_token: z.string().min(1), token_type: z.string().optional() }).loose();
const ATTEMPT_SHAPE = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;
const newToken = () => randomBytes(32).toString('base64url');
const challengeOf = (verifier: string) => createHash('sha256').update(verifier, 'ascii').digest('base64url');

/** Who Cognito says signed in (from a verified ID token). */
export interface CognitoIdentity {
  email: string;
  subject: string;
}

/** The authorization-code flow against one user pool and app client. */
export class CognitoSignIn {
  readonly #config: CognitoConfig;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #verifier;

  constructor(config: CognitoConfig, options: CognitoSignInOptions = {}) {
    this.#config = { ...config, domainUrl: config.domainUrl.replace(/\/+$/, ''), appUrl: config.appUrl.replace(/\/+$/, '') };
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#verifier = CognitoJwtVerifier.create({ userPoolId: config.userPoolId, clientId: config.clientId, tokenUse: 'id' }, options.jwksCache ? { jwksCache: options.jwksCache } : undefined);
  }

  get redirectUri(): string {
    return `${this.#config.appUrl}${CALLBACK_PATH}`;
  }

  /**
   * Starts a sign-in: the managed-login URL to send the browser to, and the attempt (state and
   * PKCE verifier) the app keeps in a short-lived cookie until the callback.
   */
  start(): { location: string; attempt: string } {
    const state = newToken();
    const verifier = newToken();
    const url = new URL(`${this.#config.domainUrl}/oauth2/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.#config.clientId,
      redirect_uri: this.redirectUri,
      scope: 'openid email',
      state,
      code_challenge: challengeOf(verifier),
      code_challenge_method: 'S256',
    }).toString();
    return { location: url.href, attempt: `${state}.${verifier}` };
  }

  /** Finishes a sign-in from the callback's query and the attempt cookie; throws SignInError when anything does not match. */
  async finish(query: { code?: string; state?: string; error?: string }, attempt: string | undefined): Promise<CognitoIdentity> {
    if (query.error) throw new SignInError(`Cognito refused the sign-in (${query.error.slice(0, 80)}).`);
    if (!attempt || !ATTEMPT_SHAPE.test(attempt)) throw new SignInError('This sign-in was not started here or took too long: start again.');
    const [state, verifier] = attempt.split('.');
    if (!query.state || !sameText(state, query.state)) throw new SignInError('The sign-in answer does not belong to this browser\'s sign-in (state mismatch): start again.');
    if (!query.code || !/^[A-Za-z0-9_-]{1,512}$/.test(query.code)) throw new SignInError('The sign-in answer carries no valid authorization code: start again.');

    const idToken = await this.#exchange(query.code, verifier);
    let claims: Record<string, unknown>;
    try {
      claims = (await this.#verifier.verify(idToken)) as Record<string, unknown>;
    } catch (error) {
      throw new SignInError('Cognito\'s ID token did not verify (signature, issuer, audience or expiry).', { cause: error });
    }
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    // An unverified address is only what someone typed: it must not open a workspace.
    if (!email || (claims.email_verified !== true && claims.email_verified !== 'true')) {
      throw new SignInError('Your Cognito user has no verified email address; ask an administrator to verify it.');
    }
    return { email, subject: String(claims.sub ?? '') };
  }

  /** Cognito's logout endpoint, which ends the managed-login session and comes back to the app. */
  logoutUrl(): string {
    const url = new URL(`${this.#config.domainUrl}/logout`);
    url.search = new URLSearchParams({ client_id: this.#config.clientId, logout_uri: `${this.#config.appUrl}/` }).toString();
    return url.href;
  }

  async #exchange(code: string, verifier: string): Promise<string> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#config.domainUrl}/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'authorization_code', client_id: this.#config.clientId, code, redirect_uri: this.redirectUri, code_verifier: verifier }).toString(),
        signal: AbortSignal.timeout(this.#timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw new SignInError('Cognito\'s token endpoint could not be reached: try again in a moment.', { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      // `invalid_grant` is a used, expired or foreign code; nothing in the body is shown as is.
      const reason = /"error"\s*:\s*"([a-z_]{1,40})"/.exec(text)?.[1] ?? `HTTP ${response.status}`;
      throw new SignInError(`Cognito did not accept the authorization code (${reason}): start again.`);
    }
    let parsed;
    try {
      parsed = TokenResponse.safeParse(JSON.parse(text));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) throw new SignInError('Cognito\'s token endpoint answered without an ID token.');
    return parsed.data.id_token;
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
