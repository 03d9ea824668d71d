/**
 * The guided onboarding form: every part of the onboarding file a seller fills in (company,
 * products, ICPs with their keywords, buying triggers, exclusions and personas, tone of voice,
 * suppressions, knowledge documents) as one server-rendered form, checked by the same zod schema
 * as `prospector onboard` (`checkOnboarding`) and saved with the same import.
 *
 * Every input is named by its path in the onboarding document (`icps[0].personas[1].titles`), so a
 * schema issue's path names its field. Lists of items (products, ICPs, personas, suppressions,
 * documents) grow and shrink with "Add another" and "Remove" submit buttons that re-render the
 * form with what was typed: no script is needed. An item left entirely blank is not saved (the
 * form keeps a map from the saved item's index to the form's, so issues still land at their field).
 * The workspace and its users are not on the form: they are taken from the stored workspace.
 */
import { html } from 'hono/html';
import { formatPath, type Onboarding, type OnboardingIssue } from '#core/onboarding/schema.ts';
import { csrfField, type Html } from '../layout.ts';
import type { WebSession } from '../sessions.ts';

type Kind = 'text' | 'url' | 'textarea' | 'lines' | 'number' | 'select' | 'checkbox';

interface Field {
  /** key in the item; a dot nests (`employees.min`) */
  key: string;
  label: string;
  kind: Kind;
  options?: readonly string[];
  /** an empty value is "not given" (null) rather than an empty text */
  optional?: boolean;
  /** an empty value leaves the schema's default */
  defaulted?: boolean;
  /** what a new item starts with */
  initial?: string;
  hint?: string;
  rows?: number;
}

interface Group {
  key: string;
  title: string;
  /** what one item is called ("Product"); absent for a single object (company, tone) */
  item?: string;
  intro: string;
  fields: Field[];
  children?: Group[];
}

const PRICING = ['per_seat', 'usage', 'flat', 'tiered', 'custom', 'freemium'] as const;
const SENIORITY = ['ic', 'manager', 'director', 'vp', 'c_level', 'owner'] as const;

const PERSONAS: Group = {
  key: 'personas',
  title: 'Personas',
  item: 'Persona',
  intro: 'The people you write to at a company of this ICP.',
  fields: [
    { key: 'name', label: 'Persona name', kind: 'text' },
    { key: 'titles', label: 'Job titles (one a line)', kind: 'lines', rows: 3 },
    { key: 'seniority', label: 'Seniority', kind: 'select', options: SENIORITY, initial: 'director' },
    { key: 'departments', label: 'Departments (one a line)', kind: 'lines', rows: 2 },
    { key: 'responsibilities', label: 'Responsibilities (one a line)', kind: 'lines', rows: 2 },
    { key: 'pains', label: 'Pains (one a line)', kind: 'lines', rows: 2 },
    { key: 'goals', label: 'Goals (one a line)', kind: 'lines', rows: 2 },
    { key: 'objections', label: 'Objections (one a line)', kind: 'lines', rows: 2 },
  ],
};

