/**
 * Sending through the real sending state machine (statemachine/sending.asl.json run by the local
 * interpreter), the real SMTP mailer and the loopback sink, on PGlite: what a rep would notice -
 * the mail in the outbox with its compliance headers, the follow-up queued and not sent, nothing
 * sent twice, nothing to an address that opted out between claim and send, and 4xx / 5xx /
 * dropped-after-DATA / a crash each ending where the at-most-once rules say.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FolderLake } from '#adapters/folder-lake.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import type { SmtpMailer } from '#adapters/smtp-mailer.ts';
import type { Deps, MailDeps } from '#core/pipeline/deps.ts';
import { MailerBlockedError } from '#core/errors.ts';
import type { Clock, Mailer } from '#core/ports.ts';
import type { MailSink } from '../../local/mail-sink.ts';
import { sendOnce } from '../../local/sending.ts';
import { listOutbox } from '#core/sending/outbox.ts';
import { enqueue, seedApprovedLead, seedMailbox, seedSeller, seedWorkspace, openSendingBench, sendingDeps, type SendingBench } from '#test/helpers/sending.ts';

// Tuesday 8 December 2026, 09:00 in New York (14:00 UTC), inside the default window.
const NOW = new Date('2026-12-08T14:00:00Z');
const WINDOW = { start: new Date('2026-12-08T13:00:00Z'), end: new Date('2026-12-08T16:00:00Z') };

let db: PgliteSql;
let ws: string;
let lake: FolderLake;
let sink: MailSink;
let mailer: SmtpMailer;
let bench: SendingBench;

beforeAll(async () => {
  bench = await openSendingBench('send-test-', NOW);
  ({ db, workspaceId: ws, lake, sink, mailer } = bench);
}, 120_000);

afterAll(() => bench?.close());

const deps = (): Deps => sendingDeps(db, lake, NOW);
const mail = (m?: Mailer): MailDeps => bench.mail(m);

/** A fresh mailbox (its own spacing and caps) with one approved lead queued on it. */
async function queued(name: string) {
  const mb = await seedMailbox(db, ws, { spacing: 60 });
  const lead = await seedApprovedLead(db, ws, `${name}-${randomUUID().slice(0, 8)}.example`);
  const messageId = await enqueue(db, ws, lead, mb.id, WINDOW);
  return { mb, lead, messageId };
}

async function attempts(messageId: string) {
  return (
    await db.query<{ status: string; error: string | null; rfc_message_id: string }>(
      'SELECT status, error, rfc_message_id FROM send_attempt WHERE message_id = :id::uuid ORDER BY started_at',
      { id: messageId },
    )
  ).rows;
}

async function row(messageId: string) {
  return (
    await db.query<{ status: string; attempts: number; next_retry_at: string | null; deferred_reason: string | null }>(
      'SELECT status, attempts, next_retry_at, deferred_reason FROM scheduled_message WHERE message_id = :id::uuid',
      { id: messageId },
    )
  ).rows[0];
}

const deliveredTo = (email: string) => sink.deliveries.filter((d) => d.to.includes(email));

