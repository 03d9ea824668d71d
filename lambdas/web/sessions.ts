/**
 * Sign-in for the web app: one-time login links and the sessions they open (sql/0019).
 *
 * Tokens are 32 random bytes (base64url); only their SHA-256 is stored. A link is redeemed by
 * one UPDATE that checks it is unused and unexpired and marks it used, so it opens at most one
 * session. A session names its app_user, and so its workspace: the app never takes the
 * workspace from the request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { NotFoundError, ProspectorError } from '#core/errors.ts';
import type { Sql } from '#core/ports.ts';

export const LOGIN_LINK_TTL_MS = 15 * 60_000;
export const SESSION_TTL_MS = 12 * 3_600_000;

/** Who is signed in: the user, their workspace, and the session's CSRF token. */
export interface WebSession {
  userId: string;
  email: string;
  name: string;
  /** `admin` may change the seller's onboarding; `rep` reviews and decides */
  role: 'admin' | 'rep';
  workspaceId: string;
  workspaceSlug: string;
  workspaceName: string;
  csrfToken: string;
}

const newToken = () => randomBytes(32).toString('base64url');
const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
/** Tokens the app issues: base64url of 32 bytes. Anything else is refused before hashing. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** The user a login link is made for: the given email in the workspace, else its first admin (then rep). */
export async function userForLogin(sql: Sql, workspaceId: string, email?: string): Promise<{ id: string; email: string }> {
  const users = await sql.query<{ id: string; email: string; role: string }>(
    `SELECT id, email, role FROM app_user WHERE workspace_id = :ws::uuid ORDER BY (role = 'admin') DESC, email`,
    { ws: workspaceId },
  );
  if (users.rows.length === 0) throw new ProspectorError('the workspace has no user: add one under `users` in the onboarding file and run `prospector onboard FILE` again');
  if (!email) return users.rows[0];
  const hit = users.rows.find((u) => u.email === email.trim().toLowerCase());
  if (!hit) throw new NotFoundError(`--as ${email}: not a user of this workspace; users: ${users.rows.map((u) => u.email).join(', ')}`);
  return hit;
}

/** Creates a one-time login link token for a user; the token is returned once and stored hashed. */
export async function createLoginLink(sql: Sql, userId: string, now = new Date(), ttlMs = LOGIN_LINK_TTL_MS): Promise<{ token: string; expiresAt: string }> {
  const token = newToken();
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  await sql.query(
    `INSERT INTO web_login_link (token_sha256, user_id, created_at, expires_at) VALUES (:hash, :user::uuid, :now::timestamptz, :expires::timestamptz)`,
    { hash: sha256(token), user: userId, now: now.toISOString(), expires: expiresAt },
  );
  return { token, expiresAt };
}

/**
 * Redeems a login link: marks it used and opens a session, in one transaction. Returns null for a
 * token that is unknown, used already or expired (the caller says so without telling which).
 */
export async function redeemLoginLink(sql: Sql, token: string, now = new Date(), ttlMs = SESSION_TTL_MS): Promise<{ sessionToken: string; expiresAt: string } | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  return sql.transaction(async (tx) => {
    const used = await tx.query<{ user_id: string }>(
      `UPDATE web_login_link SET used_at = :now::timestamptz
        WHERE token_sha256 = :hash AND used_at IS NULL AND expires_at > :now::timestamptz
        RETURNING user_id`,
      { hash: sha256(token), now: now.toISOString() },
    );
    const userId = used.rows[0]?.user_id;
    if (!userId) return null;
    return openSession(tx, userId, now, ttlMs);
  });
}

/** Opens a session for a user inside `tx`, clearing rows expired for over a day (each sign-in does). */
async function openSession(tx: Sql, userId: string, now: Date, ttlMs: number): Promise<{ sessionToken: string; expiresAt: string }> {
  // Rows past their expiry by a day are of no use to anyone: each sign-in clears them.
  await tx.query(`DELETE FROM web_login_link WHERE expires_at < :now::timestamptz - interval '1 day'`, { now: now.toISOString() });
  await tx.query(`DELETE FROM web_session WHERE expires_at < :now::timestamptz - interval '1 day'`, { now: now.toISOString() });
  const sessionToken = newToken();
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  await tx.query(
    `INSERT INTO web_session (token_sha256, user_id, csrf_token, created_at, expires_at)
     VALUES (:hash, :user::uuid, :csrf, :now::timestamptz, :expires::timestamptz)`,
    { hash: sha256(sessionToken), user: userId, csrf: newToken(), now: now.toISOString(), expires: expiresAt },
  );
  return { sessionToken, expiresAt };
}

/**
 * Opens a session for the app_user with this email, as an identity provider (Cognito) vouched
 * for it. Refused with a message safe to show when no workspace has the user, or several do
 * (app_user is unique per workspace, not globally: the app cannot pick one for them).
 */
export async function openSessionForEmail(sql: Sql, email: string, now = new Date(), ttlMs = SESSION_TTL_MS): Promise<{ sessionToken: string; expiresAt: string }> {
  const address = email.trim().toLowerCase();
  return sql.transaction(async (tx) => {
    const users = await tx.query<{ id: string }>(`SELECT id FROM app_user WHERE email = :email`, { email: address });
    if (users.rows.length === 0) throw new NotAUserError(`${address} is not a user of any workspace here: an administrator adds it under \`users\` in the onboarding file and imports it again.`);
    if (users.rows.length > 1) throw new NotAUserError(`${address} is a user of ${users.rows.length} workspaces; signing in through Cognito needs it in exactly one.`);
    return openSession(tx, users.rows[0].id, now, ttlMs);
  });
}

/** A signed-in identity that maps to no single app_user. */
export class NotAUserError extends ProspectorError {
  constructor(message: string) {
    super(message);
    this.name = 'NotAUser';
  }
}

/** The live session a cookie names, or null (unknown, ended or expired). */
export async function findSession(sql: Sql, token: string | undefined, now = new Date()): Promise<WebSession | null> {
  if (!token || !TOKEN_SHAPE.test(token)) return null;
  const r = await sql.query<{ user_id: string; email: string; name: string; role: 'admin' | 'rep'; workspace_id: string; slug: string; workspace_name: string; csrf_token: string }>(
    `SELECT s.user_id, u.email, u.name, u.role, u.workspace_id, w.slug, w.name AS workspace_name, s.csrf_token
       FROM web_session s JOIN app_user u ON u.id = s.user_id JOIN workspace w ON w.id = u.workspace_id
      WHERE s.token_sha256 = :hash AND s.ended_at IS NULL AND s.expires_at > :now::timestamptz`,
    { hash: sha256(token), now: now.toISOString() },
  );
  const s = r.rows[0];
  if (!s) return null;
  return { userId: s.user_id, email: s.email, name: s.name, role: s.role, workspaceId: s.workspace_id, workspaceSlug: s.slug, workspaceName: s.workspace_name, csrfToken: s.csrf_token };
}

/** Ends a session (sign out); later requests with its cookie are signed out. */
export async function endSession(sql: Sql, token: string): Promise<void> {
  if (!TOKEN_SHAPE.test(token)) return;
  await sql.query(`UPDATE web_session SET ended_at = now() WHERE token_sha256 = :hash AND ended_at IS NULL`, { hash: sha256(token) });
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(expected: string, given: string | undefined | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
