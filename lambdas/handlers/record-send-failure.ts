/** Lambda handler for the record-send-failure step of the sending state machine (a thin adapter over the core). */
import { recordSendFailureStep } from '#core/sending/batch.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<unknown>('recordSendFailure', recordSendFailureStep);
export const handler = lambdaHandler(makeHandler, 'RecordSendFailure');
