/**
 * The research record as zod schemas, the single source of its types: the facts, the findings
 * (fit per criterion, intent signals, pains, hooks, email angle, verification and budget
 * counts), the engine's result and the stored record CommitResearch reads back from the lake.
 * The engine builds these types; the commit step parses the stored record; the report, eval,
 * show and export parse the `research.findings` column with `parseFindings` rather than each
 * checking the shape again.
 *
 * Every findings field has a default, so a row written before a field existed (or a bare `{}`)
 * still reads as findings with nothing in them instead of failing a whole report.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { LlmCallRecord } from '../llm/records.ts';
import { ASSESSMENTS, CRITERIA, FACT_CATEGORIES } from './schemas.ts';

/** One fact the research keeps: a claim and the exact span of the page it was verified against. */
export const ResearchFact = z.object({
  /** f1, f2, ... unique within one research */
  id: z.string().min(1),
  category: z.enum(FACT_CATEGORIES),
  claim: z.string(),
  quote: z.string(),
  snapshotId: z.string().min(1),
  sourceUrl: z.string(),
  verified: z.boolean(),
  /** further pages with the same quote (research/merge-facts.ts), in the order they were read */
  alsoFoundOn: z.array(z.object({ snapshotId: z.string().min(1), sourceUrl: z.string() })).optional(),
});
export type ResearchFact = z.infer<typeof ResearchFact>;

const factIds = z.array(z.string()).default([]);

/** One ICP criterion as checked against the evidence (see `checkSynthesis` in the engine). */
export const CriterionFinding = z.object({
  criterion: z.enum(CRITERIA),
  assessment: z.enum(ASSESSMENTS),
  weight: z.number(),
  reason: z.string(),
  factIds,
  /** what the model said before the evidence rule applied */
  modelAssessment: z.enum(ASSESSMENTS).optional(),
  /** citations removed because they named facts the model was not shown */
  removedFactIds: z.array(z.string()).optional(),
});
export type CriterionFinding = z.infer<typeof CriterionFinding>;

export const FitFinding = z.object({
  /** the fit score, null when evidence was insufficient */
  score: z.number().nullable().default(null),
  /** the score the rubric computes from the assessments */
  computedScore: z.number().optional(),
  /** the score the model proposed (kept for comparison, never used) */
  modelScore: z.number().optional(),
  rules: z.string().default(''),
  criteria: z.array(CriterionFinding).default([]),
});

export const HookFinding = z.object({ hook: z.string(), factIds });
export const PainFinding = z.object({ pain: z.string(), valueProposition: z.string(), factIds });
export const IntentSignalFinding = z.object({ signal: z.string(), factIds });
export const EmailAngleFinding = z.object({ angle: z.string(), factIds });

export const VerificationFinding = z.object({
  factsProposed: z.number().default(0),
  factsVerified: z.number().default(0),
  factsDropped: z.number().default(0),
  hooksProposed: z.number().default(0),
  hooksKept: z.number().default(0),
  hooksDropped: z.number().default(0),
  droppedFacts: z.array(z.object({ id: z.string(), pageId: z.string(), reason: z.string(), quote: z.string() })).default([]),
  droppedHooks: z.array(z.object({ hook: z.string(), factIds: z.array(z.string()), reason: z.string() })).default([]),
  citationsRemoved: z.number().default(0),
});

export const TokenBudgetFinding = z.object({
  limit: z.number().default(0),
  used: z.number().default(0),
  pagesIncluded: z.number().default(0),
  /** urls of pages left out for lack of budget */
  pagesSkipped: z.array(z.string()).default([]),
  /** urls of unchanged pages whose facts came from the previous research, not from the facts pass */
  pagesReused: z.array(z.string()).default([]),
  pagesTrimmed: z.number().default(0),
  synthesisFacts: z.number().default(0),
  stoppedEarly: z.boolean().default(false),
});

/** What the research found beyond its facts: stored as `research.findings`. */
export const Findings = z.object({
  /** set when no language model was used: says how the offline researcher works */
  method: z.string().optional(),
  icp: z.object({ id: z.string(), slug: z.string(), name: z.string() }).nullable().default(null),
  insufficientEvidence: z.boolean().default(false),
  /** what evidence was missing (or why none could be gathered) */
  missing: z.array(z.string()).default([]),
  fit: FitFinding.default({ score: null, rules: '', criteria: [] }),
  intentSignals: z.array(IntentSignalFinding).default([]),
  pains: z.array(PainFinding).default([]),
  hooks: z.array(HookFinding).default([]),
  emailAngle: EmailAngleFinding.nullable().default(null),
  verification: VerificationFinding.default(VerificationFinding.parse({})),
  tokenBudget: TokenBudgetFinding.default(TokenBudgetFinding.parse({})),
});
export type Findings = z.infer<typeof Findings>;

/**
 * Findings from the `research.findings` column (or any stored copy); a `ValidationError` naming
 * the research and each field when the stored JSON is not findings at all.
 */
export function parseFindings(json: unknown, researchId: string): Findings {
  const parsed = Findings.safeParse(json ?? {});
  if (parsed.success) return parsed.data;
  throw new ValidationError(`the findings of research ${researchId}`, issuesOf(parsed.error));
}

function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 6).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/** What the engine returns for one lead. */
export const ResearchResult = z.object({
  status: z.enum(['researched', 'insufficient_evidence']),
  provider: z.string(),
  /** the synthesis model (or the only model) */
  model: z.string(),
  promptVersion: z.string(),
  fitScore: z.number().nullable(),
  summary: z.string(),
  findings: Findings,
  /** only verified facts are kept as usable evidence; dropped ones are counted in findings.verification */
  facts: z.array(ResearchFact),
  llmCalls: z.array(LlmCallRecord),
  promptTokens: z.number(),
  completionTokens: z.number(),
  costUsd: z.number(),
});
export type ResearchResult = z.infer<typeof ResearchResult>;

/** What ResearchLead stores in the lake (runs/<run>/research/<lead>.json) and CommitResearch reads back. */
export const StoredResearch = z.object({
  idempotencyKey: z.string().min(1),
  /** What the key hashes, so an operator can see why a lead was researched again. */
  keyInputs: z.record(z.string(), z.unknown()).optional(),
  runId: z.string().min(1),
  leadId: z.string().min(1),
  pages: z.array(z.object({ snapshotId: z.string(), url: z.string(), cleanKey: z.string(), cleanSha256: z.string() })),
  result: ResearchResult,
});
export type StoredResearch = z.infer<typeof StoredResearch>;

/**
 * A stored research record from its JSON text; the error names the key and the first field
 * that does not match.
 */
export function parseStoredResearch(text: string, key: string): StoredResearch {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`research result ${key}`, [{ path: '', message: `not JSON (${error instanceof Error ? error.message : String(error)})` }]);
  }
  const parsed = StoredResearch.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new ValidationError(`research result ${key}`, issuesOf(parsed.error));
}
