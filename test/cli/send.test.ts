/**
 * `prospector send` as a user runs it over a fresh PROSPECTOR_HOME: a run over a leads file for
 * one ICP (test/helpers/sample-leads.ts), approve every
 * unflagged draft, send on a Tuesday morning in the leads' zone. The loopback sink's outbox then
 * holds real mail with the compliance headers, none to a suppressed address, follow-ups queued and
 * not sent, and another send sends nothing twice. Commands run in this process
 * (test/helpers/cli-in-process.ts), except those killed or interrupted: child processes.
 */
import type { ChildProcess } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxEntry } from '#core/sending/outbox.ts';
import type { SendSummary } from '#core/sending/send.ts';
import { FolderLake } from '#adapters/folder-lake.ts';
import { MailSink } from '#local/mail-sink.ts';
import { startProspector, type CliResult } from '#test/crash/cli.ts';
import { cliEnv, closeCliDatabases, homeDatabase, lastJson, prospector } from '#test/helpers/cli-in-process.ts';
import { migratedHome } from '#test/helpers/home.ts';
import { directoryLeadsCsv } from '#test/helpers/sample-leads.ts';

/** 09:00 in Berlin on the first Tuesday at least a week after today (after every approval's first slot). */
function tuesdayNineBerlin(): Date {
  const day = new Date();
  day.setUTCDate(day.getUTCDate() + 7);
  while (day.getUTCDay() !== 2) day.setUTCDate(day.getUTCDate() + 1);
  for (const utcHour of [8, 7]) {
    const at = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), utcHour));
    const hour = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', hourCycle: 'h23' }).format(at);
    if (hour === '09') return at;
  }
  throw new Error('no 09:00 Berlin found');
}

async function emls(home: string): Promise<{ name: string; text: string }[]> {
  const root = join(home, 'lake', 'outbox');
  const out: { name: string; text: string }[] = [];
  for (const day of await readdir(root).catch(() => [] as string[])) {
    for (const name of await readdir(join(root, day))) out.push({ name, text: (await readFile(join(root, day, name), 'utf8')).replace(/=\r?\n/g, '') });
  }
  return out;
}

const header = (eml: string, name: string) => new RegExp(`^${name}:\\s*(.+(?:\\r?\\n[ \\t].+)*)`, 'mi').exec(eml)?.[1].replace(/\r?\n[ \t]+/g, ' ');

const SENDABLE = [
  'meridian-supply.example',
  'rheinwerk-logistik.example',
  'polderport-logistics.example',
  'northstar-cold-chain.example',
  'ironbridge-manufacturing.example',
  'keelhaul-freight.example',
];

