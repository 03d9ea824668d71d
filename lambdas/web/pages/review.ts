/**
 * The review queue: every draft sequence of the workspace with its messages, each cited sentence
 * marked (hover or focus shows the fact's exact quote and page), risk flags, and approve / edit /
 * reject forms that post to the same core functions as `prospector drafts`. Keyboard shortcuts
 * (j/k/a/e/r) come from /static/app.js; without it every form still works.
 */
import { html } from 'hono/html';
import { splitSentences } from '#core/outreach/grounding.ts';
import { withCitationMarkers, type MessageView, type SequenceView } from '#core/outreach/repository.ts';
import { csrfField, externalLink, type Html } from '../layout.ts';
import type { WebSession } from '../sessions.ts';

/** The longest reason a decision keeps (the web app refuses a longer one, naming its length). */
export const REASON_MAX = 2000;

/** Every draft of the workspace, or the signed-in rep's only. */
export type QueueView = 'all' | 'mine';

/**
 * A refused action on one draft, shown at its card with what was typed kept: the edit's subject
 * and body (its editor open), or the reason given to approve or reject.
 */
export interface Refusal {
  sequenceId: string;
  error: string;
  edit?: { messageId: string; subject?: string; body: string };
  approveReason?: string;
  rejectReason?: string;
}

/** Keeps the queue's view through a form's post and its redirect back. */
const viewField = (view: QueueView): Html => (view === 'mine' ? html`<input type="hidden" name="view" value="mine">` : html``);

/** One of the queue's views as a link, the shown one marked current. */
function viewLink(shown: QueueView, view: QueueView, label: string): Html {
  const href = view === 'mine' ? '/review?view=mine' : '/review';
  return html`<li><a href="${href}"${shown === view ? html` aria-current="true"` : ''}>${label}</a></li>`;
}

/** The body with each cited sentence as a focusable mark whose tooltip holds the quotes. */
function bodyWithCitations(m: MessageView): Html {
  const bySentence = new Map(m.citations.map((c) => [c.sentenceIndex, c]));
  const parts: Html[] = [];
  let last = 0;
  for (const [index, s] of splitSentences(m.body).entries()) {
    const c = bySentence.get(index);
    if (!c) continue;
    const tip = `q-${m.id}-${index}`;
    parts.push(html`${m.body.slice(last, s.start)}<mark class="cite" tabindex="0" aria-describedby="${tip}">${m.body.slice(s.start, s.end)}<span class="quote" role="tooltip" id="${tip}">${c.facts.map(
      (f) => html`<span class="q"><strong>${f.localId}</strong> “${f.quote}” — ${f.sourceUrl}</span>`,
    )}</span></mark>`);
    last = s.end;
  }
  parts.push(html`${m.body.slice(last)}`);
  return html`<div class="body">${parts}</div>`;
}

function flagList(m: MessageView): Html {
  if (m.flags.length === 0) return html``;
  return html`<ul class="flags" aria-label="Risk flags">${m.flags.map(
    (f) => html`<li class="flag-${f.severity}"><strong>${f.severity === 'block' ? 'Blocked' : 'Flag'}: ${f.rule}</strong> — ${f.detail}${f.excerpt ? html` (in “${f.excerpt}”)` : ''}</li>`,
  )}</ul>`;
}

