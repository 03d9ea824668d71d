/**
 * Offline drafting: a whole sequence from templates, with no language model. Used when there is
 * no `GROQ_API_KEY` or Groq is down past its retries; every draft says so (`source: 'template'`
 * and `label`), as the offline researcher's records do.
 *
 * What a template may say about the prospect is only ever an exact quote of a verified fact,
 * cited with its id; everything else comes from the seller's onboarding (value propositions,
 * proof points, differentiators, products, the call to action, the rep's signature). The
 * synthesis is used to choose, never to write: hooks and the email angle pick which facts to
 * quote, and a pain's value proposition is used only when it is one of the seller's own.
 *
 * The steps are the ICP's sequence settings (`sequence-plan.ts`); the default (business days
 * from the first touch):
 *   day 0  email, two variants: `a` opens with the prospect's situation and the problem it
 *          usually brings (problem angle), `b` with a customer's result (proof angle);
 *   day 1  LinkedIn connection note;
 *   day 3  follow-up email, in the first email's thread (another fact, or a differentiator);
 *   day 8  last follow-up, short, saying it is the last.
 * A LinkedIn message quotes another fact (or a customer's result) and asks; a call task gives
 * the rep talking points from the same evidence.
 *
 * Each message is run through the grounding checker before it is returned; a fact whose quote
 * would not pass (a placeholder-looking or shouting line on the page) is skipped for the next.
 */
import { createHash } from 'node:crypto';
import type { Onboarding, OnboardingIcp, SequenceStepKind } from '../onboarding/schema.ts';
import { repCandidates } from './assign-rep.ts';
import { planSequence, type PlannedStep } from './sequence-plan.ts';
import {
  checkGrounding,
  sellerEvidence,
  type Channel,
  type EvidenceFact,
  type GroundingReport,
  type SellerEvidence,
} from './grounding.ts';

// Words of a quote to keep, longest first.
const QUOTE_WORDS = [28, 16, 10];

/** Stored as `message.prompt_version` for template drafts. */
export const TEMPLATE_VERSION = 'template-v1';

/** Shown wherever a template draft is listed. */
export const TEMPLATE_LABEL = 'template: written from verified facts and the seller’s onboarding data, without a language model';

export type StepKind = SequenceStepKind;
export type Variant = 'a' | 'b';

/** A verified (or not) fact of the lead's research, as stored. */
export interface DraftFact {
  /** local id (`f1`), used in citation markers */
  id: string;
  category: string;
  claim: string;
  quote: string;
  verified: boolean;
}

/** What drafting reads of the research (`findings` as the engine writes it; shape checked here). */
export interface DraftResearch {
  researchId: string;
  fitScore: number | null;
  facts: DraftFact[];
  findings: Record<string, unknown>;
  /** a fact to open with ahead of the synthesis' picks: a fresh signal's, when outreach was triggered by it */
  openWith?: string;
}

/** The fresh signal a triggered sequence is drafted for: its fact (the after-quote) and what kind of change it is. */
export interface DraftSignal {
  /** local id of the signal's fact in the research (`s1`) */
  factId: string;
  /** company_signal.kind: job_opened, pricing_changed, ... */
  kind: string;
}

export interface TemplateInput {
  /** `teamMailbox`: the role word when the address is a team's mailbox (leads/role-address.ts): the team is greeted, not a first name */
  lead: { name: string; email: string; companyName: string; domain: string; title?: string | null; teamMailbox?: string };
  research: DraftResearch;
  onboarding: Onboarding;
  icp: OnboardingIcp;
  /** the rep who owns the lead (default: the first of the ICP's reps, as lambdas/core/outreach/assign-rep.ts lists them) */
  repEmail?: string;
  /** a lead without enough evidence gets a generic sequence only when this is set */
  allowGeneric?: boolean;
  /** outreach triggered by a fresh signal: the first touch opens with it, quoted exactly */
  signal?: DraftSignal;
}

/** How a template introduces a fresh signal's after-quote, by the kind of change (no specific of its own). */
export const SIGNAL_LEAD_INS: Record<string, string> = {
  job_opened: 'I saw you are hiring:',
  pricing_changed: 'I noticed your pricing changed:',
  customer_added: 'I saw a new customer on your site:',
  location_added: 'I saw you added a location:',
  product_added: 'I saw something new on your site:',
  leadership_changed: 'I saw a change on your team page:',
  announcement: 'I saw your news:',
  technology_added: 'I noticed a change on your site:',
};

