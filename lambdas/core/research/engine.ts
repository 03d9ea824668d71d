/**
 * The research engine: grounded, multi-pass research of one lead.
 *
 * 1. facts: the most ICP-relevant passages of each page (within a token budget) go to the facts
 *    model, small pages batched into one call; it proposes facts, each with an exact quote. A
 *    page whose text an earlier research read (`knownFacts`) is not sent: its facts are reused.
 * 2. verification (no LLM): a fact counts only when its quote occurs in the cited page's stored
 *    text after whitespace/case/typography normalisation; the stored quote is the page's own span.
 * 3. synthesis: only verified facts go to the synthesis model, which assesses each ICP
 *    criterion, intent signals, pains, hooks and an email angle, citing fact ids. Citations of
 *    unknown or dropped facts are removed, hooks citing them are dropped, and the fit score is
 *    recomputed from the assessments by fixed rules (`rubric.ts`).
 *
 * Every call goes through `LlmCalls` (`../llm/calls.ts`): budgeted, validated with zod, repaired
 * once when invalid, recorded and archived. Throttling and
 * outages from the `Llm` port propagate unchanged: the state machine waits and retries, the
 * engine never sleeps.
 */
import { ledgerFor, promptTokens, type CallSpendOptions, type RenderedPrompt } from '../llm/calls.ts';
import type { IcpContext, ResearchDeps, ResearchInput, ResearchPage, SellerContext } from './contract.ts';
import type { Findings, ResearchFact, ResearchResult } from './records.ts';
import { DEFAULT_MODELS, HEURISTIC_MODEL, supportsStrictJsonSchema } from './models.ts';
import { blockJson, GAP_LINE, pageBlock, PROMPT_VERSION, PROMPTS, renderTemplate, type PageBlockInfo } from './prompts.ts';
import { mergeRepeatedFacts } from './merge-facts.ts';
import { applicableCriteria, clampScore, computeFitScore, CRITERION_WEIGHTS, SCORE_RULES } from './rubric.ts';
import { ANSWERS, CRITERIA, type AnswerPass, type Assessment, type Criterion, type FactsAnswer, type SynthesisAnswer } from './schemas.ts';
import {
  buildKeywordSet,
  keywordHits,
  keywordSetFrom,
  isHeaderLine,
  locateQuote,
  normaliseForMatch,
  normaliseWithMap,
  planTokens,
  scorePassage,
  splitPassages,
  type KeywordSet,
  type NormalisedText,
} from './text.ts';

export interface ResearchOptions extends CallSpendOptions {
  /** model of the per-page facts pass */
  factsModel: string;
  /** model of the synthesis pass */
  synthesisModel: string;
  /** prompt tokens the whole lead may use across passes (repairs included) */
  promptTokenBudget: number;
  /** most facts kept per page */
  maxFactsPerPage: number;
}

/** Defaults sized for Groq's free tier. */
export const DEFAULT_RESEARCH_OPTIONS: Readonly<ResearchOptions> = {
  factsModel: DEFAULT_MODELS.facts,
  synthesisModel: DEFAULT_MODELS.synthesis,
  promptTokenBudget: 4000,
  maxFactsPerPage: 6,
  maxCompletionTokens: 1500,
  // Extracting quoted facts and filling a fixed rubric needs little deliberation: low effort
  // keeps reasoning to a few hundred tokens, and 1,500 leaves room for more without letting a
  // call's prompt + max_completion_tokens outgrow the free tier's 8K tokens a minute.
  reasoningTokens: 1500,
  reasoningEffort: 'low',
};

export { PROMPT_VERSION } from './prompts.ts';
export { completionLimit } from '../llm/calls.ts';

