/** Lambda handler for the parse-reply step of the replies state machine (a thin adapter over the core). */
import { parseReplyStep } from '#core/replies/flow.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<unknown>('parseReply', parseReplyStep);
export const handler = lambdaHandler(makeHandler, 'ParseReply');
