/**
 * The sending part of onboarding: each rep's mailbox and the send windows, one form with a row a
 * mailbox (plus a blank row to add one; clearing an address switches that mailbox off) and a row
 * for the workspace's window and each ICP's (a row with no day ticked has no window of its own).
 * No script needed. Checked by `checkSendingSettings` (lambdas/core/sending/settings.ts), every
 * problem at its field; nothing is saved unless all of it is valid.
 */
import { html } from 'hono/html';
import { formatPath, type OnboardingIssue } from '#core/onboarding/schema.ts';
import type { SendingSettings } from '#core/sending/settings.ts';
import { csrfField, type Html } from '../layout.ts';
import type { WebSession } from '../sessions.ts';

export type SendingValues = Record<string, string>;
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MAILBOX_FIELDS = ['repEmail', 'address', 'provider', 'dailyCap', 'perDomainDailyCap', 'minSpacingSeconds', 'warmUp'] as const;
const MAX_ROWS = 50;

const id = (name: string) => `s-${name.replace(/[[\].]+/g, '-').replace(/-$/, '')}`;

/** The form's values from stored settings: a row a mailbox and a blank one; a window row for the workspace and each ICP. */
export function sendingValues(settings: SendingSettings, icps: string[]): SendingValues {
  const v: SendingValues = {};
  const rows = [...settings.mailboxes.map((m) => ({ ...m, dailyCap: String(m.dailyCap), perDomainDailyCap: String(m.perDomainDailyCap), minSpacingSeconds: String(m.minSpacingSeconds), warmUp: m.warmUp ? 'on' : '' })),
    { repEmail: '', address: '', provider: 'smtp', dailyCap: '40', perDomainDailyCap: '3', minSpacingSeconds: '120', warmUp: 'on' }];
  rows.forEach((m, i) => { for (const k of MAILBOX_FIELDS) v[`mailboxes[${i}].${k}`] = String(m[k]); });
  [null, ...icps].forEach((icp, i) => {
    const w = settings.windows.find((x) => x.icp === icp);
    v[`windows[${i}].icp`] = icp ?? '';
    for (let d = 1; d <= 7; d++) v[`windows[${i}].day${d}`] = w?.days.includes(d) ? 'on' : '';
    v[`windows[${i}].start`] = w?.start ?? '';
    v[`windows[${i}].end`] = w?.end ?? '';
  });
  return v;
}