/** The form's sections, in order. */
export const GUIDED_SECTIONS: readonly Group[] = [
  {
    key: 'company',
    title: 'Company',
    intro: 'Who is selling: research compares every lead with this, and drafts may only claim what is written here.',
    fields: [
      { key: 'name', label: 'Company name', kind: 'text' },
      { key: 'website', label: 'Website (https://…)', kind: 'url' },
      { key: 'description', label: 'What the company does', kind: 'textarea', rows: 3 },
      { key: 'valuePropositions', label: 'Value propositions (one a line)', kind: 'lines', rows: 3 },
      { key: 'differentiators', label: 'Differentiators (one a line)', kind: 'lines', rows: 3 },
      { key: 'customerDomains', label: 'Domains of current customers (one a line)', kind: 'lines', rows: 2, hint: 'Never prospected, e.g. keelhaul-freight.com.' },
      { key: 'postalAddress', label: 'Postal address for the email footer', kind: 'text', optional: true, hint: 'Needed before anything is sent (CAN-SPAM).' },
    ],
  },
  {
    key: 'products',
    title: 'Products',
    item: 'Product',
    intro: 'What you sell. ICPs name the products they are for.',
    fields: [
      { key: 'name', label: 'Product name', kind: 'text' },
      { key: 'description', label: 'Description', kind: 'textarea', rows: 2 },
      { key: 'pricingModel', label: 'Pricing model', kind: 'select', options: PRICING, initial: 'per_seat' },
      { key: 'priceNotes', label: 'Price notes', kind: 'text', optional: true },
      { key: 'features', label: 'Features (one a line)', kind: 'lines', rows: 3 },
      { key: 'painsSolved', label: 'Pains it solves (one a line)', kind: 'lines', rows: 3 },
      { key: 'useCases', label: 'Use cases (one a line)', kind: 'lines', rows: 2 },
    ],
  },
  {
    key: 'icps',
    title: 'Ideal customer profiles',
    item: 'ICP',
    intro: 'Who to look for: each ICP is searched on its schedule with its keywords. An ICP removed here is switched off, not deleted.',
    fields: [
      { key: 'slug', label: 'Slug (lowercase letters, digits, dashes)', kind: 'text', hint: 'Its id in runs and reports, e.g. midmarket-logistics. Keep it when editing.' },
      { key: 'name', label: 'ICP name', kind: 'text' },
      { key: 'description', label: 'Description', kind: 'textarea', optional: true, rows: 2 },
      { key: 'searchKeywords', label: 'Search keywords (one a line)', kind: 'lines', rows: 3, hint: 'What the lead search looks for.' },
      { key: 'buyingTriggers', label: 'Buying triggers (one a line)', kind: 'lines', rows: 3, hint: 'Events that make a company ready to buy, e.g. opened a new warehouse.' },
      { key: 'negativeIcp', label: 'Exclusions: who is not a fit (one a line)', kind: 'lines', rows: 2, hint: 'Companies that look like a fit but are not, e.g. freight brokers without warehouses.' },
      { key: 'industries', label: 'Industries (one a line)', kind: 'lines', rows: 2 },
      { key: 'geographies', label: 'Geographies (one a line)', kind: 'lines', rows: 2 },
      { key: 'technologies', label: 'Technologies they use (one a line)', kind: 'lines', rows: 2 },
      { key: 'fundingStages', label: 'Funding stages (one a line)', kind: 'lines', rows: 1 },
      { key: 'employees.min', label: 'Employees, at least', kind: 'number', optional: true },
      { key: 'employees.max', label: 'Employees, at most', kind: 'number', optional: true },
      { key: 'revenueUsd.min', label: 'Revenue in USD, at least', kind: 'number', optional: true },
      { key: 'revenueUsd.max', label: 'Revenue in USD, at most', kind: 'number', optional: true },
      { key: 'products', label: 'Products for this ICP (names, one a line)', kind: 'lines', rows: 2 },
      { key: 'schedule', label: 'Schedule', kind: 'text', defaulted: true, initial: 'rate(1 day)', hint: 'rate(1 day), or cron(0 13 ? * MON-FRI *).' },
      { key: 'dailyLeadQuota', label: 'Leads a day, at most', kind: 'number', defaulted: true, initial: '50' },
      { key: 'fitThreshold', label: 'Fit score to draft for (0–100)', kind: 'number', defaulted: true, initial: '60' },
      { key: 'active', label: 'Active (searched on its schedule)', kind: 'checkbox', initial: 'on' },
      { key: 'autopilot', label: 'Autopilot: approve drafts that carry no risk flag', kind: 'checkbox' },
      { key: 'genericDrafts', label: 'Draft a generic, labelled sequence when no fact can be quoted', kind: 'checkbox' },
      { key: 'reps', label: "Reps this ICP's leads go to (their emails, one a line)", kind: 'lines', rows: 2, hint: 'Empty: every rep of the workspace. Each lead goes to the rep who already has its company, else to the one with the fewest open sequences.' },
      { key: 'draftRoleAddresses', label: 'Draft for team mailboxes (info@, accounts@): emails only, greeting the team', kind: 'checkbox' },
    ],
    children: [PERSONAS],
  },
  {
    key: 'tone',
    title: 'Tone of voice',
    intro: 'How drafts sound. 0 is low, 1 is high.',
    fields: [
      { key: 'formality', label: 'Formality (0 to 1)', kind: 'number', initial: '0.5' },
      { key: 'warmth', label: 'Warmth (0 to 1)', kind: 'number', initial: '0.5' },
      { key: 'directness', label: 'Directness (0 to 1)', kind: 'number', initial: '0.5' },
      { key: 'language', label: 'Language code', kind: 'text', defaulted: true, initial: 'en' },
      { key: 'maxWords', label: 'Most words in an email', kind: 'number', defaulted: true, initial: '120' },
      { key: 'callToAction', label: 'Call to action', kind: 'text', hint: 'e.g. Worth a 15-minute look next week?' },
      { key: 'sampleEmail', label: 'A sample email in your voice', kind: 'textarea', optional: true, rows: 4 },
      { key: 'bannedPhrases', label: 'Banned phrases (one a line)', kind: 'lines', rows: 2 },
    ],
  },
  {
    key: 'suppressions',
    title: 'Exclusions: addresses and domains never written to',
    item: 'Suppression',
    intro: 'Customers, partners, competitors. Saving only ever adds: an entry removed here stays suppressed (see the Suppression list).',
    fields: [
      { key: 'kind', label: 'Kind', kind: 'select', options: ['email', 'domain'], initial: 'email' },
      { key: 'value', label: 'Email address or domain', kind: 'text' },
      { key: 'reason', label: 'Reason', kind: 'text' },
    ],
  },
  {
    key: 'knowledge',
    title: 'Knowledge documents',
    item: 'Document',
    intro: 'FAQ, pricing notes, security answers: what a response to a reply may quote. Paste the text (up to 200,000 characters a document, 50 documents).',
    fields: [
      { key: 'title', label: 'Title', kind: 'text' },
      { key: 'format', label: 'Format', kind: 'select', options: ['markdown', 'text'], initial: 'markdown' },
      { key: 'text', label: 'Text', kind: 'textarea', rows: 8 },
    ],
  },
];

