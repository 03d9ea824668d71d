/** Lambda handler for the commit-research step (a thin adapter over the core). */
import { commitResearch, type CommitResearchInput } from '#core/pipeline/commit-research.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<CommitResearchInput>('commitResearch', commitResearch);
export const handler = lambdaHandler(makeHandler, 'CommitResearch');
