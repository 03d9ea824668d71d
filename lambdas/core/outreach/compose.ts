/**
 * Drafting with a language model, the pure half: the prompt a lead's sequence is asked for, the
 * answer's schema, and the turn of an answer into a `DraftSequence` that the grounding checker
 * has judged. No I/O here: `draft.ts` makes the call.
 *
 * The prompt carries what research verified and what the seller told us, never a raw page:
 * verified facts (with their local ids, for `[f1]` citations), the synthesis' hooks, pains and
 * email angle, the persona the lead's title matches, the tone as plain instructions, the
 * language, length limit, call to action, banned phrases, the rep, the seller's product and
 * proof, and optionally a few recent rep edits (before/after) to learn from. It is held under
 * `DRAFT_PROMPT_TOKEN_LIMIT` with the research engine's estimator (`planTokens`, counting the
 * strict JSON schema as the engine does): examples go first, then the lowest-ranked facts.
 *
 * One call drafts the whole sequence the ICP's settings ask for (`sequence-plan.ts`): two first
 * emails with different angles (problem, proof), then each later step (by default two follow-ups
 * and a LinkedIn connection note), listed in the prompt as PARTS, with an answer schema made for
 * those steps. Whatever the model says about its own grounding
 * counts for nothing: every message goes through `checkGrounding`, which blocks an invented
 * specific and flags everything else it finds.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BudgetExceededError } from '../errors.ts';
import { defineAnswer, parseJsonAnswer, toStrictJsonSchema } from '../llm/calls.ts';
import { blockJson, parsePromptFile, PROMPTS, renderTemplate } from '../research/prompts.ts';
import { planTokens } from '../research/text.ts';
import { checkGrounding, sellerEvidence, type EvidenceFact } from './grounding.ts';
import { planSequence, type PlannedStep } from './sequence-plan.ts';
import {
  proofFor,
  rankFacts,
  sequenceBasics,
  signOffFor,
  toneInstructions,
  type DraftFact,
  type DraftMessage,
  type DraftSequence,
  type TemplateInput,
} from './templates.ts';

/** Prompt tokens one lead's drafting prompt may use (system, user and the strict schema). */
export const DRAFT_PROMPT_TOKEN_LIMIT = 1500;

/** The drafting prompt (`prompts/draft.v<N>.md`). Bundlers must ship `prompts/` next to this module. */
export const DRAFT_PROMPT = parsePromptFile('draft.v2', readFileSync(new URL('./prompts/draft.v2.md', import.meta.url), 'utf8'));
/** The prompts a model draft may come from (the drafting prompt and the shared repair prompt), as `message.prompt_version`. */
export const DRAFT_PROMPT_VERSION = `${DRAFT_PROMPT.id}+${PROMPTS.repair.id}`;

/** Shown wherever a model draft is listed, as templates show theirs. */
export function llmLabel(model: string): string {
  return `llm: written by ${model} from verified facts and the seller's onboarding data; every specific checked by the grounding checker`;
}

// ---------------------------------------------------------------------------------------------
// The answer

// No descriptions in the schema: the prompt says what each part is, and the strict schema is
// sent (and counted) with every call.
const subject = z.string().trim().min(1).max(100);
const body = z.string().trim().min(1).max(4000);

/**
 * What the model answers: the whole sequence in one object, one key per part the prompt lists
 * (`variantA` and `variantB` with subjects; every later step a body).
 */
export type DraftAnswer = { variantA: { subject: string; body: string }; variantB: { subject: string; body: string } } & Record<string, { subject?: string; body: string }>;

/** The answer's zod schema, strict JSON Schema and format in words for one sequence's steps. */
export interface DraftAnswerSpec {
  schema: z.ZodType<DraftAnswer>;
  jsonSchema: { name: string; schema: Record<string, unknown> };
  answer: ReturnType<typeof defineAnswer<DraftAnswer>>;
}

