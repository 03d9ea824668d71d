/**
 * `prospector outbox` as a user runs it (in this process) over a temporary PROSPECTOR_HOME holding
 * approved sequences for leads in Berlin and New York, one opted out, and a claimed message.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { claimDue } from '#core/sending/claim.ts';
import type { OutboxEntry } from '#core/sending/outbox.ts';
import { addMailbox, scheduleFirstTouch } from '#core/sending/schedule.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { cliEnv, closeCliDatabases, homeDatabase, prospector } from '#test/helpers/cli-in-process.ts';
import { migratedHome } from '#test/helpers/home.ts';
import { seedApprovedLead } from '#test/helpers/sending.ts';

const FRIDAY = new Date('2026-12-04T12:00:00Z');

describe('prospector outbox', () => {
  let home: string;
  const emails = { berlin: '', munich: '', newYork: '', optedOut: '' };

  beforeAll(async () => {
    home = await migratedHome('prospector-outbox-');
    const sql = await homeDatabase(home);
    const { workspaceId } = await importOnboarding(sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    await addMailbox(sql, { workspaceId, repEmail: 'maya.okafor@tallyhand.com', provider: 'smtp', warmupStartedAt: null, minSpacingSeconds: 300 });
    const berlin = await seedApprovedLead(sql, workspaceId, 'spree-freight.example', { name: 'Dana Ruiz', fit: 90, findings: { location: 'Berlin, Germany' } });
    const munich = await seedApprovedLead(sql, workspaceId, 'isar-logistics.example', { name: 'Jonas Weber', fit: 70, firmographic: ['Headquartered in Munich since 1998'] });
    const newYork = await seedApprovedLead(sql, workspaceId, 'hudson-cargo.example', { name: 'Amy Chen', fit: 85, firmographic: ['Our headquarters in New York'] });
    const optedOut = await seedApprovedLead(sql, workspaceId, 'quiet-freight.example', { name: 'Sam Poe' });
    for (const lead of [berlin, munich, newYork, optedOut]) await scheduleFirstTouch(sql, lead.seq.sequenceId, FRIDAY);
    await sql.query(
      `INSERT INTO suppression (id, workspace_id, kind, value, reason, source) VALUES (gen_random_uuid(), :ws::uuid, 'email', :email, 'Asked not to be contacted', 'opt_out')`,
      { ws: workspaceId, email: optedOut.email },
    );
    // Tuesday 09:00 in Berlin: one claim takes the Berlin lead (highest fit); the mailbox then waits its spacing
    const claimed = await claimDue(sql, { workspaceId, now: new Date('2026-12-08T08:00:00Z'), claimer: 'send-run-1', random: () => 0 });
    expect(claimed.map((c) => c.toEmail)).toEqual([berlin.email]);
    Object.assign(emails, { berlin: berlin.email, munich: munich.email, newYork: newYork.email, optedOut: optedOut.email });
  }, 120_000);

  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  it('--json says for each message when it may go in the lead time and why not now', async () => {
    const result = await prospector(['outbox', '--json', '--now', '2026-12-08T08:01:00Z'], cliEnv(home));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { now: string; workspace: string; messages: OutboxEntry[] };
    expect(out.now).toBe('2026-12-08T08:01:00.000Z');
    const by = new Map(out.messages.map((m) => [m.lead.email, m]));
    expect(out.messages).toHaveLength(4);

    expect(by.get(emails.berlin)).toMatchObject({
      status: 'claimed',
      timeZone: 'Europe/Berlin',
      zoneSource: 'lead',
      localTime: '2026-12-08 08:00',
      sendableNow: false,
      reason: 'claimed by send-run-1 at 2026-12-08 09:00 Europe/Berlin: being sent',
    });
    expect(by.get(emails.munich)).toMatchObject({
      timeZone: 'Europe/Berlin',
      zoneSource: 'company',
      sendableNow: false,
      reason: 'spacing between sends from this mailbox; next 2026-12-08 09:05 Europe/Berlin',
      next: '2026-12-08T08:05:00.000Z',
    });
    expect(by.get(emails.newYork)).toMatchObject({
      timeZone: 'America/New_York',
      scheduledAt: '2026-12-08T13:00:00.000Z',
      reason: 'scheduled for 2026-12-08 08:00 America/New_York (Tue–Thu 08:00–11:00 America/New_York)',
    });
    expect(by.get(emails.optedOut)).toMatchObject({ sendableNow: false, reason: `suppressed (email ${emails.optedOut}: Asked not to be contacted)` });
    // highest priority first
    expect(out.messages[0].lead.email).toBe(emails.berlin);
  }, 120_000);

  it('prints a table a rep can read, and a message becomes ready once its spacing has passed', async () => {
    const result = await prospector(['outbox', '--now', '2026-12-08T08:06:00Z'], cliEnv(home));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('4 message(s) waiting in');
    expect(result.stdout).toMatch(/jonas@isar-logistics\.example\s+1 email \(a\)\s+2026-12-08 08:00 Europe\/Berlin \(the company's research\)\s+ready/);
    expect(result.stdout).toMatch(/dana@spree-freight\.example\s+1 email \(a\)\s+\S+ \S+ Europe\/Berlin \(the lead's research\)/);
    expect(result.stdout).toMatch(/sam@quiet-freight\.example.*suppressed \(email sam@quiet-freight\.example: Asked not to be contacted\)/);
  }, 120_000);

  it('after the window closes, says the window was missed and when the next one opens', async () => {
    const result = await prospector(['outbox', '--json', '--now', '2026-12-08T10:30:00Z'], cliEnv(home));
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { messages: OutboxEntry[] };
    const munich = out.messages.find((m) => m.lead.email === emails.munich);
    expect(munich).toMatchObject({
      reason: 'missed its window (closed 2026-12-08 11:00 Europe/Berlin); next 2026-12-09 08:00 Europe/Berlin',
      next: '2026-12-09T07:00:00.000Z',
    });
  }, 120_000);

  it('refuses a --now that is not an ISO time, naming the flag', async () => {
    const result = await prospector(['outbox', '--now', 'tuesday'], cliEnv(home));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--now "tuesday" is not an ISO time with a zone');
  }, 120_000);
});