const rowsOf = (v: SendingValues, list: string) => {
  let n = 0;
  for (const k of Object.keys(v)) {
    const m = new RegExp(`^${list}\\[(\\d+)\\]\\.`).exec(k);
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return Math.min(n, MAX_ROWS);
};

/** The form's values from a submitted body (unticked boxes as ''), window rows fixed to the workspace and `icps`. */
export function sendingValuesFromBody(body: Record<string, unknown>, icps: string[]): SendingValues {
  const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  const v: SendingValues = {};
  const given = Object.fromEntries(Object.keys(body).map((k) => [k, '']));
  for (let i = 0; i < rowsOf(given, 'mailboxes'); i++) for (const k of MAILBOX_FIELDS) v[`mailboxes[${i}].${k}`] = text(`mailboxes[${i}].${k}`);
  [null, ...icps].forEach((icp, i) => {
    v[`windows[${i}].icp`] = icp ?? '';
    for (let d = 1; d <= 7; d++) v[`windows[${i}].day${d}`] = text(`windows[${i}].day${d}`);
    v[`windows[${i}].start`] = text(`windows[${i}].start`);
    v[`windows[${i}].end`] = text(`windows[${i}].end`);
  });
  return v;
}

const number = (s: string) => (/^\s*\d+\s*$/.test(s) ? Number(s) : s.trim() === '' ? undefined : s.trim());

/** The settings the form describes (blank rows left out) and each saved row's index on the form. */
export function settingsFromValues(v: SendingValues): { input: { mailboxes: unknown[]; windows: unknown[] }; formIndex: { mailboxes: number[]; windows: number[] } } {
  const input = { mailboxes: [] as unknown[], windows: [] as unknown[] };
  const formIndex = { mailboxes: [] as number[], windows: [] as number[] };
  for (let i = 0; i < rowsOf(v, 'mailboxes'); i++) {
    const f = (k: string) => v[`mailboxes[${i}].${k}`] ?? '';
    if (!f('address').trim()) continue;
    formIndex.mailboxes.push(i);
    input.mailboxes.push({
      repEmail: f('repEmail'), address: f('address'), provider: f('provider'),
      dailyCap: number(f('dailyCap')), perDomainDailyCap: number(f('perDomainDailyCap')), minSpacingSeconds: number(f('minSpacingSeconds')), warmUp: f('warmUp') === 'on',
    });
  }
  for (let i = 0; i < rowsOf(v, 'windows'); i++) {
    const f = (k: string) => v[`windows[${i}].${k}`] ?? '';
    const days = [1, 2, 3, 4, 5, 6, 7].filter((d) => f(`day${d}`) === 'on');
    if (days.length === 0 && !f('start').trim() && !f('end').trim()) continue;
    formIndex.windows.push(i);
    input.windows.push({ icp: f('icp') || null, days, start: f('start').trim().slice(0, 5), end: f('end').trim().slice(0, 5) });
  }
  return { input, formIndex };
}

export interface PlacedSendingIssue {
  anchor: string | null;
  name: string | null;
  label: string;
  message: string;
}

const MAILBOX_LABELS: Record<string, string> = {
  repEmail: 'Rep', address: 'Sending address', provider: 'Provider', dailyCap: 'Emails a day, at most',
  perDomainDailyCap: 'Emails a day to one domain, at most', minSpacingSeconds: 'Seconds between two sends, at least', warmUp: 'New mailbox: warm it up',
};

/** Each issue at its field on the form. */
export function placeSendingIssues(issues: OnboardingIssue[], v: SendingValues, formIndex: { mailboxes: number[]; windows: number[] }): PlacedSendingIssue[] {
  return issues.map((issue) => {
    const [list, index, key] = issue.segments;
    if ((list === 'mailboxes' || list === 'windows') && typeof index === 'number') {
      const row = formIndex[list][index] ?? index;
      const field = typeof key === 'string' ? key : list === 'mailboxes' ? 'address' : 'start';
      const name = `${list}[${row}].${field === 'days' ? 'day1' : field}`;
      const what = list === 'mailboxes' ? `Mailbox ${row + 1}: ${MAILBOX_LABELS[field] ?? field}` : `${v[`windows[${row}].icp`] ? `Window of ICP ${v[`windows[${row}].icp`]}` : "The workspace's window"}: ${field === 'days' ? 'days' : field}`;
      return { anchor: id(name), name: field === 'days' ? `windows[${row}].days` : name, label: what, message: issue.message };
    }
    return { anchor: null, name: null, label: formatPath(issue.segments) || '(settings)', message: issue.message };
  });
}

/** The sending form, with the error summary above it and each problem at its field. */
export function sendingForm(session: WebSession, state: { values: SendingValues; reps: string[]; issues: PlacedSendingIssue[] }): Html {
  const { values: v, reps, issues } = state;
  const errors = new Map<string, string[]>();
  for (const i of issues) if (i.name) errors.set(i.name, [...(errors.get(i.name) ?? []), i.message]);
  const aria = (name: string, hint?: string) => {
    const e = errors.get(name);
    const by = [hint ?? '', e ? `${id(name)}-error` : ''].filter(Boolean).join(' ');
    return html`${by ? html` aria-describedby="${by}"` : ''}${e ? html` aria-invalid="true"` : ''}`;
  };
  const err = (name: string) => (errors.get(name) ? html`<p class="field-error" id="${id(name)}-error">${errors.get(name)!.join('; ')}</p>` : '');
  const text = (name: string, label: string, type = 'text', hint?: string) =>
    html`<div class="field"><label for="${id(name)}">${label}</label>${hint ? html`<p class="hint" id="${id(name)}-hint">${hint}</p>` : ''}<input id="${id(name)}" name="${name}" type="${type}"${type === 'text' ? html` inputmode="numeric"` : ''} value="${v[name] ?? ''}"${aria(name, hint ? `${id(name)}-hint` : undefined)}>${err(name)}</div>`;
  const select = (name: string, label: string, options: [string, string][]) =>
    html`<div class="field"><label for="${id(name)}">${label}</label><select id="${id(name)}" name="${name}"${aria(name)}>${options.map(([value, text]) => html`<option value="${value}"${v[name] === value ? html` selected` : ''}>${text}</option>`)}</select>${err(name)}</div>`;
  const mailboxes = Array.from({ length: rowsOf(v, 'mailboxes') }, (_, i) => {
    const p = `mailboxes[${i}]`;
    return html`<fieldset class="item" id="${id(p)}"><legend>Mailbox ${i + 1}${v[`${p}.address`] ? '' : ' (new)'}</legend>
${select(`${p}.repEmail`, 'Rep', [['', 'Choose a rep'], ...reps.map((r): [string, string] => [r, r])])}
<div class="field"><label for="${id(`${p}.address`)}">Sending address</label><p class="hint" id="${id(`${p}.address`)}-hint">Leave empty to add none here; clear it to stop sending from this mailbox.</p><input id="${id(`${p}.address`)}" name="${p}.address" type="email" value="${v[`${p}.address`] ?? ''}"${aria(`${p}.address`, `${id(`${p}.address`)}-hint`)}>${err(`${p}.address`)}</div>
${select(`${p}.provider`, 'Provider', [['smtp', 'SMTP'], ['ses', 'Amazon SES']])}
${text(`${p}.dailyCap`, 'Emails a day, at most (1–500)')}
${text(`${p}.perDomainDailyCap`, 'Emails a day to one domain, at most')}
${text(`${p}.minSpacingSeconds`, 'Seconds between two sends, at least (30–3600)')}
<div class="check"><input type="checkbox" id="${id(`${p}.warmUp`)}" name="${p}.warmUp" value="on"${v[`${p}.warmUp`] === 'on' ? html` checked` : ''}> <label for="${id(`${p}.warmUp`)}">New mailbox: warm it up (5 a day the first week, doubling weekly)</label></div>
</fieldset>`;
  });
  const windows = Array.from({ length: rowsOf(v, 'windows') }, (_, i) => {
    const p = `windows[${i}]`;
    const icp = v[`${p}.icp`];
    const title = icp ? `ICP ${icp}` : 'The workspace';
    const dayErr = errors.get(`${p}.days`);
    return html`<fieldset class="item" id="${id(p)}"><legend>${title}</legend>
<p class="hint">${icp ? 'No day ticked: this ICP uses the workspace’s window.' : 'No day ticked: Tuesday to Thursday, 08:00–11:00.'} In the lead’s local time.</p>
<fieldset class="days"${dayErr ? html` aria-describedby="${id(`${p}.days`)}-error"` : ''}><legend>Days</legend>
${DAYS.map((d, j) => html`<span class="check"><input type="checkbox" id="${id(`${p}.day${j + 1}`)}" name="${p}.day${j + 1}" value="on"${v[`${p}.day${j + 1}`] === 'on' ? html` checked` : ''}${dayErr ? html` aria-invalid="true"` : ''}> <label for="${id(`${p}.day${j + 1}`)}">${d}</label></span>`)}
${dayErr ? html`<p class="field-error" id="${id(`${p}.days`)}-error">${dayErr.join('; ')}</p>` : ''}</fieldset>
${text(`${p}.start`, 'From (HH:MM)', 'time')}
${text(`${p}.end`, 'Until (HH:MM)', 'time')}
<input type="hidden" name="${p}.icp" value="${icp ?? ''}">
</fieldset>`;
  });
  return html`${issues.length
    ? html`<div class="error" role="alert" id="sending-errors" tabindex="-1" autofocus><h2>Nothing was saved: ${issues.length} problem(s) to fix</h2>
<ul>${issues.map((i) => html`<li>${i.anchor ? html`<a href="#${i.anchor}">${i.label}</a>` : html`<code>${i.label}</code>`}: ${i.message}</li>`)}</ul></div>`
    : ''}
<p>Where ${session.workspaceName}'s email goes from, and when. A rep with no mailbox gets a new, warming-up one on their own address at their first approval.</p>
<form method="post" action="/onboarding/sending" class="guided guided-all" novalidate>${csrfField(session)}
<section id="s-mailboxes" aria-labelledby="s-mailboxes-h"><h2 id="s-mailboxes-h">Mailboxes</h2>${mailboxes}</section>
<section id="s-windows" aria-labelledby="s-windows-h"><h2 id="s-windows-h">Send windows</h2>${windows}</section>
<p><button type="submit" class="primary">Save mailboxes and windows</button></p>
</form>`;
}