/** The answer for the given steps (the default sequence when none): keys from `planSequence`. */
export function draftAnswerFor(plan: readonly PlannedStep[] = planSequence()): DraftAnswerSpec {
  const shape: Record<string, z.ZodType> = {};
  for (const step of plan) for (const part of step.parts) shape[part] = step.kind === 'email' ? z.object({ subject, body }) : z.object({ body });
  const schema = z.object(shape) as unknown as z.ZodType<DraftAnswer>;
  const jsonSchema = { name: 'outreach_sequence', schema: toStrictJsonSchema(schema) };
  const keys = `{${plan.flatMap((s) => s.parts.map((p) => `"${p}":{${s.kind === 'email' ? '"subject":"...",' : ''}"body":"..."}`)).join(',')}}`;
  const answer = defineAnswer({
    pass: 'draft',
    schema,
    jsonSchemaName: jsonSchema.name,
    jsonSchema: jsonSchema.schema,
    format: renderTemplate(DRAFT_PROMPT.format, { keys }),
  });
  return { schema, jsonSchema, answer };
}

const DEFAULT_ANSWER = draftAnswerFor();
/** `response_format.json_schema` for the default sequence's drafting call (strict where the model allows). */
export const DRAFT_JSON_SCHEMA = DEFAULT_ANSWER.jsonSchema;
/** The default sequence's drafting answer for the shared LLM call module. */
export const DRAFT_ANSWER = DEFAULT_ANSWER.answer;

/**
 * Parses a model's answer as the call module does: a JSON code fence is tolerated; anything else
 * wrong is an error whose text is fit to send back in the one repair attempt.
 */
export function parseDraftAnswer(content: string, plan?: readonly PlannedStep[]): { ok: true; value: DraftAnswer } | { ok: false; error: string } {
  return parseJsonAnswer(plan ? draftAnswerFor(plan).answer : DRAFT_ANSWER, content);
}

const KIND_WORDS: Record<PlannedStep['kind'], string> = {
  email: 'first email',
  follow_up_email: 'follow-up email',
  linkedin_connection_note: 'LinkedIn connection note',
  linkedin_message: 'LinkedIn message',
  call_task: 'call task for the rep',
};
const ANGLE_WORDS: Record<PlannedStep['angle'], string> = {
  first_email: 'as above',
  follow_up: 'a new fact or the differentiator',
  last_note: 'short last note, says it is the last',
  connection: 'connection request, max 300 chars, no link, no pitch',
  linkedin: 'short: a new fact or the proof, then the ask',
  call: 'talking points: why now (cite a fact), offer, ask',
};

/** The PARTS lines of the prompt: one per step, in order. */
export function partsBlock(plan: readonly PlannedStep[]): string {
  return plan.map((s) => `- ${s.parts.join(', ')}: ${KIND_WORDS[s.kind]}, day ${s.dayOffset}: ${ANGLE_WORDS[s.angle]}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// The prompt

/** A draft a rep edited and then approved: shown to the model as an example of what reps want. */
export interface EditExample {
  before: string;
  after: string;
}

/** What drafting reads: the template input plus recent approved rep edits. */
export interface ComposeInput extends TemplateInput {
  /** newest first: when the token limit bites, the oldest go first */
  examples?: EditExample[];
}

export interface DraftPrompt {
  system: string;
  user: string;
  /** the prompt's tokens by the research engine's estimator, the strict schema included when sent */
  tokens: number;
  /** local ids of the facts shown, best first */
  factIds: string[];
  examplesShown: number;
  /** what had to go to fit the limit */
  dropped: { examples: number; facts: number };
  /** the steps asked for, and the answer made for them */
  plan: PlannedStep[];
  answer: DraftAnswerSpec['answer'];
}

// Sizes of what the prompt carries; chosen so a typical lead fits with room for examples.
const MAX_FACTS = 8;
const QUOTE_CHARS = 220;
const TEXT_CHARS = 160;
const EXAMPLE_CHARS = 240;
const MAX_EXAMPLES = 3;

function cut(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 3).trimEnd()}...`;
}

interface Citing {
  text: string;
  factIds: string[];
}

/** Synthesis items as the engine writes them (`findings` is untyped JSON): text plus fact ids, or dropped. */
function citing(value: unknown, key: string): Citing | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const text = typeof v[key] === 'string' ? (v[key] as string).trim() : '';
  const ids = Array.isArray(v.factIds) ? v.factIds.filter((x): x is string => typeof x === 'string') : [];
  return text ? { text, factIds: ids } : undefined;
}

function synthesisOf(findings: Record<string, unknown>, shown: ReadonlySet<string>): Record<string, unknown> {
  const keep = (c: Citing | undefined) => (c ? { text: cut(c.text, TEXT_CHARS), factIds: c.factIds.filter((id) => shown.has(id)) } : undefined);
  const list = (value: unknown, key: string, n: number) =>
    (Array.isArray(value) ? value : [])
      .map((x) => keep(citing(x, key)))
      .filter((x): x is Citing => !!x && x.factIds.length > 0)
      .slice(0, n);
  return {
    emailAngle: keep(citing(findings.emailAngle, 'angle')) ?? null,
    hooks: list(findings.hooks, 'hook', 3),
    pains: list(findings.pains, 'pain', 2),
  };
}

