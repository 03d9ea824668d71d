/** Lambda handler for the record-failure step (a thin adapter over the core). */
import { recordFailure, type RecordFailureInput } from '#core/pipeline/record-failure.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<RecordFailureInput>('recordFailure', recordFailure);
export const handler = lambdaHandler(makeHandler, 'RecordFailure');
