/**
 * The shape of each research pass's answer: zod schemas that validate what a model returns,
 * and the equivalent JSON Schemas for Groq's strict structured output (every property
 * required, `additionalProperties: false`, no keywords strict mode may refuse).
 */
import { z } from 'zod';
import { defineAnswer, parseJsonAnswer, toStrictJsonSchema, type AnswerSpec, type ParseResult } from '../llm/calls.ts';
import { PROMPTS } from './prompts.ts';

/** Fact categories (the `fact.category` CHECK constraint lists the same). */
export const FACT_CATEGORIES = ['firmographic', 'product', 'customer', 'hiring', 'funding', 'news', 'technology', 'pain', 'other'] as const;

/** ICP criteria the fit score is built from. */
export const CRITERIA = ['industry', 'size', 'geography', 'technology', 'funding_stage', 'triggers', 'negative_icp'] as const;
export type Criterion = (typeof CRITERIA)[number];

/**
 * How a lead measures against one criterion. For `negative_icp`, `does_not_fit` means a
 * disqualifier applies; `not_applicable` means the ICP sets nothing for the criterion.
 */
export const ASSESSMENTS = ['fits', 'partial', 'does_not_fit', 'unknown', 'not_applicable'] as const;
export type Assessment = (typeof ASSESSMENTS)[number];

const factIds = z.array(z.string()).describe('ids of the facts this rests on, e.g. ["f1","f3"]');

/** Pass 1: facts proposed from page blocks. Ids are assigned by the engine, not the model. */
export const FactsAnswer = z.object({
  facts: z.array(
    z.object({
      category: z.enum(FACT_CATEGORIES),
      claim: z.string().min(1).describe('one short sentence the quote directly supports'),
      quote: z.string().min(1).describe('exact excerpt copied from the page block'),
      pageId: z.string().min(1).describe('id of the page block the quote is from, e.g. p1'),
    }),
  ),
});
export type FactsAnswer = z.infer<typeof FactsAnswer>;

/** Pass 2: synthesis over verified facts. */
export const SynthesisAnswer = z.object({
  insufficientEvidence: z.boolean(),
  missing: z.array(z.string()).describe('what evidence would be needed, when insufficient'),
  summary: z.string(),
  fit: z.object({
    score: z.number().describe('0-100'),
    criteria: z.array(
      z.object({
        criterion: z.enum(CRITERIA),
        assessment: z.enum(ASSESSMENTS),
        reason: z.string(),
        factIds,
      }),
    ),
  }),
  intentSignals: z.array(z.object({ signal: z.string(), factIds })),
  pains: z.array(z.object({ pain: z.string(), valueProposition: z.string(), factIds })),
  hooks: z.array(z.object({ hook: z.string().min(1), factIds })),
  emailAngle: z.object({ angle: z.string(), factIds }),
});
export type SynthesisAnswer = z.infer<typeof SynthesisAnswer>;

/** The passes whose answers are JSON-validated. */
export type AnswerPass = 'facts' | 'synthesis';

/** The zod schema of a pass. */
export const ANSWER_SCHEMAS = { facts: FactsAnswer, synthesis: SynthesisAnswer } as const;

/** A strict-mode JSON Schema from a zod schema (see `llm/calls.ts`). */
export { toStrictJsonSchema, type ParseResult } from '../llm/calls.ts';

/** JSON Schemas sent as `response_format.json_schema.schema` (strict where the model allows). */
export const JSON_SCHEMAS: Record<AnswerPass, { name: string; schema: Record<string, unknown> }> = {
  facts: { name: 'research_facts', schema: toStrictJsonSchema(FactsAnswer) },
  synthesis: { name: 'research_synthesis', schema: toStrictJsonSchema(SynthesisAnswer) },
};

