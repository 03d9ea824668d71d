/** Lambda handler for the record-reply-failure step of the replies state machine (a thin adapter over the core). */
import { recordReplyFailureStep } from '#core/replies/flow.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<unknown>('recordReplyFailure', recordReplyFailureStep);
export const handler = lambdaHandler(makeHandler, 'RecordReplyFailure');
