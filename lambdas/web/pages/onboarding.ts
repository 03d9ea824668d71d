/**
 * The Onboarding page: the seller's onboarding as YAML (or JSON), pasted or uploaded, validated
 * by the same parser and zod schema as `prospector onboard` and imported with the same function.
 * Every problem is listed with its field path (and line); the text stays in the box to fix it.
 */
import { html } from 'hono/html';
import { csrfField, type Html } from '../layout.ts';
import type { WebSession } from '../sessions.ts';

export interface OnboardingIssueView {
  path: string;
  message: string;
}

/** The import form, with the issues of the last attempt above it (each linked to the text box). */
export function onboardingPage(session: WebSession, state: { text: string; issues: OnboardingIssueView[]; summary: { icps: number; products: number; users: number }; guided?: Html }): Html {
  const { issues } = state;
  if (session.role !== 'admin') {
    return html`<p>Only an admin of ${session.workspaceName} can change its onboarding. Ask one, or use <code>prospector onboard FILE</code>.</p>`;
  }
  return html`<p>${session.workspaceName} has ${state.summary.icps} active ICP(s), ${state.summary.products} product(s) and ${state.summary.users} user(s).
Paste the onboarding file (the format of <code>local/data/sample-onboarding.yaml</code>) or upload it: it is checked exactly as
<code>prospector onboard FILE</code> checks it, and nothing is written unless all of it is valid. Suppressions are only ever added.</p>
${state.guided ?? ''}
<h2>The whole file</h2>
<p><a href="/onboarding/export" download>Download the current onboarding (YAML)</a> to start from what ${session.workspaceName} has now.</p>
${issues.length
    ? html`<div class="error" role="alert" id="issues" tabindex="-1" autofocus><p>The file was not imported: ${issues.length} problem(s).</p>
<ul>${issues.map((i) => html`<li><a href="#onboarding-text"><code>${i.path || '(whole file)'}</code></a>: ${i.message}</li>`)}</ul></div>`
    : ''}
<form method="post" action="/onboarding/import" enctype="multipart/form-data" class="onboarding">${csrfField(session)}
<label for="onboarding-text">Onboarding file (YAML or JSON)</label>
<textarea id="onboarding-text" name="text" rows="24" spellcheck="false"${issues.length ? html` aria-invalid="true" aria-describedby="issues"` : ''}>${state.text}</textarea>
<label for="onboarding-file">…or upload a .yaml, .yml or .json file</label>
<input id="onboarding-file" name="file" type="file" accept=".yaml,.yml,.json">
<button type="submit" class="primary">Check and import</button>
</form>`;
}
