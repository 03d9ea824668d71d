/**
 * One-click unsubscribe: signed tokens that only vouch for the address they were made for, and
 * the local route (RFC 8058 POST, GET confirmation) recording the opt-out on PGlite: a
 * suppression row and the address's open sequences stopped, in one transaction.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { recordOptOut, signUnsubscribeToken, unsubscribeSecret, unsubscribeUrl, verifyUnsubscribeToken } from '#core/sending/unsubscribe.ts';
import { loadUnsubscribeSecret, startUnsubscribeServer, type UnsubscribeServer } from '#local/unsubscribe-server.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { decide, draftSequence, failure, seedResearchedLead } from '#test/helpers/outreach.ts';
import { migratedHome } from '#test/helpers/home.ts';

const secret = unsubscribeSecret('a-test-secret-that-is-long-enough-0123456789');
const claim = { workspaceId: randomUUID(), sequenceId: randomUUID(), address: 'dana@keelhaul.example' };

describe('unsubscribe tokens', () => {
  it('a token verifies to the workspace, sequence and address it was signed for', () => {
    const token = signUnsubscribeToken(secret, { ...claim, address: 'Dana@Keelhaul.example' });
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyUnsubscribeToken(secret, token)).toEqual(claim);
  });

  it('a tampered signature, another secret, or a mangled token is refused', () => {
    const token = signUnsubscribeToken(secret, claim);
    const [v, payload, sig] = token.split('.');
    const flipped = `${v}.${payload}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    expect(() => verifyUnsubscribeToken(secret, flipped)).toThrow(expect.objectContaining({ name: 'InvalidUnsubscribeToken' }));
    expect(() => verifyUnsubscribeToken(unsubscribeSecret('another-secret-that-is-long-enough-987654321'), token)).toThrow(/not signed by this sender/);
    for (const bad of ['', 'v1', `v2.${payload}.${sig}`, `${token}.x`, `v1.${payload}.${sig}=`, `v1.${payload}.${sig.slice(0, 10)}`]) {
      expect(() => verifyUnsubscribeToken(secret, bad)).toThrow(expect.objectContaining({ name: 'InvalidUnsubscribeToken' }));
    }
  });

  it('accepts one spelling per signature: a last character that decodes to the same bytes is refused', () => {
    const token = signUnsubscribeToken(secret, claim);
    const sig = token.split('.')[2];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const siblings = [...alphabet]
      .map((c) => `${sig.slice(0, -1)}${c}`)
      .filter((s) => s !== sig && Buffer.from(s, 'base64url').equals(Buffer.from(sig, 'base64url')));
    expect(siblings.length).toBeGreaterThan(0);
    for (const s of siblings) expect(() => verifyUnsubscribeToken(secret, token.replace(sig, s))).toThrow(/not signed by this sender/);
  });

  it('nobody can turn a token into one for another address', () => {
    const mine = signUnsubscribeToken(secret, claim);
    const [v, , sig] = mine.split('.');
    const victim = Buffer.from(JSON.stringify([claim.workspaceId, claim.sequenceId, 'ceo@keelhaul.example'])).toString('base64url');
    expect(() => verifyUnsubscribeToken(secret, `${v}.${victim}.${sig}`)).toThrow(/not signed by this sender/);
  });

  it('refuses a secret too short to resist guessing, naming where it came from', () => {
    expect(() => unsubscribeSecret('short')).toThrow(/PROSPECTOR_UNSUBSCRIBE_SECRET must hold at least 32 bytes/);
  });
});

describe('unsubscribe secret for local runs', () => {
  let home: string;
  beforeEach(async () => {
    home = await migratedHome('prospector-home-');
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('is created once under the home, readable by its owner only, and the same on the next start', async () => {
    const first = await loadUnsubscribeSecret({ env: {}, home });
    const again = await loadUnsubscribeSecret({ env: {}, home });
    expect(first.equals(again)).toBe(true);
    const file = join(home, 'secrets', 'unsubscribe.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first.toString('utf8'));
  });

  it('PROSPECTOR_UNSUBSCRIBE_SECRET wins, and a short one is refused', async () => {
    const value = 'x'.repeat(40);
    expect((await loadUnsubscribeSecret({ env: { PROSPECTOR_UNSUBSCRIBE_SECRET: value }, home })).toString()).toBe(value);
    await expect(loadUnsubscribeSecret({ env: { PROSPECTOR_UNSUBSCRIBE_SECRET: 'short' }, home })).rejects.toThrow(/at least 32 bytes/);
  });
});

describe('one-click unsubscribe route', () => {
  // One database for the block (opening one costs seconds on a loaded machine); every test
  // works on leads of its own, so tests cannot see each other's opt-outs.
  let db: PgliteSql;
  let workspaceId: string;
  let server: UnsubscribeServer;
  let n = 0;

  beforeAll(async () => {
    ({ db, workspaceId } = await onboardedDb());
    server = await startUnsubscribeServer({ sql: db, secret });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  /** A lead with an approved sequence. */
  async function approvedLead(name: string) {
    const lead = await seedResearchedLead(db, workspaceId, `company${++n}.example`, name);
    const sequenceId = (await draftSequence(db, workspaceId, lead)).sequenceId;
    await decide(db, sequenceId, 'approved');
    return { ...lead, sequenceId };
  }
  const linkFor = (address: string, sequenceId: string) =>
    unsubscribeUrl(server.baseUrl, signUnsubscribeToken(secret, { workspaceId, sequenceId, address }));
  const oneClick = (url: string, body = 'List-Unsubscribe=One-Click') =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const optOuts = async (address: string) =>
    (
      await db.query<{ value: string; source: string }>(
        `SELECT value, source FROM suppression WHERE workspace_id = :ws::uuid AND value = :address`,
        { ws: workspaceId, address },
      )
    ).rows;
  const status = async (id: string) =>
    (await db.query<{ status: string; status_reason: string | null }>('SELECT status, status_reason FROM sequence WHERE id = :id::uuid', { id })).rows[0];

  it('RFC 8058 POST records the opt-out at once and stops only that address\'s open sequences', async () => {
    const dana = await approvedLead('Dana Ruiz');
    const other = await approvedLead('Ola Berg');

    const res = await oneClick(linkFor(dana.email, dana.sequenceId));

    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are unsubscribed');
    expect(await optOuts(dana.email)).toEqual([{ value: dana.email, source: 'opt_out' }]);
    expect(await status(dana.sequenceId)).toEqual({ status: 'stopped', status_reason: 'opted_out' });
    expect(await status(other.sequenceId)).toEqual({ status: 'approved', status_reason: null });
    expect(await optOuts(other.email)).toEqual([]);
  });

  it('after the opt-out, even a later approved sequence for that address cannot be sent', async () => {
    const dana = await approvedLead('Dana Ruiz');
    await oneClick(linkFor(dana.email, dana.sequenceId));
    const later = await draftSequence(db, workspaceId, dana, `later-${dana.leadId}`);
    await decide(db, later.sequenceId, 'approved');

    const refused = await failure(
      db.query(
        `INSERT INTO send_attempt (id, message_id, idempotency_key, from_email, to_email, rfc_message_id, provider)
         VALUES (:id::uuid, :m::uuid, :key, 'maya.okafor@tallyhand.com', :to, :rfc, 'smtp')`,
        { id: randomUUID(), m: later.messages.followUp, key: randomUUID(), to: dana.email, rfc: `<${randomUUID()}@tallyhand.com>` },
      ),
    );
    expect(refused.message).toContain('is suppressed');
  });

  it('a second click is fine and changes nothing', async () => {
    const dana = await approvedLead('Dana Ruiz');
    await oneClick(linkFor(dana.email, dana.sequenceId));
    const again = await oneClick(linkFor(dana.email, dana.sequenceId));
    expect(again.status).toBe(200);
    const direct = await recordOptOut(db, { workspaceId, sequenceId: dana.sequenceId, address: dana.email });
    expect(direct).toMatchObject({ newlySuppressed: false, stoppedSequenceIds: [] });
    expect(await optOuts(dana.email)).toHaveLength(1);
  });

  it('GET only shows a confirmation whose button makes the one-click POST; nothing is recorded', async () => {
    const dana = await approvedLead('Dana Ruiz');
    const res = await fetch(linkFor(dana.email, dana.sequenceId));

    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<form method="post"');
    expect(html).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(await optOuts(dana.email)).toEqual([]);
    expect((await status(dana.sequenceId)).status).toBe('approved');
  });

  it('a forged link, or a POST that is not a one-click request, records nothing', async () => {
    const dana = await approvedLead('Dana Ruiz');
    const link = linkFor(dana.email, dana.sequenceId);
    const forged = link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const a = await oneClick(forged);
    const b = await oneClick(link, 'unsubscribe=yes');
    const c = await fetch(forged);
    const d = await oneClick(`${server.baseUrl}/%E0%A4%A`);

    expect([a.status, b.status, c.status, d.status]).toEqual([400, 400, 400, 400]);
    expect(await a.text()).not.toContain(dana.email);
    expect(await optOuts(dana.email)).toEqual([]);
    expect((await status(dana.sequenceId)).status).toBe('approved');
  });

  it('accepts the one-click field as multipart/form-data too', async () => {
    const dana = await approvedLead('Dana Ruiz');
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    const res = await fetch(linkFor(dana.email, dana.sequenceId), { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(await optOuts(dana.email)).toEqual([{ value: dana.email, source: 'opt_out' }]);
  });
});
