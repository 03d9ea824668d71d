/**
 * An approved response to a prospect's reply goes out through `sendOnce` (the sending machine,
 * then the responses), with the real SMTP mailer and the loopback sink, on PGlite: one .eml in
 * the thread (In-Reply-To the reply, References the thread, "Re:" subject, the thread's mailbox,
 * the compliance footer), never twice, never to an address suppressed after approval, and a send
 * whose outcome is unknown is never repeated.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FolderLake } from '#adapters/folder-lake.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import type { SmtpMailer } from '#adapters/smtp-mailer.ts';
import type { Deps, MailDeps } from '#core/pipeline/deps.ts';
import type { Mailer } from '#core/ports.ts';
import { handOver } from '#core/outreach/hand-over.ts';
import { approveResponse } from '#core/replies/response-repository.ts';
import type { MailSink } from '../../local/mail-sink.ts';
import { sendOnce } from '../../local/sending.ts';
import { enqueue, seedApprovedLead, seedMailbox, openSendingBench, sendingDeps, type SendingBench, type ApprovedLead } from '#test/helpers/sending.ts';

// Tuesday 8 December 2026, 09:00 in New York (14:00 UTC), inside the default window.
const NOW = new Date('2026-12-08T14:00:00Z');
const WINDOW = { start: new Date('2026-12-08T13:00:00Z'), end: new Date('2026-12-08T16:00:00Z') };
const later = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

let db: PgliteSql;
let ws: string;
let lake: FolderLake;
let sink: MailSink;
let mailer: SmtpMailer;
let bench: SendingBench;

beforeAll(async () => {
  bench = await openSendingBench('reply-send-test-', NOW);
  ({ db, workspaceId: ws, lake, sink, mailer } = bench);
}, 120_000);

afterAll(() => bench?.close());

const deps = (): Deps => sendingDeps(db, lake, NOW);
const mail = (m?: Mailer): MailDeps => bench.mail(m);
const deliveredTo = (email: string) => sink.deliveries.filter((d) => d.to.includes(email));
const eml = async (key: string) => (await lake.get(key))!.toString('utf8').replace(/=\r?\n/g, '').replace(/\r?\n[ \t]+/g, ' ');

/** A lead whose first email went out from its own mailbox, who replied, and a response to that reply (from `rep`), approved unless told not. */
async function approvedResponse(name: string, dailyCap = 40, options: { rep?: string; approve?: boolean; subject?: string } = {}): Promise<{ lead: ApprovedLead; mailbox: string; firstId: string; replyRfc: string; responseId: string }> {
  const mb = await seedMailbox(db, ws, { spacing: 60, dailyCap, domainCap: Math.min(3, dailyCap) });
  const lead = await seedApprovedLead(db, ws, `${name}-${randomUUID().slice(0, 8)}.example`);
  await enqueue(db, ws, lead, mb.id, WINDOW);
  const first = await sendOnce(deps(), mail(), { workspaceId: ws, now: NOW });
  expect(first.sent).toBeGreaterThanOrEqual(1);
  const attempt = (
    await db.query<{ id: string; rfc_message_id: string }>(`SELECT id, rfc_message_id FROM send_attempt WHERE message_id = :m::uuid AND status = 'sent'`, { m: lead.seq.messages.a })
  ).rows[0];
  const replyId = randomUUID();
  const replyRfc = `<${replyId}@${name}.example>`;
  await db.query(
    `INSERT INTO reply (id, workspace_id, rfc_message_id, in_reply_to, send_attempt_id, sequence_id, lead_id, from_email, subject, received_at, raw_key,
                        classification, classified_by, confidence, thread_match, action)
     VALUES (:id::uuid, :ws::uuid, :rfc, :irt, :sa::uuid, :seq::uuid, :lead::uuid, :from, 'Re: Two cross-dock sites', :at::timestamptz, :raw,
             'interested', 'llm', 0.9, 'in_reply_to', 'sequence stopped')`,
    { id: replyId, ws, rfc: replyRfc, irt: attempt.rfc_message_id, sa: attempt.id, seq: lead.seq.sequenceId, lead: lead.leadId, from: lead.email, at: later(5), raw: `inbound/${replyId}.eml` },
  );
  const responseId = randomUUID();
  await db.query(
    `INSERT INTO reply_response (id, workspace_id, reply_id, lead_id, to_email, rep_email, subject, body, source, prompt_version, grounding, checker_version, checked_at)
     VALUES (:id::uuid, :ws::uuid, :reply::uuid, :lead::uuid, :to, :rep, :subject, :body, 'template', 'respond-template.v1', 'grounded', 'test', now())`,
    { id: responseId, ws, reply: replyId, lead: lead.leadId, to: lead.email, rep: options.rep ?? 'maya.okafor@tallyhand.com', subject: options.subject ?? null, body: 'Hi Dana,\n\nThanks for getting back to me. Would Tuesday suit you for a short call?\n\nMaya' },
  );
  if (options.approve !== false) await approveResponse(db, responseId);
  return { lead, mailbox: mb.address, firstId: attempt.rfc_message_id, replyRfc, responseId };
}

