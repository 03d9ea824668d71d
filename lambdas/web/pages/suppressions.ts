/**
 * The Suppression list page: search it, see why each address is there (source, reason, when, the
 * reply that caused it), and add an address. There is no control to remove one, and the server
 * refuses removal (app.ts): an opt-out is permanent, and onboarding only ever adds suppressions.
 */
import { html } from 'hono/html';
import type { SuppressionView } from '#core/views/suppression.ts';
import { csrfField, when, type Html } from '../layout.ts';
import type { WebSession } from '../sessions.ts';

const SOURCES: Record<string, string> = {
  onboarding: 'onboarding file',
  opt_out: 'opted out',
  bounce: 'bounced',
  complaint: 'complaint',
  rep: 'added by a rep',
};

export interface SuppressionFormState {
  email: string;
  reason: string;
  /** field name → what is wrong with it */
  errors: Partial<Record<'email' | 'reason', string>>;
}

function fieldError(id: string, message: string | undefined): Html {
  return message ? html`<p class="field-error" id="${id}-error">${message}</p>` : html``;
}

function invalid(id: string, message: string | undefined): Html {
  return message ? html` aria-invalid="true" aria-describedby="${id}-error"` : html``;
}

/** The search form, the add form (with errors at their fields) and the list. */
export function suppressionsPage(session: WebSession, list: SuppressionView[], search: string, form: SuppressionFormState): Html {
  return html`<p>Addresses and domains here are never researched or written to. Opt-outs and bounces arrive on their own; an opt-out cannot be removed.</p>
<form method="get" action="/suppressions" class="filters" role="search">
<label for="s-q">Search</label>
<input id="s-q" name="q" type="search" value="${search}" maxlength="200">
<button type="submit">Search</button>
</form>
<section aria-labelledby="add-h"><h2 id="add-h">Add an address</h2>
<form method="post" action="/suppressions" class="add-suppression" novalidate>${csrfField(session)}
<div><label for="s-email">Email address</label>
<input id="s-email" name="email" type="email" autocomplete="off" maxlength="320" value="${form.email}"${invalid('s-email', form.errors.email)}>
${fieldError('s-email', form.errors.email)}</div>
<div><label for="s-reason">Why (recorded with your name)</label>
<input id="s-reason" name="reason" type="text" maxlength="500" value="${form.reason}"${invalid('s-reason', form.errors.reason)}>
${fieldError('s-reason', form.errors.reason)}</div>
<button type="submit">Suppress</button>
</form></section>
<section aria-labelledby="list-h"><h2 id="list-h">${search ? html`Matching “${search}”` : 'Every suppression'}</h2>
${list.length === 0
    ? html`<p>Nothing${search ? ' matches' : ' is suppressed yet'}.</p>`
    : html`<table class="suppressions">
<caption>${list.length} suppression(s), newest first</caption>
<thead><tr><th scope="col">Address or domain</th><th scope="col">Source</th><th scope="col">Reason</th><th scope="col">Since</th></tr></thead>
<tbody>${list.map(
        (s) => html`<tr id="sup-${s.id}"><td>${s.value}${s.kind === 'domain' ? html` <span class="muted">(domain)</span>` : ''}</td>
<td><span class="source source-${s.source}">${SOURCES[s.source] ?? s.source}</span></td>
<td>${s.reason}${s.replyId ? html`<br><a href="/inbox#reply-${s.replyId}">the reply</a>` : ''}</td><td>${when(s.createdAt)}</td></tr>`,
      )}</tbody></table>`}
</section>`;
}
