/**
 * Deterministic change detection between two versions of a page (types.ts). No LLM: the clean
 * text of each version (the markdown-ish text `cleanPage` stores in the lake) is read into
 * entries (list items, table rows, headings with the lines under them, `Logos:` lines), each in
 * the section of the nearest heading above it; entries that appear or disappear, or whose price
 * changed, become signals when their section says what they are:
 *
 * | section (heading words, or the page kind)            | added                | removed              | changed          |
 * |------------------------------------------------------|----------------------|----------------------|------------------|
 * | open positions, vacancies, hiring, jobs (careers)    | job_opened           | job_closed           |                  |
 * | pricing, plans, fees, rates (pricing)                | pricing_changed      | pricing_changed      | pricing_changed  |
 * | customers, stories, clients, trusted by, `Logos:`    | customer_added       | customer_removed     |                  |
 * | team, leadership, leaders, management (team)         | leadership_changed   | leadership_changed   |                  |
 * | contact, offices, locations                          | location_added       |                      |                  |
 * | integrations, products, modules, connectors (product)| product_added        |                      |                  |
 * | news, press, announcements (news, blog)              | announcement         |                      |                  |
 * | technology fingerprints of the page's raw HTML       | technology_added     | technology_removed   |                  |
 *
 * Anything else (a reworded paragraph, a new feature card, a footer) is not a signal. Lines with a
 * copyright mark are ignored, and entries are compared with whitespace, case and typographic
 * quotes normalised, so markup-only changes and a footer year never produce a signal. A page with
 * no previous version produces nothing (it may only be new to discovery); a page that is gone
 * (`after` null) produces the removals of its jobs, customers, plans and people.
 */
import { createHash } from 'node:crypto';
import type { JobFunction, PageVersion, Seniority, Signal, SignalDetail, SignalKind } from './types.ts';

type SectionClass = 'jobs' | 'pricing' | 'customers' | 'team' | 'locations' | 'products' | 'news' | 'other';

/** One thing on a page that can appear or disappear. */
interface Entry {
  cls: SectionClass;
  type: 'item' | 'row' | 'heading' | 'para' | 'logo';
  /** the entry as written (list marker removed; a heading's text; a table row's line) */
  text: string;
  /** normalised identity (what is compared) */
  norm: string;
  /** a heading's body lines (until the next heading or list) */
  body: string[];
  /** table rows: the cells */
  cells?: string[];
  /** table rows: the header of the table */
  head?: string[];
  /** news headings: the date line above */
  date?: string;
  /** an exact substring of the clean text to quote */
  quote: string;
}

const SECTION_RULES: [SectionClass, RegExp][] = [
  ['jobs', /\b(open (positions|roles)|vacanc|now hiring|hiring|jobs?\b|careers|join (us|our team|the team)|work with us)/i],
  ['pricing', /\b(pricing|plans?\b|prices?\b|fees\b|rates\b|tariff)/i],
  ['customers', /\b(customers?|stories|case stud|clients|trusted by|loved by|used by|shipping for|brands we)/i],
  ['team', /\b(team|leadership|leaders|management|founders|executives|people)\b/i],
  ['locations', /\b(contact|offices?|locations?|find us|visit us|where we are)\b/i],
  ['products', /\b(integrations?|products?|modules|connectors|apps)\b/i],
  ['news', /\b(news|press|announcements?|updates|blog)\b/i],
];

const KIND_CLASS: Record<string, SectionClass> = {
  careers: 'jobs', pricing: 'pricing', customers: 'customers', team: 'team', contact: 'locations', product: 'products', news: 'news', blog: 'news',
};

/** Headings that never name a thing (perks, calls to action, the "Why work with us" box). */
const NOT_A_THING = /^(why work with us|benefits|perks|most popular|get in touch|contact (us|sales)|faq|frequently asked questions|recent news|learn more)$/i;

const PRICE = /(?:[$€£¥]\s?\d[\d,.]*(?:\s?[kKmM])?|\d[\d,.]*\s?(?:%|USD|EUR|GBP|€)|\b(?:contact sales|custom|free)\b)/i;
const DATE_LINE = /^(?:\d{1,2}\s+[A-Z][a-z]+\s+\d{4}|[A-Z][a-z]+\.?\s+\d{1,2},\s+\d{4}|\d{4}-\d{2}-\d{2})$/;
const COPYRIGHT = /©|\(c\)\s*\d{4}|copyright|all rights reserved/i;
const HEADER_LINE = /^(Title|Description|Organization): /;

