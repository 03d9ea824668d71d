/**
 * Claiming due messages, on PGlite and through the Data API adapter against the loopback Data
 * API: concurrent claimers never share a message, nothing suppressed, stopped, unassigned or out
 * of its window is claimed, and caps, warm-up and spacing hold.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataApiSql } from '#adapters/data-api-sql.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import type { Sql } from '#core/ports.ts';
import { claimDue, type ClaimedMessage } from '#core/sending/claim.ts';
import { rescheduleMissed, scheduleFirstTouch, scheduleFollowUp } from '#core/sending/schedule.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';
import { DATA_API_TARGET } from '#test/helpers/data-api-runtime.ts';
import { freshDb } from '#test/helpers/db.ts';
import { enqueue, seedApprovedLead, seedMailbox, seedWorkspace } from '#test/helpers/sending.ts';

interface Backend {
  name: string;
  open(): Promise<Sql>;
}

let fake: FakeDataApi | undefined;
let pgliteDb: Promise<PgliteSql> | undefined;
let dataApiDb: Promise<Sql> | undefined;
const backends: Backend[] = [
  { name: 'PGlite', open: () => (pgliteDb ??= freshDb()) },
  {
    name: 'Data API',
    open: () =>
      (dataApiDb ??= (async () => {
        fake = await FakeDataApi.start({ schema: 'migrated' });
        const sql = new DataApiSql({ ...DATA_API_TARGET, client: fake.client() });
        return sql;
      })()),
  },
];

afterAll(async () => {
  await (await pgliteDb)?.close();
  await fake?.close();
});

// Tuesday 8 December 2026: the New York window is 13:00–16:00 UTC.
const WINDOW = { start: new Date('2026-12-08T13:00:00Z'), end: new Date('2026-12-08T16:00:00Z') };
const NOW = new Date('2026-12-08T14:00:00Z');
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const fresh = (name: string) => `${name}-${randomUUID().slice(0, 8)}.example`;
const ids = (claimed: ClaimedMessage[]) => claimed.map((c) => c.messageId).sort();

describe.each(backends)('claiming on $name', (backend) => {
  beforeAll(() => backend.open(), 120_000);

  it('two claimers running at once get disjoint sets, and every due message is claimed exactly once', async () => {
    const sql = await backend.open();
    const ws = await seedWorkspace(sql);
    const mailboxes = await Promise.all([0, 1, 2, 3].map(() => seedMailbox(sql, ws, { spacing: 60 })));
    const queued: string[] = [];
    for (const [i, mb] of mailboxes.entries()) {
      for (const j of [0, 1, 2]) {
        const lead = await seedApprovedLead(sql, ws, fresh(`c${i}${j}`));
        queued.push(await enqueue(sql, ws, lead, mb.id, { ...WINDOW, priority: 10 * j }));
      }
    }

    const claimedBy = new Map<string, string>();
    // Rounds 100 s apart (past any 60–90 s spacing); in each, two executions claim at once.
    for (let round = 0; round < 6; round++) {
      const now = later(round * 100);
      const [a, b] = await Promise.all([
        claimDue(sql, { workspaceId: ws, now, claimer: `exec-a-${round}` }),
        claimDue(sql, { workspaceId: ws, now, claimer: `exec-b-${round}` }),
      ]);
      const overlap = ids(a).filter((id) => ids(b).includes(id));
      expect(overlap).toEqual([]);
      for (const c of [...a, ...b]) {
        expect(claimedBy.has(c.messageId), `claimed twice: ${c.messageId}`).toBe(false);
        claimedBy.set(c.messageId, c.mailboxId);
      }
      // at most one message per mailbox per moment: the spacing holds across both executions
      const perMailbox = [...a, ...b].map((c) => c.mailboxId);
      expect(new Set(perMailbox).size).toBe(perMailbox.length);
    }
    expect([...claimedBy.keys()].sort()).toEqual([...queued].sort());
    const rows = await sql.query<{ n: number }>(`SELECT count(*) AS n FROM scheduled_message WHERE workspace_id = :ws::uuid AND status = 'claimed'`, { ws });
    expect(rows.rows[0].n).toBe(12);
  });

  it.skipIf(backend.name !== 'Data API')('reaches the Data API as one ExecuteStatement outside any transaction, locking with SKIP LOCKED', async () => {
    const sql = await backend.open();
    const ws = await seedWorkspace(sql);
    const mb = await seedMailbox(sql, ws);
    const id = await enqueue(sql, ws, await seedApprovedLead(sql, ws, fresh('wire')), mb.id, WINDOW);
    const before = fake!.requests.length;
    expect(ids(await claimDue(sql, { workspaceId: ws, now: NOW, claimer: 'exec' }))).toEqual([id]);
    const calls = fake!.requests.slice(before);
    const claims = calls.filter((r) => String(r.body.sql).includes('SKIP LOCKED'));
    expect(claims).toHaveLength(1);
    expect(String(claims[0].body.sql)).toMatch(/FOR UPDATE OF sm, mb SKIP LOCKED[\s\S]*UPDATE scheduled_message sm/);
    expect(claims[0].body.transactionId).toBeUndefined();
    expect(calls.map((r) => r.operation)).not.toContain('BeginTransaction');
    const limits = (claims[0].body.parameters as { name: string; typeHint?: string }[]).find((p) => p.name === 'limits');
    expect(limits?.typeHint).toBe('JSON');
  });

  it('claims the highest priority first, with the addresses the send step needs', async () => {
    const sql = await backend.open();
    const ws = await seedWorkspace(sql);
    const mb = await seedMailbox(sql, ws);
    const low = await seedApprovedLead(sql, ws, fresh('low'));
    const high = await seedApprovedLead(sql, ws, fresh('high'));
    await enqueue(sql, ws, low, mb.id, { ...WINDOW, priority: 20 });
    const highId = await enqueue(sql, ws, high, mb.id, { ...WINDOW, priority: 90 });
    const [first] = await claimDue(sql, { workspaceId: ws, now: NOW, claimer: 'exec' });
    expect(first).toMatchObject({ messageId: highId, toEmail: high.email, fromEmail: mb.address, priority: 90, attempts: 0 });
  });

  it('with a cap of N, claims the N messages of the leads with the highest intent, then fit; intent is read at claim time', async () => {
    const sql = await backend.open();
    const ws = await seedWorkspace(sql);
    const icpId = randomUUID();
    await sql.query(`INSERT INTO icp (id, workspace_id, slug, name, search_keywords) VALUES (:id::uuid, :ws::uuid, :slug, 'Finance teams', ARRAY['finance'])`, { id: icpId, ws, slug: `fin-${icpId.slice(0, 8)}` });
    const setIntent = async (lead: { leadId: string }, score: number) => {
      await sql.query(
        `INSERT INTO company_intent (company_id, icp_id, workspace_id, score, rules_version)
         SELECT company_id, :icp::uuid, :ws::uuid, :score, 'test' FROM lead WHERE id = :lead::uuid
         ON CONFLICT (company_id, icp_id) DO UPDATE SET score = EXCLUDED.score`,
        { icp: icpId, ws, score, lead: lead.leadId },
      );
    };
    // (name, intent or none, fit): six leads, each on its own mailbox so only the cap limits
    const plan: [string, number | null, number][] = [
      ['quiet-best-fit', null, 95],
      ['hot-low-fit', 80, 30],
      ['hot-high-fit', 80, 70],
      ['warm', 40, 90],
      ['cold', 5, 99],
      ['warm-lower-fit', 40, 60],
    ];
    const byName = new Map<string, string>();
    for (const [name, intent, fit] of plan) {
      const lead = await seedApprovedLead(sql, ws, fresh(name));
      await sql.query(`UPDATE sequence SET icp_id = :icp::uuid WHERE id = :s::uuid`, { icp: icpId, s: lead.seq.sequenceId });
      if (intent !== null) await setIntent(lead, intent);
      const mb = await seedMailbox(sql, ws);
      byName.set(await enqueue(sql, ws, lead, mb.id, { ...WINDOW, priority: fit }), name);
    }
    const names = (claimed: ClaimedMessage[]) => claimed.map((c) => byName.get(c.messageId));

    const first = await claimDue(sql, { workspaceId: ws, now: NOW, claimer: 'exec-1', limit: 3 });
    // intent first (80, 80, 40), fit between equal intent; the best fit at a quiet company waits
    expect(names(first)).toEqual(['hot-high-fit', 'hot-low-fit', 'warm']);
    expect(first.map((c) => [c.intent, c.priority])).toEqual([[80, 70], [80, 30], [40, 90]]);

    // a score recomputed after scheduling counts at the next claim: the quiet company turns hot
    const quiet = await sql.query<{ lead_id: string }>(
      `SELECT s.lead_id FROM sequence s JOIN message m ON m.sequence_id = s.id WHERE m.id = :m::uuid`,
      { m: [...byName].find(([, n]) => n === 'quiet-best-fit')![0] },
    );
    await setIntent({ leadId: quiet.rows[0].lead_id }, 50);
    const second = await claimDue(sql, { workspaceId: ws, now: later(100), claimer: 'exec-2', limit: 2 });
    expect(names(second)).toEqual(['quiet-best-fit', 'warm-lower-fit']);
    const third = await claimDue(sql, { workspaceId: ws, now: later(200), claimer: 'exec-3', limit: 2 });
    expect(names(third)).toEqual(['cold']);
    expect(third[0]).toMatchObject({ intent: 5, priority: 99 });
  });

  it('never claims a suppressed address or domain, a stopped sequence, an unassigned variant, or outside the window', async () => {
    const sql = await backend.open();
    const ws = await seedWorkspace(sql);
    const mailbox = () => seedMailbox(sql, ws).then((m) => m.id);
    const optedOut = await seedApprovedLead(sql, ws, fresh('optout'));
    const blockedDomain = fresh('blocked');
    const domainSuppressed = await seedApprovedLead(sql, ws, `eu.${blockedDomain}`);
    const replied = await seedApprovedLead(sql, ws, fresh('replied'));
    const variantB = await seedApprovedLead(sql, ws, fresh('variantb'));
    const tomorrow = await seedApprovedLead(sql, ws, fresh('tomorrow'));
    const fine = await seedApprovedLead(sql, ws, fresh('fine'));
    await enqueue(sql, ws, optedOut, await mailbox(), WINDOW);
    await enqueue(sql, ws, domainSuppressed, await mailbox(), WINDOW);
    await enqueue(sql, ws, replied, await mailbox(), WINDOW);
    await enqueue(sql, ws, variantB, await mailbox(), { ...WINDOW, message: 'b' });
    await enqueue(sql, ws, tomorrow, await mailbox(), { start: new Date('2026-12-09T13:00:00Z'), end: new Date('2026-12-09T16:00:00Z') });
    const fineId = await enqueue(sql, ws, fine, await mailbox(), WINDOW);

    await sql.query(
      `INSERT INTO suppression (id, workspace_id, kind, value, reason, source) VALUES
         (:a::uuid, :ws::uuid, 'email', :email, 'Opted out', 'opt_out'), (:b::uuid, :ws::uuid, 'domain', :domain, 'Legal hold', 'rep')`,
      { a: randomUUID(), b: randomUUID(), ws, email: optedOut.email, domain: blockedDomain },
    );
    await sql.query(
      `INSERT INTO reply (id, workspace_id, rfc_message_id, sequence_id, lead_id, from_email, received_at, raw_key)
       VALUES (:id::uuid, :ws::uuid, :rfc, :seq::uuid, :lead::uuid, :from, now(), 'inbound/r.eml')`,
      { id: randomUUID(), ws, rfc: `<${randomUUID()}@reply.example>`, seq: replied.seq.sequenceId, lead: replied.leadId, from: replied.email },
    );

    const claimed = await claimDue(sql, { workspaceId: ws, now: NOW, claimer: 'exec' });
    expect(ids(claimed)).toEqual([fineId]);
    // after the window has closed, even the message that was fine is not claimed late
    await sql.query(`UPDATE scheduled_message SET status = 'scheduled', claimed_at = NULL, claimed_by = NULL WHERE message_id = :m::uuid`, { m: fineId });
    expect(await claimDue(sql, { workspaceId: ws, now: new Date('2026-12-08T16:00:00Z'), claimer: 'late' })).toEqual([]);
  });

  it('a warming mailbox stops at its ramp and a recipient domain at its cap, counting sends of the last 24 hours', async () => {
    const sql = await backend.open();
    const ws = await seedWorkspace(sql);
    // started warming yesterday: 5 a day
    const warming = await seedMailbox(sql, ws, { spacing: 30, domainCap: 5, warmupStartedAt: new Date('2026-12-07T09:00:00Z') });
    for (let i = 0; i < 7; i++) await enqueue(sql, ws, await seedApprovedLead(sql, ws, fresh(`warm${i}`)), warming.id, WINDOW);
    // an established mailbox, 2 per recipient domain: five leads at one company
    const established = await seedMailbox(sql, ws, { spacing: 30, domainCap: 2 });
    const company = fresh('onecompany');
    for (const name of ['Ann Lee', 'Bo Chen', 'Cy Park', 'Di Wu', 'Ed Ray']) {
      await enqueue(sql, ws, await seedApprovedLead(sql, ws, company, { name }), established.id, WINDOW);
    }

    // two earlier sends to the company: 23 hours ago (counts) and 25 hours ago (has left the day)
    for (const [name, hoursAgo] of [['Fay Kim', 23], ['Gil Roy', 25]] as const) {
      const earlier = await seedApprovedLead(sql, ws, company, { name });
      await sql.query(
        `INSERT INTO send_attempt (id, message_id, idempotency_key, from_email, to_email, rfc_message_id, provider, status, started_at, finished_at)
         VALUES (:id::uuid, :m::uuid, :key, :from, :to, :rfc, 'smtp', 'sent', :at::timestamptz, :at::timestamptz)`,
        {
          id: randomUUID(),
          m: earlier.seq.messages.a,
          key: `k-${randomUUID()}`,
          from: established.address,
          to: earlier.email,
          rfc: `<${randomUUID()}@tallyhand.com>`,
          at: later(-hoursAgo * 3600),
        },
      );
    }

    let warmingClaims = 0;
    let companyClaims = 0;
    // two executions at once in every round: the caps hold across them
    for (let round = 0; round < 12; round++) {
      const both = await Promise.all(['a', 'b'].map((e) => claimDue(sql, { workspaceId: ws, now: later(round * 60), claimer: `exec-${e}-${round}` })));
      for (const c of both.flat()) {
        if (c.mailboxId === warming.id) warmingClaims++;
        if (c.toEmail.endsWith(`@${company}`)) companyClaims++;
      }
    }
    expect(warmingClaims).toBe(5);
    expect(companyClaims).toBe(1);
  });

  it('a claim left by a dead execution is taken again after the lease, unless a send attempt exists', async () => {
    const sql = await backend.open();
    const ws = await seedWorkspace(sql);
    const mb = await seedMailbox(sql, ws, { spacing: 30 });
    const lead = await seedApprovedLead(sql, ws, fresh('lease'));
    const id = await enqueue(sql, ws, lead, mb.id, WINDOW);
    expect(ids(await claimDue(sql, { workspaceId: ws, now: NOW, claimer: 'dies' }))).toEqual([id]);
    expect(await claimDue(sql, { workspaceId: ws, now: later(600), claimer: 'too-early' })).toEqual([]);
    expect(ids(await claimDue(sql, { workspaceId: ws, now: later(901), claimer: 'takes-over' }))).toEqual([id]);
    await sql.query(
      `INSERT INTO send_attempt (id, message_id, idempotency_key, from_email, to_email, rfc_message_id, provider)
       VALUES (:id::uuid, :m::uuid, :key, :from, :to, :rfc, 'smtp')`,
      { id: randomUUID(), m: id, key: `k-${id}`, from: mb.address, to: lead.email, rfc: `<${randomUUID()}@tallyhand.com>` },
    );
    expect(await claimDue(sql, { workspaceId: ws, now: later(2000), claimer: 'after-attempt' })).toEqual([]);
  });

  it('moves a message whose window passed to the next window, with the reason, and claims it there', async () => {
    const sql = await backend.open();
    const ws = await seedWorkspace(sql);
    const mb = await seedMailbox(sql, ws);
    const id = await enqueue(sql, ws, await seedApprovedLead(sql, ws, fresh('missed')), mb.id, WINDOW);
    const thursdayEvening = new Date('2026-12-10T23:00:00Z');
    expect(await rescheduleMissed(sql, ws, thursdayEvening)).toBe(1);
    const row = await sql.query<{ scheduled_at: string; window_ends_at: string; deferred_reason: string }>(
      `SELECT scheduled_at, window_ends_at, deferred_reason FROM scheduled_message WHERE message_id = :id::uuid`,
      { id },
    );
    expect(row.rows[0]).toEqual({
      scheduled_at: '2026-12-15T13:00:00.000Z',
      window_ends_at: '2026-12-15T16:00:00.000Z',
      deferred_reason: 'missed its window (closed 2026-12-08 11:00 America/New_York); next 2026-12-15 08:00 America/New_York',
    });
    expect(await rescheduleMissed(sql, ws, thursdayEvening)).toBe(0);
    expect(await claimDue(sql, { workspaceId: ws, now: new Date('2026-12-14T14:00:00Z'), claimer: 'monday' })).toEqual([]);
    expect(ids(await claimDue(sql, { workspaceId: ws, now: new Date('2026-12-15T13:00:00Z'), claimer: 'tuesday' }))).toEqual([id]);
    const claimed = await sql.query<{ deferred_reason: string | null }>(`SELECT deferred_reason FROM scheduled_message WHERE message_id = :id::uuid`, { id });
    expect(claimed.rows[0].deferred_reason).toBeNull();
  });

  it('uses the workspace window over the default, and an ICP window over the workspace one', async () => {
    const sql = await backend.open();
    const ws = await seedWorkspace(sql, 'America/New_York');
    await seedMailbox(sql, ws, { address: 'maya.okafor@tallyhand.com' });
    const icp = randomUUID();
    await sql.query(`INSERT INTO icp (id, workspace_id, slug, name, search_keywords) VALUES (:id::uuid, :ws::uuid, 'freight', 'Freight', ARRAY['freight'])`, { id: icp, ws });
    await sql.query(
      `INSERT INTO send_window (id, workspace_id, icp_id, days, start_local, end_local) VALUES
         (:a::uuid, :ws::uuid, NULL, '15', '07:30', '09:00'), (:b::uuid, :ws::uuid, :icp::uuid, '6', '10:00', '12:00')`,
      { a: randomUUID(), b: randomUUID(), ws, icp },
    );
    const friday = new Date('2026-12-04T12:00:00Z'); // 07:00 in New York
    const plain = await seedApprovedLead(sql, ws, fresh('plain'));
    // Mondays and Fridays 07:30–09:00: this very Friday, half an hour later
    expect(await scheduleFirstTouch(sql, plain.seq.sequenceId, friday)).toMatchObject({ scheduledAt: '2026-12-04T12:30:00.000Z', windowEndsAt: '2026-12-04T14:00:00.000Z' });
    const icpLead = await seedApprovedLead(sql, ws, fresh('icp'));
    await sql.query(`UPDATE sequence SET icp_id = :icp::uuid WHERE id = :id::uuid`, { icp, id: icpLead.seq.sequenceId });
    // the ICP's Saturdays 10:00–12:00
    expect(await scheduleFirstTouch(sql, icpLead.seq.sequenceId, friday)).toMatchObject({ scheduledAt: '2026-12-05T15:00:00.000Z', windowEndsAt: '2026-12-05T17:00:00.000Z' });
  });

  it('schedules the first touch in the lead zone from research and a follow-up three business days after it was sent', async () => {
    const sql = await backend.open();
    const ws = await seedWorkspace(sql, 'America/Chicago');
    await seedMailbox(sql, ws, { address: 'maya.okafor@tallyhand.com' });
    const berlin = await seedApprovedLead(sql, ws, fresh('berlin'), { findings: { location: 'Berlin, Germany' } });
    const first = await scheduleFirstTouch(sql, berlin.seq.sequenceId, new Date('2026-12-04T12:00:00Z')); // a Friday
    expect(first).toMatchObject({
      messageId: berlin.seq.messages.a,
      timeZone: 'Europe/Berlin',
      zoneSource: 'lead',
      scheduledAt: '2026-12-08T07:00:00.000Z',
      windowEndsAt: '2026-12-08T10:00:00.000Z',
      priority: 80,
    });
    // no place in the research: the rep's zone from onboarding
    const nowhere = await seedApprovedLead(sql, ws, fresh('nowhere'));
    expect(await scheduleFirstTouch(sql, nowhere.seq.sequenceId, new Date('2026-12-04T12:00:00Z'))).toMatchObject({
      timeZone: 'America/Chicago',
      zoneSource: 'workspace',
      scheduledAt: '2026-12-08T14:00:00.000Z',
    });
    // sent Tuesday 08:00 Berlin; the follow-up (day 3) goes Friday, outside Tue–Thu: next Tuesday
    const follow = await scheduleFollowUp(sql, berlin.seq.messages.a, new Date('2026-12-08T07:00:00Z'));
    expect(follow).toMatchObject({ messageId: berlin.seq.messages.followUp, scheduledAt: '2026-12-15T07:00:00.000Z' });
  });

  it('a lead in New York and one in Berlin are claimed at 08:00 on their own clocks, before and after each daylight-saving change', async () => {
    // 2026: the US changes on 8 March and 1 November, the EU on 29 March and 25 October.
    // Each row: the Friday the sequence is approved, then the Tuesday 08:00 in New York and in Berlin, in UTC.
    const weeks = [
      ['2026-02-27T12:00:00Z', '2026-03-03T13:00:00Z', '2026-03-03T07:00:00Z'], // both on winter time
      ['2026-03-06T12:00:00Z', '2026-03-10T12:00:00Z', '2026-03-10T07:00:00Z'], // New York on summer time, Berlin not yet
      ['2026-03-27T12:00:00Z', '2026-03-31T12:00:00Z', '2026-03-31T06:00:00Z'], // both on summer time
      ['2026-10-23T12:00:00Z', '2026-10-27T12:00:00Z', '2026-10-27T07:00:00Z'], // Berlin back on winter time, New York not yet
      ['2026-10-30T12:00:00Z', '2026-11-03T13:00:00Z', '2026-11-03T07:00:00Z'], // both on winter time
    ] as const;
    const sql = await backend.open();
    for (const [approvedOn, newYorkOpens, berlinOpens] of weeks) {
      const ws = await seedWorkspace(sql, 'America/Chicago');
      await seedMailbox(sql, ws, { address: 'maya.okafor@tallyhand.com', spacing: 30 });
      const ny = await seedApprovedLead(sql, ws, fresh('hudson'), { findings: { location: 'New York, NY' } });
      const de = await seedApprovedLead(sql, ws, fresh('spree'), { findings: { location: 'Berlin, Germany' } });
      const nyFirst = await scheduleFirstTouch(sql, ny.seq.sequenceId, new Date(approvedOn));
      const deFirst = await scheduleFirstTouch(sql, de.seq.sequenceId, new Date(approvedOn));
      expect(nyFirst).toMatchObject({ timeZone: 'America/New_York', scheduledAt: new Date(newYorkOpens).toISOString() });
      expect(deFirst).toMatchObject({ timeZone: 'Europe/Berlin', scheduledAt: new Date(berlinOpens).toISOString() });

      const at = (iso: string, seconds = 0) => new Date(new Date(iso).getTime() + seconds * 1000);
      const claim = async (when: Date) => (await claimDue(sql, { workspaceId: ws, now: when, claimer: `c-${when.toISOString()}` })).map((c) => c.toEmail);
      // a minute before 08:00 on each clock nothing goes; at 08:00 that lead goes, and only that one
      expect(await claim(at(berlinOpens, -60)), `Berlin, week of ${approvedOn}`).toEqual([]);
      expect(await claim(at(berlinOpens)), `Berlin, week of ${approvedOn}`).toEqual([de.email]);
      expect(await claim(at(newYorkOpens, -60)), `New York, week of ${approvedOn}`).toEqual([]);
      expect(await claim(at(newYorkOpens)), `New York, week of ${approvedOn}`).toEqual([ny.email]);
    }
  }, 120_000);
});