function messageBlock(session: WebSession, view: QueueView, stepLabel: string, m: MessageView, typed: Refusal['edit'] | undefined): Html {
  const mine = typed?.messageId === m.id ? typed : undefined;
  const editable = mine ? mine.body : withCitationMarkers(m.body, m.citations);
  const subject = mine?.subject ?? m.subject;
  return html`<section class="message" id="msg-${m.id}" aria-label="${stepLabel}${m.variant ? `, variant ${m.variant}` : ''}">
<h3>${stepLabel}${m.variant ? ` · variant ${m.variant} (${m.angle})` : ''} <span class="verdict verdict-${m.grounding}">${m.grounding}</span>${m.edits ? html` <span class="muted">edited ${m.edits}×</span>` : ''}</h3>
${m.subject !== null ? html`<p class="subject"><span class="muted">Subject:</span> ${m.subject}</p>` : ''}
${bodyWithCitations(m)}
${flagList(m)}
<details class="edit"${mine ? ' open' : ''}><summary>Edit this message</summary>
<form method="post" action="/review/messages/${m.id}/edit">${csrfField(session)}${viewField(view)}
${m.subject !== null ? html`<label for="subj-${m.id}">Subject</label><input id="subj-${m.id}" name="subject" value="${subject}" required>` : ''}
<label for="body-${m.id}">Body (cite facts with [f1] after a sentence)</label>
<textarea id="body-${m.id}" name="body" rows="7" required>${editable}</textarea>
<button type="submit">Save and check again</button>
</form></details>
</section>`;
}

function actions(session: WebSession, view: QueueView, s: SequenceView, held: string | undefined, repGone: boolean, refusal: Refusal | undefined): Html {
  const flagCount = Object.values(s.flagCounts).reduce((n, c) => n + (c ?? 0), 0);
  const approvable = s.grounding === 'grounded' || s.grounding === 'flagged';
  const rejectWith = held ?? (repGone ? `its rep ${s.repEmail} is no longer a user` : undefined);
  return html`<div class="actions">
${held
    ? html`<p class="flag">Not to be contacted now: ${held}. Reject it with that reason (filled in below).</p>`
    : repGone
    ? html`<p class="flag">Its rep ${s.repEmail} is no longer a user of this workspace: approved, it would go out from their address under their signature. Reject it (the reason is filled in below), hand their drafts to another rep on the <a href="/team">Team</a> page, or add them back to the onboarding's users.</p>`
    : approvable
    ? html`<form method="post" action="/review/${s.id}/approve" class="approve">${csrfField(session)}${viewField(view)}
${flagCount || s.grounding === 'flagged'
        ? html`<label for="why-${s.id}">Why the ${flagCount} flag(s) are acceptable (required)</label><input id="why-${s.id}" name="reason" required maxlength="${REASON_MAX}"${refusal?.approveReason ? html` value="${refusal.approveReason}"` : ''}>`
        : ''}
<button type="submit" class="primary">Approve</button></form>`
    : html`<p class="blocked">${s.grounding === 'blocked' ? 'Blocked: edit the blocked message so the checker passes it, or reject.' : 'Not checked yet: save the message to have it checked.'}</p>`}
<form method="post" action="/review/${s.id}/reject" class="reject">${csrfField(session)}${viewField(view)}
<label for="rej-${s.id}">Reason to reject</label><input id="rej-${s.id}" name="reason" required maxlength="${REASON_MAX}"${(refusal?.rejectReason ?? rejectWith) ? html` value="${refusal?.rejectReason ?? rejectWith}"` : ''}>
<button type="submit">Reject</button></form>
</div>`;
}

/** One draft sequence as a card; `held`: why its lead may not be written to now (no Approve then). */
function draftCard(session: WebSession, view: QueueView, s: SequenceView, held: string | undefined, repGone: boolean, refusal: Refusal | undefined): Html {
  const l = s.lead;
  const rep = `${s.repEmail === session.email ? 'you' : `${s.repEmail}${repGone ? ' (no longer a user)' : ''}`}${s.handedOver ? ` (handed over from ${s.handedOver.from}${s.handedOver.by ? ` by ${s.handedOver.by === session.email ? 'you' : s.handedOver.by}` : ''})` : ''}`;
  return html`<article class="draft" id="seq-${s.id}" tabindex="-1" aria-labelledby="h-${s.id}">