function dataBlock(input: TemplateInput, facts: DraftFact[]): string {
  const { onboarding, icp, lead } = input;
  const { rep, persona, tone } = sequenceBasics(input);
  const product = onboarding.products.find((p) => icp.products.includes(p.name)) ?? onboarding.products[0];
  const shown = new Set(facts.map((f) => f.id));
  return blockJson({
    lead: {
      name: lead.name, company: lead.companyName.trim() || lead.domain, title: lead.title ?? null,
      ...(lead.teamMailbox ? { mailbox: `${lead.teamMailbox}@ is a team's shared inbox, not one person: greet the team, never a first name` } : {}),
    },
    persona: persona ? { name: persona.name, pains: persona.pains.slice(0, 2).map((p) => cut(p, TEXT_CHARS)) } : null,
    seller: {
      name: onboarding.company.name,
      product: product?.name ?? null,
      valuePropositions: onboarding.company.valuePropositions.slice(0, 2).map((v) => cut(v, TEXT_CHARS)),
      differentiator: onboarding.company.differentiators[0] ? cut(onboarding.company.differentiators[0], TEXT_CHARS) : null,
      proof: [proofFor(onboarding, icp)].filter((p) => p !== undefined).map((p) => ({ customer: p.customer ?? null, title: cut(p.title, TEXT_CHARS), metric: p.metric ? cut(p.metric, TEXT_CHARS) : null })),
    },
    rep: { name: rep.name, signature: tone.signature },
    // formality, warmth and directness as words; language, length, call to action and banned
    // phrases as values (the instructions' last lines say the same, so they are not repeated)
    tone: { instructions: toneInstructions(input.onboarding.tone).slice(0, 3), language: tone.language, maxWords: tone.maxWords, callToAction: tone.callToAction, bannedPhrases: tone.bannedPhrases },
    synthesis: synthesisOf(input.research.findings ?? {}, shown),
    facts: facts.map((f) => ({ id: f.id, category: f.category, quote: cut(f.quote, QUOTE_CHARS) })),
    // outreach triggered by a change on their site: the model is told which fact it is (only its quote may be said about it)
    ...(input.signal && shown.has(input.signal.factId) ? { freshChange: { factId: input.signal.factId, kind: input.signal.kind } } : {}),
  });
}

function examplesBlock(examples: EditExample[]): string {
  if (examples.length === 0) return '';
  const lines = examples.map((e) => blockJson({ before: cut(e.before, EXAMPLE_CHARS), after: cut(e.after, EXAMPLE_CHARS) }));
  return `Drafts reps approved after editing them, for their preferences only (they are about other prospects: never reuse their facts):\n<<<REP EDITS>>>\n${lines.join('\n')}\n<<<END REP EDITS>>>\n`;
}

/**
 * The drafting prompt for one lead, within `limit` tokens: examples are dropped first (newest
 * kept), then the lowest-ranked facts; at least one fact always stays. Throws when even the
 * smallest prompt does not fit (the limit is then wrong, not the lead).
 */
