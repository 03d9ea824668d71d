/**
 * Text helpers shared by the research engine and the offline heuristic: token estimates,
 * quote matching, delimiter neutralising, passage splitting and relevance scoring. Pure
 * functions, no I/O.
 */
import type { SellerContext, IcpContext } from './contract.ts';

export type FactCategory =
  | 'firmographic'
  | 'product'
  | 'customer'
  | 'hiring'
  | 'funding'
  | 'news'
  | 'technology'
  | 'pain'
  | 'other';

// ---------------------------------------------------------------------------------------------
// Tokens

/** Token estimate as providers roughly count English text: about four characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * A deliberately high token estimate for budget planning: real tokenizers give 3.5–4.5
 * characters a token on web text, so planning at 3.5 keeps a lead under its budget even when
 * the provider counts more tokens than `estimateTokens` would.
 */
export function planTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}

// ---------------------------------------------------------------------------------------------
// Delimiters

/**
 * Makes untrusted text unable to open or close a prompt data block: runs of three or more `<`
 * or `>` become the look-alike `‹`/`›`. Quote matching maps them back, so a quote copied from
 * neutralised text still verifies against the stored page.
 */
export function neutraliseDelimiters(text: string): string {
  return text.replace(/<{3,}/g, (m) => '‹'.repeat(m.length)).replace(/>{3,}/g, (m) => '›'.repeat(m.length));
}

/** A value safe to put inside a delimiter's `attr="..."`: one line, no quotes or angle brackets. */
export function delimiterAttribute(value: string, max = 200): string {
  return value
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/["<>‹›]/g, '')
    .slice(0, max)
    .trim();
}

// ---------------------------------------------------------------------------------------------
// Quote matching

// Characters that differ between a page and a faithful copy of it: typographic quotes and
// dashes, non-breaking spaces, the neutralised delimiters and markdown emphasis marks.
const CHAR_MAP: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
  '\u00B4': "'",
  '`': '',
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u201F': '"',
  '\u2033': '"',
  '\u00AB': '"',
  '\u00BB': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u2039': '<',
  '\u203A': '>',
  '*': '',
  '\u00AD': '',
  '\u200B': '',
  '\u200C': '',
  '\u200D': '',
  '\uFEFF': '',
};

/** Normalised text plus, for each normalised character, the span of the original it came from. */
export interface NormalisedText {
  text: string;
  start: number[];
  end: number[];
}

/**
 * Lower-cases, folds typographic quotes/dashes, drops emphasis marks and collapses whitespace,
 * remembering where each character came from so a match maps back to the exact original span.
 */
export function normaliseWithMap(input: string): NormalisedText {
  let text = '';
  const start: number[] = [];
  const end: number[] = [];
  let pendingSpace = false;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (isSpace(input.charCodeAt(i))) {
      pendingSpace = text.length > 0;
      continue;
    }
    const mapped = (CHAR_MAP[ch] ?? ch).toLowerCase();
    if (mapped.length === 0) continue;
    if (pendingSpace) {
      text += ' ';
      start.push(i);
      end.push(i);
      pendingSpace = false;
    }
    for (const out of mapped) {
      text += out;
      start.push(i);
      end.push(i + 1);
    }
  }
  return { text, start, end };
}

/** The comparison form of a string: see `normaliseWithMap`. */
// The same walk without the offset arrays, and plain ASCII without a lookup: keyword matching
// and the offline researcher call this on every passage, many times a lead.
export function normaliseForMatch(input: string): string {
  let text = '';
  let pendingSpace = false;
  for (let i = 0; i < input.length; i++) {
    const code = input.charCodeAt(i);
    if (isSpace(code)) {
      pendingSpace = text.length > 0;
      continue;
    }
    let mapped: string;
    if (code < 128 && code !== 42 && code !== 96) mapped = code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : input[i];
    else mapped = (CHAR_MAP[input[i]] ?? input[i]).toLowerCase();
    if (mapped.length === 0) continue;
    if (pendingSpace) {
      text += ' ';
      pendingSpace = false;
    }
    text += mapped;
  }
  return text;
}

/** What `/\s/` matches, for one UTF-16 code unit, without a regular expression per character. */
function isSpace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029
    || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/** A quote shorter than this (normalised) is too generic to count as evidence. */
export const MIN_QUOTE_CHARS = 8;