export interface DraftMessage {
  variant: Variant | null;
  angle: string;
  subject: string | null;
  /** the text with `[f1]` citation markers, as the checker read it */
  draft: string;
  /** the checker's report: verdict, findings, clean body, cited sentences */
  check: GroundingReport;
}

export interface DraftStep {
  position: number;
  kind: StepKind;
  /** business days after the first touch */
  dayOffset: number;
  messages: DraftMessage[];
}

/** The tone as snapshotted into `sequence.tone`. */
export interface ToneSnapshot {
  formality: number;
  warmth: number;
  directness: number;
  language: string;
  maxWords: number;
  callToAction: string;
  bannedPhrases: string[];
  signature: string;
  instructions: string[];
}

export interface DraftSequence {
  /** who wrote the words: a language model, or the templates (no model) */
  source: 'llm' | 'template';
  label: string;
  /** the template or prompt version that wrote the drafts (`message.prompt_version`); same as `promptVersion` */
  templateVersion: string;
  /** the model that wrote the drafts; null for templates */
  model: string | null;
  /** `template-v1`, or the prompts a model draft came from (`draft.v2+repair.v1`) */
  promptVersion: string;
  personalised: boolean;
  personaName: string;
  repEmail: string;
  tone: ToneSnapshot;
  steps: DraftStep[];
}

export type DraftOutcome = { drafted: true; sequence: DraftSequence } | { drafted: false; reason: string };

// ---------------------------------------------------------------------------------------------
// Variants

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Variants for the leads of a run: leads are ordered by a hash of the experiment and the lead,
 * then alternate a, b, a, b. The result does not depend on the order leads are given in, and
 * the two groups differ by at most one lead.
 */
export function assignVariants(experiment: string, leadIds: readonly string[]): Map<string, Variant> {
  const unique = [...new Set(leadIds)];
  const ordered = unique.map((id) => ({ id, key: hash(`${experiment}\u0000${id}`) })).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return new Map(ordered.map((x, i) => [x.id, i % 2 === 0 ? 'a' : 'b']));
}

// ---------------------------------------------------------------------------------------------
// Tone

/**
 * Formality, warmth and directness (0–1) as plain instructions: what a model is told, and what
 * the templates follow.
 */
export function toneInstructions(tone: Onboarding['tone']): string[] {
  const out: string[] = [];
  out.push(
    tone.formality >= 0.7
      ? 'Write formally: full sentences, no contractions, no slang; greet with "Dear" and the first name.'
      : tone.formality >= 0.4
        ? 'Write in a plain, professional register: contractions are fine, no slang; greet with "Hi" and the first name.'
        : 'Write casually, like a note to a peer: short sentences and contractions; greet with "Hey" and the first name.',
  );
  out.push(
    tone.warmth >= 0.6
      ? 'Be warm: acknowledge their situation before the offer, and thank them for reading.'
      : tone.warmth >= 0.3
        ? 'Be friendly but brief: no small talk.'
        : 'Be neutral and factual: no small talk, no compliments.',
  );
  out.push(
    tone.directness >= 0.7
      ? 'Be direct: state the reason for writing in the first two sentences and end with one clear ask.'
      : tone.directness >= 0.4
        ? 'Get to the point by the third sentence and end with one ask.'
        : 'Be low-pressure: offer the idea, make the ask optional.',
  );
  out.push(`Write in ${tone.language}. Keep the body under ${tone.maxWords} words. End with this call to action: "${tone.callToAction}".`);
  if (tone.bannedPhrases.length > 0) out.push(`Never use these phrases: ${tone.bannedPhrases.map((p) => `"${p}"`).join(', ')}.`);
  return out;
}

/** The line before the signature, in the tone's register (templates and model drafts alike). */
export function signOffFor(tone: Onboarding['tone']): string {
  return tone.formality >= 0.7 ? 'Kind regards,' : tone.warmth >= 0.6 ? 'Warmly,' : 'Best,';
}

