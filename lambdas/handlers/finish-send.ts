/** Lambda handler for the finish-send step of the sending state machine (a thin adapter over the core). */
import { finishSendStep } from '#core/sending/batch.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<unknown>('finishSend', finishSendStep);
export const handler = lambdaHandler(makeHandler, 'FinishSend');
