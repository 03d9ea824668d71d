/**
 * The onboarding file: everything a seller tells us once (workspace, reps, company, products,
 * ICPs with personas, tone of voice, suppressions). YAML or JSON, camelCase keys.
 *
 * Validation reports every problem at once, each with a dotted path (`icps[1].employees.max`)
 * and a plain-English message, because the file is edited by hand and a fix-one-rerun loop is
 * slow. Objects are strict so a misspelt key is an error rather than silently ignored.
 * Optional scalar fields accept `null` as "not given" since YAML writes an empty value as null.
 * Emails and domains are normalised to lowercase; the time zone to its canonical IANA name.
 *
 * Suppressions are one list of `{ kind: email | domain, value, reason }`, the same shape as the
 * `suppression` table, so every entry carries its own reason.
 */
import { DEFAULT_WATCH_EVERY, watchEveryProblem } from '../watch/interval.ts';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { plainWords } from '../issue-words.ts';

const WORKSPACE_SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
const ICP_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;
// Deliberately simple: the mail provider is the real judge; this catches typos and pasted names.
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;
const LANGUAGE = /^[a-z]{2}(-[A-Z]{2})?$/;

/** Whether `value` is a bare lowercase domain such as `example.com`. */
export function isDomain(value: string): boolean {
  return DOMAIN.test(value);
}

/** Whether `value` is a plausible lowercase email address. */
export function isEmail(value: string): boolean {
  return EMAIL.test(value);
}

