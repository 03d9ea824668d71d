/**
 * The sending migration's invariants: a mailbox cannot be configured into a burst, a window
 * needs a day and a span of hours, the queue holds a message once, within a real window, a
 * claim always says who holds it, and a parked message why.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { freshDb } from '#test/helpers/db.ts';
import { failure } from '#test/helpers/outreach.ts';
import { enqueue, seedApprovedLead, seedMailbox, seedWorkspace } from '#test/helpers/sending.ts';

let db: PgliteSql;
beforeAll(async () => {
  db = await freshDb();
}, 120_000);
afterAll(async () => db?.close());

const WINDOW = { start: new Date('2026-12-08T13:00:00Z'), end: new Date('2026-12-08T16:00:00Z') };

describe('sending schema', () => {
  it('bounds mailbox caps and spacing, and gives a rep one active mailbox', async () => {
    const ws = await seedWorkspace(db);
    const mailbox = (cap: number, domainCap: number, spacing = 120, address = `m-${randomUUID().slice(0, 6)}@tallyhand.com`) =>
      db.query(
        `INSERT INTO mailbox (id, workspace_id, address, provider, daily_cap, per_domain_daily_cap, min_spacing_seconds)
         VALUES (:id::uuid, :ws::uuid, :address, 'smtp', :cap, :domainCap, :spacing)`,
        { id: randomUUID(), ws, address, cap, domainCap, spacing },
      );
    expect(await failure(mailbox(40, 41))).toMatchObject({ code: '23514' }); // domain cap above the daily cap
    expect(await failure(mailbox(5000, 3))).toMatchObject({ code: '23514' }); // a burst
    expect(await failure(mailbox(40, 3, 5))).toMatchObject({ code: '23514' }); // no spacing to speak of
    expect(await failure(mailbox(40, 3, 120, 'Maya@Tallyhand.com'))).toMatchObject({ code: '23514' }); // not lower-case
    await mailbox(40, 3);
    const rep = await db.query<{ id: string }>(`SELECT id FROM app_user WHERE workspace_id = :ws::uuid`, { ws });
    const forRep = () =>
      db.query(
        `INSERT INTO mailbox (id, workspace_id, rep_id, address, provider) VALUES (:id::uuid, :ws::uuid, :rep::uuid, :address, 'ses')`,
        { id: randomUUID(), ws, rep: rep.rows[0].id, address: `r-${randomUUID().slice(0, 6)}@tallyhand.com` },
      );
    await forRep();
    expect(await failure(forRep())).toMatchObject({ code: '23505' });
  });

  it('a window has at least one weekday, in order, and ends after it starts; one per workspace and ICP', async () => {
    const ws = await seedWorkspace(db);
    const window = (days: string, start = '08:00', end = '11:00') =>
      db.query(`INSERT INTO send_window (id, workspace_id, days, start_local, end_local) VALUES (:id::uuid, :ws::uuid, :days, :start::time, :end::time)`, {
        id: randomUUID(),
        ws,
        days,
        start,
        end,
      });
    expect(await failure(window(''))).toMatchObject({ code: '23514' });
    expect(await failure(window('432'))).toMatchObject({ code: '23514' });
    expect(await failure(window('8'))).toMatchObject({ code: '23514' });
    expect(await failure(window('234', '11:00', '08:00'))).toMatchObject({ code: '23514' });
    await window('12345', '09:00', '17:00');
    expect(await failure(window('234'))).toMatchObject({ code: '23505' }); // a second workspace default
  });

  it('queues a message once, inside a real window, and a claim names its holder', async () => {
    const ws = await seedWorkspace(db);
    const mb = await seedMailbox(db, ws);
    const lead = await seedApprovedLead(db, ws, `q-${randomUUID().slice(0, 6)}.example`);
    expect(await failure(enqueue(db, ws, lead, mb.id, { start: WINDOW.end, end: WINDOW.start }))).toMatchObject({ code: '23514' });
    const id = await enqueue(db, ws, lead, mb.id, WINDOW);
    expect(await failure(enqueue(db, ws, lead, mb.id, WINDOW))).toMatchObject({ code: '23505' });
    const set = (sql: string) => db.query(`UPDATE scheduled_message SET ${sql} WHERE message_id = :id::uuid`, { id });
    expect(await failure(set(`status = 'claimed'`))).toMatchObject({ code: '23514' });
    expect(await failure(set(`next_retry_at = now()`))).toMatchObject({ code: '23514' }); // a retry needs an attempt
    expect(await failure(set(`status = 'done', deferred_reason = 'outside the window'`))).toMatchObject({ code: '23514' });
    await set(`status = 'claimed', claimed_at = now(), claimed_by = 'exec-1'`);
  });

  it('a parked message always says why (migration 0018), and only waiting or parked rows carry a reason', async () => {
    const ws = await seedWorkspace(db);
    const mb = await seedMailbox(db, ws);
    const id = await enqueue(db, ws, await seedApprovedLead(db, ws, `p-${randomUUID().slice(0, 6)}.example`), mb.id, WINDOW);
    const set = (sql: string) => db.query(`UPDATE scheduled_message SET ${sql} WHERE message_id = :id::uuid`, { id });
    expect(await failure(set(`status = 'parked'`))).toMatchObject({ code: '23514' });
    await set(`status = 'parked', deferred_reason = 'cannot be composed: subject a first email needs a subject'`);
    expect(await failure(set(`status = 'cancelled'`))).toMatchObject({ code: '23514' }); // the reason must go with it
    await set(`status = 'cancelled', deferred_reason = NULL`);
    expect(await failure(set(`status = 'sleeping'`))).toMatchObject({ code: '23514' });
  });
});
