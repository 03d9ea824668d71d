/** The Leads pages: the workspace's leads ranked by fit with filters; one lead's research with every quote. */
import { html } from 'hono/html';
import { LEAD_STATUSES, OUTREACH_FILTERS, type LeadListItem, type LeadOutreach, type LeadOutreachGlance, type LeadStatus, type OutreachFilter } from '#core/views/leads.ts';
import { triggerLine, type TriggerView } from '#core/intent/view.ts';
import type { ResearchView } from '#core/views/research.ts';
import { externalLink, when, type Html } from '../layout.ts';

/** The filter form (GET) and the ranked table. */
export function leadsList(
  leads: LeadListItem[],
  icps: { slug: string; name: string }[],
  chosen: { icp: string | null; status: LeadStatus | null; outreach?: OutreachFilter | null },
): Html {
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  return html`<form method="get" action="/leads" class="filters">
<label for="f-icp">ICP</label>
<select id="f-icp" name="icp">${option('', 'every ICP', !chosen.icp)}${icps.map((i) => option(i.slug, i.name, chosen.icp === i.slug))}</select>
<label for="f-status">Status</label>
<select id="f-status" name="status">${option('', 'any status', !chosen.status)}${LEAD_STATUSES.map((s) => option(s, s, chosen.status === s))}</select>
<label for="f-outreach">Outreach</label>
<select id="f-outreach" name="outreach">${option('', 'any outreach', !chosen.outreach)}${Object.entries(OUTREACH_FILTERS).map(([k, label]) => option(k, label, chosen.outreach === k))}</select>
<button type="submit">Filter</button>
</form>
${leads.length === 0
    ? html`<p>No lead matches.</p>`
    : html`<table class="leads">
<caption>${leads.length} lead(s), best fit first</caption>
<thead><tr><th scope="col">Fit</th><th scope="col">Intent</th><th scope="col">Lead</th><th scope="col">Company</th><th scope="col">ICP</th><th scope="col">Status</th><th scope="col">Outreach</th><th scope="col">Summary</th></tr></thead>
<tbody>${leads.map(
        (l) => html`<tr><td class="n">${l.fitScore ?? '–'}</td><td class="n">${l.intentScore ?? '–'}</td>
<td><a href="/leads/${l.id}">${l.name}</a><br><span class="muted">${l.email}</span></td>
<td>${l.company}<br><span class="muted">${l.domain}</span></td><td>${l.icp?.name ?? '–'}</td>
<td><span class="status status-${l.status ?? 'none'}">${l.status ?? '–'}</span>${l.reason ? html`<br><span class="muted">${clip(l.reason, 140)}</span>` : ''}</td>
<td>${outreachCell(l.outreach)}</td>
<td class="summary">${l.summary ? clip(l.summary, 220) : ''}</td></tr>`,
      )}</tbody></table>`}`;
}

/** A long text cut at a word for the list (the lead's page has all of it). */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** A lead's outreach in the list: its newest sequence's status (a draft links to the review queue), or why there is none. */
function outreachCell(o: LeadOutreachGlance | null): Html | string {
  if (!o) return '–';
  if (o.kind === 'sequence') {
    return html`<span class="status status-${o.status}">${o.status === 'draft' ? 'draft' : o.status}</span>${o.status === 'draft' ? html`<br><a href="/review#seq-${o.id}">in the review queue</a>` : ''}${o.statusReason ? html`<br><span class="muted">${o.statusReason}</span>` : ''}`;
  }
  return html`${o.kind === 'drafting_failed' ? 'drafting failed' : 'not drafted'}<br><span class="muted">${o.reason}</span>`;
}

/**
 * The lead's outreach: what keeps it from being contacted, its sequences (a draft links to the
 * review queue), and why the latest run drafted nothing for it, when it did not.
 */