/** Whitespace, case and typographic quotes normalised: what two versions of an entry are compared by. */
export function normalize(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u201B\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201F\u2033]/g, '"')
    .replace(/[\u2013\u2014\u2212]/g, '-')
    .replace(/\*\*/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

function classOf(section: string | undefined, pageKind: string): SectionClass {
  if (section) for (const [cls, re] of SECTION_RULES) if (re.test(section)) return cls;
  return KIND_CLASS[pageKind] ?? 'other';
}

const cellsOf = (line: string): string[] => line.replace(/^\|/, '').replace(/\|\s*$/, '').split('|').map((c) => c.trim());

/** Reads a clean text into entries, each classed by its section. */
export function readEntries(text: string, pageKind: string): Entry[] {
  const lines = text.split('\n');
  const entries: Entry[] = [];
  // the heading stack: level and text
  const stack: { level: number; text: string }[] = [];
  let open: Entry | null = null; // the heading whose body lines are being collected
  let tableHead: string[] | null = null;
  let lastDate: string | undefined;
  const section = (): string | undefined => stack.at(-1)?.text;
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) {
      tableHead = null;
      continue;
    }
    if (HEADER_LINE.test(line) || COPYRIGHT.test(line)) continue;
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      tableHead = null;
      const level = heading[1].length;
      const title = heading[2].trim();
      while (stack.length && stack[stack.length - 1].level >= level) stack.pop();
      const parent = section();
      open = null;
      if (!NOT_A_THING.test(title)) {
        open = { cls: parent !== undefined ? classOf(parent, pageKind) : (KIND_CLASS[pageKind] ?? classOf(title, pageKind)), type: 'heading', text: title, norm: normalize(title), body: [], quote: title, date: lastDate };
        // a top-level heading with no parent names the section itself, not a thing in it
        if (parent !== undefined || level >= 2) entries.push(open);
        else open = null;
      }
      lastDate = undefined;
      stack.push({ level, text: title });
      continue;
    }
    if (line.startsWith('|')) {
      const cells = cellsOf(line);
      if (cells.every((c) => /^:?-{2,}:?$/.test(c) || c === '')) continue;
      if (!tableHead) {
        tableHead = cells;
        continue;
      }
      open = null;
      entries.push({ cls: classOf(section(), pageKind), type: 'row', text: line, norm: normalize(cells.join(' | ')), body: [], cells, head: tableHead, quote: line });
      continue;
    }
    tableHead = null;
    const logos = /^Logos:\s*(.*)$/.exec(line);
    if (logos) {
      open = null;
      for (const name of logos[1].split(',').map((s) => s.trim()).filter(Boolean)) {
        entries.push({ cls: 'customers', type: 'logo', text: name, norm: normalize(name), body: [], quote: line });
      }
      continue;
    }
    const item = /^[-*]\s+(.*)$/.exec(line);
    if (item) {
      open = null;
      const t = item[1].trim();
      entries.push({ cls: classOf(section(), pageKind), type: 'item', text: t, norm: normalize(t), body: [], quote: t });
      continue;
    }
    if (DATE_LINE.test(line)) {
      lastDate = line;
      open = null;
      continue;
    }
    if (open) {
      open.body.push(line);
      continue;
    }
    entries.push({ cls: classOf(section(), pageKind), type: 'para', text: line, norm: normalize(line), body: [], quote: line });
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Jobs

const ROLE_WORDS =
  /\b(analyst|manager|engineer|director|vp|vice president|head|lead|specialist|coordinator|clerk|accountant|controller|intern|broker|developer|designer|representative|executive|officer|associate|administrator|technician|driver|scientist|consultant|agent|planner|buyer|recruiter|writer|operator|supervisor|welder|auditor|baker|barista|chief|cfo|ceo|coo|cto|president|partner|architect|advisor|assistant|dispatcher|mechanic|nurse|hygienist|dentist|editor|marketer|strategist|tester|programmer|auditor|cashier|trainee|apprentice|analista|ingenieur|leiter|sachbearbeiter)/i;