interface Wording {
  greeting: (first: string) => string;
  read: (company: string) => string;
  thanks: string | undefined;
  softener: string | undefined;
  signOff: string;
  optOut: string;
}

function wording(tone: Onboarding['tone']): Wording {
  const formal = tone.formality >= 0.7;
  const casual = tone.formality < 0.4;
  return {
    greeting: (first) => (first ? `${formal ? 'Dear' : casual ? 'Hey' : 'Hi'} ${first},` : formal ? 'Hello,' : 'Hi there,'),
    read: (company) => (formal ? `I read this on the ${company} website:` : casual ? `Saw this on the ${company} site:` : `Reading the ${company} site, this stood out:`),
    thanks: tone.warmth >= 0.6 ? (formal ? 'Thank you for reading.' : 'Thanks for reading.') : undefined,
    softener: tone.directness < 0.4 ? 'No pressure either way.' : undefined,
    signOff: signOffFor(tone),
    optOut: formal
      ? 'If this is not relevant, or you are not the right person, reply and I will not follow up.'
      : "Not the right person, or not a priority? Reply and I won't follow up.",
  };
}

// ---------------------------------------------------------------------------------------------
// Choosing what to say

const CATEGORY_ORDER = ['news', 'hiring', 'customer', 'firmographic', 'technology', 'product', 'funding', 'pain', 'other'];

