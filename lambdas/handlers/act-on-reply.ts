/** Lambda handler for the act-on-reply step of the replies state machine (a thin adapter over the core). */
import { actOnReplyStep } from '#core/replies/flow.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<unknown>('actOnReply', actOnReplyStep);
export const handler = lambdaHandler(makeHandler, 'ActOnReply');
