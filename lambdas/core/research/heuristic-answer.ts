/**
 * The offline heuristic researcher's brain: answers the same prompts the engine sends to an LLM,
 * by reading the data blocks out of the prompt. Facts are lines that match category cues or the
 * ICP/product terms, quoted exactly; the synthesis is a transparent keyword-based assessment
 * per ICP criterion, scored with the same rubric the engine applies. Deterministic and pure, so
 * the fake Groq server answers with it too.
 */
import type { LlmRequest } from '../ports.ts';
import { GAP_LINE } from './prompts.ts';
import { computeFitScore } from './rubric.ts';
import { ANSWER_SCHEMAS, CRITERIA, FACT_CATEGORIES, parseAnswer, type AnswerPass, type Assessment, type Criterion, type FactsAnswer, type SynthesisAnswer } from './schemas.ts';
import { isBoilerplate, keywordHits, keywordSetFrom, matchCues, sentenceSpans, type FactCategory, type KeywordSet } from './text.ts';

/** Which pass a prompt belongs to, told apart by the data blocks it carries. */
export function inferPass(user: string): AnswerPass | 'repair' | 'unknown' {
  if (user.includes('<<<PREVIOUS ANSWER')) return 'repair';
  if (user.includes('<<<FACTS>>>')) return 'synthesis';
  if (user.includes('<<<PAGE ')) return 'facts';
  return 'unknown';
}

/** Answers one research prompt as JSON text. */
export function answerPrompt(request: LlmRequest): string {
  const pass = inferPass(request.user);
  if (pass === 'facts') return JSON.stringify(answerFacts(request.user));
  if (pass === 'synthesis') return JSON.stringify(answerSynthesis(request.user));
  if (pass === 'repair') return JSON.stringify(answerRepair(request.user));
  return JSON.stringify({ error: 'unrecognised prompt' });
}

// ---------------------------------------------------------------------------------------------
// Prompt parsing

/** The content of a `<<<NAME>>> ... <<<END NAME>>>` block, or undefined. */
export function extractBlock(text: string, name: string): string | undefined {
  const open = `<<<${name}>>>`;
  const from = text.indexOf(open);
  if (from < 0) return undefined;
  const to = text.indexOf(`<<<END ${name}>>>`, from + open.length);
  if (to < 0) return undefined;
  return text.slice(from + open.length, to).replace(/^\n/, '').replace(/\n$/, '');
}

/** A page block as the prompt carries it. */
export interface PromptPage {
  id: string;
  url: string;
  kind: string;
  title: string;
  text: string;
}

