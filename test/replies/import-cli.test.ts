/**
 * `prospector replies import` and `replies list` as a user runs them (in this process:
 * test/helpers/cli-in-process.ts) over a temporary PROSPECTOR_HOME holding sent sequences (send attempts with the Message-IDs the fixture
 * replies answer), then the bundled fixture replies imported from a folder, twice.
 */
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { Sql } from '#core/ports.ts';
import { claimDue } from '#core/sending/claim.ts';
import { addMailbox, scheduleFirstTouch, scheduleFollowUp } from '#core/sending/schedule.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import type { ImportedReply, ListedReply } from '#local/commands/replies.ts';
import { cliEnv, closeCliDatabases, homeDatabase, lastJson, prospector } from '#test/helpers/cli-in-process.ts';
import { seedApprovedLead, type ApprovedLead } from '#test/helpers/sending.ts';
import { migratedHome } from '#test/helpers/home.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'replies');
const MAILS = [
  'optout-en-gmail.eml',
  'ooo-en.eml',
  'dsn-gmail-hard.eml',
  'dsn-postfix-soft.eml',
  'question.eml',
  'quoted-unsubscribe-interested.eml',
  'auto-reply-ticket.eml',
];
const QUEUED_AT = new Date('2026-11-30T12:00:00Z');
const SENT_AT = new Date('2026-12-01T15:00:00Z');

interface Sent {
  lead: ApprovedLead;
  email: string;
  followUpId: string;
}