export function jobFunction(title: string, department = ''): JobFunction {
  const t = `${title} ${department}`.toLowerCase();
  if (/financ|accounting|accountant|accounts (payable|receivable)|\bap\b|controller|cfo|treasur|payroll|billing|audit|\btax\b|fp&a|bookkeep|procurement/.test(t)) return 'finance';
  if (/\b(hr|people|talent|recruit)/.test(t)) return 'people';
  if (/legal|counsel|compliance|privacy/.test(t)) return 'legal';
  if (/customer success|support|implementation|onboarding|services/.test(t)) return 'customer';
  if (/marketing|growth|brand|content|demand gen|paid media/.test(t)) return 'marketing';
  if (/\bsales\b|account executive|business development|\bsdr\b|\bbdr\b|account manager/.test(t)) return 'sales';
  if (/engineer|developer|software|data|devops|security|\bit\b|cto|architect|ios|android|product/.test(t)) return 'engineering';
  if (/operations|warehouse|logistics|transport|supply|driver|dispatch|terminal|forklift|freight|customs|shop|production|tráfico|trafico|welder|operator/.test(t)) return 'operations';
  if (/\b(ceo|coo|chief|president|founder|managing director)\b/.test(t)) return 'executive';
  return 'other';
}

export function seniority(title: string): Seniority {
  const t = title.toLowerCase();
  if (/\b(chief|cfo|ceo|coo|cto|cio|president|founder|managing director|general manager)\b/.test(t)) return 'executive';
  if (/\b(vp|svp|evp|vice president)\b/.test(t)) return 'vp';
  if (/\b(director|head of|head,)\b|^head\b/.test(t)) return 'director';
  if (/\b(manager|supervisor|controller|lead)\b/.test(t) && !/\bassistant controller\b/.test(t)) return 'manager';
  if (/\b(intern|internship|trainee|apprentice|werkstudent|praktikant)\b/.test(t)) return 'intern';
  if (/\b(senior|sr\.?|principal|staff)\b/.test(t)) return 'senior';
  if (/\b(junior|jr\.?|clerk|assistant|entry[- ]level|graduate)\b/.test(t)) return 'junior';
  return 'individual';
}

/** A job entry's title, department and location, or null when it does not look like a job. */
function parseJob(e: Entry): { title: string; department?: string; location?: string } | null {
  let parts: string[];
  if (e.type === 'row' && e.cells) {
    const headIsJobs = (e.head ?? []).some((h) => /position|role|title|job|vacanc/i.test(h));
    if (!headIsJobs && !ROLE_WORDS.test(e.cells[0] ?? '')) return null;
    parts = e.cells;
  } else if (e.type === 'item' || e.type === 'heading') {
    parts = e.text.split(/\s+[—–-]\s+|\s+·\s+/).map((p) => p.trim()).filter(Boolean);
  } else return null;
  const title = parts[0] ?? '';
  if (!title || !ROLE_WORDS.test(title) || title.length > 120) return null;
  return { title, department: parts[1], location: parts.length > 2 ? parts[parts.length - 1] : undefined };
}

// ---------------------------------------------------------------------------------------------
// News topics and people

function newsTopic(text: string): NonNullable<SignalDetail['topic']> {
  const t = text.toLowerCase();
  if (/\b(raises?|raised|funding|series [a-f]|seed round|investment|invests?|financing)\b/.test(t)) return 'funding';
  if (/\b(acquires?|acquired|acquisition|merger|merges)\b/.test(t)) return 'acquisition';
  if (/\b(opens?|opened|office|terminal|warehouse|fulfillment center|site|clinic|expands? (to|into))\b/.test(t)) return 'office';
  if (/\b(launch(es|ed)?|introduc(es|ing|ed)|releases?|unveils?|now available|integration)\b/.test(t)) return 'product';
  if (/\b(partner(s|ship)?|teams up)\b/.test(t)) return 'partnership';
  return 'other';
}

const PERSON_ROLE = /\b(chief|cfo|ceo|coo|cto|cio|president|founder|co-founder|vp|vice president|director|head|lead|leader|manager|partner|controller|officer)\b/i;

// ---------------------------------------------------------------------------------------------

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const priceIn = (s: string): string | undefined => PRICE.exec(s)?.[0];
/** An entry with its prices masked: two versions with the same shape and other prices are a price change. */
const shape = (s: string): string => normalize(s).replace(new RegExp(PRICE.source, 'gi'), '#');

interface Change {
  kind: SignalKind;
  detail: SignalDetail;
  summary: string;
  before: Entry | null;
  after: Entry | null;
}

