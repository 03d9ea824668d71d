/**
 * The grounding checker: deterministic code, no LLM, that decides whether a draft may say what
 * it says. The same check runs on drafted messages, template drafts and a rep's edits; a model's
 * own claim that it is grounded counts for nothing.
 *
 * A draft is text whose sentences may cite fact ids with markers such as `[f2]` or `[f1, f3]`
 * (put inside or right after the sentence they support). The checker:
 * - resolves each citation: the fact must exist, belong to this lead's research and be verified
 *   (otherwise `unknown_fact`, `foreign_fact`, `unverified_fact`: blocked);
 * - finds every specific in the subject and body (numbers in digits or words, amounts,
 *   percentages, ordinals and multiples such as "3rd" and "2x", months, past-time phrases such
 *   as "last week", words in quotation marks, and capitalised names) and
 *   requires each one in an evidence text: the quote of a fact cited in the message, the lead's
 *   own name, company and title, or the seller's onboarding data. A specific found nowhere is
 *   `invented_specific` (blocked). A specific in a sentence about the prospect that is backed
 *   only by seller data (a competitor, a persona title, a customer story) is `uncited_specific`
 *   (a flag): the seller may know it, but it is not known about this prospect;
 * - in a first touch, refuses a pretended relationship ("as we discussed", a `Re:` subject):
 *   that invents a conversation, so it blocks too; an unresolved placeholder (`{{first_name}}`,
 *   `[Company]`) blocks, because the text was never meant to be sent;
 * - flags banned phrases, a body over the tone's length (or a LinkedIn note over 300
 *   characters), an email without an opt-out line, spam-trigger wording and ALL-CAPS subjects.
 *
 * Why the rules are shaped this way:
 * - A word capitalised only because it starts a sentence (or a title-case subject) is not a
 *   name when it is an ordinary word: a closed list of common words decides that, and anything
 *   else capitalised is a name to be found. Mid-sentence, every capitalised word is checked,
 *   common or not, except `I` and weekday names (a proposed meeting day is not a claim).
 * - A run of capitalised words ("Acme Freight", "Series B") must appear as a whole in one
 *   evidence text, so two true names cannot be glued into an invented one; a run made only of
 *   common words (a title-case subject) passes.
 * - Numbers are compared by value and kind: "9,000" = "9000" = "nine thousand", "$410k" =
 *   "$410,000", "72%" = "72 percent"; a percentage never matches a plain number, so "72
 *   branches" cannot become "72%". "one" is not a specific (too common in plain English).
 * - Month names are dates whichever spelling the evidence uses; "May" starting a sentence is
 *   the verb.
 * Known limits: the rules are written for English (other languages capitalise differently, so
 * German nouns are taken for names); a name written in lower case ("acme") or a sentence-initial
 * name that is also an ordinary word ("Ramp") is not seen as a name; ordinal words ("third")
 * and vague quantities ("hundreds of") are not specifics.
 */

/** The checker's rules; `risk_flag.rule` in sql/0003_outreach.sql lists the same. */
export const GROUNDING_RULES = [
  'unknown_fact',
  'foreign_fact',
  'unverified_fact',
  'invented_specific',
  'pretended_relationship',
  'banned_phrase',
  'placeholder',
  'too_long',
  'missing_opt_out',
  'spam_wording',
  'all_caps_subject',
  'uncited_specific',
] as const;
export type GroundingRule = (typeof GROUNDING_RULES)[number];

/** Version stored with every verdict (`message.checker_version`). */
export const CHECKER_VERSION = 'grounding-v1';

const BLOCKING: ReadonlySet<GroundingRule> = new Set([
  'unknown_fact',
  'foreign_fact',
  'unverified_fact',
  'invented_specific',
  'pretended_relationship',
  'placeholder',
]);

/**
 * The channel decides which rules apply (subject and opt-out are email-only). `email_reply` is
 * an answer to a prospect who wrote to us: a subject, but no opt-out line (they asked).
 */
export type Channel = 'email' | 'email_reply' | 'linkedin_connection_note' | 'linkedin_message' | 'call_task';

/** LinkedIn caps a connection note at 300 characters. */
export const LINKEDIN_NOTE_MAX_CHARS = 300;

/** A fact the draft may cite. `id` is the fact's uuid or its local id (`f1`) in its research. */
export interface EvidenceFact {
  id: string;
  localId?: string;
  researchId: string;
  quote: string;
  verified: boolean;
}

/** What the seller told us at onboarding, as text: the third source of evidence. */
export interface SellerEvidence {
  /** the seller's company, product and rep names and its call to action: welcome in any sentence */
  ownNames: string[];
  /** every other onboarding text that may back a specific (not the sample email, not banned phrases) */
  texts: string[];
}

export interface GroundingInput {
  channel: Channel;
  /** first touch of a sequence: no pretended relationship */
  firstTouch: boolean;
  subject?: string | null;
  /** the text, with `[f1]` citation markers where sentences rest on facts */
  body: string;
  lead: { name: string; companyName: string; title?: string | null; domain?: string | null; email?: string | null };
  /** the research the draft was written from: cited facts must belong to it */
  researchId: string;
  /** facts that citations resolve against (may include other research: those are foreign) */
  facts: EvidenceFact[];
  seller: SellerEvidence;
  tone: { maxWords: number; bannedPhrases: string[]; signature?: string | null };
  /**
   * What the cited evidence is, for the findings' wording: facts of the lead's research (outreach)
   * or passages of the seller's knowledge retrieved for a reply (`facts` then holds those passages,
   * quote = heading and text, all of one `researchId` scope, verified).
   */
  citing?: 'fact' | 'passage';
  /**
   * The prospect's own words (their questions): a specific taken from them is accepted only in a
   * sentence that hands it back or over ("You asked about X", "I'll confirm X"), never as a claim.
   */
  prospectWords?: string[];
}