function isUrl(value: string, protocols: string[]): boolean {
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** The canonical IANA name of a time zone, or undefined if Intl does not know it. */
export function canonicalTimeZone(value: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Why an EventBridge Scheduler `rate(...)`/`cron(...)` expression is wrong, or undefined if fine. */
export function scheduleProblem(value: string): string | undefined {
  const rate = /^rate\((\d+) ([a-z]+)\)$/.exec(value);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2];
    if (n < 1) return 'rate value must be a positive whole number';
    if (!/^(minute|hour|day)s?$/.test(unit)) return 'rate unit must be minute(s), hour(s) or day(s)';
    // EventBridge insists on "1 day" but "2 days".
    if (n === 1 && unit.endsWith('s')) return `use the singular unit with 1, e.g. rate(1 ${unit.slice(0, -1)})`;
    if (n !== 1 && !unit.endsWith('s')) return `use the plural unit with ${n}, e.g. rate(${n} ${unit}s)`;
    return undefined;
  }
  const cron = /^cron\((.*)\)$/.exec(value);
  if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) return 'cron needs 6 fields: minutes hours day-of-month month day-of-week year';
    if (fields.some((f) => !/^[0-9A-Za-z*?,/#-]+$/.test(f))) return 'cron fields may only use digits, names and * ? , / - # L W';
    if ((fields[2] === '?') === (fields[4] === '?')) return 'cron needs "?" in exactly one of day-of-month and day-of-week';
    return undefined;
  }
  return 'must be rate(...) or cron(...), e.g. rate(1 day) or cron(0 13 ? * MON-FRI *)';
}

const text = () => z.string().trim().min(1, 'must not be empty');
const optionalText = () => text().nullish();
const textList = () => z.array(text()).default([]);
const lowercase = () => z.string().trim().toLowerCase();
const domain = () =>
  lowercase().refine(isDomain, 'must be a bare domain such as example.com (no https://, path or spaces)');
const httpUrl = () => text().refine((v) => isUrl(v, ['http:', 'https:']), 'must be a full http:// or https:// URL');
const nonNegativeInt = () => z.number().int('must be a whole number').min(0, 'must not be negative');

const range = () =>
  z.strictObject({
    min: nonNegativeInt().max(Number.MAX_SAFE_INTEGER).nullish(),
    max: nonNegativeInt().max(Number.MAX_SAFE_INTEGER).nullish(),
  });

const userSchema = z.strictObject({
  name: text(),
  email: lowercase().refine(isEmail, 'must be an email address such as jane@example.com'),
  title: optionalText(),
  timezone: text()
    .refine((v) => canonicalTimeZone(v) !== undefined, 'must be an IANA time zone such as America/New_York or Europe/Berlin')
    .transform((v) => canonicalTimeZone(v) ?? v),
  signature: optionalText(),
  calendarLink: text().refine((v) => isUrl(v, ['https:']), 'must be an https:// URL').nullish(),
  role: z.enum(['admin', 'rep']),
});

const companySchema = z.strictObject({
  name: text().max(200, 'must be at most 200 characters'),
  website: httpUrl(),
  description: text(),
  valuePropositions: z.array(text()).min(1, 'needs at least one value proposition'),
  differentiators: textList(),
  proofPoints: z
    .array(
      z.strictObject({
        title: text(),
        customer: optionalText(),
        summary: text(),
        metric: optionalText(),
        url: httpUrl().nullish(),
      }),
    )
    .default([]),
  competitors: z.array(z.strictObject({ name: text(), domain: domain(), notes: optionalText() })).default([]),
  customerDomains: z.array(domain()).default([]),
  // The street or PO box address that goes in the footer of every email sent (CAN-SPAM).
  // Optional for research and drafting; sending refuses to compose without it.
  postalAddress: text()
    .min(5, 'must be a full postal address, e.g. "Tallyhand Inc., 548 Market St, San Francisco, CA 94104, USA"')
    .max(500, 'must be at most 500 characters')
    .nullish(),
});

const productSchema = z.strictObject({
  name: text(),
  description: text(),
  pricingModel: z.enum(['per_seat', 'usage', 'flat', 'tiered', 'custom', 'freemium']),
  priceNotes: optionalText(),
  features: textList(),
  painsSolved: textList(),
  useCases: textList(),
});

const personaSchema = z.strictObject({
  name: text(),
  titles: z.array(text()).min(1, 'needs at least one job title'),
  seniority: z.enum(['ic', 'manager', 'director', 'vp', 'c_level', 'owner']),
  departments: textList(),
  responsibilities: textList(),
  pains: textList(),
  goals: textList(),
  objections: textList(),
});

/** The kinds of touch a sequence step may be (the `sequence_step.kind` check in SQL). */
export const SEQUENCE_STEP_KINDS = ['email', 'follow_up_email', 'linkedin_connection_note', 'linkedin_message', 'call_task'] as const;
export type SequenceStepKind = (typeof SEQUENCE_STEP_KINDS)[number];

/**
 * Most steps a sequence may have. One drafting call writes the whole sequence within 1,500 prompt
 * tokens, and every step costs some (its line in the prompt, its part of the answer schema): at
 * six steps a lead's two best facts still fit when their quotes are at the prompt's longest.
 */
export const MAX_SEQUENCE_STEPS = 6;
/** Latest business day a step may fall on (the `sequence_step.day_offset` check in SQL). */
export const MAX_SEQUENCE_DAY = 90;

/**
 * The default sequence: a first email (two variants) on day 0, a LinkedIn connection note on
 * day 1, a follow-up on day 3 and a last follow-up on day 8 (business days, about two weeks).
 */
export const DEFAULT_SEQUENCE_STEPS: readonly { kind: SequenceStepKind; day: number }[] = [
  { kind: 'email', day: 0 },
  { kind: 'linkedin_connection_note', day: 1 },
  { kind: 'follow_up_email', day: 3 },
  { kind: 'follow_up_email', day: 8 },
];

const sequenceStepSchema = z.strictObject({
  kind: z.enum(SEQUENCE_STEP_KINDS, { message: `must be one of ${SEQUENCE_STEP_KINDS.join(', ')}` }),
  day: z.number().int('must be a whole number of business days').min(0, 'must be 0 or more').max(MAX_SEQUENCE_DAY, `must be at most ${MAX_SEQUENCE_DAY}`),
});

// The order of touches: one first email on day 0 opens the sequence (its two variants are the
// experiment); every later email is a follow-up in its thread, and no step goes back in time.
const sequenceSchema = z.strictObject({
  steps: z
    .array(sequenceStepSchema)
    .min(1, 'needs at least one step (the first email)')
    .max(MAX_SEQUENCE_STEPS, `has at most ${MAX_SEQUENCE_STEPS} steps`)
    .superRefine((steps, ctx) => {
      const first = steps[0];
      if (first && (first.kind !== 'email' || first.day !== 0)) {
        ctx.addIssue({ code: 'custom', path: [0], message: `the first step must be an email on day 0 (got ${first.kind} on day ${first.day})` });
      }
      steps.forEach((s, i) => {
        if (i === 0) return;
        if (s.kind === 'email') {
          ctx.addIssue({ code: 'custom', path: [i, 'kind'], message: 'only the first step is an email; later emails are follow_up_email (sent in its thread)' });
        }
        if (s.day < steps[i - 1].day) {
          ctx.addIssue({ code: 'custom', path: [i, 'day'], message: `must not be before the previous step's day (${steps[i - 1].day})` });
        }
      });
    }),
});

const icpSchema = z.strictObject({
  slug: z.string().trim().regex(ICP_SLUG, 'must be lowercase letters, digits and dashes (max 63), e.g. midmarket-logistics'),
  name: text(),
  description: optionalText(),
  industries: textList(),
  employees: range().nullish(),
  revenueUsd: range().nullish(),
  geographies: textList(),
  technologies: textList(),
  fundingStages: textList(),
  buyingTriggers: textList(),
  negativeIcp: textList(),
  searchKeywords: z.array(text()).min(1, 'needs at least one search keyword'),
  schedule: z
    .string()
    .trim()
    .default('rate(1 day)')
    .superRefine((v, ctx) => {
      const problem = scheduleProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  dailyLeadQuota: z.number().int('must be a whole number').min(1, 'must be at least 1').max(10000, 'must be at most 10000').default(50),
  // How often `watch` re-checks the ICP's researched companies (12h, 7d, 2w, or off).
  watchEvery: z
    .string()
    .trim()
    .default(DEFAULT_WATCH_EVERY)
    .superRefine((v, ctx) => {
      const problem = watchEveryProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  active: z.boolean().default(true),
  products: textList(),
  personas: z.array(personaSchema).default([]),
  // Outreach: a lead is drafted for only when its fit score reaches this; autopilot approves
  // drafts that carry no risk flag without waiting for a rep.
  fitThreshold: z.number().int('must be a whole number').min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100').default(60),
  autopilot: z.boolean().default(false),
  // A researched lead whose verified facts cannot be quoted gets a generic, labelled sequence
  // only when this is set; otherwise no draft.
  genericDrafts: z.boolean().default(false),
  // A lead whose address is a team mailbox (info@, accounts@) is drafted for only when this is
  // set, and then gets the sequence's emails only, greeting the team.
  draftRoleAddresses: z.boolean().default(false),
  // The reps (users' emails) this ICP's leads are shared among; empty: every user whose role is
  // rep (every user when none is). A company already in a sequence stays with that rep.
  reps: z.array(lowercase().refine(isEmail, 'must be the email address of one of the users')).default([]),
  // The touches drafted for a lead, in order, with business days from the first email.
  sequence: sequenceSchema.default({ steps: DEFAULT_SEQUENCE_STEPS.map((s) => ({ ...s })) }),
});

const unit = () => z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

const toneSchema = z.strictObject({
  formality: unit(),
  warmth: unit(),
  directness: unit(),
  language: z.string().trim().regex(LANGUAGE, 'must be a language code such as en or en-US').default('en'),
  maxWords: z.number().int('must be a whole number').min(30, 'must be at least 30').max(400, 'must be at most 400').default(120),
  callToAction: text(),
  sampleEmail: optionalText(),
  bannedPhrases: textList(),
});

/** Knowledge documents a workspace may have, and the size of each (characters of text). */
export const MAX_KNOWLEDGE_DOCUMENTS = 50;
export const MAX_KNOWLEDGE_CHARS = 200_000;
/** File types a knowledge document may be read from: markdown or plain text. */
export const KNOWLEDGE_EXTENSIONS = ['.md', '.markdown', '.txt'] as const;

// A knowledge document (FAQ, pricing notes, security answers, a case study): the text inline, or a
// path to a markdown or text file, relative to the onboarding file.
const knowledgeSchema = z
  .strictObject({
    title: text().max(200, 'must be at most 200 characters'),
    path: optionalText(),
    text: text().max(MAX_KNOWLEDGE_CHARS, `must be at most ${MAX_KNOWLEDGE_CHARS} characters`).nullish(),
    /** markdown (headings split passages) or plain text; from the file's extension when a path is given */
    format: z.enum(['markdown', 'text']).nullish(),
  })
  .superRefine((k, ctx) => {
    const hasPath = typeof k.path === 'string' && k.path.length > 0;
    const hasText = typeof k.text === 'string' && k.text.length > 0;
    // Both are accepted so a loaded file (its text read from the path) parses again; reading the
    // file refuses inline text that differs from it (knowledge/documents.ts).
    if (!hasPath && !hasText) ctx.addIssue({ code: 'custom', path: ['path'], message: 'give path (a .md or .txt file) or text' });
    if (hasPath && !KNOWLEDGE_EXTENSIONS.some((e) => k.path!.toLowerCase().endsWith(e))) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: `must be a markdown or text file (${KNOWLEDGE_EXTENSIONS.join(', ')})` });
    }
  });

const suppressionSchema = z.strictObject({
  kind: z.enum(['email', 'domain']),
  // Checked against `kind` in crossChecks, which also sees entries with other problems.
  value: lowercase().min(1, 'must not be empty'),
  reason: text(),
});

/** The zod schema of an onboarding file. */
export const onboardingSchema = z.strictObject({
  workspace: z.strictObject({
    slug: z.string().trim().regex(WORKSPACE_SLUG, 'must be 2-63 lowercase letters, digits and dashes, e.g. tallyhand'),
    name: text().max(200, 'must be at most 200 characters'),
    // Not defaulted here: drafting hashes the parsed onboarding, and a setting for replies must
    // not change that hash. The import stores DEFAULT_COOLING_OFF_DAYS when it is not given.
    coolingOffDays: z
      .number()
      .int('must be a whole number of days')
      .min(0, 'must be between 0 (no cooling off) and 3650 days')
      .max(3650, 'must be between 0 (no cooling off) and 3650 days')
      .nullish(),
  }),
  users: z.array(userSchema).min(1, 'needs at least one user'),
  company: companySchema,
  products: z.array(productSchema).min(1, 'needs at least one product'),
  icps: z.array(icpSchema).min(1, 'needs at least one ICP'),
  tone: toneSchema,
  suppressions: z.array(suppressionSchema).default([]),
  // What a response to a prospect's reply may say: passages of these documents, cited.
  knowledge: z.array(knowledgeSchema).max(MAX_KNOWLEDGE_DOCUMENTS, `must have at most ${MAX_KNOWLEDGE_DOCUMENTS} documents`).default([]),
});

/** Days a company stays out of new sequences after a "not interested" reply, unless the file says otherwise. */
export const DEFAULT_COOLING_OFF_DAYS = 180;

/** A validated, normalised onboarding file. */
export type Onboarding = z.output<typeof onboardingSchema>;
/** An onboarding file as written (defaults not yet applied). */
export type OnboardingInput = z.input<typeof onboardingSchema>;
export type OnboardingIcp = Onboarding['icps'][number];

/** One problem: `path` is dotted (`icps[1].employees.max`); `segments` is the same as keys. */
export interface OnboardingIssue {
  path: string;
  segments: (string | number)[];
  message: string;
}

/** Formats `['icps', 1, 'employees', 'max']` as `icps[1].employees.max`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${String(s)}` : String(s);
  }
  return out;
}

/** Validates without throwing: the normalised file, or every issue found. */
export function checkOnboarding(input: unknown): { success: true; data: Onboarding } | { success: false; issues: OnboardingIssue[] } {
  const issues: OnboardingIssue[] = [];
  const result = onboardingSchema.safeParse(input, { error: plainWords(input) });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const segments = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeys(segments);
        for (const key of issue.keys) {
          const hint = known ? suggest(key, known) : undefined;
          issues.push(at([...segments, key], `unknown field${hint ? `; did you mean "${hint}"?` : ` (allowed: ${known?.join(', ') ?? '?'})`}`));
        }
      } else {
        issues.push(at(segments, issue.message));
      }
    }
  }
  issues.push(...crossChecks(input));
  if (issues.length > 0 || !result.success) return { success: false, issues: dedupe(issues) };
  return { success: true, data: result.data };
}