// Planning constants (tokens). A fact line in the synthesis prompt and a fact in a facts answer
// are both ~70 tokens; one facts call stays under ~3000 prompt tokens so that prompt plus
// completion fit the smallest free-tier TPM (6K on llama-3.1-8b-instant).
const SYNTHESIS_FACT_TOKENS = 70;
const SYNTHESIS_PLANNED_FACTS = 10;
const SYNTHESIS_MAX_FACTS = 40;
const FACT_ANSWER_TOKENS = 70;
const MAX_FACTS_CALL_PROMPT_TOKENS = 3000;
const MIN_PAGE_TOKENS = 90;
const MAX_CLAIM_CHARS = 500;
const SYNTHESIS_QUOTE_CHARS = 160;
const PAGE_KIND_RANK: Record<string, number> = { home: 0, about: 1, pricing: 2, customers: 3, product: 4, careers: 5, news: 6, team: 7, contact: 8, other: 9 };

interface PreparedPage {
  /** p1, p2, ... in input order */
  promptId: string;
  page: ResearchPage;
  info: PageBlockInfo;
  rank: number;
  norm?: NormalisedText;
}

interface PlannedPage {
  prepared: PreparedPage;
  text: string;
  trimmed: boolean;
  tokens: number;
}

interface ProposedFact {
  id: string;
  category: FactsAnswer['facts'][number]['category'];
  claim: string;
  quote: string;
  pageId: string;
  batchPageIds: string[];
}

interface DroppedFact {
  id: string;
  pageId: string;
  reason: string;
  quote: string;
}