/** The form's values: each field's text by its name (its path in the document). */
export type GuidedValues = Record<string, string>;

/** Most items a list may have on the form (the schema caps knowledge documents at 50 too). */
export const MAX_ITEMS = 50;

const fieldId = (name: string) => `f-${name.replace(/[[\].]+/g, '-').replace(/-$/, '')}`;
const groupId = (path: string) => `g-${path.replace(/[[\].]+/g, '-').replace(/-$/, '')}`;

function valueAt(record: unknown, key: string): unknown {
  let cur = record;
  for (const part of key.split('.')) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
  return cur;
}

function asText(v: unknown, kind: Kind): string {
  if (kind === 'checkbox') return v === true ? 'on' : '';
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join('\n');
  return String(v);
}

/** The number of items a list has on the form: one more than the highest index named. */
export function countItems(values: GuidedValues, listPath: string): number {
  let count = 0;
  const prefix = `${listPath}[`;
  for (const name of Object.keys(values)) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\]/.exec(name.slice(prefix.length));
    if (m) count = Math.max(count, Number(m[1]) + 1);
  }
  return count;
}

/** The values of a new, blank item (each field's initial value; a new ICP gets one blank persona). */
function blankItem(group: Group, prefix: string, into: GuidedValues): void {
  for (const f of group.fields) into[`${prefix}${f.key}`] = f.initial ?? '';
  for (const child of group.children ?? []) blankItem(child, `${prefix}${child.key}[0].`, into);
}

/** The form's values from a stored onboarding (lists with no item get one blank item). */
export function valuesFromOnboarding(doc: Partial<Onboarding> | null): GuidedValues {
  const values: GuidedValues = {};
  const walk = (group: Group, prefix: string, data: unknown) => {
    if (!group.item) {
      for (const f of group.fields) values[`${prefix}${group.key}.${f.key}`] = data === undefined ? (f.initial ?? '') : asText(valueAt(data, f.key), f.kind);
      return;
    }
    const items = Array.isArray(data) ? data : [];
    if (items.length === 0) blankItem(group, `${prefix}${group.key}[0].`, values);
    items.forEach((item, i) => {
      const p = `${prefix}${group.key}[${i}].`;
      for (const f of group.fields) values[`${p}${f.key}`] = asText(valueAt(item, f.key), f.kind);
      for (const child of group.children ?? []) walk(child, p, (item as Record<string, unknown>)[child.key]);
    });
  };
  for (const g of GUIDED_SECTIONS) walk(g, '', doc ? (doc as Record<string, unknown>)[g.key] : undefined);
  return values;
}

