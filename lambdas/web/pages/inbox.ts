/** The Inbox page: replies with their label, confidence, the action taken and the rep's next step. */
import { html } from 'hono/html';
import type { ListedReply } from '#core/views/replies.ts';
import { shortId, when, type Html } from '../layout.ts';

export const INBOX_FILTERS = ['needs_review', 'unmatched'] as const;
export type InboxFilter = (typeof INBOX_FILTERS)[number] | null;

/** Where the reply belongs: its lead (and sequence), the address it matched, or nothing. */
function thread(r: ListedReply): Html {
  const lead = r.thread.leadId ? html`<a href="/leads/${r.thread.leadId}">${r.thread.leadEmail ?? shortId(r.thread.leadId)}</a>` : null;
  if (r.thread.sequenceId) return html`${lead} <span class="muted">sequence ${shortId(r.thread.sequenceId)} (${r.thread.sequenceStatus ?? '–'}), matched by ${r.thread.match}</span>`;
  if (lead) return html`${lead} <span class="muted">(no thread: matched by address)</span>`;
  return html`<span class="muted">unmatched</span>`;
}

function label(r: ListedReply): Html {
  if (r.error) return html`<span class="status status-failed">not processed</span><br><span class="muted">${r.error}</span>`;
  return html`<span class="status label-${r.label ?? 'none'}">${r.label ?? '–'}</span>${r.needsReview ? html` <strong class="flag">needs review</strong>` : ''}
<br><span class="muted">${r.confidence === null ? '' : `${Math.round(r.confidence * 100)}% · `}by ${r.classifiedBy ?? '–'}</span>`;
}

/** The response drafted from the seller's knowledge, waiting in the approval queue. */
function response(r: ListedReply): Html | string {
  if (!r.response) return '';
  return html`<p class="response">Suggested response <code>${shortId(r.response.id)}</code>: ${r.response.status}, ${r.response.grounding}${r.response.source === 'template' ? ' (offline template)' : ''}<br><span class="muted">review it with <code>prospector drafts show ${shortId(r.response.id)}</code></span></p>`;
}

/** The filter links and the replies table, newest first. */
export function inboxList(replies: ListedReply[], filter: InboxFilter): Html {
  const link = (value: InboxFilter, text: string) =>
    html`<li><a href="/inbox${value ? `?show=${value}` : ''}"${filter === value ? html` aria-current="true"` : ''}>${text}</a></li>`;
  const nav = html`<nav aria-label="Inbox filters"><ul class="filters">${link(null, 'All replies')}${link('needs_review', 'Needs review')}${link('unmatched', 'Not on a thread')}</ul></nav>`;
  if (replies.length === 0) return html`${nav}<p>No replies${filter === 'needs_review' ? ' need review' : filter === 'unmatched' ? ' outside a thread' : ' yet'}. Replies arrive with <code>prospector replies import PATH</code> or <code>prospector replies listen</code>.</p>`;
  return html`${nav}<table class="inbox">
<caption>${replies.length} repl${replies.length === 1 ? 'y' : 'ies'}, newest first</caption>
<thead><tr><th scope="col">Received</th><th scope="col">From and subject</th><th scope="col">Thread</th><th scope="col">Label</th><th scope="col">Action taken</th><th scope="col">Next step</th></tr></thead>
<tbody>${replies.map(
    (r) => html`<tr id="reply-${r.id}"${r.needsReview ? html` class="needs-review"` : ''}><td>${when(r.receivedAt)}</td>
<td>${r.from}<br><span class="subject">${r.subject ?? '(no subject)'}</span>${r.evidence ? html`<blockquote class="evidence">${r.evidence}</blockquote>` : ''}</td>
<td>${thread(r)}</td><td>${label(r)}</td><td>${r.action ?? '–'}${r.returnDate ? html`<br><span class="muted">back on ${r.returnDate}</span>` : ''}</td>
<td>${r.task ? html`${r.task.title}<br><span class="muted">due ${r.task.dueOn} · ${r.task.status}</span>` : r.referral ? html`new lead ${r.referral.email}` : '–'}${response(r)}</td></tr>`,
  )}</tbody></table>`;
}