/** Cleans a quote for quoting: one line, no list or table markup, at most `maxWords` words. */
export function quotable(quote: string, maxWords = 28): string | undefined {
  const text = quote
    .replace(/[|#*_>`]+/g, ' ')
    .replace(/^\s*[-•]\s*/gm, '')
    .replace(/\s+/g, ' ')
    .replace(/["“”]/g, "'")
    // one sentence inside the quote, so the citation sits in the sentence that says it
    .replace(/([.!?])\s+(?=\S)/g, '; ')
    .trim();
  if (text.length < 12 || /@|https?:|www\./i.test(text)) return undefined;
  const words = text.split(' ');
  if (words.length < 4) return undefined;
  // Ends like a sentence, so the citation after it stays with it and the next sentence starts anew.
  if (words.length <= maxWords) return sentence(text.replace(/[\s,;:]+$/, ''));
  return `${words.slice(0, maxWords).join(' ').replace(/[\s,;:.]+$/, '')}...`;
}

function factIdsOf(value: unknown): string[] {
  if (!value || typeof value !== 'object') return [];
  const ids = (value as { factIds?: unknown }).factIds;
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
}

/** Verified facts in the order a rep would open with: the synthesis' picks first, then by category. */
export function rankFacts(research: DraftResearch): DraftFact[] {
  const findings = research.findings ?? {};
  const picked = [
    ...(research.openWith ? [research.openWith] : []),
    ...factIdsOf(findings.emailAngle),
    ...(Array.isArray(findings.hooks) ? findings.hooks.flatMap(factIdsOf) : []),
    ...(Array.isArray(findings.pains) ? findings.pains.flatMap(factIdsOf) : []),
  ];
  const rank = (f: DraftFact) => {
    const p = picked.indexOf(f.id);
    const c = CATEGORY_ORDER.indexOf(f.category);
    return [p < 0 ? 1 : 0, p < 0 ? 0 : p, c < 0 ? CATEGORY_ORDER.length : c, f.quote.length];
  };
  return research.facts
    .filter((f) => f.verified && quotable(f.quote) !== undefined)
    .sort((x, y) => {
      const a = rank(x);
      const b = rank(y);
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
      return x.id.localeCompare(y.id);
    });
}

/** The ICP persona whose titles best match the lead's title (the first persona when none does). */
export function matchPersona(title: string | null | undefined, personas: OnboardingIcp['personas']): OnboardingIcp['personas'][number] | undefined {
  if (personas.length === 0) return undefined;
  const words = (t: string) => new Set(t.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 1));
  const lead = title ? title.toLowerCase().trim() : '';
  let best = personas[0];
  let bestScore = 0;
  for (const p of personas) {
    for (const t of p.titles) {
      const candidate = t.toLowerCase();
      let score = 0;
      if (lead && lead === candidate) score = 100;
      else if (lead) {
        const a = words(lead);
        const b = words(candidate);
        const shared = [...b].filter((w) => a.has(w)).length;
        score = shared === b.size ? 50 + shared : shared;
      }
      if (score > bestScore) {
        best = p;
        bestScore = score;
      }
    }
  }
  return best;
}

/** Lower-cases the first letter of an ordinary word so a phrase can sit inside a sentence. */
function inline(phrase: string): string {
  const t = phrase.trim().replace(/[.!?]+$/, '');
  const first = /^\S+/.exec(t)?.[0] ?? '';
  return /^\p{Lu}\p{Ll}*$/u.test(first) ? t[0].toLowerCase() + t.slice(1) : t;
}

function sentence(phrase: string): string {
  const t = phrase.trim().replace(/[;,:]+$/, '');
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** The seller's proof point closest to the ICP (by its industries, keywords and description): what the proof angle opens with. */
export function proofFor(onboarding: Onboarding, icp: OnboardingIcp): Onboarding['company']['proofPoints'][number] | undefined {
  const terms = [...icp.industries, ...icp.searchKeywords, icp.name, icp.description ?? ''].join(' ').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 3);
  let best: Onboarding['company']['proofPoints'][number] | undefined;
  let bestScore = -1;
  for (const p of onboarding.company.proofPoints) {
    const text = `${p.title} ${p.summary} ${p.customer ?? ''}`.toLowerCase();
    const score = terms.filter((t) => text.includes(t)).length;
    if (score > bestScore) {
      best = p;
      bestScore = score;
    }
  }
  return best;
}

// Words too common to say what a phrase is about.
const FILLER = new Set(['with', 'that', 'from', 'into', 'their', 'them', 'they', 'this', 'what', 'when', 'your', 'about', 'across', 'before', 'after', 'over', 'more', 'than', 'just', 'without', 'each', 'every', 'only', 'plus', 'also', 'have', 'been']);

/** The words of a phrase that say what it is about, lower-cased, a plural's `s` dropped. */
function topicWords(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 3 && !FILLER.has(w))
      .map((w) => w.replace(/s$/, '')),
  );
}

/**
 * The seller's value propositions, closest to this lead first: the one the research picked (only
 * when it is the seller's own words: a model's paraphrase is not evidence), then by the words each
 * shares with what the first email talks about. A word of the persona's first pain (the problem
 * the first email names) weighs 4, of its other pains, goals and responsibilities 2, of the ICP's
 * first product (description, features, pains solved, use cases; every product when the ICP names
 * none) 1; ties keep the onboarding's order. A seller whose value propositions span products
 * ("close the books faster" for AP automation, "cash back with virtual cards" for payments) so
 * pitches the one that answers the problem the email just named.
 */
export function valuePropositionsFor(
  research: DraftResearch,
  onboarding: Onboarding,
  icp: OnboardingIcp,
  persona: OnboardingIcp['personas'][number] | undefined,
): string[] {
  const own = onboarding.company.valuePropositions;
  const pains = Array.isArray(research.findings?.pains) ? research.findings.pains : [];
  const picked = pains
    .map((p) => (p && typeof p === 'object' ? (p as { valueProposition?: unknown }).valueProposition : undefined))
    .find((vp): vp is string => typeof vp === 'string' && own.includes(vp.trim()))
    ?.trim();
  const weights = new Map<string, number>();
  const weigh = (texts: string[], weight: number) => {
    for (const w of topicWords(texts.join(' '))) weights.set(w, Math.max(weights.get(w) ?? 0, weight));
  };
  const products = onboarding.products.filter((p) => p.name === icp.products[0]);
  weigh((products.length ? products : onboarding.products).flatMap((p) => [p.description, ...p.features, ...p.painsSolved, ...p.useCases]), 1);
  if (persona) {
    weigh([...persona.pains.slice(1), ...persona.goals, ...persona.responsibilities], 2);
    weigh(persona.pains.slice(0, 1), 4);
  }
  const score = (vp: string) => (vp === picked ? Number.POSITIVE_INFINITY : [...topicWords(vp)].reduce((n, w) => n + (weights.get(w) ?? 0), 0));
  return own
    .map((vp, i) => ({ vp, i, score: score(vp) }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map((x) => x.vp);
}

// ---------------------------------------------------------------------------------------------
// Drafting

interface Context {
  input: TemplateInput;
  seller: SellerEvidence;
  facts: EvidenceFact[];
  tone: ToneSnapshot;
  words: Wording;
  first: string;
  company: string;
  sellerName: string;
  /** how many words of a quote to keep; shortened when a message would run over the limit */
  quoteWords: number;
  /** the seller's value propositions, closest to this lead's ICP and persona first (`valuePropositionsFor`) */
  vps: string[];
  /** who the seller works with, from the persona's department: "finance teams", else "teams like yours" */
  team: string;
}

/**
 * The teams a persona belongs to, in words for a sentence: its first department ("Finance" is
 * "finance teams"; an acronym such as "IT" keeps its capitals), or "teams like yours" when the
 * lead matched no persona or the persona names no department.
 */
export function teamWords(persona: Pick<OnboardingIcp['personas'][number], 'departments'> | undefined): string {
  const department = persona?.departments[0]?.trim();
  if (!department) return 'teams like yours';
  return `${/^[A-Z0-9&]{2,}$/.test(department) ? department : department.toLowerCase()} teams`;
}

function compose(paragraphs: (string | undefined)[][]): string {
  return paragraphs
    .map((p) => p.filter((x): x is string => !!x && x.trim().length > 0).join(' '))
    .filter((p) => p.length > 0)
    .join('\n\n');
}

/**
 * Checks a message; over the length limit, drops optional sentences (marked `?` in `parts`) one
 * at a time from the end until it fits. Returns the first version the checker does not block.
 */
function finish(ctx: Context, channel: Channel, firstTouch: boolean, subject: string | null, parts: { text: string | undefined; optional?: boolean; paragraph: number }[]): { draft: string; check: GroundingReport } {
  const banned = ctx.tone.bannedPhrases.map((p) => p.toLowerCase()).filter(Boolean);
  let kept = parts.filter((p) => p.text && !banned.some((b) => p.text!.toLowerCase().includes(b)));
  const render = () => {
    const paragraphs: string[][] = [];
    for (const p of kept) (paragraphs[p.paragraph] ??= []).push(p.text!);
    const body = compose(paragraphs);
    return channel === 'email' ? `${body}\n\n${ctx.words.signOff}\n${ctx.tone.signature}` : body;
  };
  const run = (draft: string) =>
    checkGrounding({
      channel,
      firstTouch,
      subject,
      body: draft,
      lead: { name: ctx.input.lead.name, companyName: ctx.company, title: ctx.input.lead.title, domain: ctx.input.lead.domain, email: ctx.input.lead.email },
      researchId: ctx.input.research.researchId,
      facts: ctx.facts,
      seller: ctx.seller,
      tone: { maxWords: ctx.tone.maxWords, bannedPhrases: ctx.tone.bannedPhrases, signature: ctx.tone.signature },
    });
  let draft = render();
  let check = run(draft);
  while (check.findings.some((f) => f.rule === 'too_long')) {
    const drop = [...kept].reverse().find((p) => p.optional);
    if (!drop) break;
    kept = kept.filter((p) => p !== drop);
    draft = render();
    check = run(draft);
  }
  return { draft, check };
}

function quoteLine(ctx: Context, fact: DraftFact, lead: string): string {
  // A fresh signal is introduced as the change it is, from its kind: the words quoted are still only the page's.
  const signal = ctx.input.signal?.factId === fact.id ? ctx.input.signal : undefined;
  const intro = signal ? (SIGNAL_LEAD_INS[signal.kind] ?? 'I noticed a change on your site:') : lead;
  return `${intro} "${quotable(fact.quote, ctx.quoteWords)}" [${fact.id}]`;
}

/** The first email, problem angle: their situation in their words, the pain it brings, the offer. */
function problemEmail(ctx: Context, fact: DraftFact, persona: OnboardingIcp['personas'][number] | undefined): DraftMessage {
  const pain = persona?.pains[0];
  const vp = ctx.vps[0];
  const subject = `Idea for ${ctx.company}`;
  const { draft, check } = finish(ctx, 'email', true, subject, [
    { text: ctx.words.greeting(ctx.first), paragraph: 0 },
    { text: quoteLine(ctx, fact, ctx.words.read(ctx.company)), paragraph: 1 },
    { text: pain ? `In ${ctx.team}, a moment like that often comes with a familiar problem: ${sentence(inline(pain))}` : undefined, paragraph: 1, optional: true },
    { text: sentence(`${ctx.sellerName} helps teams ${inline(vp)}`), paragraph: 2, optional: true },
    { text: ctx.words.softener, paragraph: 3, optional: true },
    { text: ctx.tone.callToAction, paragraph: 3 },
    { text: ctx.words.thanks, paragraph: 3, optional: true },
    { text: ctx.words.optOut, paragraph: 4 },
  ]);
  return { variant: 'a', angle: 'problem', subject, draft, check };
}

/** The first email, proof angle: a customer's result first, then why it may apply to them. */
function proofEmail(ctx: Context, fact: DraftFact): DraftMessage {
  const proof = proofFor(ctx.input.onboarding, ctx.input.icp);
  const subject = proof?.customer ? `What ${proof.customer} changed` : `A result worth a look`;
  const { draft, check } = finish(ctx, 'email', true, subject, [
    { text: ctx.words.greeting(ctx.first), paragraph: 0 },
    { text: proof ? sentence(proof.title) : sentence(`${ctx.sellerName} helps teams ${inline(ctx.vps[0])}`), paragraph: 1 },
    { text: proof ? sentence(proof.summary) : undefined, paragraph: 1, optional: true },
    { text: proof?.metric && proof.customer ? sentence(`${proof.customer}: ${proof.metric}`) : undefined, paragraph: 1, optional: true },
    { text: quoteLine(ctx, fact, `Why I thought of ${ctx.company}:`), paragraph: 2 },
    { text: ctx.words.softener, paragraph: 3, optional: true },
    { text: ctx.tone.callToAction, paragraph: 3 },
    { text: ctx.words.thanks, paragraph: 3, optional: true },
    { text: ctx.words.optOut, paragraph: 4 },
  ]);
  return { variant: 'b', angle: 'proof', subject, draft, check };
}

function connectionNote(ctx: Context): DraftMessage {
  const product = ctx.input.icp.products[0] ?? ctx.input.onboarding.products[0]?.name ?? ctx.sellerName;
  const { draft, check } = finish(ctx, 'linkedin_connection_note', true, null, [
    { text: ctx.words.greeting(ctx.first), paragraph: 0 },
    { text: `I work with ${ctx.team} on ${product} and read about ${ctx.company}.`, paragraph: 0 },
    { text: 'Glad to connect.', paragraph: 0 },
  ]);
  return { variant: null, angle: 'connection', subject: null, draft, check };
}

function followUp(ctx: Context, fact: DraftFact | undefined): DraftMessage {
  const onboarding = ctx.input.onboarding;
  // the next value proposition after the first email's
  const other = ctx.vps.find((v) => v !== ctx.vps[0]);
  const differentiator = onboarding.company.differentiators[0];
  const { draft, check } = finish(ctx, 'email', false, null, [
    { text: ctx.words.greeting(ctx.first), paragraph: 0 },
    { text: fact ? quoteLine(ctx, fact, `One more thing from the ${ctx.company} site:`) : undefined, paragraph: 1 },
    { text: other ? sentence(`${ctx.sellerName} can also ${inline(other)}`) : undefined, paragraph: 1, optional: true },
    { text: differentiator ? `Worth knowing: ${sentence(inline(differentiator))}` : undefined, paragraph: 2, optional: true },
    { text: ctx.tone.callToAction, paragraph: 3 },
    { text: ctx.words.optOut, paragraph: 4 },
  ]);
  return { variant: null, angle: fact ? 'second_fact' : 'value', subject: null, draft, check };
}

function lastNote(ctx: Context): DraftMessage {
  const product = ctx.input.icp.products[0] ?? ctx.input.onboarding.products[0]?.name ?? ctx.sellerName;
  const { draft, check } = finish(ctx, 'email', false, null, [
    { text: ctx.words.greeting(ctx.first), paragraph: 0 },
    { text: `Last note from me. If ${product} is not a priority at ${ctx.company} right now, no problem: I won't follow up again.`, paragraph: 1 },
    { text: ctx.words.thanks, paragraph: 1, optional: true },
  ]);
  return { variant: null, angle: 'last_note', subject: null, draft, check };
}

/** A LinkedIn message: one fact in their words (or a customer's result), then the ask; no opt-out needed off email. */
function linkedinMessage(ctx: Context, fact: DraftFact | undefined, firstTouch: boolean): DraftMessage {
  const proof = proofFor(ctx.input.onboarding, ctx.input.icp);
  const { draft, check } = finish(ctx, 'linkedin_message', firstTouch, null, [
    { text: ctx.words.greeting(ctx.first), paragraph: 0 },
    { text: fact ? quoteLine(ctx, fact, ctx.words.read(ctx.company)) : proof ? sentence(proof.title) : sentence(`${ctx.sellerName} helps teams ${inline(ctx.vps[0])}`), paragraph: 1 },
    { text: ctx.tone.callToAction, paragraph: 2 },
  ]);
  return { variant: null, angle: fact ? 'linkedin_fact' : 'linkedin_value', subject: null, draft, check };
}

/** A call task: talking points for the rep, from the same evidence the emails use. */
function callTask(ctx: Context, fact: DraftFact | undefined, firstTouch: boolean): DraftMessage {
  const vp = ctx.vps[0];
  const { draft, check } = finish(ctx, 'call_task', firstTouch, null, [
    { text: `Call ${ctx.input.lead.name.trim() || 'the prospect'} at ${ctx.company}.`, paragraph: 0 },
    { text: fact ? quoteLine(ctx, fact, 'Why now:') : undefined, paragraph: 1 },
    { text: sentence(`What we offer: ${ctx.sellerName} helps teams ${inline(vp)}`), paragraph: 1, optional: true },
    { text: `The ask: ${ctx.tone.callToAction}`, paragraph: 2 },
  ]);
  return { variant: null, angle: fact ? 'call_fact' : 'call_value', subject: null, draft, check };
}

/**
 * The steps after the first email, as the ICP's settings order them. Facts are spent once each,
 * best first after the opening one, and only when the checker does not block the message.
 */
function laterSteps(ctx: Context, plan: PlannedStep[], ranked: DraftFact[], opening: DraftFact | undefined): DraftStep[] {
  const used = new Set(opening ? [opening.id] : []);
  const withFact = (make: (f: DraftFact | undefined) => DraftMessage): DraftMessage => {
    if (opening) {
      for (const f of ranked) {
        if (used.has(f.id)) continue;
        const m = make(f);
        if (m.check.verdict !== 'blocked') {
          used.add(f.id);
          return m;
        }
      }
    }
    return make(undefined);
  };
  return plan
    .filter((p) => p.kind !== 'email')
    .map((p) => {
      const message =
        p.kind === 'linkedin_connection_note'
          ? connectionNote(ctx)
          : p.kind === 'follow_up_email'
            ? p.angle === 'last_note'
              ? lastNote(ctx)
              : withFact((f) => followUp(ctx, f))
            : p.kind === 'linkedin_message'
              ? withFact((f) => linkedinMessage(ctx, f, p.firstTouch))
              : withFact((f) => callTask(ctx, f, p.firstTouch));
      return { position: p.position, kind: p.kind, dayOffset: p.dayOffset, messages: [message] };
    });
}

function genericEmail(ctx: Context, variant: Variant): DraftMessage {
  const proof = proofFor(ctx.input.onboarding, ctx.input.icp);
  const vp = ctx.vps[variant === 'a' ? 0 : Math.min(1, ctx.vps.length - 1)];
  const subject = variant === 'a' ? `Idea for ${ctx.company}` : proof?.customer ? `What ${proof.customer} changed` : 'A result worth a look';
  const { draft, check } = finish(ctx, 'email', true, subject, [
    { text: ctx.words.greeting(ctx.first), paragraph: 0 },
    { text: variant === 'b' && proof ? sentence(proof.title) : sentence(`${ctx.sellerName} helps teams ${inline(vp)}`), paragraph: 1 },
    { text: ctx.tone.callToAction, paragraph: 2 },
    { text: ctx.words.optOut, paragraph: 3 },
  ]);
  return { variant, angle: variant === 'a' ? 'generic_problem' : 'generic_proof', subject, draft, check };
}

/** The owning rep, the persona the lead's title matches and the tone snapshot: the same for every drafter. */
export function sequenceBasics(input: TemplateInput): {
  rep: Onboarding['users'][number];
  persona: OnboardingIcp['personas'][number] | undefined;
  tone: ToneSnapshot;
} {
  const { onboarding, icp } = input;
  // without an assigned rep (the evals, previews), the one the ICP's first lead would go to
  const email = input.repEmail ?? repCandidates(onboarding, icp)[0];
  const rep = onboarding.users.find((u) => u.email.toLowerCase() === email?.toLowerCase()) ?? onboarding.users[0];
  const persona = matchPersona(input.lead.title, icp.personas);
  const tone: ToneSnapshot = {
    formality: onboarding.tone.formality,
    warmth: onboarding.tone.warmth,
    directness: onboarding.tone.directness,
    language: onboarding.tone.language,
    maxWords: onboarding.tone.maxWords,
    callToAction: onboarding.tone.callToAction,
    bannedPhrases: onboarding.tone.bannedPhrases,
    signature: (rep.signature ?? rep.name).trim(),
    instructions: toneInstructions(onboarding.tone),
  };
  return { rep, persona, tone };
}

/**
 * Drafts a sequence for one lead from templates. Without a verified fact that can be quoted,
 * the lead gets no personalised sequence: a generic one if `allowGeneric`, otherwise a reason.
 */
export function draftFromTemplates(input: TemplateInput): DraftOutcome {
  const { onboarding, icp } = input;
  const { rep, persona, tone } = sequenceBasics(input);
  const given = input.lead.name.trim().split(/\s+/)[0] ?? '';
  const first = !input.lead.teamMailbox && /^\p{L}[\p{L}'-]*$/u.test(given) ? given : '';
  const ctx: Context = {
    input,
    seller: sellerEvidence(onboarding),
    facts: input.research.facts.map((f) => ({ id: f.id, localId: f.id, researchId: input.research.researchId, quote: f.quote, verified: f.verified })),
    tone,
    words: wording(onboarding.tone),
    first,
    company: input.lead.companyName.trim() || input.lead.domain,
    sellerName: onboarding.company.name,
    quoteWords: QUOTE_WORDS[0],
    vps: valuePropositionsFor(input.research, onboarding, icp, persona),
    team: teamWords(persona),
  };
  const base = { source: 'template' as const, label: TEMPLATE_LABEL, templateVersion: TEMPLATE_VERSION, model: null, promptVersion: TEMPLATE_VERSION, personaName: persona?.name ?? 'any', repEmail: rep.email, tone };

  // The first fact whose quote makes both first emails pass the checker opens the sequence.
  const ranked = rankFacts(input.research);
  let opening: { fact: DraftFact; a: DraftMessage; b: DraftMessage } | undefined;
  for (const fact of ranked) {
    for (const words of QUOTE_WORDS) {
      ctx.quoteWords = words;
      const a = problemEmail(ctx, fact, persona);
      const b = proofEmail(ctx, fact);
      if (a.check.verdict === 'blocked' || b.check.verdict === 'blocked') break;
      opening = { fact, a, b };
      // A long quote may push a short tone over its limit: quote less before giving up.
      if (![a, b].some((m) => m.check.findings.some((f) => f.rule === 'too_long'))) break;
    }
    if (opening) break;
  }
  const plan = planSequence(icp.sequence.steps);
  if (!opening) {
    if (!input.allowGeneric) {
      return {
        drafted: false,
        reason: ranked.length === 0 ? 'no verified fact to quote: no personalised draft' : 'no verified fact could be quoted without the grounding checker blocking it',
      };
    }
    return {
      drafted: true,
      sequence: {
        ...base,
        personalised: false,
        steps: [
          { position: 1, kind: 'email', dayOffset: 0, messages: [genericEmail(ctx, 'a'), genericEmail(ctx, 'b')] },
          ...laterSteps(ctx, plan, [], undefined),
        ],
      },
    };
  }
  return {
    drafted: true,
    sequence: {
      ...base,
      personalised: true,
      steps: [
        { position: 1, kind: 'email', dayOffset: 0, messages: [opening.a, opening.b] },
        ...laterSteps(ctx, plan, ranked, opening.fact),
      ],
    },
  };
}