/** One finding; `sentenceIndex` is the body sentence, or -1 for the subject. */
export interface GroundingFinding {
  rule: GroundingRule;
  severity: 'block' | 'warn';
  detail: string;
  excerpt: string;
  sentenceIndex: number;
}

/** A specific thing the draft says, and where it was found (`null`: nowhere). */
export interface Specific {
  kind: 'number' | 'percent' | 'money' | 'month' | 'relative_date' | 'name' | 'quote';
  text: string;
  source: 'cited_fact' | 'lead' | 'seller' | 'prospect' | null;
}

export interface CheckedSentence {
  index: number;
  text: string;
  /** citations as written (resolved or not) */
  factIds: string[];
  /** ids of the facts that resolved: verified, of this research */
  validFactIds: string[];
  /** addressed to the prospect (you/your, their company or name) */
  aboutProspect: boolean;
  specifics: Specific[];
}

export interface GroundingReport {
  verdict: 'grounded' | 'flagged' | 'blocked';
  findings: GroundingFinding[];
  /** the body without citation markers: what would be sent */
  body: string;
  subject: string | null;
  sentences: CheckedSentence[];
  words: number;
  checkerVersion: string;
}

// ---------------------------------------------------------------------------------------------
// Sentences and citations

const CITATION = /\s*\[((?:[A-Za-z][\w-]*\d[\w-]*|[0-9a-f]{8}-[0-9a-f-]{27})(?:\s*[,;]\s*(?:[A-Za-z][\w-]*\d[\w-]*|[0-9a-f]{8}-[0-9a-f-]{27}))*)\]/g;

// Abbreviations whose period does not end a sentence.
const ABBREVIATIONS = new Set([
  'e.g', 'i.e', 'etc', 'mr', 'mrs', 'ms', 'dr', 'prof', 'inc', 'ltd', 'co', 'corp', 'llc', 'plc', 'gmbh', 'vs', 'st', 'no',
  'approx', 'dept', 'est', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'u.s', 'u.k',
  'fig', 'jr', 'sr', 'mt', 'ave', 'p.s', 'ps', 'a.m', 'p.m',
]);

export interface Sentence {
  text: string;
  start: number;
  end: number;
  factIds: string[];
}

/** Removes citation markers; returns the clean text and each marker's ids with its position. */
export function stripCitations(text: string): { text: string; markers: { at: number; ids: string[] }[] } {
  const markers: { at: number; ids: string[] }[] = [];
  let out = '';
  let last = 0;
  for (const m of text.matchAll(CITATION)) {
    out += text.slice(last, m.index);
    markers.push({ at: out.length, ids: m[1].split(/\s*[,;]\s*/) });
    last = m.index + m[0].length;
  }
  out += text.slice(last);
  return { text: out, markers };
}

/**
 * Splits text into sentences: at line breaks, and at `.`, `!`, `?` (with closing quotes or
 * brackets) followed by whitespace, except after known abbreviations and single initials.
 */
export function splitSentences(text: string): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  const push = (start: number, end: number) => {
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text[s])) s++;
    while (e > s && /\s/.test(text[e - 1])) e--;
    if (e > s && /[\p{L}\p{N}]/u.test(text.slice(s, e))) out.push({ text: text.slice(s, e), start: s, end: e });
  };
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      push(start, i);
      start = i + 1;
      continue;
    }
    if (c !== '.' && c !== '!' && c !== '?') continue;
    let j = i + 1;
    while (j < text.length && /[.!?"'”’)\]]/.test(text[j])) j++;
    if (j < text.length && !/\s/.test(text[j])) continue;
    if (c === '.') {
      const word = /([\p{L}.]+)$/u.exec(text.slice(start, i))?.[1]?.toLowerCase() ?? '';
      if (ABBREVIATIONS.has(word) || /^\p{L}$/u.test(word)) {
        // "Inc." at the end of a line or before a lowercase word is mid-sentence; before a
        // capital it is ambiguous, and continuing keeps the name run together.
        continue;
      }
    }
    push(start, j);
    start = j;
    i = j - 1;
  }
  push(start, text.length);
  return out;
}

/** Sentences of a draft with the fact ids cited in (or right after) each. */
export function citedSentences(draft: string): { text: string; sentences: Sentence[] } {
  const { text, markers } = stripCitations(draft);
  const sentences: Sentence[] = splitSentences(text).map((s) => ({ ...s, factIds: [] }));
  for (const marker of markers) {
    // A marker belongs to the sentence it sits in, or else to the one before it.
    let target = sentences.findIndex((s) => marker.at >= s.start && marker.at <= s.end);
    if (target < 0) {
      for (let k = sentences.length - 1; k >= 0; k--) {
        if (sentences[k].end <= marker.at) {
          target = k;
          break;
        }
      }
    }
    if (target < 0) target = 0;
    if (sentences[target]) for (const id of marker.ids) if (!sentences[target].factIds.includes(id)) sentences[target].factIds.push(id);
  }
  return { text, sentences };
}