/** Research one lead: facts, verification, synthesis. Throttling/outage errors propagate. */
export async function researchLead(input: ResearchInput, deps: ResearchDeps, options?: Partial<ResearchOptions>): Promise<ResearchResult> {
  const opts = resolveOptions(options);
  const icp = input.seller.icps.find((i) => i.id === input.icpId) ?? likeliestIcp(input) ?? null;
  const keywords = buildKeywordSet(input.seller, icp);
  const ledger = ledgerFor(deps, {
    promptTokenBudget: opts.promptTokenBudget,
    subject: { domain: input.lead.domain, companyName: input.lead.companyName },
    reasoningTokens: opts.reasoningTokens,
    reasoningEffort: opts.reasoningEffort,
    modelPrices: opts.modelPrices,
  });

  const prepared: PreparedPage[] = input.pages
    .filter((p) => p.text.trim().length > 0)
    .map((page, i) => ({
      promptId: `p${i + 1}`,
      page,
      info: { id: `p${i + 1}`, url: page.url, kind: page.kind, title: page.title },
      rank: PAGE_KIND_RANK[page.kind] ?? 9,
    }));
  const byPromptId = new Map(prepared.map((p) => [p.promptId, p]));

  // ---- pass 1: facts --------------------------------------------------------------------------
  const factsStrict = supportsStrictJsonSchema(opts.factsModel);
  const factsContext = factsContextOf(input, icp, opts.maxFactsPerPage);
  const factsOverhead = promptOverhead(renderFacts(factsContext, '', opts.maxFactsPerPage, 99, factsStrict), factsStrict, 'facts');
  const synthesisReserve =
    promptOverhead(renderSynthesis(synthesisContextJson(input, icp), '', supportsStrictJsonSchema(opts.synthesisModel)), supportsStrictJsonSchema(opts.synthesisModel), 'synthesis') +
    Math.min(SYNTHESIS_PLANNED_FACTS, Math.max(1, prepared.length) * opts.maxFactsPerPage) * SYNTHESIS_FACT_TOKENS;
  const factsBudget = Math.max(opts.promptTokenBudget - synthesisReserve, Math.floor(opts.promptTokenBudget / 2));
  // Pages whose text an earlier research already read keep its facts: only the others are sent.
  const reused = prepared.filter((p) => p.page.knownFacts !== undefined);
  const plan = planFactsCalls(prepared.filter((p) => p.page.knownFacts === undefined), keywords, factsBudget, factsOverhead);

  const proposed: ProposedFact[] = [];
  const skippedPages = new Set<string>(plan.skipped.map((p) => p.page.url));
  let factCounter = 0;
  for (const p of reused) {
    for (const f of p.page.knownFacts ?? []) {
      factCounter++;
      proposed.push({ id: `f${factCounter}`, category: f.category, claim: f.claim, quote: f.quote, pageId: p.promptId, batchPageIds: [p.promptId] });
    }
  }
  // pages left out for lack of budget count as stopping early, like a skipped call
  let stoppedEarly = plan.skipped.length > 0;
  for (const [batchIndex, batch] of plan.batches.entries()) {
    const maxFacts = Math.min(batch.length * opts.maxFactsPerPage, Math.max(3, Math.floor((opts.maxCompletionTokens * 0.85) / FACT_ANSWER_TOKENS)));
    const prompt = renderFacts(
      factsContext,
      batch.map((b) => pageBlock(b.prepared.info, b.text)).join('\n\n'),
      opts.maxFactsPerPage,
      maxFacts,
      factsStrict,
    );
    const answer = await ledger.ask({
      answer: ANSWERS.facts,
      model: opts.factsModel,
      template: PROMPTS.facts,
      prompt,
      promptVersion: PROMPT_VERSION,
      maxTokens: opts.maxCompletionTokens,
      context: { batch: batchIndex, pages: batch.map((b) => b.prepared.promptId) },
      // a facts batch left without a repair is left out, like one the budget cannot cover
      whenNoRepairBudget: 'skip',
    });
    if (answer.kind === 'skipped') {
      stoppedEarly = true;
      for (const b of batch) skippedPages.add(b.prepared.page.url);
      continue;
    }
    const batchPageIds = batch.map((b) => b.prepared.promptId);
    for (const f of answer.value.facts) {
      factCounter++;
      proposed.push({ id: `f${factCounter}`, category: f.category, claim: f.claim, quote: f.quote, pageId: f.pageId.trim(), batchPageIds });
    }
  }

  // ---- verification ---------------------------------------------------------------------------
  const located: (ResearchFact & { pageKind: string })[] = [];
  const dropped: DroppedFact[] = [];
  const perPage = new Map<string, number>();
  const seenSpans = new Set<string>();
  for (const f of proposed) {
    const drop = (reason: string) => dropped.push({ id: f.id, pageId: f.pageId, reason, quote: f.quote.slice(0, 160) });
    const page = byPromptId.get(f.pageId);
    if (!page || !f.batchPageIds.includes(f.pageId)) {
      drop('cites a page that was not in its prompt');
      continue;
    }
    page.norm ??= normaliseWithMap(page.page.text);
    const match = locateQuote(page.page.text, f.quote, page.norm);
    if (!match.ok) {
      drop(match.reason === 'not-found' ? 'quote not found in the page text' : match.reason === 'too-short' ? 'quote too short to be evidence' : 'empty quote');
      continue;
    }
    const span = `${f.pageId}:${normaliseForMatch(match.exact)}`;
    if (seenSpans.has(span)) {
      drop('duplicate of an earlier fact');
      continue;
    }
    if ((perPage.get(f.pageId) ?? 0) >= opts.maxFactsPerPage) {
      drop('over the per-page fact limit');
      continue;
    }
    seenSpans.add(span);
    perPage.set(f.pageId, (perPage.get(f.pageId) ?? 0) + 1);
    located.push({
      id: f.id,
      category: f.category,
      claim: f.claim.trim().slice(0, MAX_CLAIM_CHARS),
      quote: match.exact,
      snapshotId: page.page.snapshotId,
      sourceUrl: page.page.url,
      verified: true,
      pageKind: page.page.kind,
    });
  }

  const verified = mergeRepeatedFacts(located);

  // ---- pass 2: synthesis ----------------------------------------------------------------------
  const synthesisStrict = supportsStrictJsonSchema(opts.synthesisModel);
  const synthesisContext = synthesisContextJson(input, icp);
  const applicable = applicableCriteria(icp);
  let synthesis: SynthesisAnswer | undefined;
  let shownIds = new Set<string>();
  let synthesisNote: string | undefined;
  if (verified.length === 0) {
    synthesisNote = prepared.length > 0 && plan.batches.length === 0 ? 'token budget too small to read any page' : 'no verified facts to synthesise';
  } else {
    const overhead = promptOverhead(renderSynthesis(synthesisContext, '', synthesisStrict), synthesisStrict, 'synthesis');
    const shown = pickSynthesisFacts(verified, keywords, ledger.remaining() - overhead);
    if (shown.length === 0) {
      synthesisNote = 'token budget spent before synthesis';
      stoppedEarly = true;
    } else {
      shownIds = new Set(shown.map((f) => f.id));
      const lines = shown.map((f) => blockJson({ id: f.id, category: f.category, claim: f.claim, quote: truncate(f.quote, SYNTHESIS_QUOTE_CHARS), page: f.pageKind })).join('\n');
      const answer = await ledger.ask({
        answer: ANSWERS.synthesis,
        model: opts.synthesisModel,
        template: PROMPTS.synthesis,
        prompt: renderSynthesis(synthesisContext, lines, synthesisStrict),
        promptVersion: PROMPT_VERSION,
        maxTokens: opts.maxCompletionTokens,
        context: { facts: shown.map((f) => f.id) },
      });
      if (answer.kind === 'skipped') {
        synthesisNote = 'token budget spent before synthesis';
        stoppedEarly = true;
      } else synthesis = answer.value;
    }
  }

  // ---- findings -------------------------------------------------------------------------------
  const facts: ResearchFact[] = verified.map(({ pageKind: _kind, ...fact }) => fact);
  const checked = synthesis ? checkSynthesis(synthesis, shownIds, applicable) : undefined;
  const hooksProposed = synthesis?.hooks.length ?? 0;
  const hooksKept = checked?.hooks.length ?? 0;
  const evidenced = checked ? checked.criteria.filter((c) => c.assessment !== 'unknown' && c.assessment !== 'not_applicable').length : 0;
  const insufficient = !synthesis || synthesis.insufficientEvidence || facts.length === 0 || (applicable.size > 0 && evidenced === 0);
  const fitScore = insufficient || !checked || applicable.size === 0 ? null : checked.score;

  const missing = [
    ...(synthesisNote ? [synthesisNote] : []),
    ...(synthesis?.missing ?? []),
    ...(insufficient && checked ? checked.criteria.filter((c) => c.assessment === 'unknown').map((c) => `evidence on ${c.criterion.replace('_', ' ')}`) : []),
  ];
  const provider = deps.llm.provider;
  const findings: Findings = {
    ...(provider === 'offline-heuristic'
      ? { method: 'offline-heuristic: facts are page lines matching category cues and ICP terms; fit is keyword matching; no language model was used' }
      : {}),
    icp: icp ? { id: icp.id, slug: icp.slug, name: icp.name } : null,
    insufficientEvidence: insufficient,
    missing: [...new Set(missing)],
    fit: checked
      ? { score: fitScore, computedScore: checked.score, modelScore: checked.modelScore, rules: SCORE_RULES, criteria: checked.criteria }
      : { score: null, rules: SCORE_RULES, criteria: [] },
    intentSignals: checked?.intentSignals ?? [],
    pains: checked?.pains ?? [],
    hooks: checked?.hooks ?? [],
    emailAngle: checked?.emailAngle ?? null,
    verification: {
      factsProposed: proposed.length,
      factsVerified: facts.length,
      factsDropped: dropped.length,
      hooksProposed,
      hooksKept,
      hooksDropped: hooksProposed - hooksKept,
      droppedFacts: dropped,
      droppedHooks: checked?.droppedHooks ?? [],
      citationsRemoved: checked?.citationsRemoved ?? 0,
    },
    tokenBudget: {
      limit: opts.promptTokenBudget,
      used: ledger.used,
      pagesIncluded: prepared.filter((p) => !skippedPages.has(p.page.url)).length,
      pagesSkipped: [...skippedPages],
      pagesReused: reused.map((p) => p.page.url),
      pagesTrimmed: plan.batches.flat().filter((b) => b.trimmed).length,
      synthesisFacts: shownIds.size,
      stoppedEarly,
    },
  };

  const summary = (synthesis?.summary.trim() || (insufficient ? `Insufficient evidence to research ${input.lead.companyName || input.lead.domain}: ${[...new Set(missing)].join('; ') || 'no usable facts'}.` : '')).slice(0, 2000);
  const calls = ledger.records;
  const synthesisCall = [...calls].reverse().find((c) => c.pass.startsWith('synthesis'));
  return {
    status: insufficient ? 'insufficient_evidence' : 'researched',
    provider,
    model: synthesisCall?.model ?? calls.at(-1)?.model ?? (provider === 'offline-heuristic' ? HEURISTIC_MODEL : opts.synthesisModel),
    promptVersion: PROMPT_VERSION,
    fitScore,
    summary,
    findings,
    facts,
    llmCalls: calls,
    promptTokens: calls.reduce((s, c) => s + c.promptTokens, 0),
    completionTokens: calls.reduce((s, c) => s + c.completionTokens, 0),
    costUsd: Math.round(calls.reduce((s, c) => s + c.costUsd, 0) * 1e6) / 1e6,
  };
}