describe('the sending state machine', () => {
  afterEach(() => expect(sink.pendingFaults).toBe(0));

  it('sends a due message with its compliance headers, queues the follow-up unsent, and a second run sends nothing twice', async () => {
    const { lead, messageId } = await queued('sent');

    const first = await sendOnce(deps(), mail(), { workspaceId: ws, now: NOW });

    expect(first).toMatchObject({ claimed: 1, sent: 1, deferred: 0, failed: 0, uncertain: 0 });
    const got = deliveredTo(lead.email);
    expect(got).toHaveLength(1);
    const eml = (await lake.get(got[0].key))!.toString('utf8').replace(/=\r?\n/g, '');
    expect(eml).toMatch(/^List-Unsubscribe:\s*<https:\/\/go\.tallyhand\.example\/unsubscribe\/v1\.[^>]+>,\s*<mailto:[^>]+\?subject=unsubscribe>/m);
    expect(eml).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);
    expect(eml).toContain('548 Market St');
    expect(eml).toContain('Unsubscribe with one click');
    const [attempt] = await attempts(messageId);
    expect(attempt.status).toBe('sent');
    expect(got[0].messageId).toBe(attempt.rfc_message_id);
    const followUp = await row(lead.seq.messages.followUp);
    expect(followUp.status).toBe('scheduled');

    // even long after the spacing, the same message is never sent again; the follow-up waits
    const again = await sendOnce(deps(), mail(), { workspaceId: ws, now: new Date(NOW.getTime() + 3600_000) });
    expect(again.sent).toBe(0);
    expect(deliveredTo(lead.email)).toHaveLength(1);
    expect((await sendOnce(deps(), mail(), { workspaceId: ws, now: NOW })).sent).toBe(0);
  }, 120_000);

  it('an opt-out recorded between the claim and the send stops the send', async () => {
    const { lead, messageId } = await queued('optout');
    const optOutBeforeSending = (state: string, fn: (e: unknown) => Promise<unknown>) =>
      state === 'SendMessage'
        ? async (event: unknown) => {
            await db.query(`INSERT INTO suppression (id, workspace_id, kind, value, reason, source) VALUES (:id::uuid, :ws::uuid, 'email', :e, 'clicked', 'opt_out')`, {
              id: randomUUID(),
              ws,
              e: lead.email,
            });
            return fn(event);
          }
        : fn;

    const summary = await sendOnce(deps(), mail(), { workspaceId: ws, now: NOW, wrap: optOutBeforeSending });

    expect(summary).toMatchObject({ claimed: 1, sent: 0, skipped: 1 });
    expect(deliveredTo(lead.email)).toHaveLength(0);
    expect(await attempts(messageId)).toEqual([]);
    expect((await row(messageId)).status).toBe('cancelled');
  }, 120_000);

  it('SMTP 4xx defers with a backoff of 5 min, then 15 min, then 1 h, then fails', async () => {
    const { lead, messageId } = await queued('tempfail');
    const waits: number[] = [];
    let at = NOW;
    for (let i = 0; i < 3; i++) {
      sink.injectFault({ kind: 'reply', stage: 'data', code: 451, message: '4.3.0 try again later' });
      const s = await sendOnce(deps(), mail(), { workspaceId: ws, now: at });
      expect(s).toMatchObject({ claimed: 1, deferred: 1, sent: 0 });
      const r = await row(messageId);
      expect(r.status).toBe('scheduled');
      expect(r.deferred_reason).toContain('451');
      waits.push((new Date(r.next_retry_at!).getTime() - at.getTime()) / 1000);
      at = new Date(r.next_retry_at!);
    }
    expect(waits).toEqual([300, 900, 3600]);
    // a retry before its time is not claimed
    expect((await sendOnce(deps(), mail(), { workspaceId: ws, now: new Date(at.getTime() - 1000) })).claimed).toBe(0);

    sink.injectFault({ kind: 'reply', stage: 'data', code: 451, message: '4.3.0 try again later' });
    const last = await sendOnce(deps(), mail(), { workspaceId: ws, now: at });

    expect(last).toMatchObject({ claimed: 1, failed: 1 });
    expect((await row(messageId)).status).toBe('done');
    expect((await attempts(messageId)).map((a) => a.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(deliveredTo(lead.email)).toHaveLength(0);
  }, 180_000);

  it('SMTP 5xx fails the message with the server\'s reply, and it is not retried', async () => {
    const { messageId, lead } = await queued('rejected');
    sink.injectFault({ kind: 'reply', stage: 'rcpt', code: 550, message: '5.1.1 no such user' });

    const s = await sendOnce(deps(), mail(), { workspaceId: ws, now: NOW });

    expect(s).toMatchObject({ claimed: 1, failed: 1 });
    const [a] = await attempts(messageId);
    expect(a.status).toBe('failed');
    expect(a.error).toMatch(/550.*no such user/);
    // 5.1.1: the address does not exist, a hard bounce: suppressed, the sequence stopped
    const sup = await db.query<{ source: string }>(`SELECT source FROM suppression WHERE workspace_id = :ws::uuid AND value = :e`, { ws, e: lead.email });
    expect(sup.rows).toEqual([{ source: 'bounce' }]);
    const seq = await db.query<{ status: string }>('SELECT status FROM sequence WHERE id = :id::uuid', { id: lead.seq.sequenceId });
    expect(seq.rows[0].status).toBe('stopped');
    expect((await sendOnce(deps(), mail(), { workspaceId: ws, now: new Date(NOW.getTime() + 600_000) })).claimed).toBe(0);
  }, 120_000);

  it('a connection dropped after DATA leaves the message uncertain, never sent again', async () => {
    const { lead, messageId } = await queued('dropped');
    sink.injectFault({ kind: 'drop-after-data', keep: true });

    const s = await sendOnce(deps(), mail(), { workspaceId: ws, now: NOW });

    expect(s).toMatchObject({ claimed: 1, uncertain: 1, sent: 0 });
    expect((await attempts(messageId)).map((a) => a.status)).toEqual(['uncertain']);
    await sendOnce(deps(), mail(), { workspaceId: ws, now: new Date(NOW.getTime() + 3600_000) });
    expect(deliveredTo(lead.email)).toHaveLength(1);
  }, 120_000);

  it('a crash between writing `sending` and the answer: the restarted sender marks it uncertain and sends nothing twice', async () => {
    const { lead, messageId } = await queued('crash');
    // the process dies while the mail is with the server: the mailer never answers and the
    // execution is abandoned (as a killed process abandons it)
    const abort = new AbortController();
    const hanging: Mailer = {
      provider: 'smtp',
      send: async (m) => {
        await mailer.send(m);
        abort.abort();
        return new Promise(() => {});
      },
      close: async () => {},
    };
    await expect(sendOnce(deps(), mail(hanging), { workspaceId: ws, now: NOW, signal: abort.signal })).rejects.toThrow();
    expect((await attempts(messageId)).map((a) => a.status)).toEqual(['sending']);

    const restarted = await sendOnce(deps(), mail(), { workspaceId: ws, now: new Date(NOW.getTime() + 120_000) });

    expect(restarted.abandoned).toBe(1);
    expect((await attempts(messageId)).map((a) => a.status)).toEqual(['uncertain']);
    expect(deliveredTo(lead.email)).toHaveLength(1);
  }, 120_000);

  it('a mailbox that cannot send stops the batch and fails nothing: every claimed message goes back to the queue', async () => {
    const one = await queued('blocked-1');
    const two = await queued('blocked-2');
    let calls = 0;
    const blocked: Mailer = {
      provider: 'smtp',
      send: async () => {
        calls++;
        throw new MailerBlockedError('smtp', 'authentication failed', { code: 535, response: '535 5.7.8 bad credentials' });
      },
      close: async () => {},
    };

    const s = await sendOnce(deps(), mail(blocked), { workspaceId: ws, now: NOW });

    expect(s).toMatchObject({ blocked: true, sent: 0, failed: 0, uncertain: 0 });
    expect(s.claimed).toBeGreaterThanOrEqual(2);
    expect(calls).toBe(1);
    for (const { messageId } of [one, two]) {
      const r = await row(messageId);
      expect(r).toMatchObject({ status: 'scheduled', attempts: 0 });
      expect(r.deferred_reason).toContain('cannot send');
    }
  }, 120_000);
});

describe('rounds, parking and a workspace that cannot send', () => {
  /** A workspace of its own (its queue is not shared with the tests above) with `count` leads queued on one mailbox. */
  async function workspaceWithQueue(count: number, options: { postal?: string | null; dailyCap?: number; domains?: string[] } = {}) {
    const w = await seedWorkspace(db);
    await seedSeller(db, w, options.postal === undefined ? '548 Market St PMB 72015, San Francisco, CA 94104' : options.postal);
    const mb = await seedMailbox(db, w, { spacing: 60, dailyCap: options.dailyCap ?? 40 });
    const queue: { messageId: string; email: string }[] = [];
    for (let i = 0; i < count; i++) {
      const lead = await seedApprovedLead(db, w, options.domains?.[i] ?? `round${i}-${randomUUID().slice(0, 8)}.example`);
      queue.push({ messageId: await enqueue(db, w, lead, mb.id, { ...WINDOW, priority: 90 - i }), email: lead.email });
    }
    return { w, mb, queue };
  }

  const sentAt = async (w: string) =>
    (
      await db.query<{ started_at: string }>(
        `SELECT sa.started_at FROM send_attempt sa JOIN message m ON m.id = sa.message_id JOIN sequence s ON s.id = m.sequence_id
          WHERE s.workspace_id = :w::uuid AND sa.status = 'sent' ORDER BY sa.started_at`,
        { w },
      )
    ).rows.map((r) => new Date(r.started_at).getTime());

  it('one round sends one mail per mailbox; with time to keep sending, the execution waits out the spacing and sends up to the cap', async () => {
    const { w, queue } = await workspaceWithQueue(5, { dailyCap: 3 });

    const oneRound = await sendOnce(deps(), mail(), { workspaceId: w, now: NOW });
    expect(oneRound).toMatchObject({ claimed: 1, sent: 1, rounds: 1 });

    // 90 s later (past the 60-90 s spacing), with an hour to go on: two more reach the cap of 3
    const looped = await sendOnce(deps(), mail(), { workspaceId: w, now: new Date(NOW.getTime() + 90_000), keepSendingSeconds: 3600 });

    expect(looped).toMatchObject({ claimed: 2, sent: 2, deferred: 0, failed: 0, uncertain: 0 });
    expect(looped.rounds).toBeGreaterThanOrEqual(2);
    const times = await sentAt(w);
    expect(times).toHaveLength(3);
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] - times[i - 1]) / 1000;
      expect(gap).toBeGreaterThanOrEqual(60);
      expect(gap).toBeLessThanOrEqual(91);
    }
    // highest priority first; the two left wait for the cap, and say so
    expect(queue.slice(0, 3).map((q) => deliveredTo(q.email).length)).toEqual([1, 1, 1]);
    const waiting = (await listOutbox(db, w, new Date(times[2] + 120_000))).filter((m) => m.step.position === 1);
    expect(waiting.map((m) => m.lead.email).sort()).toEqual(queue.slice(3).map((q) => q.email).sort());
    for (const m of waiting) expect(m.reason).toMatch(/mailbox cap reached: 3 of 3 in 24 h/);
  }, 120_000);

  it('keeps sending only as long as it was given: 100 s hold two sends 60-90 s apart, not three', async () => {
    const { w } = await workspaceWithQueue(4);

    const s = await sendOnce(deps(), mail(), { workspaceId: w, now: NOW, keepSendingSeconds: 100 });

    expect(s).toMatchObject({ claimed: 2, sent: 2 });
    expect(await sentAt(w)).toHaveLength(2);
  }, 120_000);

  it('asked to stop (Ctrl-C), an execution that keeps sending finishes its round and claims nothing more', async () => {
    const { w } = await workspaceWithQueue(3);
    const stop = new AbortController();
    const stopAfterFirstSend = (state: string, fn: (e: unknown) => Promise<unknown>) =>
      state === 'SendMessage' ? async (event: unknown) => (await fn(event).finally(() => stop.abort())) : fn;

    const s = await sendOnce(deps(), mail(), { workspaceId: w, now: NOW, keepSendingSeconds: 3600, wrap: stopAfterFirstSend, stopAfterRound: stop.signal });

    expect(s).toMatchObject({ claimed: 1, sent: 1 });
    expect(await sentAt(w)).toHaveLength(1);
  }, 120_000);

  it('asked to stop while it waits out the spacing between rounds, an execution ends at once with what it sent', async () => {
    const { w } = await workspaceWithQueue(3);
    const stop = new AbortController();
    // Not a simulated clock: the execution's Wait for the spacing is real (minutes), as with
    // `prospector send --for 3h` on the real clock; this one stands at NOW and moves with time.
    const began = Date.now();
    const clock: Clock = { now: () => new Date(NOW.getTime() + (Date.now() - began)) };
    let waitSeconds = 0;
    const stopInTheWait = (state: string, fn: (e: unknown) => Promise<unknown>) =>
      state === 'FinishSend'
        ? async (event: unknown) => {
            const totals = (await fn(event)) as { again: boolean; waitSeconds: number };
            if (totals.again) {
              waitSeconds = totals.waitSeconds;
              setTimeout(() => stop.abort(), 100);
            }
            return totals;
          }
        : fn;

    const s = await sendOnce(deps(), mail(), { workspaceId: w, clock, keepSendingSeconds: 3600, wrap: stopInTheWait, stopAfterRound: stop.signal });

    // the wait it was in: the mailbox's spacing, a minute or more, past this test's own limit
    expect(waitSeconds).toBeGreaterThanOrEqual(60);
    expect(s).toMatchObject({ claimed: 1, sent: 1, rounds: 1, blocked: false });
    expect(await sentAt(w)).toHaveLength(1);
  }, 30_000);

  it('a message that can never be composed is parked with the reason, and the rest of the round goes on', async () => {
    // an imported lead whose address has no dot in its domain: the database keeps it, no mail can carry it
    const { w, queue } = await workspaceWithQueue(2, { domains: ['intranet', `fine-${randomUUID().slice(0, 8)}.example`] });
    const broken = queue[0];

    const first = await sendOnce(deps(), mail(), { workspaceId: w, now: NOW, keepSendingSeconds: 600 });

    expect(first).toMatchObject({ parked: 1, sent: 1, failed: 0, blocked: false });
    expect(await attempts(broken.messageId)).toEqual([]);
    const parked = await row(broken.messageId);
    expect(parked.status).toBe('parked');
    expect(parked.deferred_reason).toMatch(/cannot be composed: lead\.email must be an email address/);
    // never claimed again by itself
    const later = await sendOnce(deps(), mail(), { workspaceId: w, now: new Date(NOW.getTime() + 3600_000), keepSendingSeconds: 600 });
    expect(later.claimed).toBe(0);
    expect(deliveredTo(broken.email)).toEqual([]);
    expect((await row(broken.messageId)).status).toBe('parked');
    // the rep sees it in the outbox, with the reason
    const [shown] = (await listOutbox(db, w, NOW)).filter((m) => m.messageId === broken.messageId);
    expect(shown).toMatchObject({ status: 'parked', sendableNow: false });
    expect(shown.reason).toMatch(/^parked: cannot be composed: lead\.email/);
  }, 120_000);

  it('without a postal address nothing is claimed, every due message says why, and they go once it is added', async () => {
    const { w, queue } = await workspaceWithQueue(2, { postal: null });

    const blocked = await sendOnce(deps(), mail(), { workspaceId: w, now: NOW, keepSendingSeconds: 600 });

    expect(blocked).toMatchObject({ claimed: 0, sent: 0, blocked: true, rounds: 1 });
    expect(blocked.blockedReason).toMatch(/company\.postalAddress/);
    for (const q of queue) {
      const r = await row(q.messageId);
      expect(r.status).toBe('scheduled');
      expect(r.deferred_reason).toMatch(/no postal address/);
    }
    // the same execution again changes nothing and claims nothing
    expect((await sendOnce(deps(), mail(), { workspaceId: w, now: new Date(NOW.getTime() + 60_000) })).claimed).toBe(0);

    await db.query(`UPDATE seller_company SET postal_address = '548 Market St PMB 72015, San Francisco, CA 94104' WHERE workspace_id = :w::uuid`, { w });
    const sent = await sendOnce(deps(), mail(), { workspaceId: w, now: new Date(NOW.getTime() + 120_000), keepSendingSeconds: 600 });
    expect(sent).toMatchObject({ sent: 2, blocked: false });
  }, 120_000);
});