// ---------------------------------------------------------------------------------------------
// Normalising evidence

function plain(text: string): string {
  return text.replace(/[‘’`´]/g, "'").replace(/[“”„]/g, '"').replace(/[‐-―−]/g, '-').replace(/\u00a0/g, ' ');
}

/** Lower-case words separated by single spaces, padded: phrase search is `includes(' x y ')`. */
function wordForm(text: string): string {
  return ` ${plain(text).toLowerCase().replace(/'s\b/g, '').replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
}

// ---------------------------------------------------------------------------------------------
// Numbers

const UNITS: Record<string, number> = {
  two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const SCALES: Record<string, number> = {
  hundred: 100, thousand: 1e3, k: 1e3, million: 1e6, m: 1e6, mm: 1e6, mn: 1e6, billion: 1e9, bn: 1e9, b: 1e9, dozen: 12,
};

interface NumberMention {
  kind: 'number' | 'percent' | 'money';
  value: number;
  text: string;
  start: number;
  end: number;
  /** the word right after it ("15-minute" → "minute"), lower case, or '' */
  next: string;
}

const WORD_NUMBER = `(?:(?:${Object.keys(TENS).join('|')})(?:[- ](?:${Object.keys(UNITS).filter((u) => UNITS[u] < 10).join('|')}|one))?|${Object.keys(UNITS).join('|')})`;
const NUMBER = new RegExp(
  String.raw`(?<![\p{L}\p{N}.,])([$€£¥])?\s?(?:(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:st|nd|rd|th|x|s)?|(${WORD_NUMBER}|a|one)(?=\s+(?:hundred|thousand|million|billion|dozen)\b)|(${WORD_NUMBER}))` +
    String.raw`(?:\s?(hundred|thousand|million|billion|dozen|k|mm|mn|m|bn|b)\b)?(?:\s?(%|percent\b|per cent\b|pct\b))?(?:\s?(dollars|usd|eur|euros|gbp|pounds)\b)?(?![\p{L}\p{N}])`,
  'giu',
);

function wordValue(word: string): number | undefined {
  const w = word.toLowerCase();
  if (w === 'a' || w === 'one') return 1;
  if (UNITS[w] !== undefined) return UNITS[w];
  const [tens, unit] = w.split(/[- ]/);
  if (TENS[tens] === undefined) return undefined;
  if (!unit) return TENS[tens];
  return TENS[tens] + (unit === 'one' ? 1 : (UNITS[unit] ?? 0));
}

/** Every number, amount and percentage in `text`, by value (digits and English words). */
export function numberMentions(text: string): NumberMention[] {
  const out: NumberMention[] = [];
  const t = plain(text);
  for (const m of t.matchAll(NUMBER)) {
    const [whole, currency, digits, decimals, scaledWord, word, scale, percent, currencyWord] = m;
    let value: number | undefined;
    if (digits !== undefined) value = Number(`${digits.replace(/,/g, '')}${decimals ? `.${decimals}` : ''}`);
    else value = wordValue(scaledWord ?? word ?? '');
    if (value === undefined || !Number.isFinite(value)) continue;
    // Scales apply the same way to draft and evidence ("5m" is five million on both sides).
    if (scale) value *= SCALES[scale.toLowerCase()];
    value = Math.round(value * 1e6) / 1e6;
    const kind = percent ? 'percent' : currency || currencyWord ? 'money' : 'number';
    const next = /^[\s-]?(\p{L}+)/u.exec(t.slice(m.index + whole.length))?.[1]?.toLowerCase() ?? '';
    out.push({ kind, value, text: whole.trim(), start: m.index, end: m.index + whole.length, next });
  }
  return out;
}

function numberKey(kind: NumberMention['kind'], value: number): string {
  return `${kind}:${value}`;
}

function numberBacked(n: NumberMention, keys: Set<string>): boolean {
  if (keys.has(numberKey(n.kind, n.value))) return true;
  // An amount and a plain number of the same value back each other; a percentage only a percentage.
  if (n.kind === 'money') return keys.has(numberKey('number', n.value));
  if (n.kind === 'number') return keys.has(numberKey('money', n.value));
  return false;
}

// ---------------------------------------------------------------------------------------------
// Dates

const MONTHS: Record<string, number> = {
  january: 1, jan: 1, february: 2, feb: 2, march: 3, mar: 3, april: 4, apr: 4, may: 5, june: 6, jun: 6, july: 7, jul: 7,
  august: 8, aug: 8, september: 9, sep: 9, sept: 9, october: 10, oct: 10, november: 11, nov: 11, december: 12, dec: 12,
};
const WEEKDAYS = new Set(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'mon', 'tue', 'tues', 'wed', 'thu', 'thurs', 'fri']);
const RELATIVE_PAST = /\b(yesterday|last (?:week|month|quarter|year|spring|summer|fall|autumn|winter)|this (?:past )?(?:morning|week)|earlier this (?:week|month|quarter|year)|(?:a few|a couple of|two|three|several) (?:days|weeks|months) ago|recently (?:announced|raised|launched|closed|hired|opened|acquired))\b/gi;

function monthsIn(text: string): Set<number> {
  const out = new Set<number>();
  for (const m of plain(text).matchAll(/\b(\p{L}+)\b/gu)) {
    const w = m[1];
    const month = MONTHS[w.toLowerCase()];
    // In evidence any capitalised spelling counts; "may" in lower case is the verb.
    if (month !== undefined && /^\p{Lu}/u.test(w)) out.add(month);
  }
  for (const m of text.matchAll(/\b(\d{4})-(\d{2})-\d{2}\b/g)) out.add(Number(m[2]));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Names

/**
 * Ordinary words that are capitalised at the start of a sentence or in a title-case subject.
 * Lower-case forms; a word here is never taken for a name in those positions.
 */
const COMMON = new Set(
  `a about above across after again against ago all almost also although always am among an and another any anyone anything are
  around as ask asked asking at away back be because been before being below best better between both brief but by can cannot
  could curious day days dear did do does doing done down during each early either else enough even ever every few final finally
  first for found from further get gets getting given glad good got great had has have having he hello her here hey hi him his
  how however i if in instead into is it its just keen last least less let like likely little long look looking lot made make
  many may maybe me meanwhile might more most much must my need needs never new next nice no none nor not nothing now of off
  often on once one only or other others otherwise our ours out over own per perhaps please quick quickly rather re really
  regards right said same saw say see seem seems seen she should since so some something soon still such sure take than thank
  thanks that the their them then there these they thing things think this those though three through thus to today together
  too two under unless until up upon us very was we well were what whatever when where whether which while who whom whose why
  will with within without worth would yes yet you your yours cheers best warm warmly sincerely congrats congratulations
  noticed noticing reading read reaching reach wondering wondered happy hope hoping imagine idea ideas teams team companies
  company firms most many several finance leaders leader one-line quick question questions follow following up update updates
  short note p s ps fyi btw open opened opening saw seeing seems sounds sound worth cost costs time times close closing faster
  fast slow quicker fewer more less invoice invoices invoicing payment payments pay paying vendor vendors spend spending
  approval approvals approve approving month months week weeks year years quarter quarters end month-end manual manually
  process processing automation automate automated tool tools software platform platforms data real real-time visibility
  control controls audit audits growth growing grow scale scaling hiring hire hires expansion expanding expand new sites site
  branch branches office offices location locations customer customers proof case story stories example examples result
  results how-to how why what's here's there's that's it's i'm i've i'd i'll we're we've you're you've let's don't doesn't
  isn't aren't won't can't couldn't wouldn't shouldn't no-one either neither both unsubscribe reply replying opt out stop
  remove removed not interested right person wrong sorry apologies mind pointing point connect connecting connection
  linkedin call calls calling chat talk talking meeting meetings minutes minute walk show showing share sharing send sending
  sent free urgent important offer deal save limited alert reminder action required attention kind truly
  respectfully soon speak talk cordially`.split(/\s+/).filter(Boolean),
);

/**
 * Legal and group forms of company names. Alone they name nothing, so a word they follow is part
 * of the name even when it is an ordinary word at a sentence start ("Likely Corp", "May Holdings").
 */
const COMPANY_FORMS = new Set(['inc', 'incorporated', 'ltd', 'limited', 'llc', 'llp', 'plc', 'corp', 'corporation', 'co', 'gmbh', 'ag', 'sa', 'bv', 'holdings', 'group']);

/** Words that are capitalised mid-sentence without being names. */
const ALWAYS_OK = new Set(['i', "i'm", "i've", "i'd", "i'll", 'ok', 'okay', 'ps', 'p.s', 'fyi', 'btw', ...WEEKDAYS]);

interface NameRun {
  tokens: string[];
  text: string;
}

const WORD_TOKEN = /[\p{L}\p{N}][\p{L}\p{N}'&./-]*[\p{L}\p{N}]|[\p{L}\p{N}]/gu;

function isCapitalised(token: string): boolean {
  return /^\p{Lu}/u.test(token) || /^\p{Ll}+\p{Lu}/u.test(token);
}

function bare(token: string): string {
  return token.replace(/'s$/i, '').replace(/\.$/, '');
}

/**
 * Runs of capitalised words that may be names. A sentence's first word, or any word of a
 * title-case subject, is left out when it is a common word; month names are dates, not names.
 */
function nameRuns(sentence: string, isSubject: boolean, ordinary: ReadonlySet<string>): NameRun[] {
  const text = plain(sentence);
  const runs: NameRun[] = [];
  let current: { tokens: string[]; start: number; end: number } | undefined;
  let index = 0;
  let previousEnd = 0;
  // the capitalised word just before, when it was ruled not to be a name
  let passedOver: { token: string; start: number } | undefined;
  const flush = () => {
    if (current && current.tokens.length > 0) runs.push({ tokens: current.tokens, text: text.slice(current.start, current.end) });
    current = undefined;
  };
  for (const m of text.matchAll(WORD_TOKEN)) {
    const token = bare(m[0]);
    const lower = token.toLowerCase();
    const gap = text.slice(previousEnd, m.index);
    previousEnd = m.index + m[0].length;
    // A new clause (after : ; or an opening quote or bracket) starts like a sentence.
    const clauseStart = index === 0 || /[:;("“]\s*$/.test(gap);
    index++;
    const isNumberLike = /^\p{N}/u.test(token);
    const capital = isCapitalised(token) && !isNumberLike;
    const startsLikeSentence = clauseStart || isSubject;
    let name = capital;
    if (name && ALWAYS_OK.has(lower)) name = false;
    if (name && MONTHS[lower] !== undefined && !(lower === 'may' && clauseStart)) name = false;
    if (name && startsLikeSentence && (COMMON.has(lower) || ordinary.has(lower)) && !/^\p{Lu}{2,}$/u.test(token)) name = false;
    if (name && lower === 'a' && clauseStart) name = false;
    // An ordinary word in capitals ("QUICK") is shouting, which the subject rule flags, not a name.
    if (name && token.length >= 4 && /^\p{Lu}+$/u.test(token) && COMMON.has(lower)) name = false;
    // Runs are words next to each other: a comma, "and" or "of" ends one.
    if (!name || (current && !/^\s+$/.test(gap))) flush();
    if (name) {
      if (!current && passedOver && COMPANY_FORMS.has(lower) && /^\s+$/.test(gap)) current = { tokens: [passedOver.token], start: passedOver.start, end: m.index };
      current ??= { tokens: [], start: m.index, end: m.index };
      current.tokens.push(token);
      current.end = m.index + bare(m[0]).length;
    }
    passedOver = capital && !name ? { token, start: m.index } : undefined;
  }
  flush();
  // A run of ordinary words in title case ("Month-End Close") names nothing.
  return runs.filter((r) => !r.tokens.every((t) => COMMON.has(t.toLowerCase()) && !/^\p{Lu}{2,}$/u.test(t)));
}

/** Words written in lower case somewhere in `texts`: capitalised at a sentence start they are ordinary words. */
function lowerCaseWords(texts: string[]): Set<string> {
  const out = new Set<string>();
  for (const t of texts) for (const m of plain(t).matchAll(/(?<![\p{L}\p{N}])(\p{Ll}[\p{Ll}'-]*)(?![\p{L}\p{N}])/gu)) out.add(m[1].replace(/'s$/, ''));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Phrases

const PRETENDED = [
  /\bas (?:we |I )?(?:discussed|promised|agreed|mentioned)\b/i,
  /\b(?:following|follow) up on (?:our|my|the) (?:call|conversation|chat|meeting|discussion|talk|demo)\b/i,
  /\b(?:per|after|since|from) our (?:recent |last |earlier |previous )?(?:call|conversation|chat|meeting|discussion|talk)\b/i,
  /\b(?:it )?was (?:great|good|nice|lovely|a pleasure) (?:to )?(?:speak|speaking|talk|talking|chat|chatting|meet|meeting|connect|connecting)\b/i,
  /\b(?:great|good|nice|lovely) (?:speaking|talking|chatting|meeting|catching up) (?:with|to) you\b/i,
  /\bwhen we (?:spoke|talked|met|chatted|last spoke)\b/i,
  /\b(?:our|the) (?:recent|last|previous|earlier) (?:call|conversation|chat|meeting|discussion)\b/i,
  /\bas I (?:said|mentioned|promised) (?:on|in|during|at)\b/i,
  /\byou (?:asked|requested) (?:me|us) (?:to|for|about)\b/i,
  /\bthanks? (?:you )?for (?:your time (?:on|yesterday|last)|taking the call|the (?:call|chat|meeting|conversation))\b/i,
  /\b(?:circling|circle) back\b/i,
  /\b(?:just )?(?:following|checking) (?:up|back) (?:on|about|with)\b/i,
  /\bper your request\b/i,
  /\b(?:continue|continuing) our (?:conversation|discussion)\b/i,
  /\byou (?:reached out|got in touch|contacted us)\b/i,
];

const PLACEHOLDER = /\{\{[^}]*\}\}|\{\s*[A-Za-z_][\w .-]*\}|\[\s*(?:first[ _-]?name|last[ _-]?name|name|company(?:[ _-]?name)?|title|insert[^\]]*|your[^\]]*|prospect[^\]]*|recipient[^\]]*|x+|tbd|todo)\s*\]|<\s*(?:first[ _-]?name|company|name|insert[^>]*)\s*>|%[A-Z_]{3,}%|\bTBD\b|\bTODO\b|\bXXX+\b|\blorem ipsum\b/i;

const OPT_OUT = /\bunsubscribe\b|\bopt[ -]?out\b|\bnot (?:interested|the right person|a fit|a priority)\b|\b(?:reply|respond)(?: with)? ["'“]?(?:no|stop|remove|unsubscribe)\b|\b(?:won't|will not|wouldn't) (?:email|write|contact|reach out|follow up)\b|\b(?:I'll|I will) (?:stop|not (?:email|write|follow up))\b|\bno more (?:emails|messages|follow-ups)\b|\blet me know and I(?:'ll| will) (?:stop|leave you)\b/i;

const SPAM = [
  /\b100% free\b/i, /\bfree trial\b/i, /\bfor free\b/i, /\bact now\b/i, /\blimited[- ]time\b/i, /\brisk[- ]free\b/i,
  /\bno obligation\b/i, /\bclick (?:here|below)\b/i, /\bbuy now\b/i, /\border now\b/i, /\bguarantee(?:d)?\b/i, /\bwinner\b/i,
  /\bcash bonus\b/i, /\bearn (?:money|cash|\$)/i, /\bmake money\b/i, /\bdouble your\b/i, /\bonce in a lifetime\b/i,
  /\burgent\b/i, /\bexclusive (?:deal|offer)\b/i, /\bspecial promotion\b/i, /\bno cost\b/i, /\blowest price\b/i,
  /\bbest price\b/i, /\bmiracle\b/i, /\bincredible deal\b/i, /\bapply now\b/i, /\bdon't (?:miss|delete)\b/i, /!!+/, /\$\$+/,
];

function phraseRegex(phrase: string): RegExp {
  const escaped = plain(phrase).trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'iu');
}

function countWords(text: string): number {
  return (plain(text).match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? []).length;
}

// ---------------------------------------------------------------------------------------------
// The check

const CITATION_WORDING = {
  fact: {
    unknown: (id: string) => `cites fact ${id}, which is not in the lead's research`,
    foreign: (id: string) => `cites fact ${id}, which belongs to another lead's research`,
    unverified: (id: string) => `cites fact ${id}, whose quote was not verified on its page`,
  },
  passage: {
    unknown: (id: string) => `cites passage ${id}, which was not retrieved for this reply (only retrieved passages may be cited)`,
    foreign: (id: string) => `cites passage ${id}, which belongs to another workspace's knowledge`,
    unverified: (id: string) => `cites passage ${id}, which is not in the seller's active knowledge`,
  },
} as const;

// A sentence that hands the prospect's words back ("you asked about") or over to the rep
// ("I'll confirm"): their specifics may appear there without being claimed.
const ECHO = /\b(?:you asked|you mentioned|you wrote|your question|I(?:'ll| will) (?:confirm|check|come back|get back)|(?:will|to) confirm|the rep will|needs? (?:the rep|confirming))\b/i;

interface EvidenceSet {
  words: string;
  numbers: Set<string>;
  /** `kind:value:next-word`, for numbers that must be backed in the same phrase */
  numbersInContext: Set<string>;
  months: Set<number>;
  text: string;
}

function evidenceSet(texts: string[]): EvidenceSet {
  const numbers = new Set<string>();
  const numbersInContext = new Set<string>();
  const months = new Set<number>();
  for (const t of texts) {
    for (const n of numberMentions(t)) {
      numbers.add(numberKey(n.kind, n.value));
      numbersInContext.add(`${numberKey(n.kind, n.value)}:${n.next}`);
    }
    for (const month of monthsIn(t)) months.add(month);
  }
  return { words: texts.map(wordForm).join('\n'), numbers, numbersInContext, months, text: texts.map((t) => plain(t).toLowerCase()).join('\n') };
}

/** Whether a name run (or each of its uncommon words) appears in one evidence text. */
function nameBacked(run: NameRun, evidence: EvidenceSet): boolean {
  const phrase = wordForm(run.tokens.join(' '));
  if (phrase.trim() === '') return true;
  return evidence.words.split('\n').some((w) => w.includes(phrase));
}

/** Checks a draft; see the module comment for the rules. */
export function checkGrounding(input: GroundingInput): GroundingReport {
  const findings: GroundingFinding[] = [];
  const add = (rule: GroundingRule, detail: string, excerpt: string, sentenceIndex: number) =>
    findings.push({ rule, severity: BLOCKING.has(rule) ? 'block' : 'warn', detail, excerpt, sentenceIndex });

  const { text: body, sentences } = citedSentences(input.body);
  const subject = input.subject?.trim() ? stripCitations(input.subject).text.trim() : null;

  // ---- citations
  const wording = CITATION_WORDING[input.citing ?? 'fact'];
  const byUuid = new Map(input.facts.map((f) => [f.id, f]));
  const byLocal = new Map(input.facts.filter((f) => f.researchId === input.researchId && f.localId).map((f) => [f.localId!, f]));
  const checked: CheckedSentence[] = [];
  const citedQuotes: string[] = [];
  for (const [index, s] of sentences.entries()) {
    const valid: string[] = [];
    for (const id of s.factIds) {
      const fact = byLocal.get(id) ?? byUuid.get(id);
      if (!fact) add('unknown_fact', wording.unknown(id), s.text, index);
      else if (fact.researchId !== input.researchId) add('foreign_fact', wording.foreign(id), s.text, index);
      else if (!fact.verified) add('unverified_fact', wording.unverified(id), s.text, index);
      else {
        valid.push(id);
        citedQuotes.push(fact.quote);
      }
    }
    checked.push({ index, text: s.text, factIds: s.factIds, validFactIds: valid, aboutProspect: false, specifics: [] });
  }

  // ---- specifics
  const leadTexts = [input.lead.name, input.lead.companyName, input.lead.title ?? '', input.lead.domain ?? '', input.lead.email ?? ''].filter(Boolean);
  const sources = {
    cited_fact: evidenceSet(citedQuotes),
    lead: evidenceSet(leadTexts),
    own: evidenceSet(input.seller.ownNames),
    seller: evidenceSet([...input.seller.ownNames, ...input.seller.texts]),
    prospect: evidenceSet(input.prospectWords ?? []),
  };
  const firstName = input.lead.name.trim().split(/\s+/)[0] ?? '';
  const prospectCue = new RegExp(
    [String.raw`\byou(?:r|rs|'re|'ve|'ll|'d)?\b`, String.raw`\bcongrat`, ...[input.lead.companyName, firstName].filter((x) => x.length > 1).map((x) => phraseRegex(x).source)].join('|'),
    'iu',
  );
  const signature = input.tone.signature ? wordForm(input.tone.signature) : '';
  const ordinary = lowerCaseWords([body, subject ?? '', ...input.facts.map((f) => f.quote), ...leadTexts, ...input.seller.ownNames, ...input.seller.texts]);

  const uncitedFacts = input.facts.filter((f) => f.researchId === input.researchId && f.verified && !citedQuotes.includes(f.quote));
  const hint = (backed: (e: EvidenceSet) => boolean): string => {
    const fact = uncitedFacts.find((f) => backed(evidenceSet([f.quote])));
    return fact ? ` (${input.citing ?? 'fact'} ${fact.localId ?? fact.id} has it: cite it)` : '';
  };

  const examine = (text: string, sentenceIndex: number, isSubject: boolean, target: CheckedSentence | undefined) => {
    const aboutProspect = prospectCue.test(plain(text));
    // A reply's subject is the thread's own ("Re: ..."): its words are the prospect's to echo.
    const echoes = ECHO.test(plain(text)) || (isSubject && /^\s*re\s*:/i.test(text));
    if (target) target.aboutProspect = aboutProspect;
    const specifics: Specific[] = [];
    // Said to the prospect, a specific must come from a cited fact, their own identity or the
    // seller's own names; a number may also come from the seller's data in the same phrase
    // ("a 15-minute call"). Elsewhere any of the three sources will do.
    const judge = (kind: Specific['kind'], shown: string, backed: (e: EvidenceSet) => boolean, ownOk: boolean) => {
      // Words handed back to the prospect are theirs first: no citation is owed for them.
      let source: Specific['source'] = echoes && backed(sources.prospect) ? 'prospect' : backed(sources.cited_fact) ? 'cited_fact' : backed(sources.lead) ? 'lead' : null;
      if (!source && (ownOk || (!aboutProspect && backed(sources.seller)))) source = 'seller';
      specifics.push({ kind, text: shown, source });
      if (source !== null) return;
      const onlySeller = aboutProspect && backed(sources.seller);
      add(
        'invented_specific',
        onlySeller
          ? `"${shown}" (${kind.replace('_', ' ')}) is said about the prospect, but only the seller's data has it${hint(backed)}`
          : `"${shown}" (${kind.replace('_', ' ')}) is not in any cited fact, the lead's name, company or title, or the seller's data${hint(backed)}`,
        text,
        sentenceIndex,
      );
    };
    for (const n of numberMentions(text)) {
      // "one" and "a" alone are ordinary English, not specifics.
      if (n.kind === 'number' && n.value === 1 && /^(?:a|one)$/i.test(n.text)) continue;
      // The seller's own words (names, call to action) back a number only in the same phrase: the
      // "15" of "a 15-minute look" is not "15 new sites".
      judge(n.kind, n.text, (e) => numberBacked(n, e.numbers), sources.own.numbersInContext.has(`${numberKey(n.kind, n.value)}:${n.next}`));
    }
    for (const m of plain(text).matchAll(/\b(\p{L}+)\b/gu)) {
      const month = MONTHS[m[1].toLowerCase()];
      if (month === undefined || !/^\p{Lu}/u.test(m[1])) continue;
      if (m[1] === 'May' && (m.index === 0 || /[.!?:]\s*$/.test(text.slice(0, m.index)))) continue;
      judge('month', m[1], (e) => e.months.has(month), false);
    }
    for (const m of plain(text).matchAll(RELATIVE_PAST)) {
      const phrase = m[0].toLowerCase();
      judge('relative_date', m[0], (e) => e.text.includes(phrase), false);
    }
    // Words in quotation marks are someone's words: they must be found as they are.
    for (const m of plain(text).matchAll(/"([^"]{3,})"/g)) {
      const quoted = wordForm(m[1]);
      if (quoted.trim().split(' ').length < 3) continue;
      judge('quote', m[1], (e) => e.words.split('\n').some((w) => w.includes(quoted)), false);
    }
    for (const run of nameRuns(text, isSubject, ordinary)) {
      // A signature line names the rep, whose name is the seller's own.
      const inSignature = signature !== '' && signature.includes(wordForm(run.text));
      judge('name', run.text, (e) => nameBacked(run, e), inSignature || nameBacked(run, sources.own));
    }
    if (target) {
      target.specifics = specifics;
      // Every sentence that says something specific about the prospect should carry its citation.
      const leaning = specifics.find((x) => x.source === 'cited_fact');
      if (aboutProspect && leaning && target.validFactIds.length === 0) {
        add('uncited_specific', `"${leaning.text}" comes from a fact cited elsewhere; cite it in this sentence too`, text, sentenceIndex);
      }
    }
  };
  if (subject) examine(subject, -1, true, undefined);
  for (const s of checked) examine(s.text, s.index, false, s);

  // ---- pretended relationship, placeholders, banned phrases, spam
  const whole = [subject ?? '', body].join('\n');
  const sentenceOf = (pattern: RegExp): { excerpt: string; index: number } => {
    if (subject && pattern.test(plain(subject))) return { excerpt: subject, index: -1 };
    const s = checked.find((c) => pattern.test(plain(c.text)));
    return s ? { excerpt: s.text, index: s.index } : { excerpt: '', index: 0 };
  };
  if (input.firstTouch) {
    for (const p of PRETENDED) {
      const m = p.exec(plain(whole));
      if (m) {
        const at = sentenceOf(p);
        add('pretended_relationship', `"${m[0]}" pretends an earlier conversation in a first touch`, at.excerpt, at.index);
      }
    }
    if (subject && /^\s*(?:re|fwd?|aw|sv)\s*:/i.test(subject)) {
      add('pretended_relationship', 'the subject starts like a reply or forward in a first touch', subject, -1);
    }
  }
  const placeholder = PLACEHOLDER.exec(whole);
  if (placeholder) {
    const at = sentenceOf(PLACEHOLDER);
    add('placeholder', `unresolved placeholder "${placeholder[0]}"`, at.excerpt, at.index);
  }
  for (const phrase of input.tone.bannedPhrases) {
    if (!phrase.trim()) continue;
    const p = phraseRegex(phrase);
    if (p.test(plain(whole))) {
      const at = sentenceOf(p);
      add('banned_phrase', `uses the banned phrase "${phrase}"`, at.excerpt, at.index);
    }
  }
  for (const p of SPAM) {
    const m = p.exec(plain(whole));
    if (m) {
      const at = sentenceOf(p);
      add('spam_wording', `"${m[0]}" is spam-trigger wording`, at.excerpt, at.index);
    }
  }

  // ---- subject, length, opt-out
  if ((input.channel === 'email' || input.channel === 'email_reply') && subject) {
    const letters = subject.replace(/[^\p{L}]/gu, '');
    const upper = subject.replace(/[^\p{Lu}]/gu, '').length;
    const shouting = (subject.match(/\b\p{Lu}{4,}\b/gu) ?? []).filter((w) => !sources.seller.text.includes(w.toLowerCase()) && !sources.cited_fact.text.includes(w.toLowerCase()) && !sources.lead.text.includes(w.toLowerCase()));
    if ((letters.length >= 6 && upper / letters.length >= 0.7) || shouting.length > 0) {
      add('all_caps_subject', `the subject shouts${shouting.length ? ` ("${shouting.join('", "')}")` : ''}`, subject, -1);
    }
  }
  const counted = checked.filter((c) => !(signature && signature.includes(wordForm(c.text))) && !OPT_OUT.test(plain(c.text)));
  const words = counted.reduce((n, c) => n + countWords(c.text), 0);
  if (input.channel === 'linkedin_connection_note') {
    if (body.trim().length > LINKEDIN_NOTE_MAX_CHARS) {
      add('too_long', `the connection note is ${body.trim().length} characters; LinkedIn allows ${LINKEDIN_NOTE_MAX_CHARS}`, body.trim().slice(0, 80), 0);
    }
  } else if (words > input.tone.maxWords) {
    add('too_long', `${words} words; the tone allows ${input.tone.maxWords}`, checked[0]?.text ?? '', 0);
  }
  if (input.channel === 'email' && !OPT_OUT.test(plain(body))) {
    add('missing_opt_out', 'no opt-out line (for example "Not the right person? Reply and I will not follow up.")', checked.at(-1)?.text ?? '', Math.max(0, checked.length - 1));
  }

  const verdict = findings.some((f) => f.severity === 'block') ? 'blocked' : findings.length > 0 ? 'flagged' : 'grounded';
  return { verdict, findings, body, subject, sentences: checked, words, checkerVersion: CHECKER_VERSION };
}

/**
 * Whether a sentence says something specific about the prospect: addressed to them and naming
 * a number, date or name that is not the seller's own or the lead's own identity.
 */
export function isProspectSpecific(sentence: CheckedSentence): boolean {
  if (sentence.factIds.length > 0) return true;
  return sentence.aboutProspect && sentence.specifics.some((s) => s.source !== 'lead' && !(s.source === 'seller' && s.kind === 'name'));
}

/** The seller's evidence from an onboarding file: own names, and every text that may back a specific. */
export function sellerEvidence(onboarding: {
  company: { name: string; website: string; description: string; valuePropositions: string[]; differentiators: string[]; proofPoints: { title: string; customer?: string | null; summary: string; metric?: string | null }[]; competitors: { name: string; notes?: string | null }[] };
  products: { name: string; description: string; priceNotes?: string | null; features: string[]; painsSolved: string[]; useCases: string[] }[];
  icps: { personas: { responsibilities: string[]; pains: string[]; goals: string[] }[] }[];
  users: { name: string; email: string; title?: string | null; signature?: string | null; calendarLink?: string | null }[];
  tone: { callToAction: string };
}): SellerEvidence {
  const c = onboarding.company;
  const host = (() => {
    try {
      return new URL(c.website).hostname.replace(/^www\./, '');
    } catch {
      return '';
    }
  })();
  const ownNames = [
    c.name,
    host,
    ...onboarding.products.map((p) => p.name),
    ...onboarding.users.flatMap((u) => [u.name, u.signature ?? '']),
    onboarding.tone.callToAction,
  ].filter(Boolean);
  const texts = [
    c.description,
    ...c.valuePropositions,
    ...c.differentiators,
    ...c.proofPoints.flatMap((p) => [p.title, p.customer ?? '', p.summary, p.metric ?? '']),
    ...c.competitors.flatMap((x) => [x.name, x.notes ?? '']),
    ...onboarding.products.flatMap((p) => [p.description, p.priceNotes ?? '', ...p.features, ...p.painsSolved, ...p.useCases]),
    // ICP criteria (industries, technologies, funding stages, triggers) and persona titles say
    // whom the seller looks for, not what is true of anyone: they back nothing. Persona pains
    // and goals are the seller's own framing.
    ...onboarding.icps.flatMap((i) => i.personas.flatMap((p) => [...p.responsibilities, ...p.pains, ...p.goals])),
    ...onboarding.users.flatMap((u) => [u.title ?? '', u.email, u.calendarLink ?? '']),
  ].filter((t) => t.trim().length > 0);
  return { ownNames, texts };
}