/** The form's values from a submitted body: every field of every item named, unchecked boxes as ''. */
export function valuesFromBody(body: Record<string, unknown>): GuidedValues {
  const given: GuidedValues = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string' && k !== '_csrf' && k !== 'action') given[k] = v;
  const values: GuidedValues = {};
  const walk = (group: Group, prefix: string) => {
    if (!group.item) {
      for (const f of group.fields) values[`${prefix}${group.key}.${f.key}`] = given[`${prefix}${group.key}.${f.key}`] ?? '';
      return;
    }
    const listPath = `${prefix}${group.key}`;
    const count = Math.min(countItems(given, listPath), MAX_ITEMS);
    for (let i = 0; i < count; i++) {
      const p = `${listPath}[${i}].`;
      for (const f of group.fields) values[`${p}${f.key}`] = given[`${p}${f.key}`] ?? '';
      for (const child of group.children ?? []) walk(child, p);
    }
  };
  for (const g of GUIDED_SECTIONS) walk(g, '');
  return values;
}

/** The list a path such as `products` or `icps[0].personas` names, or undefined if it names none. */
function listGroup(listPath: string): Group | undefined {
  const m = /^([a-zA-Z]+)(?:\[(\d{1,2})\]\.([a-zA-Z]+))?$/.exec(listPath);
  if (!m) return undefined;
  const top = GUIDED_SECTIONS.find((g) => g.key === m[1] && g.item);
  if (!top || m[3] === undefined) return top;
  return top.children?.find((g) => g.key === m[3]);
}

/**
 * Adds a blank item to the list at `listPath` (`products`, `icps[1].personas`). Returns the name
 * of the new item's first field, or an error for an unknown list or a full one.
 */
export function addItem(values: GuidedValues, listPath: string): { focus: string } | { error: string } {
  const group = listGroup(listPath);
  // a nested list (`icps[1].personas`) belongs to an item that is on the form
  const parent = /^([a-zA-Z]+)\[(\d+)\]\./.exec(listPath);
  if (!group || (parent && Number(parent[2]) >= countItems(values, parent[1]))) return { error: `there is no list "${listPath.slice(0, 60)}" on this form` };
  const count = countItems(values, listPath);
  if (count >= MAX_ITEMS) return { error: `${group.title} has ${MAX_ITEMS} items, the most this form takes` };
  blankItem(group, `${listPath}[${count}].`, values);
  return { focus: `${listPath}[${count}].${group.fields[0].key}` };
}

/** Removes item `index` of the list at `listPath`, renumbering the items after it. */
export function removeItem(values: GuidedValues, itemPath: string): { error?: string } {
  const m = /^(.+)\[(\d{1,2})\]$/.exec(itemPath);
  const group = m ? listGroup(m[1]) : undefined;
  if (!m || !group) return { error: `there is no item "${itemPath.slice(0, 60)}" on this form` };
  const [listPath, index] = [m[1], Number(m[2])];
  const prefix = `${listPath}[`;
  for (const name of Object.keys(values)) {
    if (!name.startsWith(prefix)) continue;
    const rest = /^(\d+)\](.*)$/.exec(name.slice(prefix.length));
    if (!rest) continue;
    const j = Number(rest[1]);
    const value = values[name];
    delete values[name];
    if (j > index) values[`${prefix}${j - 1}]${rest[2]}`] = value;
    else if (j < index) values[name] = value;
  }
  return {};
}

function convert(raw: string, f: Field): unknown {
  const v = raw.replace(/\r\n/g, '\n');
  switch (f.kind) {
    case 'checkbox':
      return v === 'on';
    case 'lines':
      return v.split('\n').map((l) => l.trim()).filter(Boolean);
    case 'number': {
      const t = v.trim().replace(/[,_](?=\d{3}\b)/g, '');
      if (!t) return f.optional ? null : undefined;
      // Not a number: kept as text, so the schema says so at the field.
      return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : v.trim();
    }
    default: {
      if (v.trim()) return f.kind === 'textarea' ? v.trimEnd() : v;
      return f.optional ? null : f.defaulted ? undefined : '';
    }
  }
}