/** Validates and normalises an onboarding file; throws `ValidationError` listing every problem. */
export function parseOnboarding(input: unknown): Onboarding {
  const result = checkOnboarding(input);
  if (!result.success) {
    throw new ValidationError('onboarding file', result.issues.map(({ path, message }) => ({ path, message })));
  }
  return result.data;
}

function at(segments: (string | number)[], message: string): OnboardingIssue {
  return { path: formatPath(segments), segments, message };
}

function dedupe(issues: OnboardingIssue[]): OnboardingIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The keys an object at `segments` may have, found by walking the schema. */
function knownKeys(segments: (string | number)[]): string[] | undefined {
  let schema: z.core.$ZodType | undefined = onboardingSchema;
  const unwrap = (s: z.core.$ZodType): z.core.$ZodType => {
    let cur = s;
    for (let guard = 0; guard < 10; guard++) {
      const def = cur._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
      if ((def.type === 'optional' || def.type === 'nullable' || def.type === 'default') && def.innerType) cur = def.innerType;
      else if (def.type === 'pipe' && def.in) cur = def.in;
      else break;
    }
    return cur;
  };
  for (const seg of segments) {
    if (!schema) return undefined;
    const def = unwrap(schema)._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType };
    if (typeof seg === 'number') schema = def.type === 'array' ? def.element : undefined;
    else schema = def.type === 'object' && def.shape ? def.shape[seg] : undefined;
  }
  if (!schema) return undefined;
  const def = unwrap(schema)._zod.def as { type: string; shape?: Record<string, unknown> };
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
}

