/** Lambda handler for the send-message step of the sending state machine (a thin adapter over the core). */
import { sendMessageStep } from '#core/sending/batch.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<unknown>('sendMessage', sendMessageStep);
export const handler = lambdaHandler(makeHandler, 'SendMessage');
