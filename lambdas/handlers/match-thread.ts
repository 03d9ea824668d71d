/** Lambda handler for the match-thread step of the replies state machine (a thin adapter over the core). */
import { matchThreadStep } from '#core/replies/flow.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<unknown>('matchThread', matchThreadStep);
export const handler = lambdaHandler(makeHandler, 'MatchThread');