/** Strips what models wrap around a quote: surrounding quote marks and leading/trailing ellipses. */
export function trimQuote(quote: string): string {
  let q = quote.trim();
  for (let i = 0; i < 3; i++) {
    const before = q;
    q = q.replace(/^["'“”‘’«»]+|["'“”‘’«»]+$/g, '').trim();
    q = q.replace(/^(\.\.\.|…)\s*|\s*(\.\.\.|…)$/g, '').trim();
    if (q === before) break;
  }
  return q;
}

export type QuoteMatch =
  | { ok: true; start: number; end: number; exact: string }
  | { ok: false; reason: 'empty' | 'too-short' | 'not-found' };

/**
 * Finds `quote` in `page` after whitespace, case, quote-mark and dash normalisation. On success
 * returns the exact original span, so the stored quote is verbatim page text.
 */
export function locateQuote(page: string, quote: string, normalisedPage?: NormalisedText): QuoteMatch {
  const trimmed = trimQuote(quote);
  if (!trimmed) return { ok: false, reason: 'empty' };
  const needle = normaliseForMatch(trimmed);
  if (needle.length < MIN_QUOTE_CHARS) return { ok: false, reason: 'too-short' };
  const hay = normalisedPage ?? normaliseWithMap(page);
  const at = hay.text.indexOf(needle);
  if (at < 0) return { ok: false, reason: 'not-found' };
  const from = hay.start[at];
  const to = hay.end[at + needle.length - 1];
  return { ok: true, start: from, end: to, exact: page.slice(from, to) };
}

// ---------------------------------------------------------------------------------------------
// Passages

/** A contiguous piece of a page's text: `text === source.slice(start, end)`. */
export interface Passage {
  start: number;
  end: number;
  text: string;
  /** index of the line it came from (passages of one line are adjacent) */
  line: number;
}

const MAX_PASSAGE_CHARS = 480;

/**
 * Splits page text into passages: one per non-empty line, long lines cut at sentence ends (and,
 * failing that, at spaces) so no passage exceeds ~480 characters. Offsets are exact.
 */
export function splitPassages(text: string): Passage[] {
  const out: Passage[] = [];
  let lineStart = 0;
  let lineNo = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    let s = lineStart;
    let e = lineEnd;
    while (s < e && /\s/.test(text[s])) s++;
    while (e > s && /\s/.test(text[e - 1])) e--;
    if (e > s) {
      for (const [ps, pe] of cutLong(text, s, e)) out.push({ start: ps, end: pe, text: text.slice(ps, pe), line: lineNo });
    }
    lineNo++;
    if (lineEnd >= text.length) break;
    lineStart = lineEnd + 1;
  }
  return out;
}

function cutLong(text: string, s: number, e: number): [number, number][] {
  if (e - s <= MAX_PASSAGE_CHARS) return [[s, e]];
  const pieces: [number, number][] = [];
  let from = s;
  for (const [ss, se] of sentenceSpans(text, s, e)) {
    // merge short sentences up to the cap, cut oversized ones at spaces
    if (se - from <= MAX_PASSAGE_CHARS) continue;
    if (ss > from) {
      pieces.push([from, trimEnd(text, from, ss)]);
      from = ss;
    }
    while (se - from > MAX_PASSAGE_CHARS) {
      let cut = text.lastIndexOf(' ', from + MAX_PASSAGE_CHARS);
      if (cut <= from) cut = from + MAX_PASSAGE_CHARS;
      pieces.push([from, trimEnd(text, from, cut)]);
      from = cut;
      while (from < se && text[from] === ' ') from++;
    }
  }
  if (from < e) pieces.push([from, e]);
  return pieces.filter(([a, b]) => b > a);
}

function trimEnd(text: string, from: number, to: number): number {
  while (to > from && /\s/.test(text[to - 1])) to--;
  return to;
}

/** Sentence spans within [s, e): cut after `.`, `!` or `?` followed by whitespace. */
export function sentenceSpans(text: string, s: number, e: number): [number, number][] {
  const spans: [number, number][] = [];
  let from = s;
  const re = /[.!?](?=\s+["“(]?[A-Z0-9])/g;
  re.lastIndex = s;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) && m.index < e) {
    const to = m.index + 1;
    spans.push([from, to]);
    from = to;
    while (from < e && /\s/.test(text[from])) from++;
  }
  if (from < e) spans.push([from, e]);
  return spans;
}

/** A Title:/Description: line, or the first markdown heading: always shown to the model. */
export function isHeaderLine(passage: string): boolean {
  return /^(title|description)\s*:/i.test(passage) || /^#\s+\S/.test(passage);
}

// ---------------------------------------------------------------------------------------------
// Relevance

/** What a passage is evidence of: a regular expression per category cue. */
export interface Cue {
  category: FactCategory;
  label: string;
  pattern: RegExp;
  weight: number;
}

/** Category cues, strongest first within a category. */
export const CUES: readonly Cue[] = [
  { category: 'firmographic', label: 'employees', weight: 3, pattern: /\b(employees|headcount|team of \d+|\d[\d,.]*\+?\s*k?\s+(people|staff|team members|FTEs?))\b/i },
  { category: 'firmographic', label: 'headquarters', weight: 3, pattern: /\b(headquarter(ed|s)?|HQ|based in|offices? in|located in)\b/i },
  { category: 'firmographic', label: 'founded', weight: 3, pattern: /\b(founded|established|since (19|20)\d\d)\b/i },
  { category: 'firmographic', label: 'revenue', weight: 2, pattern: /\b(revenue|ARR|turnover)\b/i },
  { category: 'funding', label: 'funding', weight: 3, pattern: /\b(raised|Series [A-F]|seed round|funding round|funding|investors?|backed by|venture capital)\b/i },
  { category: 'hiring', label: 'hiring', weight: 3, pattern: /\b(hiring|open (roles|positions)|job openings|join (our|the) team|we're looking for|we are looking for|careers)\b/i },
  { category: 'technology', label: 'integrations', weight: 3, pattern: /\b([Ii]ntegrat(es|ed|ion|ions)|NetSuite|SAP|Salesforce|HubSpot|Shopify|Oracle|Dynamics 365|QuickBooks|Xero|Snowflake|Workday|Zendesk|Stripe|AWS|Azure|Google Cloud|API|EDI|ERP|CRM|WMS|TMS)\b/ },
  { category: 'customer', label: 'customers', weight: 2, pattern: /\b(customers?|clients?|trusted by|case stud(y|ies)|used by|serving \d[\d,.]*)\b/i },
  { category: 'product', label: 'pricing', weight: 2, pattern: /(\bpricing\b|\bper (user|seat|month|year|shipment)\b|\/mo(nth)?\b|\bfree trial\b|[$€£]\s?\d)/i },
  { category: 'news', label: 'news', weight: 2, pattern: /\b(announce[sd]?|launch(ed|es)?|partnership|partnered|acquired|acquisition|award(ed)?|press release|expands?|expansion|opens? (a )?new)\b/i },
  { category: 'pain', label: 'pain', weight: 2, pattern: /\b(manual(ly)?|spreadsheets?|error-prone|struggl\w*|challeng\w*|bottleneck\w*|costly|delays?|inefficien\w*|downtime)\b/i },
  { category: 'product', label: 'product', weight: 1, pattern: /\b(platform|software|solution|product|we help|helps? (teams|companies|businesses))\b/i },
  // a job title as careers pages list them ("Accounts Payable Clerk", "Ocean Export Coordinator")
  { category: 'hiring', label: 'role', weight: 2, pattern: /\b(Clerk|Specialist|Coordinator|Accountant|Controller|Analyst|Engineer|Technician|Operator|Driver|Representative|Associate|Buyer|Planner|Dispatcher)\b/ },
  // a testimonial's attribution names a customer ("Head of Logistics, Vandermolen Foods")
  { category: 'customer', label: 'attribution', weight: 2, pattern: /\b(Head of|VP|Vice President|Director|Chief|CEO|CFO|COO|CTO|Founder|Owner|Manager|Controller)\b[^,\n]{0,40},\s*\p{Lu}/u },
  // what the company sells, in the words of operations-heavy businesses
  { category: 'product', label: 'offering', weight: 2, pattern: /\b(services?|freight|shipping|fulfil{1,2}ment|warehous\w*|manufactur\w*|machining|fabricat\w*|packaging|enclosures?|assembly|carriers?|rates|analytics)\b/i },
];

/** Cues matched by a piece of text, strongest first. */
export function matchCues(text: string): Cue[] {
  return CUES.filter((c) => c.pattern.test(text)).sort((a, b) => b.weight - a.weight);
}

/** The best category for a piece of text (strongest cue), or `other`. */
export function categoryOf(text: string): FactCategory {
  return matchCues(text)[0]?.category ?? 'other';
}

const BOILERPLATE = /\b(cookies?|privacy policy|terms of (use|service)|all rights reserved|subscribe to our newsletter|sign in|log in|skip to (main )?content|accept all)\b/i;

/** Whether a line is site chrome rather than content (cookie banners, footers, sign-in links). */
export function isBoilerplate(text: string): boolean {
  if (BOILERPLATE.test(text) && text.length < 200) return true;
  // footers: copyright lines and company-registration small print, however long
  if (/©|\(c\) \d{4}|all rights reserved|registered in england/i.test(text) && text.length < 600) return true;
  // a navigation row kept from a table layout: many cells, each a word or two
  const cells = text.startsWith('|') ? text.split('|').map((c) => c.trim()).filter(Boolean) : [];
  return cells.length >= 4 && cells.every((c) => c.split(/\s+/).length <= 3 && !/\d{2,}/.test(c));
}

const STOPWORDS = new Set(
  'the and for with that this from into over your our their they them have has are was were will been being more most less than then also such very only just each other about which what when where who whom how all any both few many much some same out off per via can may new use used using based within across without company companies business businesses team teams'.split(
    ' ',
  ),
);

/** Search terms from the seller and ICP: whole phrases, and significant words as stems. */
export interface KeywordSet {
  phrases: string[];
  stems: string[];
}

/** Builds the terms passages are scored against: ICP fields, personas and the seller's products. */
export function buildKeywordSet(seller: SellerContext, icp: IcpContext | null): KeywordSet {
  const raw: string[] = [];
  if (icp) {
    raw.push(...icp.keywords, ...icp.industries, ...icp.technologies, ...icp.buyingTriggers, ...icp.geographies, ...icp.fundingStages);
    for (const p of icp.personas) raw.push(...p.pains);
  }
  for (const p of seller.products) raw.push(p.name, ...p.painsSolved, ...p.useCases);
  return keywordSetFrom(raw);
}

/** A keyword set from plain terms (phrases are matched whole, their words as stems). */
export function keywordSetFrom(terms: string[]): KeywordSet {
  const phrases = new Set<string>();
  const stems = new Set<string>();
  for (const term of terms) {
    const norm = normaliseForMatch(term).replace(/[^\p{L}\p{N}\s.+#-]/gu, ' ').replace(/\s+/g, ' ').trim();
    if (!norm) continue;
    if (norm.includes(' ')) phrases.add(norm);
    for (const word of norm.split(' ')) {
      if (word.length < 3 || STOPWORDS.has(word) || /^\d+$/.test(word)) continue;
      stems.add(stemOf(word));
    }
  }
  return { phrases: [...phrases], stems: [...stems] };
}

function stemOf(word: string): string {
  // a light stem that matches inflections without matching neighbours: "invoices" -> "invoi"
  // (invoice, invoicing), "manufacturers" -> "manufactur", but "supplier" -> "suppli" (not "supply")
  const singular = word.length > 4 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
  return singular.length > 6 ? singular.slice(0, singular.length - 2) : singular;
}

/** Terms of `keywords` that occur in `text` (phrases whole, words by stem at a word start). */
export function keywordHits(text: string, keywords: KeywordSet): string[] {
  const norm = ` ${normaliseForMatch(text).replace(/[^\p{L}\p{N}\s.+#-]/gu, ' ').replace(/\s+/g, ' ')} `;
  const hits: string[] = [];
  for (const p of keywords.phrases) if (norm.includes(` ${p}`)) hits.push(p);
  for (const s of keywords.stems) {
    if (s.length <= 3 ? norm.includes(` ${s} `) : norm.includes(` ${s}`)) hits.push(s);
  }
  return hits;
}

/** How useful a passage is likely to be as evidence: category cues, ICP terms, numbers. */
export function scorePassage(text: string, keywords: KeywordSet): number {
  if (isBoilerplate(text)) return 0;
  let score = 0;
  for (const c of matchCues(text)) score += c.weight;
  score += 2 * keywordHits(text, keywords).length;
  // numbers make a relevant passage specific; on their own they mean nothing
  if (score > 0 && /\d/.test(text)) score += 1;
  if (text.length < 15) score *= 0.5;
  return score;
}