function resolveOptions(options: Partial<ResearchOptions> | undefined): ResearchOptions {
  const merged: ResearchOptions = { ...DEFAULT_RESEARCH_OPTIONS };
  for (const [key, value] of Object.entries(options ?? {})) if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  const positive = (n: number, min: number) => (Number.isFinite(n) ? Math.max(min, Math.floor(n)) : min);
  merged.promptTokenBudget = positive(merged.promptTokenBudget, 1);
  merged.maxFactsPerPage = positive(merged.maxFactsPerPage, 1);
  merged.maxCompletionTokens = positive(merged.maxCompletionTokens, 64);
  merged.reasoningTokens = Number.isFinite(merged.reasoningTokens) ? Math.max(0, Math.floor(merged.reasoningTokens)) : DEFAULT_RESEARCH_OPTIONS.reasoningTokens;
  return merged;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

// ---------------------------------------------------------------------------------------------
// Prompts

function focusTerms(seller: SellerContext, icp: IcpContext | null): string[] {
  const raw = [
    ...(icp ? [...icp.keywords, ...icp.industries, ...icp.technologies, ...icp.buyingTriggers, ...icp.fundingStages, ...icp.geographies] : []),
    ...seller.products.flatMap((p) => [p.name, ...p.painsSolved]),
    ...(icp ? icp.personas.flatMap((p) => p.pains) : []),
  ];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of raw) {
    const term = t.trim().slice(0, 60);
    if (term && !seen.has(term.toLowerCase())) (seen.add(term.toLowerCase()), out.push(term));
  }
  return out.slice(0, 30);
}