/** The known key closest to a misspelt one, if it is plausibly a typo. */
function suggest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v.trim() : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Checks across fields (uniqueness, references, min <= max, suppression values by kind). Runs on
 * the raw input, tolerating any shape, so these problems are reported together with type errors.
 */
function crossChecks(input: unknown): OnboardingIssue[] {
  const issues: OnboardingIssue[] = [];
  if (!isObject(input)) return issues;

  const firstSeen = (name: string, items: unknown[], key: (item: unknown) => string | undefined, segment: string) => {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      if (k === undefined || k === '') return;
      const prior = seen.get(k);
      if (prior !== undefined) issues.push(at([name, i, segment], `duplicates ${name}[${prior}].${segment} ("${k}")`));
      else seen.set(k, i);
    });
  };

  const users = list(input.users);
  firstSeen('users', users, (u) => (isObject(u) ? str(u.email)?.toLowerCase() : undefined), 'email');
  const userEmails = users.map((u) => (isObject(u) ? str(u.email)?.trim().toLowerCase() : undefined)).filter((e): e is string => !!e);

  const products = list(input.products);
  firstSeen('products', products, (p) => (isObject(p) ? str(p.name) : undefined), 'name');
  const productNames = products.map((p) => (isObject(p) ? str(p.name) : undefined)).filter((n): n is string => !!n);

  const icps = list(input.icps);
  firstSeen('icps', icps, (icp) => (isObject(icp) ? str(icp.slug) : undefined), 'slug');
  icps.forEach((icp, i) => {
    if (!isObject(icp)) return;
    for (const field of ['employees', 'revenueUsd'] as const) {
      const r = icp[field];
      if (!isObject(r)) continue;
      const min = num(r.min);
      const max = num(r.max);
      if (min !== undefined && max !== undefined && max < min) {
        issues.push(at(['icps', i, field, 'max'], `must be at least ${field}.min (${min})`));
      }
    }
    list(icp.products).forEach((name, j) => {
      const n = str(name);
      if (n !== undefined && n !== '' && !productNames.includes(n)) {
        issues.push(
          at(['icps', i, 'products', j], `"${n}" is not a product in this file (products: ${productNames.map((p) => `"${p}"`).join(', ') || 'none'})`),
        );
      }
    });
    const reps = list(icp.reps);
    const seenRep = new Map<string, number>();
    reps.forEach((r, j) => {
      const email = str(r)?.trim().toLowerCase();
      if (!email || !isEmail(email)) return;
      if (!userEmails.includes(email)) {
        issues.push(at(['icps', i, 'reps', j], `"${email}" is not one of the users (users: ${userEmails.map((u) => `"${u}"`).join(', ') || 'none'})`));
      }
      const prior = seenRep.get(email);
      if (prior !== undefined) issues.push(at(['icps', i, 'reps', j], `duplicates icps[${i}].reps[${prior}] ("${email}")`));
      else seenRep.set(email, j);
    });
    const personas = list(icp.personas);
    const seen = new Map<string, number>();
    personas.forEach((p, j) => {
      const n = isObject(p) ? str(p.name) : undefined;
      if (!n) return;
      const prior = seen.get(n);
      if (prior !== undefined) issues.push(at(['icps', i, 'personas', j, 'name'], `duplicates icps[${i}].personas[${prior}].name ("${n}")`));
      else seen.set(n, j);
    });
  });

  const knowledge = list(input.knowledge);
  firstSeen('knowledge', knowledge, (k) => (isObject(k) ? str(k.title) : undefined), 'title');

  const suppressions = list(input.suppressions);
  const seenSuppression = new Map<string, number>();
  suppressions.forEach((s, i) => {
    if (!isObject(s)) return;
    const kind = s.kind;
    const value = str(s.value)?.toLowerCase();
    if (value === undefined || value === '' || (kind !== 'email' && kind !== 'domain')) return;
    if (kind === 'email' && !isEmail(value)) issues.push(at(['suppressions', i, 'value'], 'must be an email address, since kind is email'));
    if (kind === 'domain' && !isDomain(value)) issues.push(at(['suppressions', i, 'value'], 'must be a bare domain such as example.com, since kind is domain'));
    const key = `${kind}:${value}`;
    const prior = seenSuppression.get(key);
    if (prior !== undefined) issues.push(at(['suppressions', i, 'value'], `duplicates suppressions[${prior}] ("${value}")`));
    else seenSuppression.set(key, i);
  });

  return issues;
}
