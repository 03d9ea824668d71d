/**
 * One-click unsubscribe (RFC 8058): signed tokens and the handler core that records the opt-out.
 *
 * A token names the workspace, the sequence and the recipient's address, and carries an
 * HMAC-SHA256 over all three with a secret only the sender holds. Verification recomputes it and
 * compares in constant time; the address to suppress is the one inside the verified token, never
 * one the request supplies, so nobody can unsubscribe someone else or forge a link for an
 * address they did not receive mail at.
 *
 * Recording is one transaction: a `suppression` row (source `opt_out`) and every open sequence
 * of that address in the workspace stopped, so no later claim can pick up a follow-up.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { InvalidUnsubscribeTokenError, SendingNotConfiguredError } from '../errors.ts';
import type { Sql } from '../ports.ts';
import { suppressAddress } from './suppress.ts';

/** What a token vouches for. */
export interface UnsubscribeClaim {
  workspaceId: string;
  sequenceId: string;
  /** The recipient's address, lowercase. */
  address: string;
}

const VERSION = 'v1';
/** Domain separation: this key signs nothing else with the same bytes. */
const CONTEXT = 'prospector-unsubscribe-v1';
const MIN_SECRET_BYTES = 32;

const claimSchema = z.tuple([z.uuid(), z.uuid(), z.string().min(3).max(320).regex(/^[^\s@]+@[^\s@]+$/)]);

/** The secret as bytes; refuses one too short to resist guessing. */
export function unsubscribeSecret(value: string | Buffer | undefined, where = 'PROSPECTOR_UNSUBSCRIBE_SECRET'): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (!bytes || bytes.length < MIN_SECRET_BYTES) {
    throw new SendingNotConfiguredError(`${where} must hold at least ${MIN_SECRET_BYTES} bytes of secret (e.g. openssl rand -base64 48)`);
  }
  return bytes;
}

function mac(secret: Buffer, payload: string): Buffer {
  return createHmac('sha256', secret).update(`${CONTEXT}\n${payload}`).digest();
}

/** A token for the claim (URL-safe, no padding). */
export function signUnsubscribeToken(secret: Buffer, claim: UnsubscribeClaim): string {
  const payload = Buffer.from(JSON.stringify([claim.workspaceId, claim.sequenceId, claim.address.trim().toLowerCase()])).toString('base64url');
  return `${VERSION}.${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The claim a token vouches for; throws `InvalidUnsubscribeTokenError` for anything else. */
export function verifyUnsubscribeToken(secret: Buffer, token: string): UnsubscribeClaim {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || !/^[A-Za-z0-9_-]+$/.test(parts[1]) || !/^[A-Za-z0-9_-]+$/.test(parts[2])) {
    throw new InvalidUnsubscribeTokenError('the unsubscribe token is malformed');
  }
  const given = Buffer.from(parts[2], 'base64url');
  // One spelling per signature: base64url's last character carries unused bits, which decoding
  // ignores; a token whose last character was changed must not still verify.
  if (given.toString('base64url') !== parts[2]) throw new InvalidUnsubscribeTokenError('the unsubscribe token is not signed by this sender');
  const expected = mac(secret, parts[1]);
  // Equal lengths first: timingSafeEqual throws otherwise, and the length is no secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InvalidUnsubscribeTokenError('the unsubscribe token is not signed by this sender');
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new InvalidUnsubscribeTokenError('the unsubscribe token is malformed');
  }
  const parsed = claimSchema.safeParse(decoded);
  if (!parsed.success) throw new InvalidUnsubscribeTokenError('the unsubscribe token is malformed');
  const [workspaceId, sequenceId, address] = parsed.data;
  return { workspaceId, sequenceId, address: address.toLowerCase() };
}

/** The one-click URL for a token under the route's base (`https://example.com/unsubscribe`). */
export function unsubscribeUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${token}`;
}

export interface OptOutResult {
  address: string;
  workspaceId: string;
  /** False when the address was already suppressed (a second click, or suppressed before). */
  newlySuppressed: boolean;
  /** Sequences this opt-out stopped. */
  stoppedSequenceIds: string[];
}

/** Records an opt-out for a verified claim: suppression and stopped sequences, in one transaction. */
export async function recordOptOut(sql: Sql, claim: UnsubscribeClaim, now: Date = new Date()): Promise<OptOutResult> {
  return sql.transaction(async (tx) => {
    const workspace = await tx.query('SELECT 1 FROM workspace WHERE id = :ws::uuid', { ws: claim.workspaceId });
    if (workspace.rowCount === 0) throw new InvalidUnsubscribeTokenError('the unsubscribe token names a workspace that no longer exists');
    const result = await suppressAddress(tx, {
      workspaceId: claim.workspaceId,
      address: claim.address,
      source: 'opt_out',
      reason: `Unsubscribed with the one-click link (sequence ${claim.sequenceId})`,
      stopReason: 'opted_out',
      now,
    });
    return { ...result, workspaceId: claim.workspaceId };
  });
}

/** The one-click handler's core: verify the token, then record the opt-out at once. */
export async function unsubscribeOneClick(sql: Sql, secret: Buffer, token: string, now: Date = new Date()): Promise<OptOutResult> {
  return recordOptOut(sql, verifyUnsubscribeToken(secret, token), now);
}