/** The research passes as `LlmCalls` answers: schema, JSON Schema, format in words, spelling variants. */
export const ANSWERS: { facts: AnswerSpec<FactsAnswer>; synthesis: AnswerSpec<SynthesisAnswer> } = {
  facts: defineAnswer({ pass: 'facts', schema: FactsAnswer, jsonSchemaName: JSON_SCHEMAS.facts.name, jsonSchema: JSON_SCHEMAS.facts.schema, format: PROMPTS.facts.format, normalise: normaliseFacts }),
  synthesis: defineAnswer({
    pass: 'synthesis',
    schema: SynthesisAnswer,
    jsonSchemaName: JSON_SCHEMAS.synthesis.name,
    jsonSchema: JSON_SCHEMAS.synthesis.schema,
    format: PROMPTS.synthesis.format,
    normalise: normaliseSynthesis,
  }),
};

/**
 * Parses and validates a pass's answer. Tolerates what costs nothing to tolerate (a JSON code
 * fence around the object, category/assessment spelling variants); anything else is an error
 * whose text is sent back in the one repair attempt.
 */
export function parseAnswer<P extends AnswerPass>(pass: P, content: string): ParseResult<z.infer<(typeof ANSWER_SCHEMAS)[P]>> {
  return parseJsonAnswer(ANSWERS[pass] as AnswerSpec<z.infer<(typeof ANSWER_SCHEMAS)[P]>>, content);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function normaliseFacts(json: unknown): unknown {
  if (!isRecord(json) || !Array.isArray(json.facts)) return json;
  return {
    ...json,
    facts: json.facts.map((f) => {
      if (!isRecord(f) || typeof f.category !== 'string') return f;
      const c = f.category.trim().toLowerCase();
      // an unlisted category is still a fact: file it under `other` rather than burn a repair
      return { ...f, category: (FACT_CATEGORIES as readonly string[]).includes(c) ? c : 'other' };
    }),
  };
}

const ASSESSMENT_SYNONYMS: Record<string, Assessment> = {
  fit: 'fits',
  fits: 'fits',
  match: 'fits',
  matches: 'fits',
  yes: 'fits',
  partial: 'partial',
  partially: 'partial',
  partial_fit: 'partial',
  does_not_fit: 'does_not_fit',
  'does not fit': 'does_not_fit',
  no_fit: 'does_not_fit',
  mismatch: 'does_not_fit',
  no: 'does_not_fit',
  unknown: 'unknown',
  unclear: 'unknown',
  not_applicable: 'not_applicable',
  'not applicable': 'not_applicable',
  'n/a': 'not_applicable',
  na: 'not_applicable',
};

const CRITERION_SYNONYMS: Record<string, Criterion> = {
  industry: 'industry',
  size: 'size',
  company_size: 'size',
  employees: 'size',
  geography: 'geography',
  location: 'geography',
  technology: 'technology',
  tech: 'technology',
  funding_stage: 'funding_stage',
  funding: 'funding_stage',
  triggers: 'triggers',
  buying_triggers: 'triggers',
  negative_icp: 'negative_icp',
  negative: 'negative_icp',
};

function normaliseSynthesis(json: unknown): unknown {
  if (!isRecord(json) || !isRecord(json.fit) || !Array.isArray(json.fit.criteria)) return json;
  const criteria = json.fit.criteria.map((c) => {
    if (!isRecord(c)) return c;
    const key = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase().replace(/[\s-]+/g, '_') : v);
    const crit = key(c.criterion);
    const assess = typeof c.assessment === 'string' ? c.assessment.trim().toLowerCase() : c.assessment;
    return {
      ...c,
      criterion: typeof crit === 'string' ? (CRITERION_SYNONYMS[crit] ?? crit) : crit,
      assessment: typeof assess === 'string' ? (ASSESSMENT_SYNONYMS[assess] ?? ASSESSMENT_SYNONYMS[assess.replace(/[\s-]+/g, '_')] ?? assess) : assess,
    };
  });
  return { ...json, fit: { ...json.fit, criteria } };
}