function isBlank(group: Group, prefix: string, values: GuidedValues): boolean {
  const own = group.fields.every((f) => f.kind === 'select' || f.kind === 'checkbox' || (values[`${prefix}${f.key}`] ?? '').trim() === (f.initial ?? ''));
  if (!own) return false;
  return (group.children ?? []).every((child) => {
    const n = countItems(values, `${prefix}${child.key}`);
    for (let i = 0; i < n; i++) if (!isBlank(child, `${prefix}${child.key}[${i}].`, values)) return false;
    return true;
  });
}

function buildItem(group: Group, prefix: string, values: GuidedValues): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const f of group.fields) {
    const value = convert(values[`${prefix}${f.key}`] ?? '', f);
    if (value === undefined) continue;
    const [head, sub] = f.key.split('.');
    if (sub) item[head] = { ...((item[head] as object) ?? {}), [sub]: value };
    else item[head] = value;
  }
  // A range with neither end given is no range.
  for (const [k, v] of Object.entries(item)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => x === null)) item[k] = null;
  }
  return item;
}

/** The document the form describes, and where each saved list item sits on the form. */
export interface GuidedDocument {
  sections: Record<string, unknown>;
  /** `icps[0].personas[1]` as saved → its index on the form (blank items are left out) */
  formIndex: Map<string, number>;
}

/** The onboarding sections from the form's values (blank items left out). */
export function documentFromValues(values: GuidedValues): GuidedDocument {
  const formIndex = new Map<string, number>();
  const list = (group: Group, formPrefix: string, docSegments: (string | number)[]): unknown[] => {
    const items: unknown[] = [];
    const n = countItems(values, `${formPrefix}${group.key}`);
    for (let i = 0; i < n; i++) {
      const p = `${formPrefix}${group.key}[${i}].`;
      if (isBlank(group, p, values)) continue;
      const at = [...docSegments, group.key, items.length];
      formIndex.set(formatPath(at), i);
      const item = buildItem(group, p, values);
      for (const child of group.children ?? []) item[child.key] = list(child, p, at);
      items.push(item);
    }
    return items;
  };
  const sections: Record<string, unknown> = {};
  for (const g of GUIDED_SECTIONS) sections[g.key] = g.item ? list(g, '', []) : buildItem(g, `${g.key}.`, values);
  return { sections, formIndex };
}

/** An issue placed on the form: the field (or section, or item) it belongs to, and what to call it. */
export interface PlacedIssue {
  /** the field's name, an item's or list's path, or null when it is about nothing on the form */
  at: string | null;
  /** the id to link to */
  anchor: string | null;
  label: string;
  message: string;
  path: string;
}

/** Every field name, item path and list path on the form with its label, for placing issues. */
function anchors(values: GuidedValues): Map<string, { id: string; label: string; field: boolean }> {
  const out = new Map<string, { id: string; label: string; field: boolean }>();
  const walk = (group: Group, prefix: string, title: string) => {
    if (!group.item) {
      out.set(group.key, { id: groupId(group.key), label: group.title, field: false });
      for (const f of group.fields) out.set(`${group.key}.${f.key}`, { id: fieldId(`${group.key}.${f.key}`), label: `${group.title}: ${f.label}`, field: true });
      return;
    }
    const listPath = `${prefix}${group.key}`;
    out.set(listPath, { id: groupId(listPath), label: title ? `${title}: ${group.title}` : group.title, field: false });
    const n = countItems(values, listPath);
    for (let i = 0; i < n; i++) {
      const itemPath = `${listPath}[${i}]`;
      const itemTitle = `${title ? `${title}, ` : ''}${group.item} ${i + 1}`;
      out.set(itemPath, { id: groupId(itemPath), label: itemTitle, field: false });
      for (const f of group.fields) out.set(`${itemPath}.${f.key}`, { id: fieldId(`${itemPath}.${f.key}`), label: `${itemTitle}: ${f.label}`, field: true });
      for (const child of group.children ?? []) walk(child, `${itemPath}.`, itemTitle);
    }
  };
  for (const g of GUIDED_SECTIONS) walk(g, '', '');
  return out;
}

