/**
 * `prospector replies listen` as a user runs it: the loopback mail sink in a child process, a
 * reply sent to the rep's mailbox by SMTP (nodemailer) answering a message we sent, labelled and
 * acted on by the replies state machine as it arrives, then seen in `replies list --json`; a mail
 * to any other address is kept under outbox/ and is no reply. `replies list` runs in this process.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { addMailbox, scheduleFirstTouch } from '#core/sending/schedule.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import type { ListedReply } from '#local/commands/replies.ts';
import { openLocal } from '#local/runner.ts';
import { startProspector, type CliResult } from '#test/crash/cli.ts';
import { cliEnv, closeCliDatabases, lastJson, prospector } from '#test/helpers/cli-in-process.ts';
import { seedApprovedLead, type ApprovedLead } from '#test/helpers/sending.ts';
import { migratedHome } from '#test/helpers/home.ts';

const MAILBOX = 'maya.okafor@tallyhand.com';
const SENT_ID = '<first-touch-1@tallyhand.test>';

/** Resolves when `test` passes on the text collected so far (polled), or fails after `ms`. */
async function waitFor(read: () => string, test: (text: string) => boolean, ms: number, what: string): Promise<string> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const text = read();
    if (test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; got:\n${read().slice(-2000)}`);
}

describe('prospector replies listen: replies by SMTP into the loopback sink', () => {
  let home: string;
  let lead: ApprovedLead;
  let leadEmail: string;
  let listened: CliResult;
  let processed: Record<string, unknown>[];

  beforeAll(async () => {
    home = await migratedHome('prospector-listen-');
    const rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' }, sampleWeb: false });
    try {
      const sql = rt.deps.sql;
      const { workspaceId } = await importOnboarding(sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
      await addMailbox(sql, { workspaceId, repEmail: MAILBOX, provider: 'smtp', warmupStartedAt: null, minSpacingSeconds: 300 });
      lead = await seedApprovedLead(sql, workspaceId, 'initech.example', { name: 'Sarah Lee' });
      leadEmail = lead.email;
      await scheduleFirstTouch(sql, lead.seq.sequenceId, new Date('2026-11-30T12:00:00Z'));
      await sql.query(
        `INSERT INTO send_attempt (id, message_id, idempotency_key, status, from_email, to_email, rfc_message_id, provider, started_at, finished_at)
         VALUES (gen_random_uuid(), :m::uuid, 'send-listen-1', 'sent', :from, :to, :rfc, 'smtp', now(), now())`,
        { m: lead.seq.messages.a, from: MAILBOX, to: leadEmail, rfc: SENT_ID },
      );
    } finally {
      await rt.close();
    }

    const { child, done } = startProspector(['replies', 'listen', '--port', '0', '--json'], cliEnv(home));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    try {
      const banner = await waitFor(() => stderr, (t) => /listening for replies on smtp:\/\/127\.0\.0\.1:\d+/.test(t), 60_000, 'the sink to listen');
      expect(banner).toContain(MAILBOX);
      const port = Number(/smtp:\/\/127\.0\.0\.1:(\d+)/.exec(banner)![1]);
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
      try {
        await transport.sendMail({
          from: `Sarah Lee <${leadEmail}>`,
          to: MAILBOX,
          subject: 'Re: a faster close',
          inReplyTo: SENT_ID,
          references: [SENT_ID],
          messageId: '<reply-by-smtp-1@initech.example>',
          text: 'Please stop emailing me and remove me from your list.\n\nOn Tue, Maya wrote:\n> Would a faster close help?\n',
        });
        // not to a mailbox: a send like any other, kept under outbox/
        await transport.sendMail({ from: MAILBOX, to: 'someone@elsewhere.example', subject: 'Hello', messageId: '<not-a-reply-1@tallyhand.test>', text: 'Hello.' });
      } finally {
        transport.close();
      }
      await waitFor(() => stdout, (t) => t.includes('"replyId"'), 60_000, 'the reply to be processed');
    } finally {
      child.kill('SIGINT');
    }
    listened = await done;
    processed = listened.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  }, 240_000);

  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  it('labels and acts on the reply as it arrives, and stops cleanly on Ctrl-C', () => {
    expect(listened.code).toBe(0);
    expect(processed).toHaveLength(1);
    expect(processed[0]).toMatchObject({ label: 'unsubscribe', classifiedBy: 'rules', error: null, thread: { match: 'in_reply_to', sequenceId: lead.seq.sequenceId } });
    expect(String(processed[0].source)).toMatch(/^inbound\/dt=\d{4}-\d{2}-\d{2}\/[0-9a-f]{64}\.eml$/);
  });

  it('shows it in replies list --json with its thread, label and action; the sequence is stopped', async () => {
    const list = await prospector(['replies', 'list', '--json'], cliEnv(home));
    expect(list.code).toBe(0);
    const replies = lastJson<{ replies: ListedReply[] }>(list).replies;
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({
      from: leadEmail,
      label: 'unsubscribe',
      error: null,
      thread: { match: 'in_reply_to', sequenceId: lead.seq.sequenceId, leadEmail, sequenceStatus: 'stopped' },
    });
    expect(replies[0].action).toMatch(/^opted out: .* suppressed; 1 sequence\(s\) stopped$/);
  });

  it('keeps mail to any other address under outbox/, not as a reply', async () => {
    const days = await readdir(join(home, 'lake', 'outbox'));
    const files = (await Promise.all(days.map((d) => readdir(join(home, 'lake', 'outbox', d))))).flat();
    expect(files).toEqual(['not-a-reply-1@tallyhand.test.eml']);
    const inbound = await readdir(join(home, 'lake', 'inbound'));
    expect(inbound).toHaveLength(1);
  });
});
