/** The Inbox page: replies with their label, confidence, the action taken and the rep's next step. */
import { html } from 'hono/html';
import type { ListedReply } from '#core/views/replies.ts';
import { responseWithMarkers, type ResponseView } from '#core/replies/response-repository.ts';
import { CORRECTABLE_LABELS } from '#core/replies/review.ts';
import { csrfField, shortId, when, type Html } from '../layout.ts';
import type { WebSession } from '../sessions.ts';

/** What the inbox's forms need beyond the replies: the session (CSRF) and each draft response's words. */
export interface InboxActions {
  session: WebSession;
  /** draft responses by id, with their words, citations and flags */
  drafts: Map<string, ResponseView>;
  /** each shown reply's new text (null: the stored mail could not be read); replies past the first `INBOX_TEXTS` have only the link */
  texts: ReadonlyMap<string, string | null>;
}

/** How many replies, newest first, show their words on the inbox page (each is a read of the lake). */
export const INBOX_TEXTS = 100;

export const INBOX_FILTERS = ['needs_review', 'unmatched', 'mine'] as const;
export type InboxFilter = (typeof INBOX_FILTERS)[number] | null;

/** Where the reply belongs: its lead (and sequence), the address it matched, or nothing. */
function thread(r: ListedReply, me: string): Html {
  const lead = r.thread.leadId ? html`<a href="/leads/${r.thread.leadId}">${r.thread.leadEmail ?? shortId(r.thread.leadId)}</a>` : null;
  const rep = r.thread.repEmail ? `, ${r.thread.repEmail === me ? 'yours' : `sent by ${r.thread.repEmail}`}` : '';
  if (r.thread.sequenceId) return html`${lead} <span class="muted">sequence ${shortId(r.thread.sequenceId)} (${r.thread.sequenceStatus ?? '–'})${rep}, matched by ${r.thread.match}</span>`;
  if (lead) return html`${lead} <span class="muted">(no thread: matched by address)</span>`;
  return html`<span class="muted">unmatched</span>`;
}

function label(r: ListedReply, actions: InboxActions): Html {
  if (r.error) return html`<span class="status status-failed">not processed</span><br><span class="muted">${r.error}</span>`;
  return html`<span class="status label-${r.label ?? 'none'}">${r.label ?? '–'}</span>${r.needsReview ? html` <strong class="flag">needs review</strong>` : ''}
<br><span class="muted">${r.classifiedBy === 'rep' ? 'set by a rep' : `${r.confidence === null ? '' : `${Math.round(r.confidence * 100)}% · `}by ${r.classifiedBy ?? '–'}`}</span>${labelForm(r, actions)}`;
}

/** Confirm the label, or correct it: the chosen label's action runs (once). */
function labelForm(r: ListedReply, actions: InboxActions): Html | string {
  if (!r.label) return '';
  const options = [r.label, ...CORRECTABLE_LABELS.filter((l) => l !== r.label)];
  const id = `label-${r.id}`;
  return html`<form method="post" action="/inbox/replies/${r.id}/label" class="label-review">${csrfField(actions.session)}
<label for="${id}">Reviewed label</label> <select id="${id}" name="label">${options.map((l) => html`<option value="${l}"${l === r.label ? html` selected` : ''}>${l}</option>`)}</select>
<button type="submit">${r.needsReview ? 'Confirm and act' : 'Save label'}</button></form>`;
}

