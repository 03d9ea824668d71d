/** Lambda handler for the draft-response step of the replies state machine (a thin adapter over the core). */
import { draftResponseStep } from '#core/replies/respond.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<unknown>('draftResponse', draftResponseStep);
export const handler = lambdaHandler(makeHandler, 'DraftResponse');