function factsContextOf(input: ResearchInput, icp: IcpContext | null, maxFactsPerPage: number): Record<string, unknown> {
  return {
    lead: { companyName: input.lead.companyName, domain: input.lead.domain },
    seller: input.seller.companyName,
    icp: icp?.name ?? null,
    focusTerms: focusTerms(input.seller, icp),
    maxFactsPerPage,
  };
}

function list(items: string[], n: number, chars: number): string[] {
  return items.slice(0, n).map((s) => truncate(s.trim(), chars));
}

function synthesisContextJson(input: ResearchInput, icp: IcpContext | null): string {
  const s = input.seller;
  return blockJson({
    seller: {
      name: s.companyName,
      // what synthesis needs to map pains to value propositions; the rest of the onboarding
      // (differentiators, use cases, the long description) costs tokens on every lead and is
      // for the email writer, not the researcher
      description: truncate(s.description, 160),
      valuePropositions: list(s.valuePropositions, 8, 160),
      products: s.products.slice(0, 5).map((p) => ({ name: p.name, painsSolved: list(p.painsSolved, 6, 120) })),
    },
    icp: icp
      ? {
          name: icp.name,
          industries: list(icp.industries, 10, 80),
          employeesMin: icp.employeesMin,
          employeesMax: icp.employeesMax,
          geographies: list(icp.geographies, 10, 60),
          technologies: list(icp.technologies, 12, 60),
          fundingStages: list(icp.fundingStages, 6, 40),
          buyingTriggers: list(icp.buyingTriggers, 8, 120),
          negativeIcp: list(icp.negativeIcp, 8, 120),
          keywords: list(icp.keywords, 12, 60),
          personas: icp.personas.slice(0, 3).map((p) => ({ name: p.name, titles: list(p.titles, 4, 60), pains: list(p.pains, 4, 120) })),
        }
      : null,
    lead: { companyName: input.lead.companyName, domain: input.lead.domain },
    criteria: CRITERIA.filter((c) => applicableCriteria(icp).has(c)),
  });
}

