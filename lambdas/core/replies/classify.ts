/**
 * Classify: one label for one inbound mail, with its details (questions, referral, objection
 * kind, return date, bounce), a confidence, and who decided (`classifiedBy`).
 *
 * 1. The mail's new text is taken (`stripReply`): quoted history and signatures never count.
 * 2. Rules first (`applyRules`): a bounce, an out-of-office or an opt-out is decided there and
 *    wins. An `auto_reply` from the rules is provisional: only a `referral` or `wrong_person`
 *    from the classifier may replace it ("I have left; write to jane@...").
 * 3. With a language model: one budgeted, validated, repair-once, archived call through the
 *    shared LLM call module, as drafting does. The answer is checked beyond its shape
 *    (`checkedAnswer`): an invented referral address or a past return date is an invalid answer,
 *    sent back once for repair; still invalid, the offline heuristic decides and the rep reviews.
 * 4. Without one (the offline provider): the offline heuristic classifier, labelled as such.
 *
 * A confidence under the threshold sets `needsReview`: the rep decides instead of the action.
 * Throttling and outages propagate (the state machine waits and retries); nothing sleeps here.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LlmOutputError } from '../errors.ts';
import { defineAnswer, ledgerFor, type CallSpendOptions, type LlmCallRecord, type LlmPassDeps } from '../llm/calls.ts';
import { DEFAULT_MODELS, supportsStrictJsonSchema } from '../research/models.ts';
import { parsePromptFile, PROMPTS, renderTemplate } from '../research/prompts.ts';
import { delimiterAttribute, neutraliseDelimiters } from '../research/text.ts';
import { classifyText } from './heuristic.ts';
import { checkedAnswer, ClassifyAnswer, ObjectionKind, ReplyLabel, type AnswerContext } from './labels.ts';
import type { InboundMail } from './parse.ts';
import { applyRules, type RuleVerdict } from './rules.ts';
import { stripReply, type StrippedReply } from './strip.ts';

/** The classification prompt (`prompts/classify.v<N>.md`). Bundlers must ship `prompts/` next to this module. */
export const CLASSIFY_PROMPT = parsePromptFile('classify.v1', readFileSync(new URL('./prompts/classify.v1.md', import.meta.url), 'utf8'));
/** The prompts a model's label may come from, as stored with the reply. */
export const CLASSIFY_PROMPT_VERSION = `${CLASSIFY_PROMPT.id}+${PROMPTS.repair.id}`;

/** Classification is a short answer: the small fast model unless configured otherwise. */
export const DEFAULT_CLASSIFY_MODEL = DEFAULT_MODELS.facts;
/** Below this confidence a label goes to the rep as `needs_review` instead of being acted on. */
export const DEFAULT_REVIEW_THRESHOLD = 0.6;
// Characters of new text sent to the model: replies are short; what is longer is mostly noise.
const MAX_PROMPT_TEXT = 6000;

export const ClassifiedBy = z.enum(['rules', 'llm', 'heuristic']);
export type ClassifiedBy = z.infer<typeof ClassifiedBy>;

export const Bounce = z.object({
  kind: z.enum(['hard', 'soft']),
  status: z.string().nullable(),
  recipient: z.string().nullable(),
  diagnostic: z.string().nullable(),
  originalMessageId: z.string().nullable(),
});

/** A reply's label and details, as stored and passed to the action step. */
export const ReplyClassification = z.object({
  label: ReplyLabel,
  confidence: z.number().min(0).max(1),
  classifiedBy: ClassifiedBy,
  /** the confidence is under the threshold: the rep decides, no action is taken */
  needsReview: z.boolean(),
  questions: z.array(z.string()),
  referral: z.object({ name: z.string().nullable(), email: z.string() }).nullable(),
  objection: ObjectionKind.nullable(),
  /** YYYY-MM-DD, the first day back */
  returnDate: z.string().nullable(),
  bounce: Bounce.nullable(),
  /** why, in words a rep can check: the rule and what it matched, the heuristic's cue, the model */
  evidence: z.string(),
  /** the model that labelled it (classifiedBy `llm`) */
  model: z.string().nullable(),
  promptVersion: z.string().nullable(),
  /** why a model was asked and the heuristic decided, when it did */
  fallbackReason: z.string().nullable(),
});
export type ReplyClassification = z.infer<typeof ReplyClassification>;