function diffJobs(before: Entry[], after: Entry[]): Change[] {
  const jobs = (list: Entry[]) => {
    const m = new Map<string, { e: Entry; job: NonNullable<ReturnType<typeof parseJob>> }>();
    for (const e of list) {
      if (e.cls !== 'jobs') continue;
      const job = parseJob(e);
      if (job && !m.has(e.norm)) m.set(e.norm, { e, job });
    }
    return m;
  };
  const b = jobs(before);
  const a = jobs(after);
  const out: Change[] = [];
  const detail = (e: Entry, job: NonNullable<ReturnType<typeof parseJob>>): SignalDetail => ({
    item: e.type === 'row' ? (e.cells ?? []).join(' | ') : e.text,
    title: job.title,
    function: jobFunction(job.title, job.department),
    seniority: seniority(job.title),
    ...(job.department ? { department: job.department } : {}),
    ...(job.location ? { location: job.location } : {}),
  });
  for (const [norm, { e, job }] of a) {
    if (b.has(norm)) continue;
    const d = detail(e, job);
    out.push({ kind: 'job_opened', detail: d, summary: `New job opening: ${job.title} (${d.function}, ${d.seniority})`, before: null, after: e });
  }
  for (const [norm, { e, job }] of b) {
    if (a.has(norm)) continue;
    const d = detail(e, job);
    out.push({ kind: 'job_closed', detail: d, summary: `Job no longer listed: ${job.title} (${d.function}, ${d.seniority})`, before: e, after: null });
  }
  return out;
}

function diffPricing(before: Entry[], after: Entry[]): Change[] {
  const out: Change[] = [];
  // plans: headings in a pricing section, priced by the first body line that carries a price
  const plans = (list: Entry[]) => {
    const m = new Map<string, { e: Entry; price?: string; line?: string }>();
    for (const e of list) {
      if (e.cls !== 'pricing' || e.type !== 'heading') continue;
      const line = e.body.find((l) => PRICE.test(l));
      if (!m.has(e.norm)) m.set(e.norm, { e, price: line ? priceIn(line) : undefined, line });
    }
    return m;
  };
  const bp = plans(before);
  const ap = plans(after);
  for (const [norm, now] of ap) {
    const was = bp.get(norm);
    if (!was) {
      out.push({ kind: 'pricing_changed', detail: { item: now.e.text, change: 'plan_added', plan: now.e.text, ...(now.price ? { priceAfter: now.price } : {}) }, summary: `New plan: ${now.e.text}${now.price ? ` at ${now.price}` : ''}`, before: null, after: now.e });
    } else if (was.line && now.line && normalize(was.line) !== normalize(now.line)) {
      out.push({
        kind: 'pricing_changed',
        detail: { item: now.e.text, change: 'price', plan: now.e.text, priceBefore: was.price, priceAfter: now.price },
        summary: `Price of ${now.e.text} changed from ${was.price} to ${now.price}`,
        before: { ...was.e, quote: was.line },
        after: { ...now.e, quote: now.line },
      });
    }
  }
  for (const [norm, was] of bp) {
    if (ap.has(norm)) continue;
    out.push({ kind: 'pricing_changed', detail: { item: was.e.text, change: 'plan_removed', plan: was.e.text, ...(was.price ? { priceBefore: was.price } : {}) }, summary: `Plan no longer listed: ${was.e.text}`, before: was.e, after: null });
  }
  // priced rows, items and lines: a changed price keeps the entry's shape
  const priced = (list: Entry[]) => list.filter((e) => e.cls === 'pricing' && e.type !== 'heading' && PRICE.test(e.text));
  const bs = priced(before);
  const as = priced(after);
  const bNorms = new Set(bs.map((e) => e.norm));
  const aNorms = new Set(as.map((e) => e.norm));
  const keyOf = (e: Entry) => (e.type === 'row' && e.cells ? normalize(e.cells[0]) : shape(e.text));
  const bByKey = new Map(bs.filter((e) => !aNorms.has(e.norm)).map((e) => [keyOf(e), e]));
  const seen = new Set<string>();
  for (const e of as) {
    if (bNorms.has(e.norm)) continue;
    const key = keyOf(e);
    const was = bByKey.get(key);
    seen.add(key);
    const item = e.type === 'row' && e.cells ? e.cells[0] : e.text;
    if (was) {
      out.push({ kind: 'pricing_changed', detail: { item, change: 'price', plan: item, priceBefore: priceIn(was.text), priceAfter: priceIn(e.text) }, summary: `Price of ${item} changed from ${priceIn(was.text)} to ${priceIn(e.text)}`, before: was, after: e });
    } else {
      out.push({ kind: 'pricing_changed', detail: { item, change: 'plan_added', plan: item, priceAfter: priceIn(e.text) }, summary: `New price: ${item}`, before: null, after: e });
    }
  }
  for (const [key, was] of bByKey) {
    if (seen.has(key)) continue;
    const item = was.type === 'row' && was.cells ? was.cells[0] : was.text;
    out.push({ kind: 'pricing_changed', detail: { item, change: 'plan_removed', plan: item, priceBefore: priceIn(was.text) }, summary: `Price no longer listed: ${item}`, before: was, after: null });
  }
  return out;
}

