/** Lambda handler for the classify-reply step of the replies state machine (a thin adapter over the core). */
import { classifyReplyStep } from '#core/replies/flow.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<unknown>('classifyReply', classifyReplyStep);
export const handler = lambdaHandler(makeHandler, 'ClassifyReply');
