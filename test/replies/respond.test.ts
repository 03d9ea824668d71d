/**
 * Responses to replies, on PGlite with the sample seller's knowledge: the offline template
 * (labelled, quoting retrieved passages), the real groq-sdk against the loopback fake Groq (a
 * careful answer; an invented claim the grounding checker blocks; a citation of a passage that
 * was not retrieved, refused), one response per reply, and the approval queue's rules.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FolderLake } from '#adapters/folder-lake.ts';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { loadPassages } from '#core/knowledge/retrieve.ts';
import { recordReply, storeInboundMail } from '#core/replies/act.ts';
import type { ReplyClassification } from '#core/replies/classify.ts';
import { matchThread } from '#core/replies/match.ts';
import { parseMail } from '#core/replies/parse.ts';
import { draftReplyResponse, draftResponseStep, questionsOf, RESPOND_PROMPT_VERSION, RESPONSE_TEMPLATE_LABEL } from '#core/replies/respond.ts';
import { approveResponse, editResponse, getResponse, listResponses, rejectResponse, responseWithMarkers } from '#core/replies/response-repository.ts';
import { onboardedDb, SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { handOver } from '#core/outreach/hand-over.ts';
import { seedApprovedLead } from '#test/helpers/sending.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { INVENTED_CLAIM } from '../../local/fakes/reply-answer.ts';

const QUESTIONS = 'Interesting timing. Do you integrate with SAP? Are you SOC 2 certified? Can you connect to Oracle Fusion?';

function labelled(label: ReplyClassification['label'], extra: Partial<ReplyClassification> = {}): ReplyClassification {
  return {
    label, confidence: 0.9, classifiedBy: 'heuristic', needsReview: false, questions: [], referral: null, objection: null,
    returnDate: null, bounce: null, evidence: 'test', model: null, promptVersion: null, fallbackReason: null, ...extra,
  };
}

describe('the questions a response answers', () => {
  it('are the classifier\'s, else those asked in the text, else an objection\'s own words', () => {
    expect(questionsOf('needs_info', ['What does it cost?  '], 'Ignored? Yes.')).toEqual(['What does it cost?']);
    expect(questionsOf('interested', [], 'Sounds good. Can we talk Tuesday? Also, do you support SSO?')).toEqual(['Can we talk Tuesday?', 'Also, do you support SSO?']);
    expect(questionsOf('objection', [], 'We already use Spendlyte for cards.')).toEqual(['We already use Spendlyte for cards.']);
    expect(questionsOf('interested', [], 'Sounds good, let\'s talk.')).toEqual([]);
    expect(questionsOf('needs_info', [], Array.from({ length: 8 }, (_, i) => `Question ${i}?`).join(' '))).toHaveLength(5);
  });
});

describe('responses drafted from the seller\'s knowledge', () => {
  let db: PgliteSql;
  let workspaceId: string;
  let lakeDir: string;
  let lake: FolderLake;
  let fake: FakeGroq;
  let groq: GroqLlm;
  let n = 0;
  let passageIds: string[];

  beforeAll(async () => {
    ({ db, workspaceId } = await onboardedDb());
    lakeDir = await mkdtemp(join(tmpdir(), 'replies-respond-'));
    lake = new FolderLake(lakeDir);
    fake = await startFakeGroq();
    groq = new GroqLlm({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 });
    passageIds = (await loadPassages(db, workspaceId)).map((p) => p.id);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await fake?.close();
    await rm(lakeDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.setScript([]);
    fake.calls.length = 0;
  });

  /** A reply from a new approved lead, recorded with `classification`. */
  async function reply(body: string, classification: ReplyClassification): Promise<{ replyId: string; email: string }> {
    n += 1;
    const lead = await seedApprovedLead(db, workspaceId, `respond-${n}.example`, { name: 'Ola Berg' });
    const raw = [`From: Ola Berg <${lead.email}>`, 'To: maya.okafor@tallyhand.com', 'Subject: Re: Cross-dock sites', 'Date: Wed, 2 Dec 2026 11:00:00 +0000',
      `Message-ID: <respond-${n}@example.test>`, 'Content-Type: text/plain; charset=utf-8', '', body, '', 'On Tue, 1 Dec 2026, Maya Okafor wrote:', '> Worth a 15-minute look next week?', ''].join('\r\n');
    const mail = await parseMail(raw);
    const match = await matchThread(db, workspaceId, mail);
    const recorded = await recordReply({ sql: db }, { workspaceId, mail, rawKey: await storeInboundMail(lake, Buffer.from(raw), new Date()), match, classification });
    return { replyId: recorded.replyId, email: lead.email };
  }

  const citedIds = async (responseId: string) =>
    (await db.query<{ passage_id: string }>(`SELECT DISTINCT passage_id FROM reply_response_citation WHERE response_id = :id::uuid ORDER BY 1`, { id: responseId })).rows.map((r) => r.passage_id);

  it('offline: a template answer, labelled, quoting the passages retrieved per question and handing the rest to the rep', async () => {
    const { replyId } = await reply(QUESTIONS, labelled('needs_info'));
    const result = await draftReplyResponse({ sql: db, lake, llm: new HeuristicLlm() }, { workspaceId, replyId });
    expect(result).toMatchObject({ status: 'drafted', source: 'template', grounding: 'grounded', repItems: ['Can you connect to Oracle Fusion?'] });
    if (result.status === 'skipped') throw new Error('skipped');

    const view = await getResponse(db, result.responseId);
    expect(view.templateLabel).toBe(RESPONSE_TEMPLATE_LABEL);
    expect(view.subject).toBe('Re: Cross-dock sites');
    expect(view.questions.map((q) => [q.question, q.answered])).toEqual([
      ['Do you integrate with SAP?', true],
      ['Are you SOC 2 certified?', true],
      ['Can you connect to Oracle Fusion?', false],
    ]);
    // The passages are quoted word for word, each sentence cited.
    expect(view.body).toContain('Tallyhand has two-way sync with NetSuite, SAP S/4HANA and Microsoft Dynamics 365 Business Central.');
    expect(view.body).toContain('Tallyhand holds a SOC 2 Type II report, renewed every year, and an ISO 27001 certificate.');
    expect(view.body).toContain(`You asked: "Can you connect to Oracle Fusion?" I'll confirm that with the team and come back to you.`);
    expect(responseWithMarkers(view)).toMatch(/Business Central\. \[k1\]/);
    // Quoted history (our own "Worth a 15-minute look next week?") was no question to answer (above);
    // citations point only at passages retrieved for it.
    const retrieved = view.questions.flatMap((q) => q.passageIds);
    expect((await citedIds(result.responseId)).every((id) => retrieved.includes(id))).toBe(true);
    expect(view.flags).toEqual([]);
  });

  it("offline: a passage whose document title is a name (the seller's \"Tallyhand FAQ\") is cited where the answer names it, so the template draws no flag", async () => {
    const question = 'How does the NetSuite sync handle multi-subsidiary setups?';
    const { replyId } = await reply(`Interesting timing. ${question} We run three entities.`, labelled('needs_info', { questions: [question] }));
    const result = await draftReplyResponse({ sql: db, lake, llm: new HeuristicLlm() }, { workspaceId, replyId });
    expect(result).toMatchObject({ status: 'drafted', source: 'template', grounding: 'grounded', repItems: [] });
    if (result.status === 'skipped') throw new Error('skipped');
    const view = await getResponse(db, result.responseId);
    expect(view.body).toContain('From our Tallyhand FAQ (Do you handle multiple entities and currencies):\nYes.');
    expect(responseWithMarkers(view)).toMatch(/From our Tallyhand FAQ \(Do you handle multiple entities and currencies\): \[k1\]\nYes\. \[k1\]/);
    expect(view.flags).toEqual([]);
  });

  it('drafts one response per reply: a second call, or the step, writes nothing new', async () => {
    const { replyId } = await reply('Do you support Okta SSO?', labelled('needs_info', { questions: ['Do you support Okta SSO?'] }));
    const first = await draftReplyResponse({ sql: db, lake, llm: new HeuristicLlm() }, { workspaceId, replyId });
    const again = await draftReplyResponse({ sql: db, lake, llm: groq }, { workspaceId, replyId });
    const step = await draftResponseStep({ sql: db, lake, llm: groq }, { workspaceId, replyId });
    if (first.status === 'skipped') throw new Error('skipped');
    expect(again).toMatchObject({ status: 'exists', responseId: first.responseId, source: 'template' });
    expect(step).toEqual({ replyId, responseId: first.responseId, status: 'exists', grounding: 'grounded', source: 'template', reason: null });
    expect(fake.calls).toHaveLength(0);
    const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM reply_response WHERE reply_id = :id::uuid`, { id: replyId });
    expect(rows.rows[0].n).toBe(1);
  });

  it('drafts nothing for other labels, nor for a label waiting for the rep\'s review', async () => {
    const no = await reply('No thanks.', labelled('not_interested'));
    expect(await draftReplyResponse({ sql: db, lake, llm: groq }, { workspaceId, replyId: no.replyId })).toMatchObject({ status: 'skipped', reason: expect.stringContaining('not_interested') });
    const unsure = await reply('Maybe? What does it cost?', labelled('needs_info', { confidence: 0.4, needsReview: true }));
    expect(await draftReplyResponse({ sql: db, lake, llm: groq }, { workspaceId, replyId: unsure.replyId })).toMatchObject({ status: 'skipped', reason: expect.stringContaining('review') });
    expect(fake.calls).toHaveLength(0);
  });

  it('with a model: the prompt carries only the retrieved passages and the answer cites only them', async () => {
    const { replyId } = await reply(QUESTIONS, labelled('needs_info'));
    const result = await draftReplyResponse({ sql: db, lake, llm: groq }, { workspaceId, replyId });
    expect(result).toMatchObject({ status: 'drafted', source: 'llm', grounding: 'grounded' });
    if (result.status === 'skipped') throw new Error('skipped');
    expect(fake.calls.map((c) => c.pass)).toEqual(['respond']);
    const view = await getResponse(db, result.responseId);
    expect(view.promptVersion).toBe(RESPOND_PROMPT_VERSION);
    const prompt = fake.calls[0].user;
    const retrieved = view.passages.map((p) => p.id);
    expect(retrieved.length).toBeGreaterThan(0);
    expect(retrieved.length).toBeLessThan(passageIds.length);
    for (const p of view.passages) expect(prompt).toContain(JSON.stringify(p.text).slice(1, 40));
    expect(prompt).not.toContain('Keelhaul went live');
    expect(prompt).toContain('Can you connect to Oracle Fusion?');
    expect(prompt).not.toContain('Maya Okafor wrote'); // quoted history stays out
    expect(view.body).toContain('SAP S/4HANA');
    expect(view.repItems).toEqual(['connect to Oracle Fusion']);
    expect(await citedIds(result.responseId)).toEqual(expect.arrayContaining([view.questions[0].passageIds[0]]));
    expect((await citedIds(result.responseId)).every((id) => retrieved.includes(id))).toBe(true);
  });

  it('an invented claim is blocked by the grounding checker; the rep edits it out and approves', async () => {
    fake.setScript([{ when: (c) => c.pass === 'respond', fault: { kind: 'invented-claim' } }]);
    const { replyId } = await reply('Do you integrate with SAP?', labelled('needs_info', { questions: ['Do you integrate with SAP?'] }));
    const result = await draftReplyResponse({ sql: db, lake, llm: groq }, { workspaceId, replyId });
    expect(result).toMatchObject({ status: 'drafted', source: 'llm', grounding: 'blocked' });
    if (result.status === 'skipped') throw new Error('skipped');
    const view = await getResponse(db, result.responseId);
    expect(view.body).toContain(INVENTED_CLAIM);
    expect(view.flags.filter((f) => f.rule === 'invented_specific').map((f) => f.detail)).toEqual([
      expect.stringMatching(/^"4,000" \(number\) is not in any cited/),
      expect.stringMatching(/^"Maersk" \(name\)/),
      expect.stringMatching(/^"Siemens" \(name\)/),
    ]);
    await expect(approveResponse(db, result.responseId, { reason: 'looks fine' })).rejects.toThrow(/is blocked \(invented_specific\).*never approved as it is/);

    // The rep deletes the claim; the rest keeps its citations and the checker passes it.
    const edited = await editResponse(db, result.responseId, { body: responseWithMarkers(view).replace(`${INVENTED_CLAIM} [k1]\n\n`, '') });
    expect(edited).toMatchObject({ changed: true, before: 'blocked', grounding: 'grounded' });
    expect(edited.citedSentences).toBeGreaterThan(0);
    const approved = await approveResponse(db, result.responseId);
    expect(approved).toMatchObject({ decision: 'approved', decidedBy: 'maya.okafor@tallyhand.com', flagsOverridden: 0 });
    await expect(editResponse(db, result.responseId, { body: 'Hi' })).rejects.toThrow(/is approved: its words are frozen/);
    const edits = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM reply_response_edit WHERE response_id = :id::uuid`, { id: result.responseId });
    expect(edits.rows[0].n).toBe(1);
  });

  it('a passage that was not retrieved cannot be cited: the model is refused, and a rep\'s edit is blocked', async () => {
    const other = (await loadPassages(db, workspaceId)).find((p) => p.text.startsWith('Keelhaul went live'))!;
    fake.setScript([{ when: (c) => c.pass === 'respond' || c.pass === 'repair', fault: { kind: 'rewrite', rewrite: (content) => { const a = JSON.parse(content); return JSON.stringify({ ...a, body: `${a.body}\n\nKeelhaul went live on Tallyhand in five weeks. [k9]` }); } } }]);
    const { replyId } = await reply('Do you integrate with SAP?', labelled('needs_info', { questions: ['Do you integrate with SAP?'] }));
    const result = await draftReplyResponse({ sql: db, lake, llm: groq }, { workspaceId, replyId });
    // The answer cited k9, given to it nowhere: refused, repaired once, refused again; the template answers.
    expect(fake.calls.map((c) => c.pass)).toEqual(['respond', 'repair']);
    expect(result).toMatchObject({ status: 'drafted', source: 'template', grounding: 'grounded', templateReason: expect.stringContaining('cites k9, which is not among the passages given (k1') });
    if (result.status === 'skipped') throw new Error('skipped');

    const view = await getResponse(db, result.responseId);
    expect(view.passages.some((p) => p.id === other.id)).toBe(false);
    const edited = await editResponse(db, result.responseId, { body: `${responseWithMarkers(view)}\n\nKeelhaul went live on Tallyhand in five weeks. [${other.id}]` });
    expect(edited.grounding).toBe('blocked');
    expect(edited.findings.map((f) => f.detail)).toContain(`cites passage ${other.id}, which was not retrieved for this reply (only retrieved passages may be cited)`);
  });

  it('the queue: flagged needs a reason, a rejection keeps its reason, decisions are final, filters work', async () => {
    const { replyId } = await reply('Are you SOC 2 certified?', labelled('needs_info', { questions: ['Are you SOC 2 certified?'] }));
    const drafted = await draftReplyResponse({ sql: db, lake, llm: new HeuristicLlm() }, { workspaceId, replyId });
    if (drafted.status === 'skipped') throw new Error('skipped');
    const view = await getResponse(db, drafted.responseId);
    // A banned phrase is a warning: approval then needs a reason.
    const flagged = await editResponse(db, drafted.responseId, { body: `${responseWithMarkers(view)}\n\nHappy to touch base next week.` });
    expect(flagged).toMatchObject({ grounding: 'flagged', findings: [expect.objectContaining({ rule: 'banned_phrase' })] });
    expect((await listResponses(db, { workspaceId, flag: 'banned_phrase' })).map((r) => r.id)).toEqual([drafted.responseId]);
    await expect(approveResponse(db, drafted.responseId)).rejects.toThrow(/carries 1 risk flag\(s\): approve it with --reason/);
    await expect(approveResponse(db, drafted.responseId, { reason: 'fine', by: 'nobody@else.example' })).rejects.toThrow(/is not a rep of this workspace/);
    const ok = await approveResponse(db, drafted.responseId, { reason: 'the phrase is the prospect\'s own', by: 'lukas.brenner@tallyhand.com' });
    expect(ok).toMatchObject({ decision: 'approved', decidedBy: 'lukas.brenner@tallyhand.com', flagsOverridden: 1 });
    await expect(rejectResponse(db, drafted.responseId, { reason: 'changed my mind' })).rejects.toThrow(/already approved/);

    const second = await reply('How long does implementation take?', labelled('needs_info', { questions: ['How long does implementation take?'] }));
    const r2 = await draftReplyResponse({ sql: db, lake, llm: new HeuristicLlm() }, { workspaceId, replyId: second.replyId });
    if (r2.status === 'skipped') throw new Error('skipped');
    expect(await rejectResponse(db, r2.responseId, { reason: 'they signed with a competitor' })).toMatchObject({ decision: 'rejected', reason: 'they signed with a competitor' });
    expect((await getResponse(db, r2.responseId)).decision).toMatchObject({ decision: 'rejected', reason: 'they signed with a competitor' });
    expect((await listResponses(db, { workspaceId, status: 'rejected' })).map((r) => r.id)).toEqual([r2.responseId]);
  });

  it("a reply to a rep who left: answered signed as the sequence was, refused approval, and handed over re-signed with the checker's verdict kept", async () => {
    const maya = 'maya.okafor@tallyhand.com';
    const lukas = 'lukas.brenner@tallyhand.com';
    const { replyId } = await reply('Are you SOC 2 certified?', labelled('needs_info', { questions: ['Are you SOC 2 certified?'] }));
    // Maya, whose sequence it answers, leaves (the last test of the suite: it needs her gone)
    const sample = await loadOnboardingFile(SAMPLE_ONBOARDING);
    await importOnboarding(db, { ...sample, users: sample.users.filter((u) => u.email !== maya) });

    const drafted = await draftReplyResponse({ sql: db, lake, llm: new HeuristicLlm() }, { workspaceId, replyId });
    if (drafted.status === 'skipped') throw new Error('skipped');
    const before = await getResponse(db, drafted.responseId);
    // still the sequence's rep, signed with the signature the sequence carried: not someone the thread never heard from
    expect(before).toMatchObject({ repEmail: maya, repIsUser: false, handedOverFrom: null });
    expect(before.body.endsWith('\nMaya')).toBe(true);
    expect(before.body).not.toContain('Lukas');
    await expect(approveResponse(db, drafted.responseId, { by: lukas })).rejects.toThrow(`its rep ${maya} is no longer a user of this workspace, and it is signed as them`);

    const r = await handOver(db, workspaceId, maya, lukas, { now: new Date('2026-12-03T09:00:00Z') });
    expect(r.handedOver).toContainEqual(expect.objectContaining({ kind: 'response', id: drafted.responseId, resigned: 1, grounding: before.grounding }));
    const after = await getResponse(db, drafted.responseId);
    expect(after).toMatchObject({ repEmail: lukas, repIsUser: true, handedOverFrom: maya, grounding: before.grounding, edits: 0 });
    expect(after.body).toBe(`${before.body.slice(0, -'Maya'.length)}Lukas Brenner\nAccount Executive, Tallyhand`);
    // the quoted passages keep their citations
    expect(after.citations.map((c) => c.sentence)).toEqual(before.citations.map((c) => c.sentence));
    expect(await approveResponse(db, drafted.responseId, { by: lukas })).toMatchObject({ decision: 'approved', decidedBy: lukas });
  });
});
