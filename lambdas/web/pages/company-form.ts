/**
 * The guided part of the Onboarding page: the seller company's fields as a form, prefilled from
 * what the workspace holds, checked by the onboarding zod schema (the form's values are put into
 * the current onboarding and the whole document is checked, as `prospector onboard` would), with
 * each problem shown at its field.
 */
import { html } from 'hono/html';
import type { Onboarding } from '#core/onboarding/schema.ts';
import { csrfField, type Html } from '../layout.ts';
import type { WebSession } from '../sessions.ts';

/** The form's fields: name, the onboarding path it fills, its label, and whether it is a list (one item a line). */
export const COMPANY_FIELDS = [
  { name: 'name', label: 'Company name', list: false },
  { name: 'website', label: 'Website (https://…)', list: false },
  { name: 'description', label: 'What the company does', list: false },
  { name: 'valuePropositions', label: 'Value propositions (one a line)', list: true },
  { name: 'postalAddress', label: 'Postal address for the email footer', list: false },
] as const;
export type CompanyFieldName = (typeof COMPANY_FIELDS)[number]['name'];
export type CompanyFormValues = Record<CompanyFieldName, string>;

/** The form's values from the stored company. */
export function companyValues(company: Onboarding['company']): CompanyFormValues {
  return {
    name: company.name,
    website: company.website,
    description: company.description,
    valuePropositions: company.valuePropositions.join('\n'),
    postalAddress: company.postalAddress ?? '',
  };
}

/** The form's values put into the onboarding document (lists split by line, blank optional fields left out). */
export function withCompany(doc: Onboarding, v: CompanyFormValues): unknown {
  const lines = (s: string) => s.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return {
    ...doc,
    company: { ...doc.company, name: v.name, website: v.website, description: v.description, valuePropositions: lines(v.valuePropositions), postalAddress: v.postalAddress.trim() || null },
  };
}

/** The company form with each error under its field. */
export function companyForm(session: WebSession, values: CompanyFormValues, errors: Partial<Record<CompanyFieldName, string>>): Html {
  const count = Object.keys(errors).length;
  return html`<section aria-labelledby="company-h"><h2 id="company-h">Company</h2>
${count ? html`<div class="error" role="alert" tabindex="-1" autofocus><p>The company was not saved: ${count} field(s) need a fix.</p></div>` : ''}
<form method="post" action="/onboarding/company" class="guided" novalidate>${csrfField(session)}
${COMPANY_FIELDS.map((f) => {
    const id = `company-${f.name}`;
    const error = errors[f.name];
    const aria = error ? html` aria-invalid="true" aria-describedby="${id}-error"` : html``;
    return html`<div><label for="${id}">${f.label}</label>
${f.list || f.name === 'description'
      ? html`<textarea id="${id}" name="${f.name}" rows="${f.list ? 4 : 3}"${aria}>${values[f.name]}</textarea>`
      : html`<input id="${id}" name="${f.name}" type="${f.name === 'website' ? 'url' : 'text'}" value="${values[f.name]}"${aria}>`}
${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}</div>`;
  })}
<button type="submit">Save the company</button>
</form></section>`;
}