export type ClassifyDeps = LlmPassDeps;

export interface ClassifyOptions extends CallSpendOptions {
  model: string;
  reviewThreshold: number;
  /** prompt tokens of the call and its one repair together */
  promptTokenBudget: number;
}

export const DEFAULT_CLASSIFY_OPTIONS: Readonly<ClassifyOptions> = {
  model: DEFAULT_CLASSIFY_MODEL,
  reviewThreshold: DEFAULT_REVIEW_THRESHOLD,
  promptTokenBudget: 6000,
  maxCompletionTokens: 400,
  reasoningTokens: 800,
  reasoningEffort: 'low',
};

export interface ClassifyResult {
  classification: ReplyClassification;
  stripped: StrippedReply;
  /** the rules' verdict, also when the classifier had the last word */
  rule: RuleVerdict | undefined;
  /** model calls made (stored as `llm_call` rows); empty without a model */
  calls: LlmCallRecord[];
}

/** Classifies one mail; see the module comment for the order of things. */
export async function classifyReply(mail: InboundMail, deps: ClassifyDeps, options?: Partial<ClassifyOptions>): Promise<ClassifyResult> {
  const opts: ClassifyOptions = { ...DEFAULT_CLASSIFY_OPTIONS, ...Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined)) };
  const stripped = stripReply(mail.text);
  const rule = applyRules(mail, stripped);
  const done = (c: Omit<ReplyClassification, 'needsReview'>, calls: LlmCallRecord[] = []): ClassifyResult => ({
    classification: ReplyClassification.parse({ ...c, needsReview: c.confidence < opts.reviewThreshold }),
    stripped,
    rule,
    calls,
  });
  if (rule?.final) return done(fromRule(rule));

  const context: AnswerContext = { text: stripped.text.slice(0, MAX_PROMPT_TEXT), cc: mail.cc.map((a) => a.address), mailDate: mail.date };
  const heuristic = (fallbackReason: string | null) => fromHeuristic(mail, stripped, fallbackReason);
  if (deps.llm.provider === 'offline-heuristic') return done(keepAutoReply(rule, heuristic(null)));

  const calls = ledgerFor(deps, {
    promptTokenBudget: opts.promptTokenBudget,
    subject: { domain: mail.from?.address.split('@')[1] ?? 'unknown', companyName: mail.from?.name || mail.from?.address || 'unknown sender' },
    reasoningTokens: opts.reasoningTokens,
    reasoningEffort: opts.reasoningEffort,
    modelPrices: opts.modelPrices,
  });
  const answerSpec = defineAnswer({
    pass: 'classify',
    schema: checkedAnswer(context),
    jsonSchemaName: 'reply_classification',
    jsonSchema: CLASSIFY_JSON_SCHEMA,
    format: CLASSIFY_PROMPT.format,
  });
  let answer: ClassifyAnswer;
  try {
    const result = await calls.ask({
      answer: answerSpec,
      model: opts.model,
      template: CLASSIFY_PROMPT,
      prompt: buildClassifyPrompt(mail, context.text, rule, supportsStrictJsonSchema(opts.model)),
      promptVersion: CLASSIFY_PROMPT_VERSION,
      maxTokens: opts.maxCompletionTokens,
      context: { messageId: mail.messageId, contentSha256: mail.contentSha256, rule: rule?.label ?? null },
      whenNoRepairBudget: 'skip',
    });
    if (result.kind === 'skipped') return done(keepAutoReply(rule, heuristic('the classification prompt did not fit the token budget')), calls.records);
    answer = result.value;
  } catch (error) {
    if (!(error instanceof LlmOutputError)) throw error;
    return done(keepAutoReply(rule, heuristic(`the model's answer was invalid after one repair (${error.message})`)), calls.records);
  }
  const model = calls.records.at(-1)?.model ?? opts.model;
  return done(
    keepAutoReply(rule, {
      ...answer,
      label: answer.label,
      classifiedBy: 'llm',
      bounce: answer.label === 'bounce' ? { kind: 'soft', status: null, recipient: null, diagnostic: null, originalMessageId: null } : null,
      evidence: `llm: labelled by ${model} from the reply's new text`,
      model,
      promptVersion: CLASSIFY_PROMPT_VERSION,
      fallbackReason: null,
    }),
    calls.records,
  );
}

