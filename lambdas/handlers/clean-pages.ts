/** Lambda handler for the clean-pages step (a thin adapter over the core). */
import { cleanPages, type CleanPagesInput } from '#core/pipeline/clean-pages.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<CleanPagesInput>('cleanPages', cleanPages);
export const handler = lambdaHandler(makeHandler, 'CleanPages');
