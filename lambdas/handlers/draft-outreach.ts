/** Lambda handler for the draft-outreach step (a thin adapter over the core). */
import { draftOutreach, type DraftOutreachInput } from '#core/pipeline/draft-outreach.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<DraftOutreachInput>('draftOutreach', (deps, input) => draftOutreach(deps, input));
export const handler = lambdaHandler(makeHandler, 'DraftOutreach');