function renderFacts(context: Record<string, unknown>, pages: string, maxFactsPerPage: number, maxFacts: number, strict: boolean): RenderedPrompt {
  const t = PROMPTS.facts;
  return {
    system: renderTemplate(t.system, { maxFactsPerPage, maxFacts }),
    user: renderTemplate(t.user, { context: blockJson({ ...context, maxFacts }), pages, answerFormat: strict ? '' : t.format }),
  };
}

function renderSynthesis(context: string, facts: string, strict: boolean): RenderedPrompt {
  const t = PROMPTS.synthesis;
  return { system: t.system, user: renderTemplate(t.user, { context, facts, answerFormat: strict ? '' : t.format }) };
}

function promptOverhead(prompt: RenderedPrompt, strict: boolean, pass: AnswerPass): number {
  return promptTokens(prompt, strict, ANSWERS[pass]);
}

// ---------------------------------------------------------------------------------------------
// Budget planning

interface FactsPlan {
  batches: PlannedPage[][];
  skipped: PreparedPage[];
}

/**
 * Splits the facts budget over pages (water-filling: small pages take what they need, the rest
 * is shared), trims each page to its most relevant passages, and packs pages into as few calls
 * as fit, since every call repeats the instructions.
 */
function planFactsCalls(pages: PreparedPage[], keywords: KeywordSet, budget: number, overhead: number): FactsPlan {
  if (pages.length === 0) return { batches: [], skipped: [] };
  const byRank = [...pages].sort((a, b) => a.rank - b.rank || Number(a.promptId.slice(1)) - Number(b.promptId.slice(1)));
  const callCap = Math.max(overhead + MIN_PAGE_TOKENS, Math.min(MAX_FACTS_CALL_PROMPT_TOKENS, budget));
  for (let calls = 1; calls <= pages.length; calls++) {
    const available = budget - calls * overhead;
    if (available < MIN_PAGE_TOKENS) break;
    // too many pages for a useful share each: drop the least promising kinds
    const keep = byRank.slice(0, Math.max(1, Math.min(pages.length, Math.floor(available / MIN_PAGE_TOKENS))));
    const kept = pages.filter((p) => keep.includes(p));
    const demands = kept.map((p) => planTokens(pageBlock(p.info, p.page.text)));
    const shares = waterFill(available, demands);
    const planned = kept.map((p, i) => selectPassages(p, keywords, shares[i]));
    const batches = pack(planned, callCap - overhead);
    if (batches.length <= calls) return { batches, skipped: pages.filter((p) => !keep.includes(p)) };
  }
  return { batches: [], skipped: pages };
}

/** Shares `total` so no one gets more than it asks for and the rest is split evenly. */
function waterFill(total: number, demands: number[]): number[] {
  const order = demands.map((d, i) => ({ d, i })).sort((a, b) => a.d - b.d);
  const shares = new Array<number>(demands.length).fill(0);
  let left = total;
  order.forEach(({ d, i }, k) => {
    const fair = Math.floor(left / (order.length - k));
    shares[i] = Math.min(d, fair);
    left -= shares[i];
  });
  return shares;
}

/** First-fit in page order: each call holds pages up to `capacity` tokens. */
function pack(pages: PlannedPage[], capacity: number): PlannedPage[][] {
  const bins: { used: number; items: PlannedPage[] }[] = [];
  for (const p of pages) {
    const bin = bins.find((b) => b.used + p.tokens <= capacity);
    if (bin) (bin.items.push(p), (bin.used += p.tokens));
    else bins.push({ used: p.tokens, items: [p] });
  }
  return bins.map((b) => b.items);
}

/**
 * The page text to show within `share` tokens: the whole page when it fits, else the
 * Title/Description lines plus the highest-scoring passages, in page order, with a gap line
 * wherever passages were left out. Every shown passage is an exact substring of the page.
 */