describe('prospector send', { timeout: 900_000 }, () => {
  let home: string;
  const at = tuesdayNineBerlin();
  const later = (minutes: number) => new Date(at.getTime() + minutes * 60_000).toISOString();

  // `send --every 10s` waits its shortest interval on the wall clock between two ticks. It runs
  // from the start of the file on a home of its own (onboarded, nothing queued: the ticks'
  // moments are what its test reads), a child process beside the rest of the file's work, so the
  // ten seconds pass while the run below drafts instead of after it.
  let everyHome: string;
  const everyStart = later(8 * 24 * 60);
  let every: { child: ChildProcess; done: Promise<CliResult>; ticks: { at: string }[] } | undefined;

  beforeAll(async () => {
    everyHome = await migratedHome('prospector-send-every-');
    const onboardEvery = await prospector(['onboard', '--sample'], cliEnv(everyHome));
    expect(onboardEvery.code, onboardEvery.stderr).toBe(0);
    // The child opens that home's database itself: this process lets go of it first.
    await closeCliDatabases();
    every = { ...startProspector(['send', '--json', '--now', everyStart, '--every', '10s'], cliEnv(everyHome)), ticks: [] };
    const ticks = every.ticks;
    let buffer = '';
    every.child.stdout!.on('data', (c: Buffer) => {
      buffer += c.toString('utf8');
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('{')) ticks.push(JSON.parse(line) as { at: string });
      }
    });

    home = await migratedHome('prospector-send-');
    const onboard = await prospector(['onboard', '--sample'], cliEnv(home));
    expect(onboard.code, onboard.stderr).toBe(0);
    // The sample's logistics leads that its run drafts, and one it excludes (an existing
    // customer), as a leads file for that ICP: the drafts a whole sample run makes for it, at a
    // fifth of the run's work.
    const leads = join(home, 'leads.csv');
    await writeFile(leads, await directoryLeadsCsv(SENDABLE));
    const run = await prospector(['run', '--leads', leads, '--icp', 'midmarket-logistics', '--json'], cliEnv(home), 600_000);
    expect(run.code, run.stderr).toBe(0);
    expect(lastJson<{ failures: unknown[] }>(run).failures).toEqual([]);
    const approve = await prospector(['drafts', 'approve', '--all-unflagged', '--json'], cliEnv(home));
    expect(approve.code, approve.stderr).toBe(0);
    expect(lastJson<{ approved: unknown[] }>(approve).approved.length).toBeGreaterThan(1);
  }, 900_000);

  afterAll(async () => {
    if (every && every.child.exitCode === null && every.child.signalCode === null) every.child.kill('SIGKILL');
    await every?.done;
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
    if (everyHome) await rm(everyHome, { recursive: true, force: true });
  });

  it('run --icp naming no ICP of the workspace is refused before a run opens, with the ICPs it has', async () => {
    const runs = async () => lastJson<unknown[]>(await prospector(['runs', '--json'], cliEnv(home))).length;
    const before = await runs();
    const r = await prospector(['run', '--leads', join(home, 'leads.csv'), '--icp', 'logistics'], cliEnv(home));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--icp: workspace "tallyhand" has no ICP "logistics"; its ICPs: b2b-saas-scaleups, healthcare-groups, midmarket-logistics');
    expect(await runs()).toBe(before);
  });

  it('sends due mail into the sink with the compliance headers, queues follow-ups unsent, and never sends twice', async () => {
    const sent: SendSummary[] = [];
    // one execution sends at most one message per mailbox (the spacing); three, ten minutes apart
    for (const minutes of [0, 10, 20]) {
      const r = await prospector(['send', '--json', '--now', later(minutes)], cliEnv(home));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('loopback sink');
      sent.push(lastJson<SendSummary>(r));
    }
    expect(sent.map((s) => s.sent)).toEqual([1, 1, 1]);
    for (const s of sent) expect(s).toMatchObject({ claimed: 1, deferred: 0, failed: 0, uncertain: 0 });

    const mails = await emls(home);
    expect(mails).toHaveLength(3);
    expect(mails.filter((m) => m.name.includes('~dup'))).toEqual([]);
    for (const { text } of mails) {
      expect(header(text, 'List-Unsubscribe')).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/unsubscribe\/v1\.[^>]+>, <mailto:[^>]+\?subject=unsubscribe>$/);
      expect(header(text, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(text).toContain('548 Market St');
      expect(text).toMatch(/Not interested\? Unsubscribe with one click/);
    }
    const recipients = mails.map((m) => header(m.text, 'To')!.match(/<([^>]+)>/)?.[1] ?? header(m.text, 'To')!);
    expect(new Set(recipients).size).toBe(3);

    const suppressed = await (await homeDatabase(home)).query<{ kind: string; value: string }>('SELECT kind, value FROM suppression');
    for (const to of recipients) {
      for (const s of suppressed.rows) expect(s.kind === 'email' ? to === s.value : to.endsWith(`@${s.value}`) || to.endsWith(`.${s.value}`)).toBe(false);
    }

    const outbox = await prospector(['outbox', '--json', '--now', later(21)], cliEnv(home));
    const waiting = lastJson<{ messages: OutboxEntry[] }>(outbox).messages;
    const followUps = waiting.filter((m) => recipients.includes(m.lead.email));
    expect(followUps).toHaveLength(3);
    for (const f of followUps) {
      expect(f.step.position).toBeGreaterThan(1);
      expect(f.status).toBe('scheduled');
      expect(new Date(f.scheduledAt).getTime()).toBeGreaterThan(at.getTime() + 24 * 3600_000);
    }

    // the same moment again: whatever goes, nobody gets a mail twice
    const again = await prospector(['send', '--json', '--now', later(20)], cliEnv(home));
    expect(lastJson<SendSummary>(again).sent).toBe(0);
    expect(await emls(home)).toHaveLength(3);
  });

  it('killed while the server holds a message, the restarted sender marks it uncertain and never sends it', async () => {
    const sink = await MailSink.start({ lake: new FolderLake(join(home, 'other-server')) });
    const env = cliEnv(home, { PROSPECTOR_SMTP_URL: sink.url });
    try {
      sink.injectFault({ kind: 'stall-before-data' });
      // The child opens the home's database itself: this process lets go of it first.
      await closeCliDatabases();
      const { child, done } = startProspector(['send', '--json', '--now', later(40)], env);
      // the sender is inside the SMTP transaction (its attempt written): kill it there
      while (sink.pendingFaults > 0) await new Promise((r) => setTimeout(r, 100));
      child.kill('SIGKILL');
      await done;

      const restarted = await prospector(['send', '--json', '--now', later(50)], env);
      expect(restarted.code, restarted.stderr).toBe(0);
      const summary = lastJson<SendSummary>(restarted);
      expect(summary.abandoned).toBe(1);
      expect(summary.uncertain).toBeGreaterThanOrEqual(1);

      const rows = await (await homeDatabase(home)).query<{ to_email: string; status: string }>(`SELECT to_email, status FROM send_attempt WHERE status = 'uncertain'`);
      expect(rows.rows).toHaveLength(1);
      const stalled = rows.rows[0].to_email;
      await prospector(['send', '--json', '--now', later(60)], env);
      expect(sink.deliveries.filter((d) => d.to.includes(stalled))).toEqual([]);
    } finally {
      await sink.close();
    }
  });

  it('killed in the middle of a batch that keeps sending, then restarted: nobody gets a mail twice and the batch goes on', async () => {
    const sink = await MailSink.start({ lake: new FolderLake(join(home, 'batch-server')) });
    const env = cliEnv(home, { PROSPECTOR_SMTP_URL: sink.url });
    // a week on (the mailbox has warmed up past 5 a day), a window morning with plenty queued
    const weekOn = (minutes: number) => later(7 * 24 * 60 + minutes);
    try {
      // The child opens the home's database itself: this process lets go of it first.
      await closeCliDatabases();
      const { child, done } = startProspector(['send', '--json', '--now', weekOn(0), '--for', '3h'], env);
      while (sink.deliveries.length < 2) {
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill('SIGKILL');
      const killed = await done;
      expect(killed.signal, `the batch ended before it was killed:\n${killed.stdout}${killed.stderr.slice(-2000)}`).toBe('SIGKILL');
      const beforeRestart = sink.deliveries.length;
      expect(beforeRestart).toBeGreaterThanOrEqual(2);

      const restarted = await prospector(['send', '--json', '--now', weekOn(1), '--for', '3h'], env);
      expect(restarted.code, restarted.stderr).toBe(0);
      const summary = lastJson<SendSummary & { at: string }>(restarted);
      expect(summary.sent).toBeGreaterThan(0);
      expect(summary.rounds).toBeGreaterThan(1);
      expect(summary.abandoned).toBeLessThanOrEqual(1);

      const recipients = sink.deliveries.flatMap((d) => d.to);
      expect(recipients.length).toBe(beforeRestart + summary.sent);
      expect(new Set(recipients).size).toBe(recipients.length);
      const ids = sink.deliveries.map((d) => d.messageId);
      expect(new Set(ids).size).toBe(ids.length);
      // and the database agrees: one live attempt per message, none left sending
      const open = await (await homeDatabase(home)).query<{ n: number }>(`SELECT count(*) AS n FROM send_attempt WHERE status = 'sending'`);
      expect(open.rows[0].n).toBe(0);
    } finally {
      await sink.close();
    }
  });

  it('send --every with --now moves the clock on with each tick instead of sending at the same moment again', async () => {
    const { child, done, ticks } = every!;
    const deadline = Date.now() + 120_000;
    while (ticks.length < 2 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const result = await done;
    expect(ticks.length, result.stderr.slice(-2000)).toBeGreaterThanOrEqual(2);
    // the first tick at the given moment (and the seconds the start-up took), the next 10 s on
    const first = (Date.parse(ticks[0].at) - Date.parse(everyStart)) / 1000;
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(10);
    const step = (Date.parse(ticks[1].at) - Date.parse(ticks[0].at)) / 1000;
    expect(step).toBeGreaterThanOrEqual(10);
    expect(step).toBeLessThan(60);
  });
});
