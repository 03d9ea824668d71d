/**
 * Match and act on PGlite: threading by sender and subject when the headers name nothing of ours,
 * and the actions the CLI test does not reach (repeated soft bounces, an out-of-office without a
 * return date and its resumption, a referral by a known sender).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderLake } from '#adapters/folder-lake.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { DEFAULT_OOO_DAYS, recordReply, resumePausedSequences, SOFT_BOUNCE_LIMIT, storeInboundMail } from '#core/replies/act.ts';
import type { ReplyClassification } from '#core/replies/classify.ts';
import { baseSubject, matchThread } from '#core/replies/match.ts';
import { parseMail } from '#core/replies/parse.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { labelled, replyMail } from '#test/helpers/replies.ts';
import { seedApprovedLead } from '#test/helpers/sending.ts';

const NOW = new Date('2026-12-02T12:00:00Z');

const mail = replyMail;

describe('replies: match and act', () => {
  let db: PgliteSql;
  let workspaceId: string;
  let lakeDir: string;
  let lake: FolderLake;

  beforeAll(async () => {
    ({ db, workspaceId } = await onboardedDb());
    lakeDir = await mkdtemp(join(tmpdir(), 'replies-act-'));
    lake = new FolderLake(lakeDir);
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await rm(lakeDir, { recursive: true, force: true });
  });

  const act = async (raw: string, classification: ReplyClassification) => {
    const parsed = await parseMail(raw);
    const match = await matchThread(db, workspaceId, parsed, classification.bounce);
    const rawKey = await storeInboundMail(lake, Buffer.from(raw), NOW);
    return { match, result: await recordReply({ sql: db, now: () => NOW }, { workspaceId, mail: parsed, rawKey, match, classification }) };
  };
  const status = async (sequenceId: string) =>
    (await db.query<{ status: string; resume_on: string | null }>(`SELECT status, to_char(resume_on, 'YYYY-MM-DD') AS resume_on FROM sequence WHERE id = :id::uuid`, { id: sequenceId })).rows[0];

  it('reads the subject without reply and forward prefixes', () => {
    expect(baseSubject('AW: RE: Fwd:  Cross-dock   sites')).toBe('cross-dock sites');
    expect(baseSubject('Re[2]: Cross-dock sites')).toBe('cross-dock sites');
    expect(baseSubject('Cross-dock sites')).toBe('cross-dock sites');
  });

  it('matches by sender and subject, by sender alone, or not at all', async () => {
    const lead = await seedApprovedLead(db, workspaceId, 'subject-match.example', { name: 'Ola Berg' });
    const bySubject = await matchThread(db, workspaceId, await parseMail(mail(lead.email, 'AW: Cross-dock sites', 'm1')));
    expect(bySubject).toMatchObject({ kind: 'address_subject', sequenceId: lead.seq.sequenceId, leadId: lead.leadId });
    const bySender = await matchThread(db, workspaceId, await parseMail(mail(lead.email, 'Something else', 'm2')));
    expect(bySender).toMatchObject({ kind: 'address', sequenceId: null, leadId: lead.leadId });
    const stranger = await matchThread(db, workspaceId, await parseMail(mail('who@elsewhere.example', 'Re: Cross-dock sites', 'm3')));
    expect(stranger).toMatchObject({ kind: 'unmatched', sequenceId: null, leadId: null, address: 'who@elsewhere.example' });
  });

  it(`suppresses an address at its ${SOFT_BOUNCE_LIMIT}rd soft bounce, not before`, async () => {
    const lead = await seedApprovedLead(db, workspaceId, 'soft-bounce.example', { name: 'Kai Lund' });
    const bounce = { kind: 'soft' as const, status: '4.2.2', recipient: lead.email, diagnostic: null, originalMessageId: null };
    for (let i = 1; i <= SOFT_BOUNCE_LIMIT; i += 1) {
      const { result } = await act(mail('mailer-daemon@mx.example', 'Delayed Mail', `soft-${i}`), labelled('bounce', { classifiedBy: 'rules', bounce }));
      const suppressed = await db.query(`SELECT 1 FROM suppression WHERE workspace_id = :ws::uuid AND value = :email`, { ws: workspaceId, email: lead.email });
      expect(suppressed.rowCount).toBe(i < SOFT_BOUNCE_LIMIT ? 0 : 1);
      expect((await status(lead.seq.sequenceId)).status).toBe(i < SOFT_BOUNCE_LIMIT ? 'approved' : 'stopped');
      if (i === SOFT_BOUNCE_LIMIT) expect(result.action).toContain('suppressed');
    }
  });

  it('pauses for the default days without a return date, and resumes on that day', async () => {
    const lead = await seedApprovedLead(db, workspaceId, 'ooo-default.example', { name: 'Eva Holm' });
    const { result } = await act(mail(lead.email, 'Automatic reply: Cross-dock sites', 'ooo-1'), labelled('out_of_office', { classifiedBy: 'rules' }));
    const day = new Date(Date.parse('2026-12-02T00:00:00Z') + DEFAULT_OOO_DAYS * 86_400_000).toISOString().slice(0, 10);
    expect(result.resumeOn).toBe(day);
    expect(await status(lead.seq.sequenceId)).toEqual({ status: 'paused', resume_on: day });
    expect(await resumePausedSequences(db, workspaceId, new Date('2026-12-08T12:00:00Z'))).not.toContain(lead.seq.sequenceId);
    expect(await resumePausedSequences(db, workspaceId, new Date(`${day}T06:00:00Z`))).toContain(lead.seq.sequenceId);
    expect(await status(lead.seq.sequenceId)).toEqual({ status: 'active', resume_on: null });
  });

  it('a referral from a known sender stops the lead\'s sequence and adds the referred person as a lead at that company, queued for nothing', async () => {
    const lead = await seedApprovedLead(db, workspaceId, 'referral.example', { name: 'Noor Vos' });
    const referral = { name: 'Jane Doe', email: 'jane.doe@referral.example' };
    const { match, result } = await act(
      mail(lead.email, 'Not me', 'ref-1', 'Please talk to Jane Doe, jane.doe@referral.example.'),
      labelled('referral', { referral }),
    );
    expect(match.kind).toBe('address');
    expect(result.stoppedSequenceIds).toEqual([lead.seq.sequenceId]);
    expect(result.action).toContain('referred <jane.doe@referral.example> added as a lead at referral.example');
    const stored = await db.query<{ referral_name: string; referral_email: string }>(`SELECT referral_name, referral_email FROM reply WHERE id = :id::uuid`, { id: result.replyId });
    expect(stored.rows[0]).toEqual({ referral_name: 'Jane Doe', referral_email: 'jane.doe@referral.example' });
    const leads = await db.query<{ id: string; name: string; same_company: boolean; referred_by_email: string; referred_by_lead_id: string; referred_by_reply_id: string }>(
      `SELECT l.id, l.name, l.company_id = r.company_id AS same_company, l.referred_by_email, l.referred_by_lead_id, l.referred_by_reply_id
         FROM lead l JOIN lead r ON r.id = :referrer::uuid WHERE l.workspace_id = :ws::uuid AND l.email = :email`,
      { ws: workspaceId, email: referral.email, referrer: lead.leadId },
    );
    expect(leads.rows).toEqual([{ id: expect.any(String), name: 'Jane Doe', same_company: true, referred_by_email: lead.email, referred_by_lead_id: lead.leadId, referred_by_reply_id: result.replyId }]);
    const queued = await db.query(`SELECT 1 FROM sequence WHERE lead_id = :id::uuid`, { id: leads.rows[0].id });
    expect(queued.rowCount).toBe(0);
  });

  it('a referral without an address is kept for the rep to review, not lost', async () => {
    const { result } = await act(mail('someone@nowhere.example', 'Re: hi', 'ref-missing', 'Ask my colleague.'), labelled('referral'));
    expect(result.action).toMatch(/^needs review \(needs_info/);
    const stored = await db.query<{ classification: string; needs_review: boolean }>(`SELECT classification, needs_review FROM reply WHERE id = :id::uuid`, { id: result.replyId });
    expect(stored.rows[0]).toEqual({ classification: 'needs_info', needs_review: true });
  });

  it('a label under review acts on nothing but keeps the sequence from sending', async () => {
    const lead = await seedApprovedLead(db, workspaceId, 'review.example', { name: 'Ivo Ruiz' });
    const { result } = await act(mail(lead.email, 'Re: Cross-dock sites', 'review-1', 'hm'), labelled('unsubscribe', { confidence: 0.3, needsReview: true }));
    expect(result.action).toMatch(/^needs review \(unsubscribe, confidence 0\.30\)/);
    const suppressed = await db.query(`SELECT 1 FROM suppression WHERE workspace_id = :ws::uuid AND value = :email`, { ws: workspaceId, email: lead.email });
    expect(suppressed.rowCount).toBe(0);
    expect((await status(lead.seq.sequenceId)).status).toBe('stopped');
  });
});
