/** Lambda handler for the claim-due step of the sending state machine (a thin adapter over the core). */
import { claimDueStep } from '#core/sending/batch.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<unknown>('claimDue', claimDueStep);
export const handler = lambdaHandler(makeHandler, 'ClaimDue');
