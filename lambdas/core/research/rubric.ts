/**
 * The fit score rules. A model (or the heuristic) assesses each ICP criterion and cites facts;
 * the score itself is computed here from those assessments, so nothing a page says and nothing
 * a model writes as a number can set it.
 */
import type { IcpContext } from './contract.ts';
import { CRITERIA, type Assessment, type Criterion } from './schemas.ts';

/** Weight of each criterion in the score (negative ICP is a cap, not a weight). */
export const CRITERION_WEIGHTS: Readonly<Record<Criterion, number>> = {
  industry: 25,
  size: 20,
  geography: 15,
  technology: 15,
  funding_stage: 10,
  triggers: 15,
  negative_icp: 0,
};

/**
 * Points per assessment. `unknown` earns a little: no evidence either way is not evidence
 * against, but it must never look like a fit.
 */
export const ASSESSMENT_POINTS: Readonly<Record<Exclude<Assessment, 'not_applicable'>, number>> = {
  fits: 1,
  partial: 0.5,
  unknown: 0.25,
  does_not_fit: 0,
};

/** The most a lead can score when a negative-ICP disqualifier applies. */
export const NEGATIVE_ICP_CAP = 20;

/** The rules in words, stored with every score so a reader can check the arithmetic. */
export const SCORE_RULES =
  'score = 100 x sum(weight x points) / sum(weight) over criteria the ICP sets; weights industry 25, size 20, geography 15, technology 15, funding_stage 10, triggers 15; points fits 1, partial 0.5, unknown 0.25, does_not_fit 0; an assessment other than unknown needs at least one verified fact; a negative-ICP disqualifier caps the score at 20';

/** Criteria the ICP actually sets; the others are `not_applicable` whatever a model says. */
export function applicableCriteria(icp: IcpContext | null): Set<Criterion> {
  const set = new Set<Criterion>();
  if (!icp) return set;
  if (icp.industries.length) set.add('industry');
  if (icp.employeesMin !== null || icp.employeesMax !== null) set.add('size');
  if (icp.geographies.length) set.add('geography');
  if (icp.technologies.length) set.add('technology');
  if (icp.fundingStages.length) set.add('funding_stage');
  if (icp.buyingTriggers.length) set.add('triggers');
  if (icp.negativeIcp.length) set.add('negative_icp');
  return set;
}

/** Computes the 0–100 fit score from per-criterion assessments (see `SCORE_RULES`). */
export function computeFitScore(assessments: Partial<Record<Criterion, Assessment>>): number {
  let total = 0;
  let earned = 0;
  for (const criterion of CRITERIA) {
    const weight = CRITERION_WEIGHTS[criterion];
    const a = assessments[criterion] ?? 'unknown';
    if (weight === 0 || a === 'not_applicable') continue;
    total += weight;
    earned += weight * ASSESSMENT_POINTS[a];
  }
  let score = total === 0 ? 100 * ASSESSMENT_POINTS.unknown : (100 * earned) / total;
  if (assessments.negative_icp === 'does_not_fit') score = Math.min(score, NEGATIVE_ICP_CAP);
  return clampScore(score);
}

/** Rounds and clamps any number to an integer in 0..100 (NaN becomes 0). */
export function clampScore(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.max(0, Math.min(100, Math.round(value)));
}