async function sendRow(responseId: string) {
  return (await db.query<{ status: string; error: string | null; rfc_message_id: string | null }>(
    'SELECT status, error, rfc_message_id FROM reply_response_send WHERE response_id = :id::uuid', { id: responseId },
  )).rows;
}

describe('sending approved responses to replies', () => {
  it('sends the response once, in the thread, from the mailbox the thread used, with the footer; a second run sends nothing', async () => {
    const { lead, mailbox, firstId, replyRfc, responseId } = await approvedResponse('thread');
    const before = deliveredTo(lead.email).length;

    const summary = await sendOnce(deps(), mail(), { workspaceId: ws, now: later(10) });

    expect(summary.responses).toMatchObject({ sent: 1, cancelled: 0, uncertain: 0 });
    const got = deliveredTo(lead.email).slice(before);
    expect(got).toHaveLength(1);
    const text = await eml(got[0].key);
    expect(text).toMatch(new RegExp(`^In-Reply-To: ${replyRfc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
    expect(text).toMatch(/^References: .*$/m);
    const references = /^References: (.*)$/m.exec(text)![1];
    expect(references).toContain(firstId);
    expect(references.trim().endsWith(replyRfc)).toBe(true);
    expect(text).toMatch(/^Subject: Re: Two cross-dock sites\s*$/m);
    expect(text).toMatch(new RegExp(`^From: .*${mailbox.replace('.', '\\.')}`, 'm'));
    expect(text).toContain('Would Tuesday suit you');
    expect(text).toContain('548 Market St');
    expect(text).toMatch(/^List-Unsubscribe:\s*<https:\/\/go\.tallyhand\.example\/unsubscribe\/v1\./m);
    const [row] = await sendRow(responseId);
    expect(row.status).toBe('sent');
    expect(got[0].messageId).toBe(row.rfc_message_id);

    const again = await sendOnce(deps(), mail(), { workspaceId: ws, now: later(40) });
    expect(again.responses?.sent).toBe(0);
    expect(deliveredTo(lead.email).slice(before)).toHaveLength(1);
  }, 120_000);

  it('never sends to an address that opted out after the response was approved', async () => {
    const { lead, responseId } = await approvedResponse('optout');
    const before = deliveredTo(lead.email).length;
    await db.query(`INSERT INTO suppression (id, workspace_id, kind, value, reason, source) VALUES (:id::uuid, :ws::uuid, 'email', :e, 'clicked', 'opt_out')`, {
      id: randomUUID(), ws, e: lead.email,
    });

    const summary = await sendOnce(deps(), mail(), { workspaceId: ws, now: later(10) });

    expect(summary.responses).toMatchObject({ sent: 0, cancelled: 1 });
    expect(deliveredTo(lead.email)).toHaveLength(before);
    const [row] = await sendRow(responseId);
    expect(row.status).toBe('cancelled');
    expect(row.error).toContain('suppressed');
  }, 120_000);

  it('waits outside the lead\'s send window and goes in the next one', async () => {
    const { lead, responseId } = await approvedResponse('window');
    const before = deliveredTo(lead.email).length;
    // 20:00 in New York: outside Tue-Thu 08:00-11:00
    const evening = await sendOnce(deps(), mail(), { workspaceId: ws, now: new Date('2026-12-09T01:00:00Z') });
    expect(evening.responses).toMatchObject({ sent: 0, waiting: 1 });
    expect(await sendRow(responseId)).toEqual([]);
    const morning = await sendOnce(deps(), mail(), { workspaceId: ws, now: new Date('2026-12-09T14:30:00Z') });
    expect(morning.responses?.sent).toBe(1);
    expect(deliveredTo(lead.email)).toHaveLength(before + 1);
  }, 120_000);

  it('waits while the mailbox\'s daily cap is used up by the outreach it sent', async () => {
    const { lead, responseId } = await approvedResponse('capped', 1);
    const before = deliveredTo(lead.email).length;
    const summary = await sendOnce(deps(), mail(), { workspaceId: ws, now: later(10) });
    expect(summary.responses).toMatchObject({ sent: 0, waiting: 1 });
    expect(deliveredTo(lead.email)).toHaveLength(before);
    expect(await sendRow(responseId)).toEqual([]);
  }, 120_000);

  it('a send that may have reached the server is uncertain and never repeated', async () => {
    const { lead, responseId } = await approvedResponse('uncertain');
    const before = deliveredTo(lead.email).length;
    const dropped: Mailer = { provider: 'smtp', send: async () => { throw new Error('connection closed after DATA'); }, close: async () => {} };

    const first = await sendOnce(deps(), mail(dropped), { workspaceId: ws, now: later(10) });
    expect(first.responses).toMatchObject({ sent: 0, uncertain: 1 });
    const again = await sendOnce(deps(), mail(), { workspaceId: ws, now: later(60) });
    expect(again.responses?.sent).toBe(0);
    expect(deliveredTo(lead.email)).toHaveLength(before);
    expect((await sendRow(responseId))[0].status).toBe('uncertain');
  }, 120_000);

  it("a response to a rep who left is refused approval; handed over, it goes from the new rep's mailbox, signed as them, in the same thread", async () => {
    const gone = 'gus.gone@tallyhand.com';
    const lukas = 'lukas.brenner@tallyhand.com';
    // the thread went out from a mailbox of the rep who has since left; the sequence signed as "Maya" (its tone's signature)
    const { lead, mailbox, replyRfc, responseId } = await approvedResponse('departed', 40, { rep: gone, approve: false, subject: 'Re: Two cross-dock sites' });
    await expect(approveResponse(db, responseId, { by: lukas })).rejects.toThrow(
      `response ${responseId} cannot be approved: its rep ${gone} is no longer a user of this workspace, and it is signed as them.`,
    );
    const lukasBox = await seedMailbox(db, ws, { address: lukas, spacing: 60 });

    const r = await handOver(db, ws, gone, lukas, { now: NOW });
    expect(r.handedOver).toEqual([expect.objectContaining({ kind: 'response', id: responseId, resigned: 1 })]);
    const row = (await db.query<{ rep_email: string; body: string; handed_over_from: string }>(`SELECT rep_email, body, handed_over_from FROM reply_response WHERE id = :id::uuid`, { id: responseId })).rows[0];
    expect(row).toEqual({ rep_email: lukas, handed_over_from: gone, body: 'Hi Dana,\n\nThanks for getting back to me. Would Tuesday suit you for a short call?\n\nLukas Brenner\nAccount Executive, Tallyhand' });
    const edits = await db.query<{ kind: string }>(`SELECT kind FROM reply_response_edit WHERE response_id = :id::uuid`, { id: responseId });
    expect(edits.rows).toEqual([{ kind: 're_sign' }]);
    await approveResponse(db, responseId, { by: lukas });

    const before = deliveredTo(lead.email).length;
    // the lead's zone is not known: its window is read in the new rep's (Berlin), 09:30 there
    const summary = await sendOnce(deps(), mail(), { workspaceId: ws, now: new Date('2026-12-09T08:30:00Z') });
    expect(summary.responses?.sent).toBe(1);
    const got = deliveredTo(lead.email).slice(before);
    expect(got).toHaveLength(1);
    const text = await eml(got[0].key);
    expect(text).toMatch(new RegExp(`^From: .*${lukasBox.address.replace(/\./g, '\\.')}`, 'm'));
    expect(text).not.toMatch(new RegExp(`^From: .*${mailbox.replace(/\./g, '\\.')}`, 'm'));
    expect(text).toMatch(new RegExp(`^In-Reply-To: ${replyRfc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
    expect(text).toContain('Lukas Brenner');
  }, 120_000);
});