function outreachSection(o: LeadOutreach): Html {
  const draftLine = (() => {
    const d = o.lastDraft;
    if (!d || d.outcome === 'drafted') return o.sequences.length ? '' : html`<p>No sequence drafted yet.</p>`;
    return html`<p class="${d.outcome === 'failed' ? 'error-text' : 'muted'}">${d.outcome === 'failed' ? 'Drafting failed' : 'Not drafted'}${d.at ? ` in the run of ${when(d.at)}` : ''}: ${d.reason ?? '–'}</p>`;
  })();
  return html`<section aria-labelledby="outreach"><h2 id="outreach">Outreach</h2>
${o.excluded ? html`<p class="flag">Not contacted: ${o.excluded}</p>` : ''}
${o.sequences.length
    ? html`<ul class="sequences">${o.sequences.map(
        (s) => html`<li>Sequence <code>${s.id.slice(0, 8)}</code> · <span class="status status-${s.status}">${s.status}</span>${s.statusReason ? html` (${s.statusReason})` : ''}
· ${s.source === 'llm' ? 'drafted by the LLM' : 'drafted from templates'}${s.personalised ? '' : ', generic'} · sent by ${s.repEmail}${s.handedOverFrom ? ` (handed over from ${s.handedOverFrom})` : ''} · ${when(s.createdAt)}${s.status === 'draft' ? html` · <a href="/review#seq-${s.id}">in the review queue</a>` : ''}</li>`,
      )}</ul>`
    : ''}
${draftLine}
</section>`;
}

/**
 * A lead's latest research: fit and reasons, hooks, and every fact with its quote and stored text;
 * with the signal that started outreach for it (or why it did not) on one line, and its outreach.
 */
export function leadDetail(lead: LeadListItem, research: ResearchView | null, trigger: TriggerView | null = null, outreach: LeadOutreach | null = null): Html {
  const head = html`<p>${lead.name} &lt;${lead.email}&gt;${lead.title ? `, ${lead.title}` : ''} at <strong>${lead.company}</strong> (${lead.domain})
· ICP ${lead.icp?.name ?? '–'} · status ${lead.status ?? '–'}</p>${trigger ? html`
<p class="trigger trigger-${trigger.status}">${triggerLine(trigger)}</p>` : ''}${outreach ? outreachSection(outreach) : ''}`;
  if (!research) return html`${head}<p>No research yet for this lead.</p>`;
  const cites = (ids: string[]) => (ids.length ? html` <span class="muted">[${ids.join(', ')}]</span>` : '');
  return html`${head}
<section aria-labelledby="fit"><h2 id="fit">Fit ${research.fitScore ?? '–'}/100 · Intent ${lead.intentScore ?? '–'}/100</h2>
<p>${research.summary}</p>
<p class="muted">Researched ${when(research.createdAt)} by ${research.provider}${research.model !== 'none' ? ` (${research.model})` : ''}.</p>
${research.criteria.length
    ? html`<ul>${research.criteria.map((c) => html`<li><strong>${c.criterion}</strong> (${c.assessment}, weight ${c.weight}): ${c.reason}${cites(c.factIds)}</li>`)}</ul>`
    : ''}
</section>
${research.hooks.length
    ? html`<section aria-labelledby="hooks"><h2 id="hooks">Personalisation hooks</h2><ul>${research.hooks.map((h) => html`<li>${h.hook}${cites(h.factIds)}</li>`)}</ul>
${research.emailAngle ? html`<p><strong>Email angle:</strong> ${research.emailAngle.angle}${cites(research.emailAngle.factIds)}</p>` : ''}</section>`
    : ''}
<section aria-labelledby="facts"><h2 id="facts">Facts (${research.facts.length})</h2>
${research.facts.length === 0
    ? html`<p>No fact was kept: not enough evidence.</p>`
    : html`<ol class="facts">${research.facts.map(
        (f) => html`<li id="fact-${f.id}"><p><strong>${f.id}</strong> · ${f.category} · ${f.claim}${f.verified ? '' : html` <span class="flag">unverified</span>`}</p>
<blockquote>${f.quote}</blockquote>
<p class="muted">Source: ${externalLink(f.sourceUrl)}${f.cleanKey ? html` · <a href="/leads/${lead.id}/facts/${f.id}/text">stored page text</a>` : ''}</p></li>`,
      )}</ol>`}
</section>`;
}
