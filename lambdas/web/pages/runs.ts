/** The Runs pages: recent runs with their counts; one run's stages, failures by reason, tokens and cost. */
import { html } from 'hono/html';
import { draftedByRepText, type RunListItem, type RunShow } from '#core/views/runs.ts';
import { csrfField, num, shortId, usd, when, type Html } from '../layout.ts';
import type { WebSession } from '../sessions.ts';
import { executionRef } from '../execution.ts';

/** A link to the run's execution in the Step Functions console (the cloud), or nothing. */
function executionLink(arn: string | null | undefined): Html | string {
  const ref = arn ? executionRef(arn) : null;
  if (!ref) return '';
  return html`<a href="${ref.consoleUrl}" class="execution" rel="noopener noreferrer" target="_blank">${ref.name}</a> <span class="muted">(Step Functions, ${ref.region})</span>`;
}

/** The runs table. */
export function runsList(runs: RunListItem[], executions: Map<string, string> = new Map()): Html {
  if (runs.length === 0) return html`<p>No run yet. Start one with <code>prospector run</code> (or <code>npm start</code>).</p>`;
  return html`<table>
<caption>The ${runs.length} most recent runs, newest first</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Researcher</th>
<th scope="col">Found</th><th scope="col">Researched</th><th scope="col">Skipped</th><th scope="col">Failed</th><th scope="col">Drafted</th>
<th scope="col">Tokens</th><th scope="col">Cost</th>${executions.size ? html`<th scope="col">Execution</th>` : ''}</tr></thead>
<tbody>${runs.map(
    (r) => html`<tr><td><a href="/runs/${r.runId}">${shortId(r.runId)}</a></td><td><span class="status status-${r.status}">${r.status}</span></td>
<td>${when(r.startedAt)}</td><td>${r.llmProvider}</td><td class="n">${num(r.leadsFound)}</td><td class="n">${num(r.leadsResearched)}</td>
<td class="n">${num(r.leadsSkipped)}</td><td class="n">${num(r.leadsFailed)}</td><td class="n">${num(r.leadsDrafted)}</td>
<td class="n">${num(r.promptTokens + r.completionTokens)}</td><td class="n">${usd(r.costUsd)}</td>${executions.size ? html`<td>${executionLink(executions.get(r.runId))}</td>` : ''}</tr>`,
  )}</tbody>
</table>`;
}

/** Whether this app can redrive the run's failed leads, and whether it is doing so now. */
export interface RedriveControl {
  session: WebSession;
  available: boolean;
  running: boolean;
}

/** The redrive button (a CSRF-protected form), or what to do instead. */
function redriveControl(runId: string, failed: number, atSearch: number, control: RedriveControl): Html {
  const searchNote = atSearch
    ? html`<p class="muted">${num(atSearch)} failed at search (the search result itself was unusable, such as an invalid address or website): a redrive does not re-process them.</p>`
    : html``;
  if (failed === 0) return searchNote;
  const cli = html`<code>prospector redrive ${shortId(runId)}</code>`;
  if (control.running) return html`<p role="status">The failed leads are being redriven now: reload to follow the run.</p>${searchNote}`;
  if (!control.available) return html`<p>Re-process the failed leads with ${cli}.</p>${searchNote}`;
  return html`<form method="post" action="/runs/${runId}/redrive" class="redrive">${csrfField(control.session)}
<button type="submit" class="primary">Redrive ${failed} failed lead(s)</button>
<span class="muted">re-processes only the failed leads of this run, as ${cli} does</span></form>${searchNote}`;
}

