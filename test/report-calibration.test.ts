/**
 * The calibration report on PGlite: sequences that reached a lead (an email sent), their replies
 * acted on by `recordReply` and their outcomes recorded by `recordOutcome`, counted by fit band
 * and by the variant sent; the section in the run report, escaped, and the text for the terminal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { recordOutcome } from '#core/outreach/outcomes.ts';
import { recordReply, storeInboundMail } from '#core/replies/act.ts';
import { matchThread } from '#core/replies/match.ts';
import { parseMail } from '#core/replies/parse.ts';
import { fitBand, formatCalibration, loadCalibration, renderCalibrationSection, type Calibration } from '#local/report-calibration.ts';
import { loadRunReport, renderReport } from '#local/report.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { labelled, replyMail } from '#test/helpers/replies.ts';
import { seedApprovedLead, type ApprovedLead } from '#test/helpers/sending.ts';
import { memoryLake } from '#test/hostile/support.ts';

const NOW = new Date('2026-12-02T12:00:00Z');

describe('calibration: positive-reply and meeting rates by fit band and variant', () => {
  let db: PgliteSql;
  let workspaceId: string;
  let calibration: Calibration;
  let runId: string;

  /** The lead's first email (in `variant`) as sent. */
  const sent = async (lead: ApprovedLead, variant: 'a' | 'b') => {
    if (variant === 'b') {
      await db.query(`DELETE FROM variant_assignment WHERE lead_id = :lead::uuid`, { lead: lead.leadId });
      await db.query(`INSERT INTO variant_assignment (experiment_id, lead_id, variant) VALUES (:e::uuid, :l::uuid, 'b')`, { e: lead.seq.experimentId, l: lead.leadId });
    }
    await db.query(
      `INSERT INTO send_attempt (id, message_id, idempotency_key, status, from_email, to_email, rfc_message_id, provider, started_at, finished_at)
       VALUES (gen_random_uuid(), :m::uuid, :key, 'sent', 'maya.okafor@tallyhand.com', :to, :rfc, 'smtp', :at::timestamptz, :at::timestamptz)`,
      { m: lead.seq.messages[variant], key: `send-${lead.leadId}`, to: lead.email, rfc: `<${lead.leadId}@tallyhand.test>`, at: NOW },
    );
  };
  const reply = async (lead: ApprovedLead, label: 'interested' | 'not_interested') => {
    const raw = replyMail(lead.email, 'Re: Cross-dock sites', `cal-${lead.leadId}`);
    const mail = await parseMail(raw);
    const match = await matchThread(db, workspaceId, mail);
    await recordReply({ sql: db, now: () => NOW }, { workspaceId, mail, rawKey: await storeInboundMail(memoryLake(), Buffer.from(raw), NOW), match, classification: labelled(label) });
  };

  beforeAll(async () => {
    ({ db, workspaceId } = await onboardedDb());
    const seed = (domain: string, fit: number) => seedApprovedLead(db, workspaceId, domain, { name: 'Ana Reis', fit });
    const top = await seed('top.example', 95);
    const topQuiet = await seed('top-quiet.example', 92);
    const good = await seed('good.example', 85);
    const fair = await seed('fair.example', 65);
    await seed('unsent.example', 75);
    await sent(top, 'a');
    await sent(topQuiet, 'b');
    await sent(good, 'a');
    await sent(fair, 'a');
    await reply(top, 'interested');
    await recordOutcome(db, workspaceId, { leadEmail: top.email, kind: 'meeting_booked' });
    await reply(good, 'interested');
    await reply(fair, 'not_interested');
    calibration = await loadCalibration(db, workspaceId);
    runId = (await db.query<{ run_id: string }>(`SELECT run_id FROM research WHERE id = :id::uuid`, { id: top.researchId })).rows[0].run_id;
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  it('bands scores by ten from 60, the rest below, and no score apart', () => {
    expect([100, 90, 89, 70, 60, 59, 0, null].map(fitBand)).toEqual(['90–100', '90–100', '80–89', '70–79', '60–69', 'below 60', 'below 60', 'no score']);
  });

  it('counts only sequences that reached a lead, with rates and counts per band', () => {
    expect(calibration.contacted).toBe(4);
    const band = (group: string) => calibration.byFitBand.find((r) => r.group === group);
    expect(band('90–100')).toEqual({ group: '90–100', contacted: 2, replied: 1, positive: 1, meetings: 1, positiveRate: 0.5, meetingRate: 0.5, smallSample: true });
    expect(band('80–89')).toMatchObject({ contacted: 1, positive: 1, meetings: 0, positiveRate: 1, meetingRate: 0 });
    expect(band('70–79')).toMatchObject({ contacted: 0, positiveRate: null, meetingRate: null });
    expect(band('60–69')).toMatchObject({ contacted: 1, replied: 1, positive: 0, positiveRate: 0 });
  });

  it('splits by the first-touch variant that was sent', () => {
    expect(calibration.byVariant.map((r) => [r.group, r.contacted, r.positive, r.meetings])).toEqual([
      ['a', 3, 2, 1],
      ['b', 1, 0, 0],
    ]);
  });

  it('appears as its own section of the run report, and as text', async () => {
    const report = await loadRunReport(db, runId, '/tmp/lake');
    expect(report.calibration?.contacted).toBe(4);
    const html = renderReport(report, '/tmp');
    expect(html).toContain('Calibration: does the fit score predict replies? (4 contacted)');
    expect(html).toMatch(/<tr><td>90–100<\/td><td>2<\/td><td>1<\/td><td>1<\/td><td>50\.0% <span class="muted small">\(small sample\)<\/span><\/td><td>1<\/td><td>50\.0%<\/td><\/tr>/);
    const hostile = renderCalibrationSection({ ...calibration, byVariant: [{ ...calibration.byVariant[0], group: '<script>x</script>' }] });
    expect(hostile).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(hostile).not.toContain('<script>');
    const text = formatCalibration(calibration);
    expect(text).toMatch(/90–100\s+2\s+1\s+50\.0%\s+1\s+50\.0%\s+small sample/);
  });

  it('says plainly when nothing was sent yet', async () => {
    const empty = renderCalibrationSection({ ...calibration, contacted: 0 });
    expect(empty).toContain('No email has been sent yet');
    expect(formatCalibration({ ...calibration, contacted: 0 })).toContain('No email has been sent yet');
  });
});