<h2 id="h-${s.id}">${l.name} · ${l.company} <span class="verdict verdict-${s.grounding ?? 'none'}">${s.grounding ?? '–'}</span></h2>
${refusal ? html`<div class="error" role="alert"><p>${refusal.error}</p></div>` : ''}
<p class="muted">${l.email}${l.title ? ` · ${l.title}` : ''} · sent by ${rep} · ICP ${s.icp ?? '–'} · persona ${s.persona} · fit ${s.fitScore ?? '–'}/100 · ${s.templateLabel ?? 'written by the language model'}
· <a href="/leads/${l.id}">research</a> · site ${externalLink(`https://${l.domain}/`, l.domain)}</p>
${s.steps.map((st) =>
    st.messages.filter((m) => m.sendable).map((m) => messageBlock(session, view, `Step ${st.position}: ${st.kind.replace(/_/g, ' ')}, day ${st.dayOffset}`, m, refusal?.edit)),
  )}
${actions(session, view, s, held, repGone, refusal)}
</article>`;
}

/**
 * The whole queue: shortcuts help, bulk approval, and the drafts. `held` maps a draft to why its
 * lead may not be written to now (an opt-out or an exclusion since it was drafted): such a draft
 * offers Reject only, and bulk approval leaves it. So does a draft whose rep is no longer a user
 * (`repIsUser`: removed by a re-import).
 */
export function reviewQueue(
  session: WebSession,
  drafts: SequenceView[],
  held: ReadonlyMap<string, string>,
  shown: { view: QueueView; counts: { all: number; mine: number }; refusal?: Refusal; cannotSend?: string | null },
): Html {
  const { view, counts, refusal } = shown;
  // a draft whose rep was removed by a re-import is not approved (it would go out as them)
  const repGone = (d: SequenceView) => !d.repIsUser;
  const unflagged = drafts.filter((d) => !held.has(d.id) && !repGone(d) && d.grounding === 'grounded' && Object.values(d.flagCounts).every((c) => !c)).length;
  return html`<aside class="shortcuts" aria-labelledby="kb"><h2 id="kb">Keyboard</h2>
<ul><li><kbd>j</kbd> / <kbd>k</kbd> next / previous draft</li><li><kbd>a</kbd> approve (asks for a reason when flagged)</li>
<li><kbd>e</kbd> edit the first message</li><li><kbd>r</kbd> reject (type the reason, then Enter)</li><li><kbd>Esc</kbd> leave a field</li></ul>
<label class="toggle"><input type="checkbox" id="shortcuts-on" checked> Single-key shortcuts on</label></aside>
${shown.cannotSend ? html`<p class="flag">Nothing is sent yet: ${shown.cannotSend}. Approving goes on; approved emails wait in the outbox until then.</p>` : ''}
<nav aria-label="Whose drafts"><ul class="filters">${viewLink(view, 'all', `Everyone's drafts (${counts.all})`)}${viewLink(view, 'mine', `Sent by you (${counts.mine})`)}</ul></nav>
<p>${drafts.length} draft(s) waiting${view === 'mine' ? ' that you send' : ''} · ${unflagged} without any flag.</p>
${unflagged
    ? html`<form method="post" action="/review/approve-unflagged">${csrfField(session)}${viewField(view)}<button type="submit">Approve the ${unflagged} unflagged draft(s)</button></form>`
    : ''}
${held.size
    ? html`<form method="post" action="/review/reject-held">${csrfField(session)}${viewField(view)}<button type="submit">Reject the ${held.size} draft(s) whose leads may not be written to now</button></form>`
    : ''}
${drafts.length === 0
    ? view === 'mine' && counts.all > 0
      ? html`<p>None of the ${counts.all} draft(s) waiting is sent by you: <a href="/review">see everyone's</a>.</p>`
      : html`<p>Nothing to review. Drafts appear here after research finds leads above their ICP's fit threshold.</p>`
    : ''}
${drafts.map((d) => draftCard(session, view, d, held.get(d.id), repGone(d), refusal?.sequenceId === d.id ? refusal : undefined))}`;
}