/** Places each schema issue at the field, item or section of the form it is about. */
export function placeIssues(issues: OnboardingIssue[], values: GuidedValues, formIndex: Map<string, number>): PlacedIssue[] {
  const known = anchors(values);
  return issues.map((issue) => {
    const form: (string | number)[] = [];
    const doc: (string | number)[] = [];
    for (const s of issue.segments) {
      doc.push(s);
      form.push(typeof s === 'number' ? (formIndex.get(formatPath(doc)) ?? s) : s);
    }
    // `icps[0].employees.min` is one field; `icps[0].searchKeywords[2]` belongs to its list field.
    for (let n = form.length; n > 0; n--) {
      const path = formatPath(form.slice(0, n));
      const hit = known.get(path);
      if (hit) return { at: path, anchor: hit.id, label: hit.label, message: issue.message, path: issue.path };
    }
    return { at: null, anchor: null, label: issue.path || '(whole onboarding)', message: issue.message, path: issue.path };
  });
}

export interface GuidedState {
  values: GuidedValues;
  issues: PlacedIssue[];
  /** a field to give focus on load (a new item's first field), or 'summary' */
  focus?: string | null;
  /** the tone preview to show under the tone section */
  preview?: { sentence: string; label: string } | null;
  /** an action refused (an unknown list, a full list) */
  refusal?: string | null;
}

function fieldHtml(name: string, f: Field, values: GuidedValues, errors: Map<string, string[]>, focus: string | null | undefined): Html {
  const id = fieldId(name);
  const messages = errors.get(name) ?? [];
  const describedBy = [f.hint ? `${id}-hint` : '', messages.length ? `${id}-error` : ''].filter(Boolean).join(' ');
  const aria = html`${describedBy ? html` aria-describedby="${describedBy}"` : ''}${messages.length ? html` aria-invalid="true"` : ''}${focus === name ? html` autofocus` : ''}`;
  const value = values[name] ?? f.initial ?? '';
  const hint = f.hint ? html`<p class="hint" id="${id}-hint">${f.hint}</p>` : '';
  const error = messages.length ? html`<p class="field-error" id="${id}-error">${messages.join('; ')}</p>` : '';
  if (f.kind === 'checkbox') {
    return html`<div class="check"><input type="checkbox" id="${id}" name="${name}" value="on"${value === 'on' ? html` checked` : ''}${aria}> <label for="${id}">${f.label}</label>${hint}${error}</div>`;
  }
  let control: Html | string;
  if (f.kind === 'select') {
    control = html`<select id="${id}" name="${name}"${aria}>${(f.options ?? []).map((o) => html`<option value="${o}"${o === value ? html` selected` : ''}>${o.replace(/_/g, ' ')}</option>`)}</select>`;
  } else if (f.kind === 'textarea' || f.kind === 'lines') {
    control = html`<textarea id="${id}" name="${name}" rows="${f.rows ?? 3}"${aria}>${value}</textarea>`;
  } else {
    const type = f.kind === 'url' ? 'url' : 'text';
    control = html`<input id="${id}" name="${name}" type="${type}"${f.kind === 'number' ? html` inputmode="decimal"` : ''} value="${value}"${aria}>`;
  }
  return html`<div class="field"><label for="${id}">${f.label}</label>${hint}${control}${error}</div>`;
}

function groupErrors(path: string, errors: Map<string, string[]>): Html | string {
  const messages = errors.get(path) ?? [];
  return messages.length ? html`<p class="field-error" id="${groupId(path)}-error">${messages.join('; ')}</p>` : '';
}

