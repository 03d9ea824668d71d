/** The Team page: what each rep carries (lambdas/core/views/team.ts), as `prospector reps` prints it; an admin hands a rep's drafts over here. */
import { html } from 'hono/html';
import type { TeamMember } from '#core/views/team.ts';
import type { HandOverResult } from '#core/outreach/hand-over.ts';
import { csrfField, num, type Html } from '../layout.ts';
import type { WebSession } from '../sessions.ts';

/** The sent-today cell: sent beside the mailbox's cap today, or why there is no figure. */
function sending(m: TeamMember): Html | string {
  if (!m.mailbox) return html`<span class="muted">no mailbox yet</span>`;
  return html`${num(m.mailbox.sentToday)} / ${num(m.mailbox.capToday)}${m.mailbox.active ? '' : html` <span class="muted">(mailbox off)</span>`}`;
}

/** An admin's hand-over form for someone with drafts or open tasks (lambdas/core/outreach/hand-over.ts), to any other user. */
function handOverCell(m: TeamMember, i: number, team: TeamMember[], session: WebSession): Html | string {
  const others = team.filter((o) => o.role !== null && o.email !== m.email);
  if (m.sequences.draft === 0 && m.responses === 0 && m.openTasks === 0 && m.role !== null) return html`<span class="muted">nothing to hand over</span>`;
  if (others.length === 0) return html`<span class="muted">no one to take over</span>`;
  return html`<form method="post" action="/team/hand-over" class="hand-over">${csrfField(session)}<input type="hidden" name="from" value="${m.email}">
<label for="to-${i}">To<span class="visually-hidden"> (the drafts and tasks of ${m.email})</span></label> <select id="to-${i}" name="to">${others.map((o) => html`<option value="${o.email}">${o.email}</option>`)}</select>
${m.sequences.approved + m.sequences.active + m.sequences.paused > 0
    ? html`<br><input type="checkbox" id="stop-${i}" name="stopSending" value="1"> <label for="stop-${i}">Also stop their ${num(m.sequences.approved + m.sequences.active + m.sequences.paused)} approved and sending sequence(s)</label><br>`
    : ''}<button type="submit">Hand over</button></form>`;
}

/**
 * What a hand-over would do (its dry run), to confirm: the drafts and responses that move, those
 * that stay and why, the tasks, and what is stopped with it. The button posts the same choice
 * with `confirm`.
 */
export function handOverConfirm(session: WebSession, r: HandOverResult, stopSending: boolean): Html {
  const drafts = r.handedOver.filter((d) => d.kind === 'sequence').length;
  const responses = r.handedOver.length - drafts;
  const still = r.stillSending.approved + r.stillSending.active + r.stillSending.paused;
  return html`<p>Handing over from <strong>${r.from}</strong> to <strong>${r.to}</strong> would move ${num(drafts)} draft(s) and ${num(responses)} suggested response(s), each re-signed with ${r.to}'s signature and checked again, and ${num(r.tasks)} open task(s).</p>
${r.kept.length
    ? html`<p>${num(r.kept.length)} stay with ${r.from} (edit them, then hand over again):</p><ul>${r.kept.map((k) => html`<li>${k.kind === 'sequence' ? 'draft' : 'response'} to ${k.lead}, ${k.company}: ${k.reason}</li>`)}</ul>`
    : ''}
${stopSending ? html`<p class="flag">It would also stop ${num(r.stopped)} approved, sending or paused sequence(s) of ${r.from} and cancel their queued emails.</p>`
    : still ? html`<p>${num(still)} approved or sending sequence(s) of ${r.from} go on from their mailbox.</p>` : ''}
<form method="post" action="/team/hand-over" class="hand-over-confirm">${csrfField(session)}<input type="hidden" name="from" value="${r.from}"><input type="hidden" name="to" value="${r.to}">
${stopSending ? html`<input type="hidden" name="stopSending" value="1">` : ''}<input type="hidden" name="confirm" value="1">
<button type="submit" class="primary" autofocus>Hand over</button> <a href="/team">Cancel</a></form>`;
}

/** The team table. */
export function teamPage(session: WebSession, team: TeamMember[]): Html {
  const gone = team.filter((m) => m.role === null).length;
  const admin = session.role === 'admin';
  return html`<p>A new lead goes to the rep who already has its company, else to the one of its ICP's reps with the fewest
open sequences (an ICP's reps are part of the onboarding; every rep when it names none).</p>
${gone
    ? html`<p class="flag">${gone} person(s) named on open sequences or waiting responses are no longer users: their drafts are not approved (they would go out from their address under their signature), and what they already send goes on from their mailbox.${admin ? ' Hand their drafts over to a rep below.' : ' An admin can hand their drafts over to a rep here.'}</p>`
    : ''}
${admin
    ? html`<p>Handing over moves a person's drafts to another rep, each email re-signed with the new rep's signature and checked again, and their open tasks from replies. Sequences already approved are not moved: their words were approved as the old rep's and go on from their mailbox, unless you stop them (for when that mailbox is gone).</p>`
    : ''}
<table class="team">
<caption>${team.length} ${team.length === 1 ? 'person' : 'people'} in ${session.workspaceName}; open sequences by status, emails sent today (since midnight UTC) against the mailbox's cap today</caption>
<thead><tr><th scope="col">Rep</th><th scope="col">Role</th><th scope="col">New leads from</th><th scope="col">Drafts waiting</th>
<th scope="col">Responses waiting</th><th scope="col">Approved</th><th scope="col">Sending</th><th scope="col">Paused</th><th scope="col">Sent today / cap</th><th scope="col">Open tasks</th>${admin ? html`<th scope="col">Hand over</th>` : ''}</tr></thead>
<tbody>${team.map(
    (m, i) => html`<tr><th scope="row">${m.name ? html`${m.name}<br>` : ''}<span class="muted">${m.email}</span>${m.email === session.email ? html` <span class="muted">(you)</span>` : ''}</th>
<td>${m.role ?? html`<span class="flag">no longer a user</span>`}</td><td>${m.icps.length ? m.icps.join(', ') : html`<span class="muted">none</span>`}</td>
<td class="n">${num(m.sequences.draft)}</td><td class="n">${num(m.responses)}</td><td class="n">${num(m.sequences.approved)}</td><td class="n">${num(m.sequences.active)}</td><td class="n">${num(m.sequences.paused)}</td>
<td class="n">${sending(m)}</td><td class="n">${num(m.openTasks)}</td>${admin ? html`<td>${handOverCell(m, i, team, session)}</td>` : ''}</tr>`,
  )}</tbody>
</table>`;
}