describe('prospector replies import / list', () => {
  let home: string;
  let inbox: string;
  let workspaceId: string;
  const sent: Record<string, Sent> = {};
  let first: ImportedReply[];

  // The home's database as the commands left it (they keep it open between commands).
  const withSql = async <T>(fn: (sql: Sql) => Promise<T>): Promise<T> => fn(await homeDatabase(home));
  const byMail = (rows: ImportedReply[], name: string) => {
    const row = rows.find((r) => r.source.endsWith(name));
    if (!row) throw new Error(`${name} was not imported`);
    return row;
  };

  beforeAll(async () => {
    home = await migratedHome('prospector-replies-');
    inbox = join(home, 'inbox');
    await mkdir(inbox);
    for (const name of MAILS) await copyFile(join(FIXTURES, name), join(inbox, name));
    await withSql(async (sql) => {
      ({ workspaceId } = await importOnboarding(sql, await loadOnboardingFile(SAMPLE_ONBOARDING)));
      await addMailbox(sql, { workspaceId, repEmail: 'maya.okafor@tallyhand.com', provider: 'smtp', warmupStartedAt: null, minSpacingSeconds: 300 });
      // A lead whose first email went out with `messageId` (as the recipient got it) and whose follow-up waits.
      const seedSent = async (key: string, email: string, messageId: string, ours?: string): Promise<void> => {
        const [local, domain] = email.split('@');
        const lead = await seedApprovedLead(sql, workspaceId, domain, { name: local.replace('.', ' ') });
        await sql.query(`UPDATE lead SET email = :email WHERE id = :id::uuid`, { email, id: lead.leadId });
        await scheduleFirstTouch(sql, lead.seq.sequenceId, QUEUED_AT);
        await sql.query(
          `INSERT INTO send_attempt (id, message_id, idempotency_key, status, from_email, to_email, rfc_message_id, delivered_message_id, provider, started_at, finished_at)
           VALUES (gen_random_uuid(), :m::uuid, :key, 'sent', 'maya.okafor@tallyhand.com', :to, :rfc, :delivered, 'smtp', :at::timestamptz, :at::timestamptz)`,
          { m: lead.seq.messages.a, key: `send-${key}`, to: email, rfc: ours ?? messageId, delivered: ours ? messageId : null, at: SENT_AT },
        );
        await sql.query(`UPDATE scheduled_message SET status = 'done' WHERE message_id = :m::uuid`, { m: lead.seq.messages.a });
        const followUp = await scheduleFollowUp(sql, lead.seq.messages.a, SENT_AT);
        expect(followUp).toBeDefined();
        sent[key] = { lead, email, followUpId: followUp!.messageId };
      };
      // the provider replaced our Message-ID: the reply answers the one the recipient got
      await seedSent('optOut', 'sarah.lee@initech.example', '<msg-008@mail.seller.example>', '<ours-008@tallyhand.test>');
      await seedSent('ooo', 'tom.baker@acme.example', '<msg-003@mail.seller.example>');
      await seedSent('hardBounce', 'nobody@acme.example', '<msg-001@mail.seller.example>');
      await seedSent('softBounce', 'lena.berg@northwind.example', '<msg-002@mail.seller.example>');
      await seedSent('question', 'priya.nair@umbrella.example', '<msg-013@mail.seller.example>');
      await seedSent('interested', 'maria.costa@vandelay.example', '<msg-014@mail.seller.example>');
    });
    const result = await prospector(['replies', 'import', inbox, '--json'], cliEnv(home));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    first = lastJson<{ replies: ImportedReply[] }>(result).replies;
  }, 240_000);

  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  it('prints each mail with its thread, label and action, none failing', () => {
    expect(first.map((r) => r.error)).toEqual(MAILS.map(() => null));
    expect(first.every((r) => !r.duplicate && r.replyId)).toBe(true);
    expect(byMail(first, 'optout-en-gmail.eml')).toMatchObject({ label: 'unsubscribe', classifiedBy: 'rules', thread: { match: 'in_reply_to', sequenceId: sent.optOut.lead.seq.sequenceId } });
    expect(byMail(first, 'ooo-en.eml')).toMatchObject({ label: 'out_of_office', thread: { match: 'in_reply_to', sequenceId: sent.ooo.lead.seq.sequenceId } });
    expect(byMail(first, 'dsn-gmail-hard.eml')).toMatchObject({ label: 'bounce', thread: { sequenceId: sent.hardBounce.lead.seq.sequenceId } });
    expect(byMail(first, 'dsn-postfix-soft.eml')).toMatchObject({ label: 'bounce', thread: { match: 'bounce_report', sequenceId: sent.softBounce.lead.seq.sequenceId } });
    expect(byMail(first, 'auto-reply-ticket.eml')).toMatchObject({ label: 'auto_reply', thread: { match: 'unmatched', sequenceId: null } });
  });

  it('an opt-out suppresses the address and stops its sequence, leaving nothing scheduled', async () => {
    const seqId = sent.optOut.lead.seq.sequenceId;
    await withSql(async (sql) => {
      const seq = await sql.query<{ status: string; status_reason: string }>(`SELECT status, status_reason FROM sequence WHERE id = :id::uuid`, { id: seqId });
      expect(seq.rows[0].status).toBe('stopped');
      const suppression = await sql.query<{ source: string }>(`SELECT source FROM suppression WHERE workspace_id = :ws::uuid AND value = :email`, { ws: workspaceId, email: sent.optOut.email });
      expect(suppression.rows).toEqual([{ source: 'opt_out' }]);
      const waiting = await sql.query(`SELECT 1 FROM scheduled_message WHERE sequence_id = :id::uuid AND status IN ('scheduled', 'claimed')`, { id: seqId });
      expect(waiting.rowCount).toBe(0);
      const outcome = await sql.query<{ kind: string }>(`SELECT kind FROM outcome WHERE sequence_id = :id::uuid`, { id: seqId });
      expect(outcome.rows.map((r) => r.kind)).toEqual(['opted_out']);
    });
  });

  it('an out-of-office pauses the sequence until the return date and moves the follow-up past it', async () => {
    await withSql(async (sql) => {
      const seq = await sql.query<{ status: string; resume_on: string }>(
        `SELECT status, to_char(resume_on, 'YYYY-MM-DD') AS resume_on FROM sequence WHERE id = :id::uuid`,
        { id: sent.ooo.lead.seq.sequenceId },
      );
      expect(seq.rows[0]).toEqual({ status: 'paused', resume_on: '2026-12-14' });
      const followUp = await sql.query<{ status: string; scheduled_at: string | Date }>(`SELECT status, scheduled_at FROM scheduled_message WHERE message_id = :m::uuid`, { m: sent.ooo.followUpId });
      expect(followUp.rows[0].status).toBe('scheduled');
      expect(new Date(followUp.rows[0].scheduled_at).getTime()).toBeGreaterThanOrEqual(Date.parse('2026-12-14T00:00:00Z'));
    });
    const list = await prospector(['replies', 'list', '--label', 'out_of_office', '--json'], cliEnv(home));
    expect(list.code).toBe(0);
    const replies = lastJson<{ replies: ListedReply[] }>(list).replies;
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ returnDate: '2026-12-14', thread: { leadEmail: sent.ooo.email, sequenceStatus: 'paused' } });
    expect(replies[0].action).toContain('resumes 2026-12-14');
  });

  it('a hard bounce suppresses as a bounce; a soft bounce leaves the sequence sending', async () => {
    await withSql(async (sql) => {
      const status = async (s: Sent) => (await sql.query<{ status: string }>(`SELECT status FROM sequence WHERE id = :id::uuid`, { id: s.lead.seq.sequenceId })).rows[0].status;
      expect(await status(sent.hardBounce)).toBe('stopped');
      expect(await status(sent.softBounce)).toBe('approved');
      const suppressed = await sql.query<{ value: string; source: string }>(
        `SELECT value, source FROM suppression WHERE workspace_id = :ws::uuid AND value IN (:hard, :soft)`,
        { ws: workspaceId, hard: sent.hardBounce.email, soft: sent.softBounce.email },
      );
      expect(suppressed.rows).toEqual([{ value: sent.hardBounce.email, source: 'bounce' }]);
      const invalid = await sql.query<{ email: string; email_invalid_reason: string }>(
        `SELECT email, email_invalid_reason FROM lead WHERE workspace_id = :ws::uuid AND email_invalid_at IS NOT NULL`,
        { ws: workspaceId },
      );
      expect(invalid.rows).toEqual([{ email: sent.hardBounce.email, email_invalid_reason: expect.stringMatching(/^hard bounce 5\.1\.1 \(reply /) }]);
    });
    const show = await prospector(['show', sent.hardBounce.email, '--json'], cliEnv(home));
    expect(lastJson<{ lead: { emailInvalid: { reason: string } | null } }>(show).lead.emailInvalid?.reason).toMatch(/^hard bounce 5\.1\.1/);
  });

  it('an interested reply and a question each open one task for the rep; tasks lists them and closes one', async () => {
    const list = await prospector(['tasks', '--json'], cliEnv(home));
    expect(list.code).toBe(0);
    const tasks = lastJson<{ tasks: { id: string; kind: string; owner: string; lead: { email: string } }[] }>(list).tasks;
    expect(tasks.map((t) => [t.kind, t.lead.email, t.owner]).sort()).toEqual([
      ['interested', sent.interested.email, 'maya.okafor@tallyhand.com'],
      ['needs_info', sent.question.email, 'maya.okafor@tallyhand.com'],
    ]);
    const done = await prospector(['tasks', 'done', tasks[0].id.slice(0, 8)], cliEnv(home));
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('Done: ');
    const after = lastJson<{ tasks: { id: string }[] }>(await prospector(['tasks', '--json'], cliEnv(home))).tasks;
    expect(after.map((t) => t.id)).toEqual([tasks[1].id]);
  });

  it('a reply with quoted history is matched by its headers and labelled by its own words', async () => {
    expect(byMail(first, 'question.eml')).toMatchObject({ label: 'needs_info', thread: { match: 'in_reply_to', sequenceId: sent.question.lead.seq.sequenceId } });
    // In-Reply-To names a message we never sent; References still finds the thread
    expect(byMail(first, 'quoted-unsubscribe-interested.eml')).toMatchObject({ label: 'interested', thread: { match: 'references', sequenceId: sent.interested.lead.seq.sequenceId } });
    await withSql(async (sql) => {
      for (const s of [sent.question, sent.interested]) {
        const seq = await sql.query<{ status: string }>(`SELECT status FROM sequence WHERE id = :id::uuid`, { id: s.lead.seq.sequenceId });
        expect(seq.rows[0].status).toBe('stopped');
        const suppressed = await sql.query(`SELECT 1 FROM suppression WHERE workspace_id = :ws::uuid AND value = :email`, { ws: workspaceId, email: s.email });
        expect(suppressed.rowCount).toBe(0);
      }
      const outcome = await sql.query<{ kind: string }>(`SELECT kind FROM outcome WHERE sequence_id = :id::uuid`, { id: sent.interested.lead.seq.sequenceId });
      expect(outcome.rows.map((r) => r.kind)).toEqual(['positive_reply']);
    });
  });

  it('a person\'s question or interest gets a response draft from the seller\'s knowledge, listed with its reply', async () => {
    const drafted = first.filter((r) => r.response?.responseId);
    expect(drafted.map((r) => r.source.split('/').at(-1)).sort()).toEqual(['question.eml', 'quoted-unsubscribe-interested.eml']);
    expect(byMail(first, 'question.eml').response).toMatchObject({ status: 'drafted', source: 'template', grounding: 'grounded' });
    // an out-of-office ends at the machine's AfterAct choice: no response step runs
    expect(byMail(first, 'ooo-en.eml').response).toBeNull();
    const list = await prospector(['replies', 'list', '--label', 'needs_info', '--json'], cliEnv(home));
    const [listed] = lastJson<{ replies: ListedReply[] }>(list).replies;
    expect(listed.response).toEqual({ id: byMail(first, 'question.eml').response!.responseId, status: 'draft', grounding: 'grounded', source: 'template' });
    const response = await withSql(async (sql) => (await sql.query<{ body: string; rep_items: string[] }>(`SELECT body, rep_items FROM reply_response WHERE id = :id::uuid`, { id: listed.response!.id })).rows[0]);
    // Pricing for 40 seats is not in the knowledge as asked; NetSuite is.
    expect(response.body).toContain('Tallyhand has two-way sync with NetSuite');
    expect(response.body).not.toContain('unsubscribe');
  });

  it('outcome records a meeting for the interested lead, and names a bad kind', async () => {
    const ok = await prospector(['outcome', sent.interested.email, 'meeting_booked', '--note', 'demo Tuesday', '--json'], cliEnv(home));
    expect(ok.code).toBe(0);
    expect(lastJson<{ outcome: { kind: string; recorded: boolean; sequenceId: string } }>(ok).outcome).toMatchObject({ kind: 'meeting_booked', recorded: true, sequenceId: sent.interested.lead.seq.sequenceId });
    const bad = await prospector(['outcome', sent.interested.email, 'meeting'], cliEnv(home));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('KIND: "meeting" is not an outcome');
  });

  it('an unmatched reply is kept and listed', async () => {
    const list = await prospector(['replies', 'list', '--unmatched', '--json'], cliEnv(home));
    expect(list.code).toBe(0);
    const replies = lastJson<{ replies: ListedReply[] }>(list).replies;
    expect(replies.map((r) => r.from)).toEqual(['support@globex.example']);
    expect(replies[0].rawKey).toMatch(/^inbound\/dt=\d{4}-\d{2}-\d{2}\/[0-9a-f]{64}\.eml$/);
  });

  it('--rep lists the replies to the sequences that rep sends, and refuses one who is not a user', async () => {
    const hers = lastJson<{ replies: ListedReply[] }>(await prospector(['replies', 'list', '--rep', 'Maya.Okafor@tallyhand.com', '--json'], cliEnv(home))).replies;
    expect(hers.length).toBeGreaterThan(0);
    expect(hers.every((r) => r.thread.repEmail === 'maya.okafor@tallyhand.com')).toBe(true);
    expect(hers.map((r) => r.from)).not.toContain('support@globex.example');
    const his = await prospector(['replies', 'list', '--rep', 'lukas.brenner@tallyhand.com'], cliEnv(home));
    expect(his.code).toBe(0);
    expect(his.stdout).toContain("No replies to lukas.brenner@tallyhand.com's sequences in");
    const nobody = await prospector(['replies', 'list', '--rep', 'nobody@tallyhand.com'], cliEnv(home));
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('--rep nobody@tallyhand.com: not a user of workspace tallyhand; use one of lukas.brenner@tallyhand.com, maya.okafor@tallyhand.com');
  });

  it('importing the same mails again records and does nothing new', async () => {
    const count = (sql: Sql) =>
      sql.query<{ replies: number; suppressions: number; outcomes: number; tasks: number; leads: number; responses: number }>(
        `SELECT (SELECT count(*)::int FROM reply WHERE workspace_id = :ws::uuid) AS replies,
                (SELECT count(*)::int FROM suppression WHERE workspace_id = :ws::uuid) AS suppressions,
                (SELECT count(*)::int FROM rep_task WHERE workspace_id = :ws::uuid) AS tasks,
                (SELECT count(*)::int FROM lead WHERE workspace_id = :ws::uuid) AS leads,
                (SELECT count(*)::int FROM outcome o JOIN sequence s ON s.id = o.sequence_id WHERE s.workspace_id = :ws::uuid) AS outcomes,
                (SELECT count(*)::int FROM reply_response WHERE workspace_id = :ws::uuid) AS responses`,
        { ws: workspaceId },
      );
    const before = (await withSql(count)).rows[0];
    expect(before.replies).toBe(MAILS.length);
    expect(before.responses).toBe(2);
    expect(before.tasks).toBe(2);
    const again = await prospector(['replies', 'import', inbox, '--json'], cliEnv(home));
    expect(again.code).toBe(0);
    const rows = lastJson<{ replies: ImportedReply[] }>(again).replies;
    expect(rows.map((r) => r.duplicate)).toEqual(MAILS.map(() => true));
    expect(rows.map((r) => r.replyId).sort()).toEqual(first.map((r) => r.replyId).sort());
    expect((await withSql(count)).rows[0]).toEqual(before);
  });

  it('the only email left to claim is the soft-bounced lead\'s follow-up', async () => {
    await withSql(async (sql) => {
      const row = await sql.query<{ scheduled_at: string | Date }>(`SELECT scheduled_at FROM scheduled_message WHERE message_id = :m::uuid`, { m: sent.softBounce.followUpId });
      const at = new Date(new Date(row.rows[0].scheduled_at).getTime() + 60_000);
      const claimed = await claimDue(sql, { workspaceId, now: at, claimer: 'replies-test', random: () => 0 });
      expect(claimed.map((c) => c.toEmail)).toEqual([sent.softBounce.email]);
    });
  });

  it('response drafts are in the approval queue: listed, shown with their passages, edited through the checker, approved', async () => {
    const id = byMail(first, 'quoted-unsubscribe-interested.eml').response!.responseId!;
    const list = await prospector(['drafts', 'list', '--json'], cliEnv(home));
    expect(list.code, list.stderr).toBe(0);
    const queued = (JSON.parse(list.stdout) as { id: string; kind?: string; status: string }[]).filter((d) => d.kind === 'reply_response');
    expect(queued.map((d) => d.status)).toEqual(['draft', 'draft']);
    expect(queued.map((d) => d.id)).toContain(id);

    const show = await prospector(['drafts', 'show', id.slice(0, 8)], cliEnv(home));
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`Response ${id} · draft`);
    expect(show.stdout).toContain('source: offline template: quotes the knowledge passages retrieved for each question, without a language model');

    // An invented number blocks the edit's verdict; approval is then refused.
    const file = join(home, 'edited.txt');
    await writeFile(file, 'Hi Maria,\n\nWe cut close times by 93% for every customer.\n\nMaya');
    const blocked = await prospector(['drafts', 'edit', id.slice(0, 8), '--body-file', file, '--json'], cliEnv(home));
    expect(blocked.code, blocked.stderr).toBe(0);
    expect(JSON.parse(blocked.stdout)).toMatchObject({ grounding: 'blocked', findings: [expect.objectContaining({ rule: 'invented_specific', detail: expect.stringContaining('"93%"') })] });
    const refused = await prospector(['drafts', 'approve', id.slice(0, 8)], cliEnv(home));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/is blocked \(invented_specific\)/);

    await writeFile(file, 'Hi Maria,\n\nThanks for getting back to me. Worth a 15-minute look next week?\n\nMaya');
    const fixed = await prospector(['drafts', 'edit', id.slice(0, 8), '--body-file', file, '--json'], cliEnv(home));
    expect(JSON.parse(fixed.stdout)).toMatchObject({ grounding: 'grounded', before: 'blocked' });
    const approved = await prospector(['drafts', 'approve', id.slice(0, 8)], cliEnv(home));
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`Approved response ${id.slice(0, 8)} as maya.okafor@tallyhand.com`);
    // seven commands in a row: a hang limit, not a speed target
  }, 300_000);

  // last: the mails it records are in no count above
  it('an import where no mail could be read fails (exit 2) saying why; one where some were imported succeeds and lists the failures', async () => {
    const garbage = join(home, 'garbage');
    await mkdir(garbage);
    await writeFile(join(garbage, 'garbage.eml'), 'garbage\n');
    const one = await prospector(['replies', 'import', join(garbage, 'garbage.eml')], cliEnv(home));
    expect(one.code).toBe(2);
    expect(one.stdout).toContain('garbage.eml');
    expect(one.stderr).toBe(`error: ${join(garbage, 'garbage.eml')} could not be imported: MailUnreadable: ${join(garbage, 'garbage.eml')}: no mail header block (expected lines such as "From: ..." before the first empty line)\n`);

    await writeFile(join(garbage, 'noise.eml'), '\u0000\u0001\n');
    const none = await prospector(['replies', 'import', garbage, '--json'], cliEnv(home));
    expect(none.code).toBe(2);
    expect(lastJson<{ replies: ImportedReply[] }>(none).replies.map((r) => r.error?.split(':')[0])).toEqual(['MailUnreadable', 'MailUnreadable']);
    expect(none.stderr).toBe(`error: none of the 2 mails in ${garbage} could be imported (each is listed with its error)\n`);

    await copyFile(join(FIXTURES, 'question.eml'), join(garbage, 'question.eml'));
    const some = await prospector(['replies', 'import', garbage, '--json'], cliEnv(home));
    expect(some.code, some.stderr).toBe(0);
    expect(some.stderr).toBe('');
    expect(lastJson<{ replies: ImportedReply[] }>(some).replies.map((r) => [r.source.split('/').at(-1), r.error === null])).toEqual([
      ['garbage.eml', false],
      ['noise.eml', false],
      ['question.eml', true],
    ]);
  });
});