/** Entries of a class compared by identity: `added` and `removed` kinds (null: not a signal). */
function diffNamed(
  before: Entry[],
  after: Entry[],
  pick: (e: Entry) => boolean,
  make: (e: Entry, added: boolean) => Omit<Change, 'before' | 'after'> | null,
): Change[] {
  const b = new Map<string, Entry>();
  const a = new Map<string, Entry>();
  for (const e of before) if (pick(e) && !b.has(e.norm)) b.set(e.norm, e);
  for (const e of after) if (pick(e) && !a.has(e.norm)) a.set(e.norm, e);
  const out: Change[] = [];
  for (const [norm, e] of a) {
    if (b.has(norm)) continue;
    const c = make(e, true);
    if (c) out.push({ ...c, before: null, after: e });
  }
  for (const [norm, e] of b) {
    if (a.has(norm)) continue;
    const c = make(e, false);
    if (c) out.push({ ...c, before: e, after: null });
  }
  return out;
}

function diffEntries(before: Entry[], after: Entry[]): Change[] {
  const customerEntry = (e: Entry) => (e.cls === 'customers' && (e.type === 'heading' || e.type === 'logo')) && e.text.length <= 80 && !PRICE.test(e.text);
  const personEntry = (e: Entry) => e.cls === 'team' && e.type === 'heading' && PERSON_ROLE.test(e.body[0] ?? '') && e.text.split(/\s+/).length <= 5;
  return [
    ...diffJobs(before, after),
    ...diffPricing(before, after),
    ...diffNamed(before, after, customerEntry, (e, added) => ({
      kind: added ? 'customer_added' : 'customer_removed',
      detail: { item: e.text, ...(e.type === 'heading' ? { caseStudy: true } : { logo: true }) },
      summary: added ? `New customer ${e.type === 'heading' ? 'story' : 'logo'}: ${e.text}` : `Customer no longer shown: ${e.text}`,
    })),
    ...diffNamed(before, after, personEntry, (e, added) => ({
      kind: 'leadership_changed',
      detail: { item: e.text, person: e.text, role: e.body[0], movement: added ? 'joined' : 'left', seniority: seniority(e.body[0] ?? ''), function: jobFunction(e.body[0] ?? '') },
      summary: added ? `${e.text} joined the team as ${e.body[0]}` : `${e.text} (${e.body[0]}) is no longer on the team page`,
    })),
    ...diffNamed(before, after, (e) => e.cls === 'locations' && e.type === 'heading' && e.body.length > 0, (e, added) =>
      added ? { kind: 'location_added', detail: { item: e.text, location: e.text, address: e.body.join(', ') }, summary: `New location: ${e.text}` } : null,
    ),
    ...diffNamed(before, after, (e) => e.cls === 'locations' && e.type === 'item', (e, added) =>
      added ? { kind: 'location_added', detail: { item: e.text, location: e.text }, summary: `New location: ${e.text}` } : null,
    ),
    ...diffNamed(before, after, (e) => e.cls === 'products' && (e.type === 'heading' || e.type === 'item') && e.text.length <= 120, (e, added) =>
      added ? { kind: 'product_added', detail: { item: e.text }, summary: `New product or integration: ${e.text}` } : null,
    ),
    ...diffNamed(before, after, (e) => e.cls === 'news' && (e.type === 'heading' || e.type === 'item') && e.text.length <= 200, (e, added) =>
      added ? { kind: 'announcement', detail: { item: e.text, topic: newsTopic(`${e.text} ${e.body.join(' ')}`), ...(e.date ? { date: e.date } : {}) }, summary: `Announcement: ${e.text}` } : null,
    ),
  ];
}

function technologyChanges(before: PageVersion, after: PageVersion): Change[] {
  if (!before.technologies || !after.technologies) return [];
  const b = new Set(before.technologies);
  const a = new Set(after.technologies);
  const entry = (name: string): Entry => ({ cls: 'other', type: 'item', text: name, norm: normalize(name), body: [], quote: name });
  return [
    ...[...a].filter((t) => !b.has(t)).map((t): Change => ({ kind: 'technology_added', detail: { item: t, technology: t }, summary: `Technology added: ${t}`, before: null, after: entry(t) })),
    ...[...b].filter((t) => !a.has(t)).map((t): Change => ({ kind: 'technology_removed', detail: { item: t, technology: t }, summary: `Technology removed: ${t}`, before: entry(t), after: null })),
  ];
}

