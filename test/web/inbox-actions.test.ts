/**
 * The inbox's actions through the app's fetch handler (no browser): approving, editing and
 * rejecting a suggested response (edits checked again by the grounding checker), confirming and
 * correcting a reply's label (the label's action runs once, in one transaction), CSRF on each,
 * and a second workspace's rows out of reach. The database is read back to check what they did.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { approveSequence } from '#core/outreach/repository.ts';
import { createWebApp } from '#web/app.ts';
import { signInAs, storeResponse, webFixture, type Signed, type WebFixture } from '#test/helpers/web.ts';

let f: WebFixture;
let app: ReturnType<typeof createWebApp>;
let rep: Signed;
let rival: Signed;

beforeAll(async () => {
  f = await webFixture();
  app = createWebApp({ sql: f.db, lake: f.lake });
  rep = await signInAs(f, app, f.tallyhand.userId);
  rival = await signInAs(f, app, f.rival.userId);
});
afterAll(async () => {
  await f?.close();
});

const response = async (id: string) =>
  (await f.db.query<{ status: string; grounding: string; body: string; decided_by_email: string | null; decision_reason: string | null }>(
    `SELECT status, grounding, body, decided_by_email, decision_reason FROM reply_response WHERE id = :id::uuid`, { id },
  )).rows[0];
const reply = async (id: string) =>
  (await f.db.query<{ classification: string; needs_review: boolean; classified_by: string; classifier_label: string | null; reviewed_by_email: string | null; action: string }>(
    `SELECT classification, needs_review, classified_by, classifier_label, reviewed_by_email, action FROM reply WHERE id = :id::uuid`, { id },
  )).rows[0];
const count = async (sql: string, params: Record<string, string>) => (await f.db.query<{ n: number }>(sql, params)).rows[0].n;

describe('suggested response', () => {
  test('the inbox shows the draft response with its words and approve, edit and reject forms', async () => {
    const page = await (await rep.get('/inbox')).text();
    const id = f.responses.interested;
    expect(page).toContain('Would Tuesday or Wednesday suit you for a short call?');
    expect(page).toContain(`action="/inbox/responses/${id}/approve"`);
    expect(page).toContain(`action="/inbox/responses/${id}/edit"`);
    expect(page).toContain(`action="/inbox/responses/${id}/reject"`);
    // the rival's response is not on this workspace's inbox
    expect(page).not.toContain(f.responses.rival);
  });

  test("the prospect's words are on the inbox as text, open where a rep decides; the whole mail is a plain-text page of its workspace only", async () => {
    const page = await (await rep.get('/inbox')).text();
    const row = page.slice(page.indexOf(`<tr id="reply-${f.replies.interested}"`), page.indexOf('</tr>', page.indexOf(`<tr id="reply-${f.replies.interested}"`)));
    // the new text, escaped, without the quoted first touch; open, since a response waits for approval
    expect(row).toContain('<details class="reply-text" open><summary>Their words</summary><div class="reply-words">Sounds useful &lt;b&gt;for us&lt;/b&gt;. Could we talk next week about the cross-dock rollout?</div></details>');
    expect(row).not.toContain('You opened two cross-dock sites.');
    expect(row).toContain(`<a class="mail-link" href="/inbox/replies/${f.replies.interested}/mail">The whole mail as text</a>`);
    // a reply whose parsed mail is not in the lake says so, and still shows the rest of its row
    const review = page.slice(page.indexOf(`<tr id="reply-${f.replies.review}"`), page.indexOf('</tr>', page.indexOf(`<tr id="reply-${f.replies.review}"`)));
    expect(review).toContain('<p class="muted">The stored mail could not be read.</p>');
    expect(review).not.toContain('The whole mail as text');
    expect(page).not.toContain('Our secret plans');

    const mail = await rep.get(`/inbox/replies/${f.replies.interested}/mail`);
    expect(mail.status).toBe(200);
    expect(mail.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(mail.headers.get('x-content-type-options')).toBe('nosniff');
    const text = await mail.text();
    expect(text).toMatch(/^From: dana@northwind-freight\.example\nDate: \S+\nSubject: /);
    expect(text).toContain('Sounds useful <b>for us</b>.');
    expect(text).toContain('> You opened two cross-dock sites.');
    expect((await rep.get(`/inbox/replies/${f.replies.rival}/mail`)).status).toBe(404);
    expect((await rival.get(`/inbox/replies/${f.replies.rival}/mail`)).status).toBe(200);
    expect((await rep.get(`/inbox/replies/${f.replies.review}/mail`)).status).toBe(404);
  });

  test('approve without the CSRF token is refused (403) and changes nothing', async () => {
    const res = await rep.post(`/inbox/responses/${f.responses.interested}/approve`, {}, false);
    expect(res.status).toBe(403);
    const wrong = await rep.post(`/inbox/responses/${f.responses.interested}/approve`, { _csrf: rival.csrf }, false);
    expect(wrong.status).toBe(403);
    expect((await response(f.responses.interested)).status).toBe('draft');
  });

  test("another workspace's response is 404 for approve, edit and reject, and stays a draft", async () => {
    const id = f.responses.rival;
    expect((await rep.post(`/inbox/responses/${id}/approve`, {})).status).toBe(404);
    expect((await rep.post(`/inbox/responses/${id}/edit`, { body: 'Hijacked.' })).status).toBe(404);
    expect((await rep.post(`/inbox/responses/${id}/reject`, { reason: 'no' })).status).toBe(404);
    expect((await rep.post(`/inbox/responses/not-an-id/approve`, {})).status).toBe(404);
    expect(await response(id)).toMatchObject({ status: 'draft', decided_by_email: null });
  });

  test('approve records who approved it; a second approve is refused (409)', async () => {
    const res = await rep.post(`/inbox/responses/${f.responses.interested}/approve`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/inbox?done=approved#reply-${f.replies.interested}`);
    expect(await response(f.responses.interested)).toMatchObject({ status: 'approved', decided_by_email: f.tallyhand.email });
    const again = await rep.post(`/inbox/responses/${f.responses.interested}/approve`, {});
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already approved');
    const page = await (await rep.get('/inbox?done=approved')).text();
    expect(page).toContain('Response approved');
    expect(page).not.toContain(`action="/inbox/responses/${f.responses.interested}/approve"`);
  });

  test('an edit adding an invented claim is checked again and flagged; approving it then needs a reason', async () => {
    const id = f.responses.rival;
    const edited = await rival.post(`/inbox/responses/${id}/edit`, {
      subject: 'Re: Rival secret reply',
      body: 'Hi Rita,\r\n\r\nWe cut freight costs by 37% for Acme Logistics last year. Would Tuesday suit you for a short call?\r\n\r\nMaya',
    });
    expect(edited.status).toBe(303);
    const after = await response(id);
    expect(after.body).toContain('37% for Acme Logistics');
    expect(after.body).not.toContain('\r');
    expect(['flagged', 'blocked']).toContain(after.grounding);
    const flags = await count(`SELECT count(*)::int AS n FROM reply_response_flag WHERE response_id = :id::uuid`, { id });
    expect(flags).toBeGreaterThan(0);
    const page = await (await rival.get('/inbox')).text();
    expect(page).toContain('37% for Acme Logistics');
    expect(page).toMatch(/invented_specific|uncited_specific|unknown_fact/);
    const approve = await rival.post(`/inbox/responses/${id}/approve`, {});
    expect(approve.status).toBe(409);
    expect((await response(id)).status).toBe('draft');
  });

  test('reject needs a reason (422), then records it', async () => {
    const id = f.responses.rival;
    expect((await rival.post(`/inbox/responses/${id}/reject`, { reason: '  ' })).status).toBe(422);
    expect((await response(id)).status).toBe('draft');
    const res = await rival.post(`/inbox/responses/${id}/reject`, { reason: 'The 37% figure is not ours to claim' });
    expect(res.status).toBe(303);
    expect(await response(id)).toMatchObject({ status: 'rejected', decision_reason: 'The 37% figure is not ours to claim', decided_by_email: f.rival.email });
    // decided: its words are frozen
    expect((await rival.post(`/inbox/responses/${id}/edit`, { body: 'New words.' })).status).toBe(409);
  });
});

describe('reviewed label', () => {
  /** A reply under review from the northwind lead, matched by address (no thread). */
  async function replyUnderReview(label: string): Promise<string> {
    const id = randomUUID();
    await f.db.query(
      `INSERT INTO reply (id, workspace_id, rfc_message_id, lead_id, from_email, subject, received_at, raw_key, classification, classified_by, confidence,
                          needs_review, thread_match, action)
       VALUES (:id::uuid, :ws::uuid, :mid, :lead::uuid, 'dana@northwind-freight.example', 'maybe', now(), :raw, :label, 'llm', 0.41, true, 'address', 'needs review')`,
      { id, ws: f.tallyhand.workspaceId, mid: `<${id}@example.test>`, lead: f.leads.northwind.leadId, raw: `inbound/${id}.eml`, label },
    );
    return id;
  }

  test('confirming a label under review runs its action once: confirming twice opens one task', async () => {
    const id = await replyUnderReview('interested');
    const tasks = () => count(`SELECT count(*)::int AS n FROM rep_task WHERE reply_id = :id::uuid`, { id });
    expect(await tasks()).toBe(0);
    const res = await rep.post(`/inbox/replies/${id}/label`, { label: 'interested' });
    expect(res.status).toBe(303);
    expect(await tasks()).toBe(1);
    expect(await reply(id)).toMatchObject({ classification: 'interested', needs_review: false, reviewed_by_email: f.tallyhand.email });
    expect((await reply(id)).action).toMatch(/^label interested confirmed by .*task for/);
    const actionBefore = (await reply(id)).action;
    expect((await rep.post(`/inbox/replies/${id}/label`, { label: 'interested' })).status).toBe(303);
    expect(await tasks()).toBe(1);
    expect((await reply(id)).action).toBe(actionBefore);
  });

  test('correcting a label to unsubscribe suppresses the address and stops every open sequence at once, once', async () => {
    const granite = f.sequences.granite.sequenceId;
    await approveSequence(f.db, granite, { by: f.tallyhand.email, reason: 'checked by hand' });
    expect((await f.db.query<{ status: string }>(`SELECT status FROM sequence WHERE id = :id::uuid`, { id: granite })).rows[0].status).toBe('approved');
    const id = f.replies.review; // granite's reply, labelled not_interested under review
    const res = await rep.post(`/inbox/replies/${id}/label`, { label: 'unsubscribe' });
    expect(res.status).toBe(303);
    expect(await reply(id)).toMatchObject({ classification: 'unsubscribe', classifier_label: 'not_interested', classified_by: 'rep', needs_review: false });
    const suppression = await f.db.query<{ value: string; source: string }>(`SELECT value, source FROM suppression WHERE reply_id = :id::uuid`, { id });
    expect(suppression.rows).toEqual([{ value: 'gus@granite-state.example', source: 'opt_out' }]);
    const seq = await f.db.query<{ status: string; status_reason: string }>(`SELECT status, status_reason FROM sequence WHERE id = :id::uuid`, { id: granite });
    expect(seq.rows[0]).toEqual({ status: 'stopped', status_reason: 'opted_out' });
    expect(await count(`SELECT count(*)::int AS n FROM scheduled_message WHERE sequence_id = :id::uuid AND status = 'scheduled'`, { id: granite })).toBe(0);
    const outcomes = () => count(`SELECT count(*)::int AS n FROM outcome WHERE reply_id = :id::uuid AND kind = 'opted_out'`, { id });
    expect(await outcomes()).toBe(1);
    // again: nothing new
    expect((await rep.post(`/inbox/replies/${id}/label`, { label: 'unsubscribe' })).status).toBe(303);
    expect(await outcomes()).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM suppression WHERE value = 'gus@granite-state.example'`, {})).toBe(1);
    const page = await (await rep.get('/inbox')).text();
    expect(page).toContain('label corrected from not_interested to unsubscribe');
    // a rep's label carries no classifier confidence
    const row = page.slice(page.indexOf(`<tr id="reply-${id}"`), page.indexOf('</tr>', page.indexOf(`<tr id="reply-${id}"`)));
    expect(row).toContain('<span class="muted">set by a rep</span>');
    expect(row).not.toContain('% · ');
    // corrected back to a label that asks for an answer: the opt-out stands, and the action says so
    expect((await rep.post(`/inbox/replies/${id}/label`, { label: 'interested' })).status).toBe(303);
    expect((await reply(id)).action).toMatch(/; gus@granite-state\.example stays suppressed \(an opt-out is never undone\): no email goes to it, so answer it another way$/);
    expect(await count(`SELECT count(*)::int AS n FROM suppression WHERE value = 'gus@granite-state.example'`, {})).toBe(1);
  });

  test('correcting a needs_info reply to unsubscribe withdraws its suggested response and closes its task; the inbox says so', async () => {
    const id = await replyUnderReview('needs_info');
    // confirmed: the task opens; the respond step drafts an answer
    expect((await rep.post(`/inbox/replies/${id}/label`, { label: 'needs_info' })).status).toBe(303);
    const responseId = await storeResponse(f.db, { workspaceId: f.tallyhand.workspaceId, replyId: id, lead: f.leads.northwind, to: 'dana@northwind-freight.example', rep: f.tallyhand.email, subject: 'Re: maybe' });
    expect(await count(`SELECT count(*)::int AS n FROM rep_task WHERE reply_id = :id::uuid AND status = 'open'`, { id })).toBe(1);
    expect(await (await rep.get('/inbox')).text()).toContain(`action="/inbox/responses/${responseId}/approve"`);

    // the rep reads it again: it was an opt-out
    expect((await rep.post(`/inbox/replies/${id}/label`, { label: 'unsubscribe' })).status).toBe(303);
    expect(await response(responseId)).toMatchObject({
      status: 'rejected',
      decided_by_email: f.tallyhand.email,
      decision_reason: `the reply's label was corrected from needs_info to unsubscribe by ${f.tallyhand.email}: it asks for no answer`,
    });
    expect(await count(`SELECT count(*)::int AS n FROM rep_task WHERE reply_id = :id::uuid AND status = 'open'`, { id })).toBe(0);
    expect((await reply(id)).action).toMatch(/^label corrected from needs_info to unsubscribe by .*; its suggested response rejected and its open task closed \(the label asks for no answer\)$/);
    const page = await (await rep.get('/inbox')).text();
    expect(page).not.toContain(`action="/inbox/responses/${responseId}/approve"`);
    // approving it from a stale tab is refused
    expect((await rep.post(`/inbox/responses/${responseId}/approve`, {})).status).toBe(409);
  });

  test('a label a rep cannot set, a missing label, no CSRF and another workspace are refused', async () => {
    const id = await replyUnderReview('needs_info');
    expect((await rep.post(`/inbox/replies/${id}/label`, { label: 'referral' })).status).toBe(409);
    expect((await rep.post(`/inbox/replies/${id}/label`, { label: '<script>' })).status).toBe(409);
    expect((await rep.post(`/inbox/replies/${id}/label`, { label: '' })).status).toBe(422);
    expect((await rep.post(`/inbox/replies/${id}/label`, { label: 'interested' }, false)).status).toBe(403);
    expect(await reply(id)).toMatchObject({ classification: 'needs_info', needs_review: true, reviewed_by_email: null });
    expect((await rep.post(`/inbox/replies/${f.replies.rival}/label`, { label: 'unsubscribe' })).status).toBe(404);
    expect((await reply(f.replies.rival)).classification).toBe('interested');
    expect(await count(`SELECT count(*)::int AS n FROM suppression WHERE value = 'rita@rival-target.example'`, {})).toBe(0);
  });
});