function selectPassages(p: PreparedPage, keywords: KeywordSet, share: number): PlannedPage {
  const full = p.page.text.trim();
  const fullTokens = planTokens(pageBlock(p.info, full));
  if (fullTokens <= share) return { prepared: p, text: full, trimmed: false, tokens: fullTokens };

  const frame = planTokens(pageBlock(p.info, ''));
  let chars = Math.max(0, Math.floor((share - frame) * 3.5));
  const passages = splitPassages(p.page.text).map((x, index) => ({ ...x, index, score: scorePassage(x.text, keywords) }));
  const chosen = new Map<number, string>();
  const cost = (text: string) => text.length + GAP_LINE.length + 2;
  for (const x of passages) {
    if (isHeaderLine(x.text)) {
      const text = x.text.length > 300 ? x.text.slice(0, Math.max(60, x.text.lastIndexOf(' ', 300))) : x.text;
      chosen.set(x.index, text);
      chars -= cost(text);
    }
  }
  // passages with no cue and no ICP term are not worth tokens once a page has to be trimmed
  const rest = passages.filter((x) => !chosen.has(x.index) && x.score > 0).sort((a, b) => b.score - a.score || a.index - b.index);
  for (const x of rest) {
    if (chars <= 0) break;
    if (cost(x.text) <= chars) {
      chosen.set(x.index, x.text);
      chars -= cost(x.text);
    } else if (chars > 160) {
      // the best remaining passage does not fit whole: show its beginning (still exact text)
      const cut = x.text.lastIndexOf(' ', chars - GAP_LINE.length - 2);
      if (cut > 60) {
        chosen.set(x.index, x.text.slice(0, cut));
        chars -= cost(x.text.slice(0, cut));
      }
    }
  }
  const ordered = [...chosen.entries()].sort((a, b) => a[0] - b[0]);
  const parts: string[] = [];
  let previous = -1;
  for (const [index, text] of ordered) {
    // nothing left out between two shown passages: no gap line
    const contiguous = previous >= 0 && index === previous + 1 && chosen.get(previous) === passages[previous].text;
    if (parts.length && !contiguous) parts.push(GAP_LINE);
    parts.push(text);
    previous = index;
  }
  if (ordered.length && ordered.at(-1)![0] < passages.length - 1) parts.push(GAP_LINE);
  const text = parts.join('\n');
  return { prepared: p, text, trimmed: true, tokens: planTokens(pageBlock(p.info, text)) };
}

/** Verified facts for the synthesis prompt within `tokens`: the most relevant first, shown in id order. */
function pickSynthesisFacts<F extends ResearchFact>(facts: F[], keywords: KeywordSet, tokens: number): F[] {
  const ranked = facts
    .map((f, i) => ({ f, i, score: scorePassage(`${f.claim} ${f.quote}`, keywords) }))
    .sort((a, b) => b.score - a.score || a.i - b.i);
  const out: { f: F; i: number }[] = [];
  let left = tokens;
  for (const r of ranked) {
    if (out.length >= SYNTHESIS_MAX_FACTS) break;
    const cost = planTokens(blockJson({ id: r.f.id, category: r.f.category, claim: r.f.claim, quote: truncate(r.f.quote, SYNTHESIS_QUOTE_CHARS), page: 'other' })) + 1;
    if (cost > left) continue;
    out.push(r);
    left -= cost;
  }
  return out.sort((a, b) => a.i - b.i).map((r) => r.f);
}

// ---------------------------------------------------------------------------------------------
// Synthesis checks

interface CheckedCriterion {
  criterion: Criterion;
  assessment: Assessment;
  weight: number;
  reason: string;
  factIds: string[];
  /** what the model said before the evidence rule applied */
  modelAssessment?: Assessment;
  removedFactIds?: string[];
}

interface CheckedSynthesis {
  score: number;
  modelScore: number;
  criteria: CheckedCriterion[];
  intentSignals: SynthesisAnswer['intentSignals'];
  pains: SynthesisAnswer['pains'];
  hooks: SynthesisAnswer['hooks'];
  emailAngle: SynthesisAnswer['emailAngle'] | null;
  droppedHooks: { hook: string; factIds: string[]; reason: string }[];
  citationsRemoved: number;
}