/** The response drafted from the seller's knowledge: its words, and approve / edit / reject while it is a draft. */
function response(r: ListedReply, actions: InboxActions): Html | string {
  if (!r.response) return '';
  const head = html`Suggested response <code>${shortId(r.response.id)}</code>: <span class="status">${r.response.status}</span>, ${r.response.grounding}${r.response.source === 'template' ? ' (drafted from an offline template)' : ''}`;
  const d = actions.drafts.get(r.response.id);
  if (!d) return html`<div class="response"><p>${head}</p></div>`;
  const base = `/inbox/responses/${d.id}`;
  const flagged = d.grounding === 'flagged';
  const blocked = d.grounding === 'blocked' || d.grounding === 'unchecked';
  return html`<section class="response" aria-label="Suggested response to ${r.from}"><p>${head}</p>
<p class="response-subject">${d.subject ?? '(no subject)'}</p><div class="response-body">${d.body}</div>
${d.flags.length ? html`<ul class="flags">${d.flags.map((f) => html`<li class="flag-${f.severity}">${f.rule}: ${f.detail}</li>`)}</ul>` : ''}
${d.handedOverFrom ? html`<p class="muted">Handed over from ${d.handedOverFrom}${d.handedOverBy ? ` by ${d.handedOverBy}` : ''}: signed as ${d.repEmail}, sent from their mailbox.</p>` : ''}
${!d.repIsUser ? html`<p class="flag">Its rep ${d.repEmail} is no longer a user of this workspace: it is signed as them. Reject it, or hand their drafts to another rep on the <a href="/team">Team</a> page.</p>`
    : blocked ? html`<p class="error-text">Blocked: edit it before it can be approved.</p>`
    : html`<form method="post" action="${base}/approve" class="approve">${csrfField(actions.session)}
${flagged ? html`<label for="why-${d.id}">Why the flags are acceptable</label> <input id="why-${d.id}" name="reason" required maxlength="2000"> ` : ''}<button type="submit" class="primary">Approve response</button></form>`}
<details class="edit"><summary>Edit response</summary><form method="post" action="${base}/edit">${csrfField(actions.session)}
<label for="subject-${d.id}">Subject</label> <input id="subject-${d.id}" name="subject" value="${d.subject ?? ''}" maxlength="200">
<label for="body-${d.id}">Body (keep the [k1] markers of the passages you rely on)</label>
<textarea id="body-${d.id}" name="body" rows="8" maxlength="20000">${responseWithMarkers(d)}</textarea>
<button type="submit">Save and check again</button></form></details>
<details class="reject"><summary>Reject response</summary><form method="post" action="${base}/reject">${csrfField(actions.session)}
<label for="reject-${d.id}">Reason</label> <input id="reject-${d.id}" name="reason" required maxlength="2000"> <button type="submit">Reject</button></form></details>
</section>`;
}

/**
 * What the prospect wrote (the reply's new text, their quoted history and signature left out),
 * open when a rep has to decide on it (a label to review, a response to approve); and the whole
 * mail as plain text. Shown as text: never rendered as HTML.
 */
function theirWords(r: ListedReply, actions: InboxActions): Html {
  const text = actions.texts.get(r.id);
  const open = r.needsReview || r.response?.status === 'draft';
  const words =
    text === undefined ? ''
    : text === null ? html`<p class="muted">The stored mail could not be read.</p>`
    : text === '' ? html`<p class="muted">No new text: only quoted history, or an empty body.</p>`
    : html`<div class="reply-words">${text}</div>`;
  return html`${text !== undefined ? html`<details class="reply-text"${open ? ' open' : ''}><summary>Their words</summary>${words}</details>` : ''}${text === null ? '' : html`<a class="mail-link" href="/inbox/replies/${r.id}/mail">The whole mail as text</a>`}`;
}

/** The filter links and the replies table, newest first. */
export function inboxList(replies: ListedReply[], filter: InboxFilter, actions: InboxActions): Html {
  const link = (value: InboxFilter, text: string) =>
    html`<li><a href="/inbox${value ? `?show=${value}` : ''}"${filter === value ? html` aria-current="true"` : ''}>${text}</a></li>`;
  const nav = html`<nav aria-label="Inbox filters"><ul class="filters">${link(null, 'All replies')}${link('mine', 'To you')}${link('needs_review', 'Needs review')}${link('unmatched', 'Not on a thread')}</ul></nav>`;
  if (replies.length === 0) return html`${nav}<p>No replies${filter === 'needs_review' ? ' need review' : filter === 'unmatched' ? ' outside a thread' : filter === 'mine' ? ' to your sequences' : ' yet'}. Replies arrive with <code>prospector replies import PATH</code> or <code>prospector replies listen</code>.</p>`;
  return html`${nav}<table class="inbox">
<caption>${replies.length} repl${replies.length === 1 ? 'y' : 'ies'}, newest first</caption>
<thead><tr><th scope="col">Received</th><th scope="col">From and subject</th><th scope="col">Thread</th><th scope="col">Label</th><th scope="col">Action taken</th><th scope="col">Next step</th></tr></thead>
<tbody>${replies.map(
    (r) => html`<tr id="reply-${r.id}"${r.needsReview ? html` class="needs-review"` : ''}><td>${when(r.receivedAt)}</td>
<td>${r.from}<br><span class="subject">${r.subject ?? '(no subject)'}</span>${r.evidence ? html`<blockquote class="evidence">${r.evidence}</blockquote>` : ''}${theirWords(r, actions)}</td>
<td>${thread(r, actions.session.email)}</td><td>${label(r, actions)}</td><td>${r.action ?? '–'}${r.returnDate ? html`<br><span class="muted">back on ${r.returnDate}</span>` : ''}</td>
<td>${r.task ? html`${r.task.title}<br><span class="muted">due ${r.task.dueOn} · ${r.task.status}</span>` : r.referral ? html`new lead ${r.referral.email}` : '–'}${response(r, actions)}</td></tr>`,
  )}</tbody></table>`;
}
