/**
 * An onboarding saved again stops the open sequences whose leads it now leaves out: a company the
 * seller lists as a customer since its sequence started, a domain the file suppresses. Their
 * queued emails are cancelled; the reason is kept on the sequence. Sequences at a company cooling
 * off, and the others, go on. On PGlite, with the sample onboarding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { addMailbox } from '#core/sending/schedule.ts';
import { stopExcludedSequences } from '#core/sending/suppress.ts';
import { onboardedDb, SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { enqueue, seedApprovedLead } from '#test/helpers/sending.ts';

const NOW = new Date('2026-12-02T15:00:00Z');
let db: PgliteSql;
let workspaceId: string;

beforeAll(async () => {
  ({ db, workspaceId } = await onboardedDb());
});
afterAll(async () => {
  await db?.close();
});

const statusOf = async (sequenceId: string) =>
  (await db.query<{ status: string; status_reason: string | null }>(`SELECT status, status_reason FROM sequence WHERE id = :id::uuid`, { id: sequenceId })).rows[0];

describe('saving the onboarding again', () => {
  it('stops the open sequences to a new customer and a newly suppressed domain, and cancels their queued emails', async () => {
    const mailbox = await addMailbox(db, { workspaceId, repEmail: 'maya.okafor@tallyhand.com', provider: 'smtp', warmupStartedAt: null });
    const customer = await seedApprovedLead(db, workspaceId, 'soon-customer.example', { name: 'Ana Lind' });
    const queued = await enqueue(db, workspaceId, customer, mailbox, { start: NOW, end: new Date(NOW.getTime() + 3_600_000) });
    const blocked = await seedApprovedLead(db, workspaceId, 'mail.blocked-now.example', { name: 'Dee Fox' });
    const prospect = await seedApprovedLead(db, workspaceId, 'still-prospect.example', { name: 'Ben Ode' });
    const cooling = await seedApprovedLead(db, workspaceId, 'cooling.example', { name: 'Cy Hart' });
    await db.query(`UPDATE lead_company SET cooling_off_until = '2027-03-01' WHERE workspace_id = :ws::uuid AND domain = 'cooling.example'`, { ws: workspaceId });

    const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
    onboarding.company.customerDomains.push('soon-customer.example');
    onboarding.suppressions.push({ kind: 'domain', value: 'www.blocked-now.example', reason: 'legal asked us to stop' });
    const result = await importOnboarding(db, onboarding, { now: NOW });

    expect(result.created).toBe(false);
    expect(result.sequencesStopped.map(({ lead, reason }) => ({ lead, reason })).sort((a, b) => a.lead.localeCompare(b.lead))).toEqual([
      { lead: customer.email, reason: 'existing customer' },
      { lead: blocked.email, reason: 'suppressed: legal asked us to stop' },
    ]);
    expect(await statusOf(customer.seq.sequenceId)).toEqual({ status: 'stopped', status_reason: 'excluded: existing customer' });
    expect(await statusOf(blocked.seq.sequenceId)).toEqual({ status: 'stopped', status_reason: 'excluded: suppressed: legal asked us to stop' });
    const row = await db.query<{ status: string }>(`SELECT status FROM scheduled_message WHERE message_id = :m::uuid`, { m: queued });
    expect(row.rows).toEqual([{ status: 'cancelled' }]);
    // the others go on: a prospect, and a company cooling off (its own reply already stopped what it had to)
    expect((await statusOf(prospect.seq.sequenceId)).status).toBe('approved');
    expect((await statusOf(cooling.seq.sequenceId)).status).toBe('approved');

    // saved again unchanged: nothing more to stop
    expect((await importOnboarding(db, onboarding, { now: NOW })).sequencesStopped).toEqual([]);
  });

  it('reads the open sequences a page at a time, and stops those on every page', async () => {
    const leads = [];
    for (const name of ['Eli Moe', 'Fay Ng', 'Gus Orr']) leads.push(await seedApprovedLead(db, workspaceId, 'paged-customer.example', { name }));
    await db.query(`UPDATE seller_company SET customer_domains = customer_domains || '{paged-customer.example}'::text[] WHERE workspace_id = :ws::uuid`, { ws: workspaceId });
    // pages of one: the prospect and the cooling-off company still open besides these three
    const stopped = await stopExcludedSequences(db, workspaceId, NOW, 1);
    expect(stopped.map((s) => s.lead).sort()).toEqual(leads.map((l) => l.email).sort());
    for (const l of leads) expect(await statusOf(l.seq.sequenceId)).toEqual({ status: 'stopped', status_reason: 'excluded: existing customer' });
  });
});