/**
 * Holds the synthesis to the evidence: citations must name facts the model was shown, hooks
 * citing anything else are dropped, a criterion judged without a verified fact becomes
 * `unknown`, criteria the ICP does not set are `not_applicable`, and the score is recomputed.
 */
function checkSynthesis(answer: SynthesisAnswer, known: Set<string>, applicable: Set<Criterion>): CheckedSynthesis {
  let removed = 0;
  const clean = (ids: string[]) => {
    const ok = [...new Set(ids.map((id) => id.trim()))].filter((id) => known.has(id));
    removed += ids.length - ok.length;
    return ok;
  };

  const criteria = CRITERIA.map((criterion): CheckedCriterion => {
    const weight = CRITERION_WEIGHTS[criterion];
    if (!applicable.has(criterion)) return { criterion, assessment: 'not_applicable', weight, reason: 'The ICP sets nothing for this criterion.', factIds: [] };
    const entry = answer.fit.criteria.find((c) => c.criterion === criterion);
    if (!entry) return { criterion, assessment: 'unknown', weight, reason: 'Not assessed.', factIds: [] };
    const factIds = clean(entry.factIds);
    const removedFactIds = entry.factIds.filter((id) => !known.has(id.trim()));
    let assessment: Assessment = entry.assessment === 'not_applicable' ? 'unknown' : entry.assessment;
    if (assessment !== 'unknown' && factIds.length === 0) assessment = 'unknown';
    return {
      criterion,
      assessment,
      weight,
      reason: entry.reason.trim().slice(0, 600),
      factIds,
      ...(assessment !== entry.assessment ? { modelAssessment: entry.assessment } : {}),
      ...(removedFactIds.length ? { removedFactIds } : {}),
    };
  });

  const hooks: SynthesisAnswer['hooks'] = [];
  const droppedHooks: CheckedSynthesis['droppedHooks'] = [];
  for (const h of answer.hooks) {
    const unknownIds = h.factIds.filter((id) => !known.has(id.trim()));
    if (h.factIds.length === 0 || unknownIds.length > 0) {
      droppedHooks.push({ hook: h.hook.slice(0, 300), factIds: h.factIds, reason: h.factIds.length === 0 ? 'cites no fact' : `cites unverified or unknown fact ids: ${unknownIds.join(', ')}` });
      removed += unknownIds.length;
      continue;
    }
    hooks.push({ hook: h.hook.trim(), factIds: [...new Set(h.factIds.map((id) => id.trim()))] });
  }

  const intentSignals = answer.intentSignals.map((s) => ({ signal: s.signal.trim(), factIds: clean(s.factIds) })).filter((s) => s.signal && s.factIds.length);
  const pains = answer.pains.map((p) => ({ pain: p.pain.trim(), valueProposition: p.valueProposition.trim(), factIds: clean(p.factIds) })).filter((p) => p.pain && p.factIds.length);
  const angleIds = clean(answer.emailAngle.factIds);
  const emailAngle = answer.emailAngle.angle.trim() && angleIds.length ? { angle: answer.emailAngle.angle.trim(), factIds: angleIds } : null;

  const score = computeFitScore(Object.fromEntries(criteria.map((c) => [c.criterion, c.assessment])));
  return { score, modelScore: clampScore(answer.fit.score), criteria, intentSignals, pains, hooks, emailAngle, droppedHooks, citationsRemoved: removed };
}

/**
 * A lead with no ICP (it came from a leads file) is read against the ICP its site talks most
 * like: the one whose terms occur most often in the pages.
 */
function likeliestIcp(input: ResearchInput): IcpContext | undefined {
  const text = input.pages.map((p) => p.text).join('\n');
  let best: { icp: IcpContext; hits: number } | undefined;
  for (const icp of input.seller.icps) {
    const hits = keywordHits(text, keywordSetFrom([...icp.keywords, ...icp.industries])).length;
    if (!best || hits > best.hits) best = { icp, hits };
  }
  return best?.icp;
}