function listHtml(group: Group, prefix: string, values: GuidedValues, errors: Map<string, string[]>, state: GuidedState, parentTitle: string, level: 2 | 3): Html {
  const listPath = `${prefix}${group.key}`;
  const n = Math.max(countItems(values, listPath), 1);
  const items: Html[] = [];
  for (let i = 0; i < n; i++) {
    const itemPath = `${listPath}[${i}]`;
    const title = `${parentTitle ? `${parentTitle}, ` : ''}${group.item} ${i + 1}`;
    const described = errors.has(itemPath) ? html` aria-describedby="${groupId(itemPath)}-error"` : '';
    items.push(html`<fieldset class="item" id="${groupId(itemPath)}"${described}><legend>${title}</legend>
${groupErrors(itemPath, errors)}
${group.fields.map((f) => fieldHtml(`${itemPath}.${f.key}`, f, values, errors, state.focus))}
${(group.children ?? []).map((child) => listHtml(child, `${itemPath}.`, values, errors, state, title, 3))}
<p><button type="submit" name="action" value="remove:${itemPath}" class="secondary">Remove ${title.toLowerCase()}</button></p>
</fieldset>`);
  }
  const heading = level === 2 ? html`<h2 id="${groupId(listPath)}-h">${group.title}</h2>` : html`<h3 id="${groupId(listPath)}-h">${group.title}</h3>`;
  const what = `${parentTitle ? `${parentTitle.toLowerCase()}: ` : ''}${group.item!.toLowerCase()}`;
  const described = errors.has(listPath) ? html` aria-describedby="${groupId(listPath)}-error"` : '';
  return html`<section class="list" id="${groupId(listPath)}" aria-labelledby="${groupId(listPath)}-h"${described}>${heading}
<p class="muted">${group.intro}</p>${groupErrors(listPath, errors)}
${items}
<p><button type="submit" name="action" value="add:${listPath}">Add another ${what}</button></p>
</section>`;
}

/** The whole guided form, with the error summary above it and each issue at its field. */
export function guidedForm(session: WebSession, state: GuidedState): Html {
  const errors = new Map<string, string[]>();
  for (const i of state.issues) if (i.at) errors.set(i.at, [...(errors.get(i.at) ?? []), i.message]);
  const { values } = state;
  const sections = GUIDED_SECTIONS.map((g) => {
    if (g.item) return listHtml(g, '', values, errors, state, '', 2);
    const tone = g.key === 'tone';
    return html`<section id="${groupId(g.key)}" aria-labelledby="${groupId(g.key)}-h"><h2 id="${groupId(g.key)}-h">${g.title}</h2>
<p class="muted">${g.intro}</p>${groupErrors(g.key, errors)}
${g.fields.map((f) => fieldHtml(`${g.key}.${f.key}`, f, values, errors, state.focus))}
${tone
  ? html`<p><button type="submit" name="action" value="preview">Preview a sentence at this tone</button></p>
${state.preview ? html`<div class="preview" role="status" id="tone-preview" tabindex="-1" autofocus><p class="muted">${state.preview.label}</p><blockquote>${state.preview.sentence}</blockquote></div>` : ''}`
  : ''}
</section>`;
  });
  const count = state.issues.length;
  return html`${count
    ? html`<div class="error" role="alert" id="guided-errors" tabindex="-1"${state.focus === 'summary' ? html` autofocus` : ''}>
<h2>Nothing was saved: ${count} problem(s) to fix</h2>
<ul>${state.issues.map((i) => html`<li>${i.anchor ? html`<a href="#${i.anchor}">${i.label}</a>` : html`<code>${i.label}</code>`}: ${i.message}</li>`)}</ul></div>`
    : ''}
${state.refusal ? html`<div class="error" role="alert"><p>${state.refusal}</p></div>` : ''}
<nav aria-label="Onboarding sections" class="sections"><ul>${GUIDED_SECTIONS.map((g) => html`<li><a href="#${groupId(g.key)}">${g.title}</a></li>`)}</ul></nav>
<p>Everything ${session.workspaceName} tells Prospector once. It is checked exactly as <code>prospector onboard FILE</code> checks a file, and
nothing is saved unless all of it is valid. An item left blank is not saved. Mailboxes and send windows have
<a href="/onboarding/sending">their own form</a>.</p>
<form method="post" action="/onboarding/guided" class="guided guided-all" novalidate>${csrfField(session)}
<p><button type="submit" name="action" value="save" class="primary">Save the onboarding</button></p>
${sections}
<p><button type="submit" name="action" value="save" class="primary">Save the onboarding</button></p>
</form>`;
}