/** All page blocks of a facts prompt. */
export function parsePageBlocks(user: string): PromptPage[] {
  const pages: PromptPage[] = [];
  const re = /<<<PAGE ([^\n]*?)>>>\n([\s\S]*?)\n<<<END PAGE ([^\n]*?)>>>/g;
  for (const m of user.matchAll(re)) {
    const attrs: Record<string, string> = {};
    for (const a of m[1].matchAll(/(\w+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    pages.push({ id: attrs.id ?? m[3], url: attrs.url ?? '', kind: attrs.kind ?? 'other', title: attrs.title ?? '', text: m[2] });
  }
  return pages;
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Facts

interface FactsContext {
  focusTerms?: string[];
  maxFactsPerPage?: number;
  maxFacts?: number;
}

interface Candidate {
  page: number;
  position: number;
  score: number;
  category: FactCategory;
  quote: string;
  claim: string;
  pageId: string;
}

const MAX_QUOTE_CHARS = 300;

/** The facts answer for a facts prompt. */
export function answerFacts(user: string): FactsAnswer {
  const context = parseJson<FactsContext>(extractBlock(user, 'CONTEXT')) ?? {};
  const keywords = keywordSetFrom(context.focusTerms ?? []);
  const perPage = Math.max(1, context.maxFactsPerPage ?? 6);
  const maxFacts = Math.max(1, context.maxFacts ?? 20);
  const pages = parsePageBlocks(user);

  const chosen: Candidate[] = [];
  pages.forEach((page, pageIndex) => {
    const seen = new Set<string>();
    const candidates = candidatesOf(page, pageIndex, keywords).filter((c) => {
      const key = c.quote.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const best = [...candidates].sort((a, b) => b.score - a.score || a.position - b.position).slice(0, perPage);
    chosen.push(...best);
  });

  // keep the best of every page first, then fill up to the total by score
  const ranked = [...chosen].sort((a, b) => b.score - a.score || a.page - b.page || a.position - b.position);
  const kept: Candidate[] = [];
  const pagesSeen = new Set<number>();
  for (const c of ranked) if (!pagesSeen.has(c.page) && kept.length < maxFacts) (pagesSeen.add(c.page), kept.push(c));
  for (const c of ranked) if (!kept.includes(c) && kept.length < maxFacts) kept.push(c);
  kept.sort((a, b) => a.page - b.page || a.position - b.position);
  return { facts: kept.map(({ category, claim, quote, pageId }) => ({ category, claim, quote, pageId })) };
}

function candidatesOf(page: PromptPage, pageIndex: number, keywords: KeywordSet): Candidate[] {
  const out: Candidate[] = [];
  let position = 0;
  for (const rawLine of page.text.split('\n')) {
    const line = rawLine.trim();
    if (!line || line === GAP_LINE || isBoilerplate(line)) continue;
    const body = stripLineMarkup(line);
    if (body.length < 12) continue;
    const units = body.length > 240 ? sentenceSpans(body, 0, body.length).map(([s, e]) => body.slice(s, e)) : [body];
    for (const unit of units) {
      position++;
      const quote = cutQuote(unit);
      if (quote.length < 12) continue;
      const cues = matchCues(quote);
      const hits = keywordHits(quote, keywords);
      let score = cues.reduce((sum, c) => sum + c.weight, 0) + 2 * hits.length + (/\d/.test(quote) ? 1 : 0);
      if (!cues.length && !hits.length) continue;
      // headings and very short lines are labels, not facts, unless they name something specific
      const label = /^#{1,6}\s/.test(line) || /^(title|description)\s*:/i.test(line) || quote.split(/\s+/).length < 4;
      if (label && !hits.length && !/\d/.test(quote)) continue;
      // a product cue alone ("platform") says little; wait for something more specific
      if (score < 2) continue;
      if (/^(title|description)\s*:/i.test(line)) score += 0.5;
      const category: FactCategory = cues[0]?.category ?? (hits.length ? 'product' : 'other');
      out.push({ page: pageIndex, position, score, category, quote, claim: claimOf(page.kind, quote), pageId: page.id });
    }
  }
  return out;
}

/** The line without list/heading/label markup, still an exact substring of the line. */
function stripLineMarkup(line: string): string {
  return line
    .replace(/^(#{1,6}\s+|[-*+•]\s+|\d+[.)]\s+|>\s*)/, '')
    .replace(/^(title|description)\s*:\s*/i, '')
    .trim();
}

function cutQuote(unit: string): string {
  if (unit.length <= MAX_QUOTE_CHARS) return unit;
  const cut = unit.lastIndexOf(' ', MAX_QUOTE_CHARS);
  return unit.slice(0, cut > 40 ? cut : MAX_QUOTE_CHARS).replace(/[\s,;:]+$/, '');
}

function plain(text: string): string {
  return text
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\*\*|__|`/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function claimOf(kind: string, quote: string): string {
  const text = plain(quote);
  const short = text.length > 180 ? `${text.slice(0, 177).replace(/\s+\S*$/, '')}...` : text;
  return `The ${kind || 'site'} page says: ${short}`;
}

// ---------------------------------------------------------------------------------------------
// Synthesis

interface SynthesisContext {
  seller?: {
    name?: string;
    valuePropositions?: string[];
    products?: { name?: string; painsSolved?: string[]; useCases?: string[] }[];
  };
  icp?: {
    name?: string;
    industries?: string[];
    employeesMin?: number | null;
    employeesMax?: number | null;
    geographies?: string[];
    technologies?: string[];
    fundingStages?: string[];
    buyingTriggers?: string[];
    negativeIcp?: string[];
    keywords?: string[];
    personas?: { pains?: string[] }[];
  } | null;
  lead?: { companyName?: string; domain?: string };
  criteria?: string[];
}

interface PromptFact {
  id: string;
  category: string;
  claim: string;
  quote: string;
  page?: string;
}

/** Parses the facts block of a synthesis prompt (one JSON object per line). */
export function parseFactLines(user: string): PromptFact[] {
  const block = extractBlock(user, 'FACTS') ?? '';
  const facts: PromptFact[] = [];
  for (const line of block.split('\n')) {
    const f = parseJson<PromptFact>(line.trim());
    if (f && typeof f.id === 'string' && typeof f.claim === 'string') facts.push({ ...f, quote: f.quote ?? '', category: f.category ?? 'other' });
  }
  return facts;
}

// Common ways a page names a place the ICP lists differently.
const GEO_SYNONYMS: Record<string, string[]> = {
  'united states': ['usa', 'u.s.', 'us-based', 'america'],
  us: ['united states', 'usa', 'u.s.'],
  usa: ['united states', 'u.s.'],
  'north america': ['united states', 'usa', 'canada', 'mexico'],
  'united kingdom': ['uk', 'britain', 'england', 'london'],
  uk: ['united kingdom', 'britain', 'england', 'london'],
  europe: ['eu', 'european', 'germany', 'france', 'netherlands', 'spain', 'italy', 'uk', 'ireland', 'belgium', 'poland', 'sweden', 'denmark', 'austria'],
  emea: ['europe', 'middle east', 'africa', 'uk', 'germany', 'france'],
  dach: ['germany', 'austria', 'switzerland'],
};

/** Whether every significant word of `term` occurs in `text` (by stem). */
function termMatches(term: string, text: string): boolean {
  const set = keywordSetFrom([term]);
  if (!set.stems.length) return false;
  const hits = new Set(keywordHits(text, { phrases: [], stems: set.stems }));
  return set.stems.every((s) => hits.has(s));
}

interface Assessed {
  criterion: Criterion;
  assessment: Assessment;
  reason: string;
  factIds: string[];
}

function matchTerms(terms: string[], facts: PromptFact[]): { term: string; ids: string[] }[] {
  const out: { term: string; ids: string[] }[] = [];
  for (const term of terms) {
    const ids = facts.filter((f) => termMatches(term, `${f.claim} ${f.quote}`)).map((f) => f.id);
    if (ids.length) out.push({ term, ids });
  }
  return out;
}

function byTerms(criterion: Criterion, terms: string[], facts: PromptFact[], what: string): Assessed {
  const found = matchTerms(terms, facts);
  if (!found.length) return { criterion, assessment: 'unknown', reason: `No fact mentions ${what} (${terms.slice(0, 5).join(', ')}).`, factIds: [] };
  const ids = unique(found.flatMap((f) => f.ids)).slice(0, 4);
  return { criterion, assessment: 'fits', reason: `Keyword match for ${what}: ${found.map((f) => `"${f.term}"`).join(', ')}.`, factIds: ids };
}

/** Employee counts a fact states: "250 employees", "team of 40", "50-200 people", "1.2k staff". */
export function employeeCounts(text: string): number[] {
  const counts: number[] = [];
  const num = (s: string, k?: string) => Number(s.replace(/,/g, '')) * (k ? 1000 : 1);
  const range = /(\d[\d,]*(?:\.\d+)?)\s*(k)?\s*(?:-|–|to)\s*(\d[\d,]*(?:\.\d+)?)\s*(k)?\+?\s*(?:employees|people|staff|team members|FTEs?)\b/gi;
  for (const m of text.matchAll(range)) counts.push(num(m[1], m[2]), num(m[3], m[4]));
  const single = /(\d[\d,]*(?:\.\d+)?)\s*(k)?\+?\s*(?:full-time\s+)?(?:employees|people|staff|team members|FTEs?)\b/gi;
  for (const m of text.matchAll(single)) counts.push(num(m[1], m[2]));
  const teamOf = /team of (\d[\d,]*)/gi;
  for (const m of text.matchAll(teamOf)) counts.push(num(m[1]));
  const label = /employees\s*[:|]\s*(\d[\d,]*)/gi;
  for (const m of text.matchAll(label)) counts.push(num(m[1]));
  return counts.filter((n) => Number.isFinite(n) && n > 0);
}

function assessSize(min: number | null, max: number | null, facts: PromptFact[]): Assessed {
  const found = facts.map((f) => ({ f, n: employeeCounts(`${f.quote} ${f.claim}`) })).filter((x) => x.n.length);
  if (!found.length) return { criterion: 'size', assessment: 'unknown', reason: 'No fact states a headcount.', factIds: [] };
  const { f, n } = found[0];
  const count = Math.max(...n);
  const lo = min ?? 0;
  const hi = max ?? Number.POSITIVE_INFINITY;
  const range = `${min ?? 'any'}-${max ?? 'any'}`;
  if (count >= lo && count <= hi) return { criterion: 'size', assessment: 'fits', reason: `About ${count} employees, inside the ICP range ${range}.`, factIds: [f.id] };
  if (count >= lo / 1.5 && count <= hi * 1.5) return { criterion: 'size', assessment: 'partial', reason: `About ${count} employees, near the ICP range ${range}.`, factIds: [f.id] };
  return { criterion: 'size', assessment: 'does_not_fit', reason: `About ${count} employees, outside the ICP range ${range}.`, factIds: [f.id] };
}

function stageOf(text: string): string | undefined {
  const m = /\b(pre-seed|seed|series [a-h])\b/i.exec(text);
  return m?.[1].toLowerCase();
}

function assessFunding(stages: string[], facts: PromptFact[]): Assessed {
  const wanted = stages.map((s) => s.toLowerCase());
  const funding = facts.filter((f) => f.category === 'funding' || stageOf(`${f.quote} ${f.claim}`));
  for (const f of funding) {
    const stage = stageOf(`${f.quote} ${f.claim}`);
    if (stage && wanted.some((w) => w.includes(stage) || stage.includes(w))) return { criterion: 'funding_stage', assessment: 'fits', reason: `Funding stage "${stage}" is one the ICP targets.`, factIds: [f.id] };
  }
  const staged = funding.find((f) => stageOf(`${f.quote} ${f.claim}`));
  if (staged) return { criterion: 'funding_stage', assessment: 'does_not_fit', reason: `Funding stage "${stageOf(`${staged.quote} ${staged.claim}`)}" is not one of ${stages.join(', ')}.`, factIds: [staged.id] };
  if (funding.length) return { criterion: 'funding_stage', assessment: 'partial', reason: 'The company mentions funding but no stage.', factIds: [funding[0].id] };
  return { criterion: 'funding_stage', assessment: 'unknown', reason: 'No fact mentions funding.', factIds: [] };
}

function assessTriggers(triggers: string[], facts: PromptFact[]): Assessed {
  const byKeyword = byTerms('triggers', triggers, facts, 'buying triggers');
  if (byKeyword.assessment === 'fits') return byKeyword;
  const signals = facts.filter((f) => f.category === 'hiring' || f.category === 'funding' || f.category === 'news');
  if (signals.length) return { criterion: 'triggers', assessment: 'partial', reason: `Generic change signals (${unique(signals.map((f) => f.category)).join(', ')}), none matching a listed trigger.`, factIds: signals.slice(0, 3).map((f) => f.id) };
  return byKeyword;
}

function assessNegative(terms: string[], facts: PromptFact[]): Assessed {
  const found = matchTerms(terms, facts);
  if (!found.length) return { criterion: 'negative_icp', assessment: 'unknown', reason: 'No fact matches a disqualifier.', factIds: [] };
  return { criterion: 'negative_icp', assessment: 'does_not_fit', reason: `Disqualifier matched: ${found.map((f) => `"${f.term}"`).join(', ')}.`, factIds: unique(found.flatMap((f) => f.ids)).slice(0, 3) };
}

function geographyTerms(geos: string[]): string[] {
  const out = [...geos];
  for (const g of geos) out.push(...(GEO_SYNONYMS[g.trim().toLowerCase()] ?? []));
  return unique(out);
}

/** The synthesis answer for a synthesis prompt. */
export function answerSynthesis(user: string): SynthesisAnswer {
  const context = parseJson<SynthesisContext>(extractBlock(user, 'CONTEXT')) ?? {};
  const facts = parseFactLines(user);
  const icp = context.icp ?? null;
  const applicable = new Set(context.criteria ?? []);
  const company = context.lead?.companyName || context.lead?.domain || 'The company';

  const assessed: Assessed[] = CRITERIA.map((criterion): Assessed => {
    if (!icp || !applicable.has(criterion)) return { criterion, assessment: 'not_applicable', reason: 'The ICP sets nothing for this criterion.', factIds: [] };
    switch (criterion) {
      case 'industry':
        return byTerms(criterion, [...(icp.industries ?? [])], facts, 'the ICP industries');
      case 'size':
        return assessSize(icp.employeesMin ?? null, icp.employeesMax ?? null, facts);
      case 'geography':
        return byTerms(criterion, geographyTerms(icp.geographies ?? []), facts, 'the ICP geographies');
      case 'technology':
        return byTerms(criterion, icp.technologies ?? [], facts, 'the ICP technologies');
      case 'funding_stage':
        return assessFunding(icp.fundingStages ?? [], facts);
      case 'triggers':
        return assessTriggers(icp.buyingTriggers ?? [], facts);
      case 'negative_icp':
        return assessNegative(icp.negativeIcp ?? [], facts);
    }
  });
  const score = computeFitScore(Object.fromEntries(assessed.map((a) => [a.criterion, a.assessment])));

  const evidenced = assessed.filter((a) => a.assessment !== 'unknown' && a.assessment !== 'not_applicable');
  const insufficientEvidence = facts.length < 2 || evidenced.length === 0;
  const missing = insufficientEvidence
    ? [
        ...(facts.length < 2 ? ['more verified facts about the company'] : []),
        ...assessed.filter((a) => a.assessment === 'unknown').map((a) => `evidence on ${a.criterion.replace('_', ' ')}`),
      ]
    : [];

  const intentSignals = facts
    .filter((f) => f.category === 'hiring' || f.category === 'funding' || f.category === 'news')
    .slice(0, 5)
    .map((f) => ({ signal: `${f.category}: ${stripLead(f.claim)}`, factIds: [f.id] }));

  const pains = painsOf(context, facts);
  const hooks = hooksOf(facts);
  const lead = hooks[0];
  const emailAngle = lead
    ? {
        angle: pains[0]
          ? `Open with ${lead.hook.replace(/^Reference /, '')}, then connect "${pains[0].pain}" to "${pains[0].valueProposition}".`
          : `Open with ${lead.hook.replace(/^Reference /, '')} and ask how they handle it today.`,
        factIds: unique([...lead.factIds, ...(pains[0]?.factIds ?? [])]),
      }
    : { angle: '', factIds: [] };

  const described = facts.filter((f) => f.category === 'firmographic' || f.category === 'product').slice(0, 2);
  const summary = `${company}: ${described.length ? described.map((f) => stripLead(f.claim)).join(' ') : `${facts.length} verified fact(s) found.`} Keyword-based fit estimate ${score}/100 (offline heuristic, no language model).`;

  return {
    insufficientEvidence,
    missing,
    summary,
    fit: { score, criteria: assessed },
    intentSignals,
    pains,
    hooks,
    emailAngle,
  };
}

function stripLead(claim: string): string {
  return claim.replace(/^The [\w-]+ page says:\s*/, '');
}

function painsOf(context: SynthesisContext, facts: PromptFact[]): SynthesisAnswer['pains'] {
  const vps = context.seller?.valuePropositions ?? [];
  const candidates: { pain: string; vp: string }[] = [];
  for (const p of context.seller?.products ?? []) {
    for (const pain of p.painsSolved ?? []) candidates.push({ pain, vp: bestVp(pain, vps) ?? p.name ?? vps[0] ?? '' });
  }
  for (const persona of context.icp?.personas ?? []) for (const pain of persona.pains ?? []) candidates.push({ pain, vp: bestVp(pain, vps) ?? vps[0] ?? '' });
  const out: SynthesisAnswer['pains'] = [];
  for (const c of candidates) {
    const terms = keywordSetFrom([c.pain]);
    // a fact the page itself files as a problem needs one shared term, any other fact two
    const ids = facts
      .filter((f) => {
        const hits = keywordHits(`${f.claim} ${f.quote}`, terms);
        return hits.length > 0 && hits.length >= (f.category === 'pain' ? 1 : Math.min(2, terms.stems.length));
      })
      .map((f) => f.id);
    if (ids.length && !out.some((o) => o.pain === c.pain)) out.push({ pain: c.pain, valueProposition: c.vp, factIds: ids.slice(0, 3) });
    if (out.length >= 3) break;
  }
  return out;
}

function bestVp(pain: string, vps: string[]): string | undefined {
  const terms = keywordSetFrom([pain]);
  let best: { vp: string; n: number } | undefined;
  for (const vp of vps) {
    const n = keywordHits(vp, terms).length;
    if (n > 0 && (!best || n > best.n)) best = { vp, n };
  }
  return best?.vp;
}

const HOOK_PRIORITY: Record<string, number> = { news: 6, funding: 5, hiring: 5, customer: 4, technology: 4, pain: 3, firmographic: 2, product: 2, other: 1 };

function hooksOf(facts: PromptFact[]): SynthesisAnswer['hooks'] {
  return [...facts]
    .filter((f) => f.quote.split(/\s+/).length >= 6)
    .map((f, i) => ({ f, i, rank: (HOOK_PRIORITY[f.category] ?? 1) + (/\d/.test(f.quote) ? 1 : 0) }))
    .sort((a, b) => b.rank - a.rank || a.i - b.i)
    .slice(0, 3)
    .map(({ f }) => ({ hook: `Reference what their ${f.page ?? 'site'} page says: "${f.quote.length > 160 ? `${f.quote.slice(0, 157)}...` : f.quote}"`, factIds: [f.id] }));
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

// ---------------------------------------------------------------------------------------------
// Repair

/** A repaired answer: the previous answer salvaged (cut-off JSON closed, wrappers unwrapped). */
export function answerRepair(user: string): FactsAnswer | SynthesisAnswer {
  const m = /<<<PREVIOUS ANSWER pass="(\w+)">>>\n([\s\S]*?)\n<<<END PREVIOUS ANSWER>>>/.exec(user);
  const pass: AnswerPass = m?.[1] === 'synthesis' ? 'synthesis' : 'facts';
  const value = salvageJson(m?.[2] ?? '');
  const found = value === undefined ? undefined : findValid(pass, value, 0);
  if (found) return found;
  if (pass === 'facts') return { facts: value === undefined ? [] : collectFacts(value, 0) };
  return {
    insufficientEvidence: true,
    missing: ['a valid synthesis answer'],
    summary: '',
    fit: { score: 0, criteria: CRITERIA.map((criterion) => ({ criterion, assessment: 'unknown' as const, reason: 'Not assessed.', factIds: [] })) },
    intentSignals: [],
    pains: [],
    hooks: [],
    emailAngle: { angle: '', factIds: [] },
  };
}

function findValid(pass: AnswerPass, value: unknown, depth: number): FactsAnswer | SynthesisAnswer | undefined {
  const parsed = parseAnswer(pass, JSON.stringify(value));
  if (parsed.ok) return parsed.value;
  if (depth > 3 || !value || typeof value !== 'object') return undefined;
  for (const child of Object.values(value)) {
    const found = findValid(pass, child, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function collectFacts(value: unknown, depth: number): FactsAnswer['facts'] {
  if (depth > 5 || !value || typeof value !== 'object') return [];
  const single = ANSWER_SCHEMAS.facts.shape.facts.element.safeParse(value);
  if (single.success && (FACT_CATEGORIES as readonly string[]).includes(single.data.category)) return [single.data];
  return Object.values(value).flatMap((v) => collectFacts(v, depth + 1));
}

/**
 * Best-effort JSON recovery: parses the text as is, else from its first `{`, closing an answer
 * that was cut off after its last complete element.
 */
export function salvageJson(text: string): unknown {
  const trimmed = text.trim().replace(/^```(?:json)?\s*/i, '').replace(/```$/, '');
  try {
    return JSON.parse(trimmed);
  } catch {
    // fall through to recovery
  }
  const from = trimmed.indexOf('{');
  if (from < 0) return undefined;
  const stack: string[] = [];
  let inString = false;
  let escaped = false;
  let lastCut: { at: number; closers: string } | undefined;
  for (let i = from; i < trimmed.length; i++) {
    const ch = trimmed[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') stack.push(ch === '{' ? '}' : ']');
    else if (ch === '}' || ch === ']') {
      stack.pop();
      if (stack.length === 0) {
        try {
          return JSON.parse(trimmed.slice(from, i + 1));
        } catch {
          return undefined;
        }
      }
      lastCut = { at: i + 1, closers: [...stack].reverse().join('') };
    }
  }
  if (!lastCut) return undefined;
  try {
    return JSON.parse(trimmed.slice(from, lastCut.at).replace(/,\s*$/, '') + lastCut.closers);
  } catch {
    return undefined;
  }
}