/** The dedupe key of a change: kind, item and the clean-text hashes of both versions. */
export function dedupeKey(kind: SignalKind, item: string, beforeSha: string | null, afterSha: string | null): string {
  return sha256([kind, normalize(item), beforeSha ?? '', afterSha ?? ''].join('\n'));
}

/**
 * The signals between a page's previous clean text and its new one; [] when nothing a rep would
 * notice changed. `after` null: the page is gone (only removals). `before` null: nothing to
 * compare with (no signal).
 */
export function detectChanges(before: PageVersion | null, after: PageVersion | null): Signal[] {
  if (!before) return [];
  if (after && before.cleanSha256 === after.cleanSha256 && sameTech(before, after)) return [];
  const beforeEntries = readEntries(before.text, before.kind);
  const afterEntries = after ? readEntries(after.text, after.kind) : [];
  let changes = diffEntries(beforeEntries, afterEntries);
  if (!after) changes = changes.filter((c) => ['job_closed', 'customer_removed', 'pricing_changed', 'leadership_changed'].includes(c.kind));
  else changes.push(...technologyChanges(before, after));
  const observedAt = after?.fetchedAt ?? before.fetchedAt;
  const signals: Signal[] = [];
  const seen = new Set<string>();
  for (const c of changes) {
    const detail: SignalDetail = after ? c.detail : { ...c.detail, pageRemoved: true };
    // a technology change may leave the clean text as it was: its versions are the raw bodies
    const tech = c.kind === 'technology_added' || c.kind === 'technology_removed';
    const key = tech
      ? dedupeKey(c.kind, detail.item, before.rawSha256 ?? before.cleanSha256, after?.rawSha256 ?? after?.cleanSha256 ?? null)
      : dedupeKey(c.kind, `${detail.change ?? ''}${detail.movement ?? ''}${detail.item}`, before.cleanSha256, after?.cleanSha256 ?? null);
    if (seen.has(key)) continue;
    seen.add(key);
    signals.push({
      kind: c.kind,
      detail,
      summary: !after && c.kind !== 'pricing_changed' ? `${c.summary} (page removed)` : c.summary,
      beforeQuote: c.before ? c.before.quote : null,
      afterQuote: c.after && after ? c.after.quote : null,
      // a fingerprint is in the page's code, not its words: a technology change points at the raw HTML
      beforeKey: c.before ? (tech ? (before.rawKey ?? before.cleanKey) : before.cleanKey) : null,
      afterKey: c.after && after ? (tech ? (after.rawKey ?? after.cleanKey) : after.cleanKey) : null,
      beforeSnapshotId: c.before ? before.snapshotId : null,
      afterSnapshotId: c.after && after ? after.snapshotId : null,
      url: after?.url ?? before.url,
      pageKind: after?.kind ?? before.kind,
      observedAt,
      dedupeKey: key,
    });
  }
  return signals;
}

function sameTech(a: PageVersion, b: PageVersion): boolean {
  const x = [...(a.technologies ?? [])].sort().join('\n');
  const y = [...(b.technologies ?? [])].sort().join('\n');
  return x === y || !a.technologies || !b.technologies;
}

/**
 * Signals of a whole site: the same change seen on several pages (a news item in a sidebar on
 * every page) is kept once, from the page that owns it (news for an announcement, careers for a
 * job), so a company gets one signal per change.
 */
export function mergeSiteSignals(signals: Signal[]): Signal[] {
  const owner: Record<string, string> = {
    job_opened: 'careers', job_closed: 'careers', pricing_changed: 'pricing', customer_added: 'customers', customer_removed: 'customers',
    leadership_changed: 'team', location_added: 'contact', product_added: 'product', announcement: 'news',
  };
  const best = new Map<string, Signal>();
  const rank = (s: Signal) => (s.pageKind === owner[s.kind] ? 0 : 1);
  for (const s of signals) {
    const id = `${s.kind}\n${normalize(`${s.detail.change ?? ''}${s.detail.movement ?? ''}${s.detail.item}`)}`;
    const prev = best.get(id);
    if (!prev || rank(s) < rank(prev) || (rank(s) === rank(prev) && s.url < prev.url)) best.set(id, s);
  }
  return [...best.values()];
}