export function buildDraftPrompt(input: ComposeInput, options: { strict?: boolean; limit?: number } = {}): DraftPrompt {
  const strict = options.strict ?? true;
  const limit = options.limit ?? DRAFT_PROMPT_TOKEN_LIMIT;
  const ranked = rankFacts(input.research);
  if (ranked.length === 0) throw new Error('buildDraftPrompt: the research has no verified fact to draft from');
  const allExamples = (input.examples ?? []).filter((e) => e.before.trim() && e.after.trim()).slice(0, MAX_EXAMPLES);
  const plan = planSequence(input.icp.sequence.steps);
  const spec = draftAnswerFor(plan);
  const schemaTokens = strict ? planTokens(JSON.stringify(spec.jsonSchema.schema)) : 0;
  const parts = partsBlock(plan);
  const render = (facts: DraftFact[], examples: EditExample[]) => {
    const user = renderTemplate(DRAFT_PROMPT.user, {
      data: dataBlock(input, facts),
      parts,
      examples: examplesBlock(examples),
      answerFormat: strict ? '' : spec.answer.format,
    });
    return { system: DRAFT_PROMPT.system, user, tokens: planTokens(DRAFT_PROMPT.system) + planTokens(user) + schemaTokens };
  };
  let facts = ranked.slice(0, MAX_FACTS);
  let examples = allExamples;
  let prompt = render(facts, examples);
  while (prompt.tokens > limit && (examples.length > 0 || facts.length > 1)) {
    if (examples.length > 0) examples = examples.slice(0, -1);
    else facts = facts.slice(0, -1);
    prompt = render(facts, examples);
  }
  if (prompt.tokens > limit) {
    throw new BudgetExceededError(`draft: the smallest drafting prompt takes ${prompt.tokens} tokens, over the ${limit}-token limit`);
  }
  return {
    ...prompt,
    factIds: facts.map((f) => f.id),
    examplesShown: examples.length,
    dropped: { examples: allExamples.length - examples.length, facts: Math.min(ranked.length, MAX_FACTS) - facts.length },
    plan,
    answer: spec.answer,
  };
}

// ---------------------------------------------------------------------------------------------
// From answer to sequence

/**
 * Turns a validated answer into a sequence, step by step as the ICP's settings lay it out (the
 * first email's parts are variants `a`, problem angle, and `b`, proof angle), and runs the grounding checker on every message
 * (against all of the lead's facts, so a citation of an unverified one is caught). Emails get
 * the tone's sign-off and the rep's signature here, not from the model.
 */
export function sequenceFromAnswer(input: TemplateInput, answer: DraftAnswer, meta: { model: string; promptVersion?: string }): DraftSequence {
  const { rep, persona, tone } = sequenceBasics(input);
  const seller = sellerEvidence(input.onboarding);
  const facts: EvidenceFact[] = input.research.facts.map((f) => ({ id: f.id, localId: f.id, researchId: input.research.researchId, quote: f.quote, verified: f.verified }));
  const signOff = signOffFor(input.onboarding.tone);
  const message = (step: PlannedStep, key: string): DraftMessage => {
    const part = answer[key];
    if (!part) throw new Error(`sequenceFromAnswer: the answer has no "${key}" part for step ${step.position} (${step.kind})`);
    const channel = step.channel;
    const subjectLine = step.kind === 'email' && part.subject !== undefined ? part.subject : null;
    // A model told not to sign may sign anyway: its own closing line with the rep's name stays,
    // and no second signature is added.
    const lastLines = part.body.trim().split('\n').slice(-4).map((l) => l.trim().replace(/[,.]$/, '').toLowerCase());
    const signed = lastLines.includes(rep.name.trim().toLowerCase());
    const draft = channel === 'email' && !signed ? `${part.body.trim()}\n\n${signOff}\n${tone.signature}` : part.body.trim();
    const check = checkGrounding({
      channel,
      firstTouch: step.firstTouch,
      subject: subjectLine,
      body: draft,
      lead: { name: input.lead.name, companyName: input.lead.companyName.trim() || input.lead.domain, title: input.lead.title, domain: input.lead.domain, email: input.lead.email },
      researchId: input.research.researchId,
      facts,
      seller,
      tone: { maxWords: tone.maxWords, bannedPhrases: tone.bannedPhrases, signature: tone.signature },
    });
    // The subject as sent: a citation marker in it is the model's habit, not text for the prospect.
    const variant = step.kind === 'email' ? (key === 'variantB' ? 'b' : 'a') : null;
    const angle = step.kind === 'email' ? (variant === 'a' ? 'problem' : 'proof') : step.angle;
    return { variant, angle, subject: check.subject, draft, check };
  };
  const plan = planSequence(input.icp.sequence.steps);
  const steps: DraftSequence['steps'] = plan.map((step) => ({
    position: step.position,
    kind: step.kind,
    dayOffset: step.dayOffset,
    messages: step.parts.map((key) => message(step, key)),
  }));
  const promptVersion = meta.promptVersion ?? DRAFT_PROMPT_VERSION;
  const personalised = steps.some((s) => s.messages.some((m) => m.check.sentences.some((x) => x.validFactIds.length > 0)));
  return {
    source: 'llm',
    label: llmLabel(meta.model),
    templateVersion: promptVersion,
    model: meta.model,
    promptVersion,
    personalised,
    personaName: persona?.name ?? 'any',
    repEmail: rep.email,
    tone,
    steps,
  };
}