/** One run: counts per stage, failures grouped by reason, skips by reason, tokens and cost per pass. */
export function runDetail(s: RunShow, stages: { stage: string; leads: number }[], redrive: RedriveControl, executionArn: string | null = null): Html {
  const r = s.run;
  // The stage counts are the run's leads; leads the search refused never became one, but the run's
  // skipped and failed totals (and the lists below) count them: shown as the run counts them.
  const atStage = (stage: string) => stages.find((x) => x.stage === stage)?.leads ?? 0;
  /** the leads of a stage that the search refused (skipped or failed there, never a run lead) */
  const atSearch = (stage: string) =>
    stage === 'skipped' ? Math.max(0, r.leadsSkipped - atStage('skipped')) : stage === 'failed' ? Math.max(0, r.leadsFailed - atStage('failed')) : 0;
  const stageBox = (x: { stage: string; leads: number }) => {
    const search = atSearch(x.stage);
    return html`<div><dt>${x.stage}</dt><dd>${num(x.leads + search)}${search ? html` <span class="muted">(${num(search)} at search)</span>` : ''}</dd></div>`;
  };
  const shown = [...stages, ...(['skipped', 'failed'] as const).filter((st) => !stages.some((x) => x.stage === st)).map((stage) => ({ stage, leads: 0 }))]
    .filter((x) => x.leads + atSearch(x.stage) > 0);
  return html`<p><span class="status status-${r.status}">${r.status}</span> · started ${when(r.startedAt)} · finished ${when(r.finishedAt)}
${s.durationSeconds !== null ? ` · ${Math.round(s.durationSeconds)} s` : ''} · researcher ${r.llmProvider} · leads from ${r.leadSource}</p>
${executionArn && executionRef(executionArn) ? html`<p>Execution: ${executionLink(executionArn)}</p>` : ''}
${r.error ? html`<p class="error-text">Run error: ${r.error}</p>` : ''}
<section aria-labelledby="stages"><h2 id="stages">Leads per stage</h2>
<dl class="counts">
<div><dt>Found</dt><dd>${num(r.leadsFound)}</dd></div><div><dt>New</dt><dd>${num(r.leadsNew)}</dd></div>
<div><dt>Duplicates</dt><dd>${num(r.duplicates)}</dd></div>
${shown.map(stageBox)}
<div><dt>Drafted</dt><dd>${num(r.leadsDrafted)}</dd></div>
</dl>
${r.draftedByRep.length ? html`<p>Drafted by rep: ${draftedByRepText(r.draftedByRep)}</p>` : ''}
</section>
<section aria-labelledby="failures"><h2 id="failures">Failures by reason</h2>
${redriveControl(r.runId, atStage('failed'), atSearch('failed'), redrive)}
${s.failuresByReason.length === 0
    ? html`<p>No lead failed.</p>`
    : html`<ul class="groups">${s.failuresByReason.map(
        (g) => html`<li><details><summary><strong>${g.count}</strong> × ${g.stage} · ${g.error}</summary>
<ul>${g.leads.map((l) => html`<li>${l.lead}: ${l.message}</li>`)}</ul></details></li>`,
      )}</ul>`}
</section>
<section aria-labelledby="skips"><h2 id="skips">Skipped by reason</h2>
${s.skippedByReason.length === 0
    ? html`<p>No lead was skipped.</p>`
    : html`<ul class="groups">${s.skippedByReason.map(
        (g) => html`<li><details><summary><strong>${g.count}</strong> × ${g.reason}</summary>
<ul>${g.leads.map((l) => html`<li>${l.lead}: ${l.reason}</li>`)}</ul></details></li>`,
      )}</ul>`}
</section>
<section aria-labelledby="not-drafted"><h2 id="not-drafted">Not drafted by reason</h2>
${s.notDraftedByReason.length === 0
    ? html`<p>${r.leadsResearched ? 'Every researched lead has a sequence from this run.' : 'No lead was researched.'}</p>`
    : html`<ul class="groups">${s.notDraftedByReason.map(
        (g) => html`<li><details><summary><strong>${g.count}</strong> × ${g.reason}</summary>
<ul>${g.leads.map((l) => html`<li>${l.lead}: ${l.reason}</li>`)}</ul></details></li>`,
      )}</ul>`}
</section>
<section aria-labelledby="tokens"><h2 id="tokens">Tokens and cost</h2>
<p>${num(r.llmCalls)} model calls · ${num(r.promptTokens)} prompt and ${num(r.completionTokens)} completion tokens · ${usd(r.costUsd)}</p>
${s.llmByPass.length
    ? html`<table><caption>Per research pass</caption><thead><tr><th scope="col">Pass</th><th scope="col">Model</th><th scope="col">Calls</th>
<th scope="col">Prompt tokens</th><th scope="col">Completion tokens</th><th scope="col">Cost</th><th scope="col">Mean latency</th></tr></thead>
<tbody>${s.llmByPass.map(
        (p) => html`<tr><td>${p.pass}</td><td>${p.model}</td><td class="n">${num(p.calls)}</td><td class="n">${num(p.promptTokens)}</td>
<td class="n">${num(p.completionTokens)}</td><td class="n">${usd(p.costUsd)}</td><td class="n">${num(p.meanLatencyMs)} ms</td></tr>`,
      )}</tbody></table>`
    : ''}
</section>`;
}