/** `response_format.json_schema` for the classification call. */
export const CLASSIFY_JSON_SCHEMA = defineAnswer({ pass: 'classify', schema: ClassifyAnswer, jsonSchemaName: 'reply_classification', format: '' }).jsonSchema.schema;

/** The classification prompt for one mail's new text. */
export function buildClassifyPrompt(mail: InboundMail, text: string, rule: RuleVerdict | undefined, strict: boolean): { system: string; user: string } {
  const hint = rule?.label === 'auto_reply' ? `Note: the mail's headers mark it as sent automatically (${delimiterAttribute(rule.evidence, 120)}).\n` : '';
  return {
    system: CLASSIFY_PROMPT.system,
    user: renderTemplate(CLASSIFY_PROMPT.user, {
      from: delimiterAttribute(mail.from ? `${mail.from.name} <${mail.from.address}>`.trim() : 'unknown'),
      date: delimiterAttribute(mail.date ?? 'unknown', 40),
      subject: delimiterAttribute(mail.subject, 200),
      text: neutraliseDelimiters(text || '(no new text)'),
      hint,
      answerFormat: strict ? '' : CLASSIFY_PROMPT.format,
    }),
  };
}

type Unreviewed = Omit<ReplyClassification, 'needsReview'>;

function fromRule(rule: RuleVerdict): Unreviewed {
  const base = { confidence: 1, classifiedBy: 'rules' as const, questions: [], referral: null, objection: null, returnDate: null, bounce: null, model: null, promptVersion: null, fallbackReason: null };
  const evidence = `rule ${rule.rule}: ${rule.evidence}`;
  switch (rule.label) {
    case 'bounce':
      return { ...base, label: 'bounce', bounce: rule.bounce, evidence };
    case 'out_of_office':
      return { ...base, label: 'out_of_office', returnDate: rule.returnDate, evidence };
    case 'unsubscribe':
    case 'auto_reply':
      return { ...base, label: rule.label, evidence };
  }
}

function fromHeuristic(mail: InboundMail, stripped: StrippedReply, fallbackReason: string | null): Unreviewed {
  const { cue, ...answer } = classifyText(stripped.text, mail.subject, mail.date);
  return {
    ...answer,
    // a fallback after a model failed is never acted on without the rep
    confidence: fallbackReason ? Math.min(answer.confidence, 0.4) : answer.confidence,
    classifiedBy: 'heuristic',
    bounce: null,
    evidence: `offline heuristic classifier (${fallbackReason ? "the model's answer was rejected" : 'no language model'}): ${cue}`,
    model: null,
    promptVersion: null,
    fallbackReason,
  };
}

/** A provisional `auto_reply` from the rules stays unless the classifier found a referral or a wrong person. */
function keepAutoReply(rule: RuleVerdict | undefined, c: Unreviewed): Unreviewed {
  if (rule?.label !== 'auto_reply' || c.label === 'referral' || c.label === 'wrong_person') return c;
  return { ...c, label: 'auto_reply', classifiedBy: 'rules', confidence: 1, questions: [], referral: null, objection: null, returnDate: null, bounce: null, evidence: `rule ${rule.rule}: ${rule.evidence}; the classifier said ${c.label}` };
}
